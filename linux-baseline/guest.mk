# The Linux guest: Debian's cloud kernel (fetched, never installed), a
# static /init in C and one uncompressed initramfs per workload holding
# only /init, the server and the virtio-net modules.
#
#   make -f guest.mk          kernel, cmdline, initramfs-dns.cpio, -echo
#   make -f guest.mk tests    Criterion tests into build/tests/
#
# Outputs in build/linux-guest/: vmlinuz, kernel-version, cmdline,
# initramfs-dns.cpio, initramfs-echo.cpio.

TOP := ..
BUILD := $(TOP)/build
OUT := $(BUILD)/linux-guest
TESTBIN := $(BUILD)/tests
SERVERS := $(BUILD)/linux-baseline

CC ?= cc
WARN := -Wall -Wextra -Werror
CFLAGS_INIT := -std=c11 -O2 $(WARN)

WORKLOADS := dns echo

# Modules the guest asks for by name: the NIC driver and both transports
# (virtio-pci for -M pc, virtio-mmio for -M microvm). modclosure adds
# their dependencies from each module's .modinfo and leaves out what the
# kernel has built in.
GUEST_MODULES := virtio_net virtio_pci virtio_mmio

# Kernel command line. Guest instructions from QEMU start to the ready
# signal, -M pc, TCG, QEMU 7.2, Debian 6.1.0-57-cloud-amd64, counted by
# build/harness/insn-count.so (one boot each; repeats agree within 0.1%):
#   console=ttyS0 quiet panic=-1          1632M
#   + cryptomgr.notests                    750M  (no crypto self-tests)
#   + init_on_alloc=0                      726M  (no zeroing of allocations)
# Tried without a gain above 0.5%: mitigations=off, apparmor=0, audit=0,
# nokaslr, 8250.nr_uarts=1, i8042.noaux i8042.nokbd. The same line gives
# 608M on -M microvm. acpi=noirq saves another 92M on -M pc (PCI interrupt
# routing without the ACPI interpreter) but leaves the virtio-mmio device
# of -M microvm without its interrupt, and both machines share this line.
# ipv6.disable=1, nowatchdog, tsc=reliable and nohz=on changed neither the
# boot count nor the idle cost (about 0.3M guest instructions per idle
# second) nor the count per query (about 20k), by `ukbench run --profile
# tiny` (two runs each).
#   console=ttyS0   kernel and init messages on the first serial port
#   quiet           every console character is an emulated port write
#   panic=-1        reboot at once on a panic instead of hanging
#   tsc_early_khz   the host's TSC rate, measured at build time by
#                   host-tsc-khz (see init_tsc_khz.c): without it a boot
#                   on -M microvm hangs when the host is busy
GUEST_CMDLINE := console=ttyS0 quiet panic=-1 cryptomgr.notests \
	init_on_alloc=0

# Guest-side ports from the shared ABI header, so they are written once.
port_of = $(shell sed -n 's/^\#define BENCH_$(1)_PORT \([0-9]*\).*/\1/p' \
	$(TOP)/include/bench_abi.h)
PORT_dns := $(call port_of,DNS)
PORT_echo := $(call port_of,ECHO)

INIT_SRCS := init.c init_net.c init_modinfo.c
INIT_HDRS := init_guest.h $(TOP)/include/bench_abi.h

.PHONY: all tests fetch check-tools FORCE
all: $(OUT)/vmlinuz $(OUT)/cmdline \
	$(foreach w,$(WORKLOADS),$(OUT)/initramfs-$(w).cpio)
	@echo "guest: kernel $$(cat $(OUT)/kernel-version)," \
		"vmlinuz $$(stat -c %s $(OUT)/vmlinuz) bytes"
	@for w in $(WORKLOADS); do \
		echo "guest: initramfs-$$w.cpio" \
			"$$(stat -c %s $(OUT)/initramfs-$$w.cpio) bytes"; \
	done

check-tools:
	@for t in cpio apt-get dpkg-deb; do \
		command -v $$t >/dev/null || { \
			echo "guest.mk: $$t not found (Debian: cpio, apt, dpkg)" >&2; \
			exit 1; }; \
	done

# fetch-kernel.sh rewrites kernel-version only when the candidate package
# changes, so the initramfs is rebuilt only then.
$(OUT)/kernel-version: FORCE | check-tools
	$(TOP)/scripts/fetch-kernel.sh $(OUT)
$(OUT)/vmlinuz: $(OUT)/kernel-version
	@test -f $@ || { echo "guest.mk: $@ missing after fetch" >&2; exit 1; }

# Rewritten only when its text changes, for example on another host.
$(OUT)/cmdline: $(OUT)/tools/host-tsc-khz FORCE
	@khz=$$($(OUT)/tools/host-tsc-khz) || exit 1; \
	echo "$(GUEST_CMDLINE) tsc_early_khz=$$khz" >$@.tmp; \
	if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
	@echo "guest: cmdline: $$(cat $@)"

$(OUT)/tools/host-tsc-khz: init_tsc_khz.c
	@mkdir -p $(OUT)/tools
	$(CC) $(CFLAGS_INIT) -o $@ init_tsc_khz.c

$(OUT)/init: $(INIT_SRCS) $(INIT_HDRS)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS_INIT) -static -s -o $@ $(INIT_SRCS)

$(OUT)/tools/modclosure: init_modclosure.c init_modinfo.c init_guest.h
	@mkdir -p $(OUT)/tools
	$(CC) $(CFLAGS_INIT) -o $@ init_modclosure.c init_modinfo.c

# The module list, in load order, relative to the module tree.
$(OUT)/modules.list: $(OUT)/kernel-version $(OUT)/tools/modclosure
	moddir=$(OUT)/pkg/lib/modules/$$(cut -d' ' -f1 $(OUT)/kernel-version); \
	$(OUT)/tools/modclosure $$moddir $(GUEST_MODULES) >$@.tmp
	mv $@.tmp $@
	@echo "guest: modules: $$(sed 's,.*/,,' $@ | tr '\n' ' ')"

# The initramfs is left uncompressed: under TCG every byte the kernel
# decompresses costs guest instructions. Measured as for the command line
# (dns, 2.0 MB archive): uncompressed 726M, lz4 -9 (0.95 MB) 734M,
# gzip -9 (0.81 MB) 758M guest instructions to ready.
$(OUT)/initramfs-%.cpio: $(OUT)/init $(SERVERS)/server-% $(OUT)/modules.list
	@test -n "$(PORT_$*)" || { \
		echo "guest.mk: no BENCH_*_PORT for workload $*" >&2; exit 1; }
	rm -rf $(OUT)/root-$*
	mkdir -p $(OUT)/root-$*/dev $(OUT)/root-$*/proc $(OUT)/root-$*/sys \
		$(OUT)/root-$*/etc $(OUT)/root-$*/modules
	cp $(OUT)/init $(OUT)/root-$*/init
	cp $(SERVERS)/server-$* $(OUT)/root-$*/server
	echo $(PORT_$*) >$(OUT)/root-$*/etc/bench-port
	moddir=$(OUT)/pkg/lib/modules/$$(cut -d' ' -f1 $(OUT)/kernel-version); \
	cp $$moddir/modules.builtin $(OUT)/root-$*/modules/ && \
	while read -r m; do cp $$moddir/$$m $(OUT)/root-$*/modules/; \
	done <$(OUT)/modules.list
	# One fixed mtime and sorted names: the same inputs give the same bytes.
	find $(OUT)/root-$* -exec touch -h -d @0 {} +
	cd $(OUT)/root-$* && find . -mindepth 1 | LC_ALL=C sort | \
		cpio --quiet -o -H newc -R 0:0 --reproducible >../initramfs-$*.cpio.tmp
	mv $@.tmp $@

$(SERVERS)/server-%:
	@echo "guest.mk: $@ missing: run make -C linux-baseline first" >&2
	@exit 1

# Hosted unit tests of the .modinfo reader, the load order and the
# command line reader.
TEST_CFLAGS := -std=c11 -O2 -g $(WARN)
$(TESTBIN)/linux-guest-modinfo: init_test_modinfo.c init_modinfo.c \
		init_guest.h
	@mkdir -p $(TESTBIN)
	$(CC) $(TEST_CFLAGS) -o $@ init_test_modinfo.c init_modinfo.c \
		-lcriterion

$(TESTBIN)/linux-guest-cmdline: init_test_cmdline.c init_net.c init_guest.h \
		$(TOP)/include/bench_abi.h
	@mkdir -p $(TESTBIN)
	$(CC) $(TEST_CFLAGS) -o $@ init_test_cmdline.c init_net.c -lcriterion

tests: $(TESTBIN)/linux-guest-modinfo $(TESTBIN)/linux-guest-cmdline

FORCE:
