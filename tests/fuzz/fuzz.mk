# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# libFuzzer harnesses of the parsers of outside text (tests/fuzz/fuzz_*.c),
# included from tests/tests.mk.
#   make fuzz [FUZZ_SECONDS=300] [FUZZ_NAMES="opts kallsyms"]
#       long runs, FUZZ_SECONDS per harness; the corpus grows in
#       .output/fuzz/corpus/NAME, crashes land in .output/fuzz/crash-NAME-*
# The bounded run of make test is tests/unit/fuzz.sh.
FUZZ_NAMES ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 300
FUZZ_DIR := $(OUTPUT)/fuzz
FUZZ_BINS := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_NAMES))
# Every user object but main.o, built again by clang with the sanitizers
# and libFuzzer's coverage: the option parser alone pulls in the backends.
FUZZ_OBJS := $(patsubst $(BUILD)/%.o,$(FUZZ_DIR)/obj/%.o,$(UNIT_OBJS))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) -Wall -Wextra \
	-Wno-unused-parameter -Werror -D_GNU_SOURCE -Ibpf -Iuser -I$(OUTPUT)
# Debian ships libFuzzer in libclang-rt-dev (tests/deps.sh installs it).
FUZZ_PROBE := printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n' | \
	$(CLANG) -fsanitize=fuzzer -x c - -o $(FUZZ_DIR)/probe >/dev/null 2>&1

# The harnesses if clang can build them; otherwise tests/unit/fuzz.sh says SKIP.
fuzz-bins: | $(FUZZ_DIR)
	$(Q)if $(FUZZ_PROBE); then $(MAKE) --no-print-directory fuzz-harnesses; \
	else echo "  SKIP     fuzz harnesses: $(CLANG) -fsanitize=fuzzer does not link"; fi

fuzz-harnesses: $(FUZZ_BINS)
	@:

fuzz: fuzz-bins
	$(Q)bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_DIR) $(FUZZ_DIR) $(FUZZ_NAMES)

$(FUZZ_DIR) $(FUZZ_DIR)/obj:
	$(Q)mkdir -p $@

$(FUZZ_DIR)/obj/%.o: user/%.c $(wildcard user/*.h bpf/*.h) | $(FUZZ_DIR)/obj
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/obj/opts.o $(FUZZ_DIR)/obj/exporter.o: $(OUTPUT)/version.h
$(foreach b,$(BPF_OBJS),$(eval $(FUZZ_DIR)/obj/backend_$(b).o: $(OUTPUT)/$(b).skel.h))

# libbpf dynamically: the sanitizers' runtime does not link statically.
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz $< $(FUZZ_OBJS) \
		-lbpf -lelf -lz -lm -o $@

TEST_BINS += fuzz-bins
.PHONY: fuzz fuzz-bins fuzz-harnesses
