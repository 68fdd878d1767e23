# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# udsbench: the demo workload and benchmark. Included from the top-level
# Makefile; one static binary at ./udsbench, objects in $(OUTPUT)/udsbench.

UDSBENCH_SRCS := $(wildcard user/udsbench/*.c)
UDSBENCH_OBJS := $(patsubst user/udsbench/%.c,$(OUTPUT)/udsbench/%.o,$(UDSBENCH_SRCS))

all: udsbench

$(OUTPUT)/udsbench:
	$(Q)mkdir -p $@

# The shorter stem wins over the $(OUTPUT)/%.o rule for udstrace's objects.
$(OUTPUT)/udsbench/%.o: user/udsbench/%.c $(wildcard user/udsbench/*.h) | $(OUTPUT)/udsbench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

udsbench: $(UDSBENCH_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -static -pthread -o $@

# make test builds it too; make clean removes it.
TEST_BINS += udsbench
test-unit test-live: udsbench
clean: clean-udsbench
clean-udsbench:
	$(Q)rm -f udsbench

.PHONY: clean-udsbench
