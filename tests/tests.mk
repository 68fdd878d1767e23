# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make test: unit tests (no root), live tests (host kernel), VM tests
# (Debian 6.1 under qemu). Included from the top-level Makefile.

UNIT_SRCS := tests/unit/test_units.c user/fmt.c user/hist.c user/opts.c \
	user/snapshot.c user/tracer.c user/paths.c user/feature.c \
	user/backend_fentry.c user/backend_tracepoint.c

$(OUTPUT)/test_units: $(UNIT_SRCS) $(wildcard user/*.h) $(SKELS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(UNIT_SRCS) $(LDLIBS) -o $@

$(OUTPUT)/workload: tests/workload.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -pthread -static $< -o $@

TEST_BINS := udstrace $(OUTPUT)/test_units $(OUTPUT)/workload

test-deps:
	$(Q)bash tests/deps.sh

test: test-deps
	$(Q)$(MAKE) --no-print-directory $(TEST_BINS)
	$(Q)tests/run.sh tests/unit/units.sh tests/unit/cli.sh tests/live/live.sh tests/vm/vm.sh

test-unit: $(TEST_BINS)
	$(Q)tests/run.sh tests/unit/units.sh tests/unit/cli.sh

test-live: $(TEST_BINS)
	$(Q)tests/run.sh tests/live/live.sh

test-vm: $(TEST_BINS)
	$(Q)tests/run.sh tests/vm/vm.sh

.PHONY: test-deps
