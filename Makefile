# Top-level entry point. Each folder has its own plain Makefile; this one
# orders them and holds the user-facing targets. Everything built or
# fetched goes under build/ (git-ignored).
#
#   make bench          build everything, run the default profile, plot
#   make test           build everything and run every test
#   make deps           install missing Debian packages (or print how)

PROFILE ?= default
export PROFILE

.PHONY: all deps check-deps workloads linux-baseline linux-guest unikernel \
	harness test fuzz bench bench-workload bench-boot plots paper clean

all: workloads linux-baseline linux-guest unikernel harness

deps:
	scripts/deps.sh

# Installs what is missing when run as root, else prints the command.
check-deps:
	@scripts/deps.sh

workloads: check-deps
	$(MAKE) -C workloads

linux-baseline: workloads
	$(MAKE) -C linux-baseline

linux-guest: linux-baseline
	$(MAKE) -C linux-baseline guest

unikernel: workloads
	$(MAKE) -C unikernel

harness: check-deps
	$(MAKE) -C harness

test: all
	$(MAKE) -C workloads tests
	$(MAKE) -C unikernel tests
	$(MAKE) -C linux-baseline tests
	$(MAKE) -C harness tests
	$(MAKE) -C paper tests
	tests/run.sh

FUZZ_SECONDS ?= 60
fuzz: check-deps
	$(MAKE) -C workloads fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

bench-workload: workloads linux-baseline
	$(MAKE) -C workloads bench
	tests/bench-native.sh

# Both machine types: pc boots through SeaBIOS, microvm skips firmware.
bench-boot: all
	build/harness/ukbench boot-times --machine pc
	build/harness/ukbench boot-times --machine microvm

bench: all
	build/harness/ukbench run --profile $(PROFILE) --out results
	$(MAKE) plots
	$(MAKE) paper

plots:
	$(MAKE) -C plots

paper:
	$(MAKE) -C paper

clean:
	rm -rf build plots/out
