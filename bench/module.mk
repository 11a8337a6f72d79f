# bench/: figures for `make bench` (never run by `make check`).
BENCH_SCRIPTS :=
.PHONY: bench-run
bench-run: programs $(BENCH_PROGS)
	@FDR_BIN=$(abspath $(BINDIR)) FDR_BUILD=$(abspath $(BUILD)) FDR_SHARED=$(SHARED) \
		bench/run.sh $(BENCH_SCRIPTS)
