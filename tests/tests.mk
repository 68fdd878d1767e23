# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make test: unit tests (no root), live tests (host kernel), VM tests
# (Debian 6.1 under qemu). Included from the top-level Makefile.

UNIT_SRCS := tests/unit/test_units.c user/fmt.c user/hist.c user/opts.c \
	user/snapshot.c user/tracer.c user/paths.c user/feature.c user/bpf_stats.c \
	user/backend_fentry.c user/backend_kprobe.c user/kprobe_events.c user/backend_tracepoint.c user/backend_kmod.c user/udsprobe_proc.c

$(OUTPUT)/test_units: $(UNIT_SRCS) $(wildcard user/*.h) $(SKELS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(UNIT_SRCS) $(LDLIBS) -o $@

$(OUTPUT)/workload: tests/workload.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -pthread -static $< -o $@

TEST_BINS := udstrace $(OUTPUT)/test_units $(OUTPUT)/workload

test-deps:
	$(Q)bash tests/deps.sh

# Every tests/unit/*.sh and tests/live/*.sh is a test script; in tests/vm
# only test-*.sh are (the rest is the VM harness).
UNIT_TESTS = $(sort $(wildcard tests/unit/*.sh))
LIVE_TESTS = $(sort $(wildcard tests/live/*.sh))
VM_TESTS = $(sort $(wildcard tests/vm/test-*.sh))

test: test-deps
	$(Q)$(MAKE) --no-print-directory $(TEST_BINS)
	$(Q)tests/run.sh $(UNIT_TESTS) $(LIVE_TESTS) $(VM_TESTS)

test-unit: $(TEST_BINS)
	$(Q)tests/run.sh $(UNIT_TESTS)

test-live: $(TEST_BINS)
	$(Q)tests/run.sh $(LIVE_TESTS)

test-vm: $(TEST_BINS)
	$(Q)tests/run.sh $(VM_TESTS)

.PHONY: test-deps
