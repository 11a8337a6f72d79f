# replay/: the analysis library (rp-*.h, no printing) and fdr-replay.
REPLAY_SRCS += replay/time.c replay/filter.c replay/fopt.c replay/output.c replay/set.c replay/u64map.c replay/tree.c replay/session.c

PROGRAMS += fdr-replay
# The command, with the learn/check subcommands (they print: not in the library).
fdr-replay_SRCS := replay/fdr-replay.c replay/cmd-model.c
fdr-replay_LIBS := $(REPLAY_LIB) $(FORMATS_LIB)
fdr-replay_LDLIBS := $(FORMATS_LDLIBS) -lpthread
MANPAGES += docs/fdr-replay.1

# Test/bench tool that writes rings with the formats writer (not installed).
RINGGEN := $(BUILD)/tools/fdr-ringgen
$(RINGGEN): $(call objs,tests/replay/ringgen.c) $(FORMATS_LIB)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS)
tests: $(RINGGEN)
BENCH_PROGS += $(RINGGEN)

# Unit tests (tests/replay/), one per module.
UNIT_TESTS += test-rp-time test-rp-filter test-rp-output test-rp-set test-rp-tree test-rp-fopt
test-rp-time_SRCS := tests/replay/test-rp-time.c
test-rp-filter_SRCS := tests/replay/test-rp-filter.c
test-rp-output_SRCS := tests/replay/test-rp-output.c
test-rp-set_SRCS := tests/replay/test-rp-set.c
test-rp-tree_SRCS := tests/replay/test-rp-tree.c
test-rp-fopt_SRCS := tests/replay/test-rp-fopt.c
$(foreach t,test-rp-time test-rp-filter test-rp-output test-rp-set test-rp-tree test-rp-fopt,\
	$(eval $(t)_LIBS := $(REPLAY_LIB) $(FORMATS_LIB))\
	$(eval $(t)_LDLIBS := $(FORMATS_LDLIBS) -lpthread -lcmocka))

SCRIPT_TESTS += tests/replay/cli.sh
BENCH_SCRIPTS += bench/replay.sh

FUZZERS += fuzz-rp-filter fuzz-rp-scan
fuzz-rp-filter_SRCS := tests/fuzz/fuzz-rp-filter.c
fuzz-rp-filter_LIBS := $(REPLAY_LIB) $(FORMATS_LIB)
fuzz-rp-filter_LDLIBS := $(FORMATS_LDLIBS) -lpthread
fuzz-rp-scan_SRCS := tests/fuzz/fuzz-rp-scan.c tests/fuzz/ring-fix.c
fuzz-rp-scan_LIBS := $(REPLAY_LIB) $(FORMATS_LIB)
fuzz-rp-scan_LDLIBS := $(FORMATS_LDLIBS) -lpthread
