# replay/model-*.c: learned per-image models (formats/MODEL.md), learn/check.
REPLAY_SRCS += replay/model-core.c replay/model-text.c replay/model-obs.c replay/model-check.c

UNIT_TESTS += test-model
test-model_SRCS := tests/model/test-model.c
test-model_LIBS := $(REPLAY_LIB) $(FORMATS_LIB)
test-model_LDLIBS := -lcmocka $(FORMATS_LDLIBS)

FUZZERS += fuzz-model
fuzz-model_SRCS := tests/fuzz/fuzz-model.c
fuzz-model_LIBS := $(REPLAY_LIB) $(FORMATS_LIB)
fuzz-model_LDLIBS := $(FORMATS_LDLIBS)

# Synthetic rings of a web container for the CLI test (not installed).
MODELGEN := $(BUILD)/tools/fdr-modelgen
$(MODELGEN): $(call objs,tests/model/modelgen.c) $(FORMATS_LIB)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS)
tests: $(MODELGEN)

SCRIPT_TESTS += tests/model/cli.sh tests/model/scenarios.sh

# make bench: learn/check speed (bench/model.sh).
MODELBENCH := $(BUILD)/tools/fdr-model-bench
$(MODELBENCH): $(call objs,bench/model-bench.c) $(REPLAY_LIB) $(FORMATS_LIB)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS)
BENCH_SCRIPTS += bench/model.sh
bench-run: $(MODELBENCH)
