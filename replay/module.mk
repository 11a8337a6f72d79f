# replay/: the analysis library (rp-*.h, no printing) and fdr-replay.
REPLAY_SRCS += replay/time.c replay/filter.c replay/output.c replay/set.c replay/u64map.c replay/tree.c replay/session.c

PROGRAMS += fdr-replay
fdr-replay_SRCS := replay/fdr-replay.c
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
