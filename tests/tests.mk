# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make test: unit tests (no root), live tests (host kernel), VM tests
# (Debian 5.10, 6.1 and 6.12 under qemu). Included from the top-level Makefile.

# The unit tests link every user object but main.o.
UNIT_OBJS := $(filter-out $(OUTPUT)/main.o,$(USER_OBJS))

$(OUTPUT)/test_units: tests/unit/test_units.c $(UNIT_OBJS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/workload: tests/workload.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -pthread -static $< -o $@

# Runs a command with one system call failing (a seccomp filter).
$(OUTPUT)/deny: tests/deny.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -static $< -o $@

TEST_BINS := udstrace $(OUTPUT)/test_units $(OUTPUT)/workload $(OUTPUT)/deny

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
