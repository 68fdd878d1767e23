# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# udsbench: the demo workload and benchmark, a program of its own with its
# own flags (nothing from user/ or bpf/). Included from the top-level
# Makefile; one static binary at udsbench/udsbench, objects in
# $(OUTPUT)/udsbench. With SANITIZE=1: ASan and UBSan, linked dynamically,
# objects and binary in $(OUTPUT)/sanitize/udsbench.

UDSBENCH_SRCS := $(wildcard udsbench/*.c)
UDSBENCH_OBJS := $(patsubst udsbench/%.c,$(BUILD)/udsbench/%.o,$(UDSBENCH_SRCS))
# -I$(OUTPUT): version.h, the version and commit the top Makefile generates.
UDSBENCH_CFLAGS := -g -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread -I$(OUTPUT)
ifeq ($(SANITIZE),1)
UDSBENCH := $(BUILD)/udsbench/udsbench
UDSBENCH_CFLAGS += $(SAN_FLAGS)
UDSBENCH_LINK :=
else
UDSBENCH := udsbench/udsbench
UDSBENCH_LINK := -static
endif

all: udsbench

$(BUILD)/udsbench:
	$(Q)mkdir -p $@

$(BUILD)/udsbench/%.o: udsbench/%.c $(wildcard udsbench/*.h) | $(BUILD)/udsbench
	$(call msg,CC,$@)
	$(Q)$(CC) $(UDSBENCH_CFLAGS) -c $< -o $@

$(BUILD)/udsbench/options.o: $(OUTPUT)/version.h

$(UDSBENCH): $(UDSBENCH_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(UDSBENCH_CFLAGS) $^ $(UDSBENCH_LINK) -o $@

# "make udsbench" names the program, not its folder.
udsbench: $(UDSBENCH)

# make test builds it too; make clean removes it.
TEST_BINS += $(UDSBENCH)
test-bins test-unit test-live: $(UDSBENCH)
clean: clean-udsbench
clean-udsbench:
	$(Q)rm -f $(UDSBENCH)

.PHONY: udsbench clean-udsbench
