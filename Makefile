# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# udstrace: make, make test, make demo, make bench, make kmod, make install
OUTPUT := .output
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CC ?= cc
ARCH := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
# The tracepoint backend decodes x86-64 (and ia32) syscall numbers and
# registers (bpf/syscalls.bpf.h): other architectures stop here, not later.
ifeq ($(filter clean kmod kmod-clean,$(MAKECMDGOALS)),)
ifneq ($(ARCH),x86)
$(error udstrace's BPF programs support x86-64 only; this build is for $(ARCH) ($(shell uname -m)))
endif
endif
PREFIX ?= /usr/local
VERSION := 0.1
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

BASE_CFLAGS := -g -O2 -Wall -Wextra -Wno-unused-parameter -Werror -D_GNU_SOURCE \
	-Ibpf -Iuser -I$(OUTPUT)
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) \
	-Ibpf -I$(OUTPUT)
# One self-contained binary: libbpf, libelf and zlib linked in.
LDLIBS := -static -lbpf -lelf -lz -lm

# make SANITIZE=1 [udstrace|test|...]: user space (udstrace, test_units,
# udsbench) built with ASan and UBSan into $(OUTPUT)/sanitize, so its objects
# never mix with the normal build's. The sanitizer runtimes cannot be linked
# statically, so that build links libbpf, libelf and zlib dynamically. The
# BPF objects and skeletons are the same for both and stay in $(OUTPUT).
# It uses clang, whose UBSan honours log_path (gcc 12's writes to stderr
# whatever UBSAN_OPTIONS says), so tests/sanitize/run.sh finds every report.
SANITIZE ?= 0
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
ifeq ($(SANITIZE),1)
BUILD := $(OUTPUT)/sanitize
CC := $(CLANG)
CFLAGS := $(BASE_CFLAGS) $(SAN_FLAGS)
LDLIBS := -lbpf -lelf -lz -lm
UDSTRACE_BIN := $(BUILD)/udstrace
else
BUILD := $(OUTPUT)
CFLAGS := $(BASE_CFLAGS)
UDSTRACE_BIN := udstrace
endif

BPF_OBJS := fentry kprobe tracepoint
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/%.o,$(USER_SRCS))
SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_OBJS))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all clean test test-unit test-live test-vm demo demo-redis bench bench-startup install picture
all: $(UDSTRACE_BIN)

$(sort $(OUTPUT) $(BUILD)):
	$(Q)mkdir -p $@

# --version names the commit the binaries were built from, asked of git at
# build time and never committed: "-dirty" when tracked files differ from it,
# "unknown" in a tree without .git (a tarball). version.h is rewritten only
# when that changes, so only what prints it is rebuilt.
GIT_COMMIT := $(shell { [ -e .git ] && git rev-parse --short=12 HEAD 2>/dev/null && \
	{ git diff --quiet HEAD -- 2>/dev/null || echo -dirty; }; } | tr -d '\n')
$(OUTPUT)/version.h: FORCE | $(OUTPUT)
	$(Q)printf '#define UDSTRACE_VERSION "%s"\n#define UDSTRACE_COMMIT "%s"\n' \
		'$(VERSION)' '$(or $(GIT_COMMIT),unknown)' > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/opts.o $(BUILD)/exporter.o: $(OUTPUT)/version.h
# Phony: .SECONDARY below would let make skip a missing FORCE as intermediate.
.PHONY: FORCE

$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# Debug info is stripped from the object (not BTF): it is most of the
# binary's size and nothing reads it once the skeleton embeds the object.
$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(OUTPUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# Every object depends on the headers; each backend on its own skeleton.
$(BUILD)/%.o: user/%.c $(wildcard user/*.h bpf/*.h) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(foreach b,$(BPF_OBJS),$(eval $(BUILD)/backend_$(b).o: $(OUTPUT)/$(b).skel.h))

$(UDSTRACE_BIN): $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

ifneq ($(UDSTRACE_BIN),udstrace)
# "make SANITIZE=1 udstrace" names the program, wherever it goes.
udstrace: $(UDSTRACE_BIN)
.PHONY: udstrace
endif

# The same objects linked dynamically, for valgrind (which cannot follow
# malloc in a static binary, nor run beside ASan): tests/live/valgrind.sh.
$(BUILD)/udstrace-dynamic: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -lbpf -lelf -lz -lm -o $@

# udsbench traced by udstrace: the same size and count on both paths.
demo:
	$(Q)bash tests/deps.sh build
	$(Q)$(MAKE) --no-print-directory udstrace udsbench
	$(Q)bash bench/demo.sh

# Redis from Debian's packages over TCP and over a Unix socket, under
# udstrace: what UDS would save it. DEMO_FLAGS adds udstrace flags.
demo-redis:
	$(Q)bash tests/deps.sh build
	$(Q)$(MAKE) --no-print-directory udstrace
	$(Q)bash bench/demo-redis.sh

# Overhead, start-up, scaling: writes docs/BENCHMARKS.md (a benchmark, not a test).
bench:
	$(Q)bash tests/deps.sh test
	$(Q)$(MAKE) --no-print-directory udstrace udsbench $(OUTPUT)/workload $(OUTPUT)/attach-time \
		$(OUTPUT)/floor $(OUTPUT)/prog-cost
	$(Q)bash bench/run.sh

# Only the start-up section, printed rather than written (a few seconds).
bench-startup: udstrace $(OUTPUT)/attach-time
	$(Q)bash bench/startup.sh

# The README's picture of the two send paths, from a run on this kernel.
picture: udstrace $(OUTPUT)/workload
	./udstrace --dot $(OUTPUT)/paths.dot -- $(OUTPUT)/workload -u 2000 -t 2000 -l >/dev/null
	dot -Tsvg $(OUTPUT)/paths.dot -o docs/paths.svg

# make install [PREFIX=/usr/local] [DESTDIR=]: udstrace in sbin (it is an
# administrator's tool: CAP_BPF and CAP_PERFMON), udsbench in bin, the man
# pages, and the systemd unit in $(PREFIX)/lib/systemd/system, which systemd
# searches for both /usr/local and /usr, its ExecStart pointed at
# $(PREFIX)/sbin/udstrace. Every directory is made 0755 whatever the umask.
# Always the normal (static) build, never SANITIZE=1's.
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL_DIRS := $(PREFIX)/sbin $(PREFIX)/bin $(MANDIR)/man8 $(MANDIR)/man1 $(UNITDIR)
install:
	$(Q)$(MAKE) --no-print-directory SANITIZE=0 udstrace udsbench
	$(Q)for d in $(INSTALL_DIRS); do \
		p=; for c in $$(echo "$$d" | tr / ' '); do p=$$p/$$c; \
			install -d -m 0755 "$(DESTDIR)$$p" || exit 1; done; done
	install -m 0755 udstrace $(DESTDIR)$(PREFIX)/sbin/udstrace
	install -m 0755 udsbench/udsbench $(DESTDIR)$(PREFIX)/bin/udsbench
	install -m 0644 man/udstrace.8 $(DESTDIR)$(MANDIR)/man8/udstrace.8
	install -m 0644 man/udsbench.1 $(DESTDIR)$(MANDIR)/man1/udsbench.1
	sed 's|^ExecStart=/usr/local/sbin/udstrace |ExecStart=$(PREFIX)/sbin/udstrace |' \
		dist/udstrace-exporter.service > $(DESTDIR)$(UNITDIR)/udstrace-exporter.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/udstrace-exporter.service

include tests/tests.mk
# Parts with their own build rules: udsbench and the kernel module.
include udsbench/build.mk kmod/kmod.mk bench/bench.mk

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) udstrace

.DELETE_ON_ERROR:
.SECONDARY:
