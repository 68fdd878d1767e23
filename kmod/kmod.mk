# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The udsprobe kernel module, included by the top-level Makefile.
#   make kmod [KDIR=/lib/modules/VERSION/build]   builds kmod/udsprobe.ko
#   make kmod-clean
KDIR ?= /lib/modules/$(shell uname -r)/build

.PHONY: kmod kmod-clean
kmod:
	$(Q)test -d $(KDIR) || { echo "kmod: no kernel build tree at $(KDIR) (set KDIR)" >&2; exit 1; }
	$(call msg,KMOD,kmod/udsprobe.ko)
	$(Q)$(MAKE) -C $(KDIR) M=$(abspath kmod) modules

kmod-clean:
	$(call msg,CLEAN,kmod)
	$(Q)rm -rf kmod/*.o kmod/*.ko kmod/*.mod kmod/*.mod.c kmod/.*.cmd \
		kmod/modules.order kmod/Module.symvers kmod/.tmp_versions
