# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make test: unit tests (no root), live tests (host kernel), the unit and
# live tests again with ASan and UBSan binaries (tests/sanitize/run.sh),
# VM tests (Debian 5.10, 6.1 and 6.12 under qemu). Included from the
# top-level Makefile. make test SANITIZE=1 runs the sanitized pass alone.

# The unit tests link every user object but main.o.
UNIT_OBJS := $(filter-out $(BUILD)/main.o,$(USER_OBJS))

$(BUILD)/test_units: tests/unit/test_units.c $(UNIT_OBJS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# feature.c's BTF index against libbpf's answers.
$(BUILD)/test_feature: tests/unit/test_feature.c $(UNIT_OBJS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# The workload is a test fixture, never sanitized: always static.
$(OUTPUT)/workload: tests/workload.c tests/asleep.h | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -pthread -static $< -o $@

# More readers asleep at once than a kretprobe has instances (the kprobe tests).
$(OUTPUT)/sleepers: tests/sleepers.c tests/asleep.h | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -pthread -static $< -o $@

# Reads across the edges of --time-sample's windows.
$(OUTPUT)/edges: tests/edges.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -pthread -static $< -o $@

# Three request-response connections at 100:10:1 (--advise).
$(OUTPUT)/rates: tests/rates.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -pthread -static $< -o $@

# Unix listener backpressure on purpose, counted by itself (--listeners).
$(OUTPUT)/backlog: tests/backlog.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -pthread -static $< -o $@

# -S: connections with known traffic, held open for ss (tests/live/conns.sh).
$(OUTPUT)/connwork: tests/connwork.c tests/asleep.h | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -pthread -static $< -o $@

# Runs a command with one system call failing (a seccomp filter).
$(OUTPUT)/deny: tests/deny.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -static $< -o $@

TEST_BINS := $(UDSTRACE_BIN) $(BUILD)/test_units $(BUILD)/test_feature \
	$(OUTPUT)/workload $(OUTPUT)/sleepers $(OUTPUT)/deny $(OUTPUT)/edges \
	$(OUTPUT)/rates $(OUTPUT)/connwork \
	$(OUTPUT)/backlog
ifneq ($(SANITIZE),1)
# tests/live/bench.sh: make bench's floor and per-program cost tools.
TEST_BINS += $(OUTPUT)/udstrace-dynamic $(OUTPUT)/floor $(OUTPUT)/prog-cost
endif
include tests/fuzz/fuzz.mk

test-deps:
	$(Q)bash tests/deps.sh

# Every tests/unit/*.sh and tests/live/*.sh is a test script; in tests/vm
# only test-*.sh are (the rest is the VM harness).
UNIT_TESTS = $(sort $(wildcard tests/unit/*.sh))
LIVE_TESTS = $(sort $(wildcard tests/live/*.sh))
VM_TESTS = $(sort $(wildcard tests/vm/test-*.sh))
SAN_TESTS = tests/sanitize/run.sh
# The scripts find the programs under test through these.
TEST_ENV = UDSTRACE=$(abspath $(UDSTRACE_BIN)) \
	TEST_UNITS=$(abspath $(BUILD)/test_units) \
	TEST_FEATURE=$(abspath $(BUILD)/test_feature) UDSBENCH=$(abspath $(UDSBENCH))

test-bins: $(TEST_BINS)

ifeq ($(SANITIZE),1)
test: test-deps
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 test-bins
	$(Q)tests/run.sh $(SAN_TESTS)
else
test: test-deps
	$(Q)$(MAKE) --no-print-directory test-bins
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 test-bins
	$(Q)tests/run.sh $(UNIT_TESTS) $(LIVE_TESTS) $(SAN_TESTS) $(VM_TESTS)
endif

test-unit: $(TEST_BINS)
	$(Q)$(TEST_ENV) tests/run.sh $(UNIT_TESTS)

test-live: $(TEST_BINS)
	$(Q)$(TEST_ENV) tests/run.sh $(LIVE_TESTS)

test-vm: $(TEST_BINS)
	$(Q)tests/run.sh $(VM_TESTS)

# The unit and live tests with ASan and UBSan binaries, alone.
test-sanitize:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 test-bins
	$(Q)tests/run.sh $(SAN_TESTS)

.PHONY: test-deps test-bins test-sanitize
