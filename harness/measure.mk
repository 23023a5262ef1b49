# Measurement modules of ukbench (procstat, perfctr, rapl, csv, hostinfo,
# insn) and the TCG plugin that counts guest instructions. Included by
# harness/Makefile, which links $(MEASURE_SRCS) into build/harness/ukbench;
# also usable alone: make -C harness -f measure.mk plugin measure-tests
#
# Paths are relative to harness/.

MEASURE_SRCS := procstat.c perfctr.c rapl.c csv.c hostinfo.c insn.c

# Rules below must not become the includer's default goal: remember it here
# and restore it at the end (empty means "the next target parsed").
measure_default_goal := $(.DEFAULT_GOAL)

MEASURE_BUILD := ../build
MEASURE_CC ?= cc
MEASURE_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror -I.

# --- TCG plugin ----------------------------------------------------------

QEMU_PLUGIN_H := $(MEASURE_BUILD)/third_party/qemu/include/qemu/qemu-plugin.h
INSN_PLUGIN := $(MEASURE_BUILD)/harness/insn-count.so

.PHONY: plugin measure-tests
plugin: $(INSN_PLUGIN)

# The dpkg file list changes when qemu-system-x86 is upgraded; the script
# then fetches the header of the new version, or only touches the header if
# its version is still the installed one.
QEMU_DPKG_LIST := $(wildcard /var/lib/dpkg/info/qemu-system-x86.list)

$(QEMU_PLUGIN_H): $(QEMU_DPKG_LIST)
	../scripts/fetch-qemu-plugin-header.sh

# -fPIC -shared: QEMU dlopen()s the plugin and resolves the qemu_plugin_*
# calls against its own exported symbols, so nothing is linked here.
$(INSN_PLUGIN): plugin/insn_count.c plugin/insn_count_abi.h $(QEMU_PLUGIN_H)
	@mkdir -p $(dir $@)
	$(MEASURE_CC) $(MEASURE_CFLAGS) -fPIC -shared \
		-I$(dir $(QEMU_PLUGIN_H)) -o $@ plugin/insn_count.c
	@echo "plugin: $@ built against qemu-plugin.h of QEMU" \
		"$$(cat $(MEASURE_BUILD)/third_party/qemu/VERSION)"

# A tiny PVH guest that the plugin's integration test boots twice.
INSN_TEST_GUEST := $(MEASURE_BUILD)/harness/insn-test-guest.elf

$(INSN_TEST_GUEST): plugin/test_guest.S
	@mkdir -p $(dir $@)
	$(MEASURE_CC) -nostdlib -static -no-pie -Wl,-Ttext=0x200000 \
		-Wl,-e,test_guest_start -Wl,--build-id=none -o $@ \
		plugin/test_guest.S

# --- Unit tests (Criterion) ----------------------------------------------

MEASURE_TESTS := $(addprefix $(MEASURE_BUILD)/tests/harness-,procstat csv \
	perfctr rapl insn hostinfo)

measure-tests: $(MEASURE_TESTS) $(INSN_TEST_GUEST)

$(MEASURE_BUILD)/tests/harness-procstat: tests/test_procstat.c procstat.c \
		procstat.h
	@mkdir -p $(dir $@)
	$(MEASURE_CC) $(MEASURE_CFLAGS) -o $@ tests/test_procstat.c procstat.c \
		-lcriterion

$(MEASURE_BUILD)/tests/harness-csv: tests/test_csv.c csv.c csv.h
	@mkdir -p $(dir $@)
	$(MEASURE_CC) $(MEASURE_CFLAGS) -DUKB_SOURCE_DIR='"$(abspath ..)"' \
		-o $@ tests/test_csv.c csv.c -lcriterion

$(MEASURE_BUILD)/tests/harness-perfctr: tests/test_perfctr.c perfctr.c \
		perfctr.h
	@mkdir -p $(dir $@)
	$(MEASURE_CC) $(MEASURE_CFLAGS) -o $@ tests/test_perfctr.c perfctr.c \
		-lcriterion

$(MEASURE_BUILD)/tests/harness-rapl: tests/test_rapl.c rapl.c rapl.h
	@mkdir -p $(dir $@)
	$(MEASURE_CC) $(MEASURE_CFLAGS) -o $@ tests/test_rapl.c rapl.c \
		-lcriterion

$(MEASURE_BUILD)/tests/harness-insn: tests/test_insn.c insn.c insn.h \
		plugin/insn_count_abi.h
	@mkdir -p $(dir $@)
	$(MEASURE_CC) $(MEASURE_CFLAGS) -o $@ tests/test_insn.c insn.c \
		-lcriterion

$(MEASURE_BUILD)/tests/harness-hostinfo: tests/test_hostinfo.c hostinfo.c \
		hostinfo.h
	@mkdir -p $(dir $@)
	$(MEASURE_CC) $(MEASURE_CFLAGS) -DUKB_SOURCE_DIR='"$(abspath ..)"' \
		-o $@ tests/test_hostinfo.c hostinfo.c -lcriterion

.DEFAULT_GOAL := $(measure_default_goal)
