# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Bench-only programs: the empty-program floor (bench/floor.*) and the
# start-up timer. Never linked into udstrace.
$(OUTPUT)/floor.bpf.o: bench/floor.bpf.c $(OUTPUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/floor: bench/floor.c $(OUTPUT)/floor.skel.h | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LDLIBS) -o $@

$(OUTPUT)/attach-time: bench/attach-time.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(OUTPUT)/prog-cost: bench/prog-cost.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LDLIBS) -o $@
