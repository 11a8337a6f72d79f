# bench/: figures for `make bench` (never run by `make check`); modules add
# their scripts to BENCH_SCRIPTS and programs to BENCH_PROGS.
