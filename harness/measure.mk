# Measurement modules of ukbench (procstat, perfctr, rapl, csv, hostinfo,
# insn) and the TCG plugin that counts guest instructions. Included by
# harness/Makefile, which links $(MEASURE_SRCS) into build/harness/ukbench;
# also usable alone: make -C harness -f measure.mk plugin measure-tests
#
# Paths are relative to harness/.

MEASURE_SRCS := procstat.c perfctr.c rapl.c csv.c hostinfo.c insn.c
