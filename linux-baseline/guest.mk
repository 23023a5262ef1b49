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

# Kernel command line, measured under TCG (see README.md in this folder):
#   console=ttyS0   kernel and init messages on the first serial port
#   quiet           every console character is an emulated port write
#   panic=-1        reboot at once on a panic instead of hanging
#   <more below, each measured>
GUEST_CMDLINE := console=ttyS0 quiet panic=-1

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

$(OUT)/cmdline: guest.mk
	@mkdir -p $(OUT)
	echo "$(GUEST_CMDLINE)" >$@

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
# decompresses costs guest instructions, and the archive is small.
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
	cd $(OUT)/root-$* && find . -mindepth 1 | LC_ALL=C sort | \
		cpio --quiet -o -H newc -R 0:0 --reproducible >../initramfs-$*.cpio.tmp
	mv $@.tmp $@

$(SERVERS)/server-%:
	@echo "guest.mk: $@ missing: run make -C linux-baseline first" >&2
	@exit 1

# Hosted unit tests of the .modinfo reader and the load order.
TEST_CFLAGS := -std=c11 -O2 -g $(WARN)
$(TESTBIN)/linux-guest-modinfo: init_test_modinfo.c init_modinfo.c \
		init_guest.h
	@mkdir -p $(TESTBIN)
	$(CC) $(TEST_CFLAGS) -o $@ init_test_modinfo.c init_modinfo.c \
		-lcriterion

tests: $(TESTBIN)/linux-guest-modinfo

FORCE:
