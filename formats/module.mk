# formats/: the only code that knows the bytes on disk (libc, liblz4, libxxhash).
FORMATS_SRCS += formats/event.c formats/codec.c formats/ring-header.c \
	formats/ring-reader.c formats/ring-writer.c

# Tests (tests/formats/).
UNIT_TESTS += test-ring
test-ring_SRCS := tests/formats/test-ring.c
test-ring_LIBS := $(FORMATS_LIB)
test-ring_LDLIBS := $(FORMATS_LDLIBS) -lcmocka

UNIT_TESTS += test-codec
test-codec_SRCS := tests/formats/test-codec.c
test-codec_LIBS := $(FORMATS_LIB)
test-codec_LDLIBS := $(FORMATS_LDLIBS) -lcmocka

UNIT_TESTS += test-crash
test-crash_SRCS := tests/formats/test-crash.c
test-crash_LIBS := $(FORMATS_LIB)
test-crash_LDLIBS := $(FORMATS_LDLIBS) -lcmocka

UNIT_TESTS += test-corrupt
test-corrupt_SRCS := tests/formats/test-corrupt.c
test-corrupt_LIBS := $(FORMATS_LIB)
test-corrupt_LDLIBS := $(FORMATS_LDLIBS) -lcmocka

UNIT_TESTS += test-faults
test-faults_SRCS := tests/formats/test-faults.c
test-faults_LIBS := $(FORMATS_LIB)
test-faults_LDLIBS := $(FORMATS_LDLIBS) -lcmocka

# Fuzz targets (tests/fuzz/) and the program that writes their seed corpora.
FUZZERS += fuzz-ring fuzz-event
fuzz-ring_SRCS := tests/fuzz/fuzz-ring.c tests/fuzz/ring-fix.c
fuzz-ring_LIBS := $(FORMATS_LIB)
fuzz-ring_LDLIBS := $(FORMATS_LDLIBS)
fuzz-event_SRCS := tests/fuzz/fuzz-event.c
fuzz-event_LIBS := $(FORMATS_LIB)
fuzz-event_LDLIBS := $(FORMATS_LDLIBS)

# (LINK_template is defined after the fragments are read: explicit rule.)
$(BUILD)/tools/gen-corpus: $(call objs,tests/formats/gen-corpus.c) $(FORMATS_LIB)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(FORMATS_LIB) $(FORMATS_LDLIBS)
.PHONY: fuzz-corpus
fuzz-corpus: $(BUILD)/tools/gen-corpus
	$(BUILD)/tools/gen-corpus tests/fuzz/corpus

# Bench (make bench): not installed.
BENCH_SCRIPTS += bench/formats.sh
BENCH_PROGS += $(BUILD)/bench/formats-bench
$(BUILD)/bench/formats-bench: $(call objs,bench/formats-bench.c) $(FORMATS_LIB)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(FORMATS_LIB) $(FORMATS_LDLIBS)
bench-run: $(BUILD)/bench/formats-bench
# Header dependencies of the two programs above (not in ALL_SRCS).
-include $(BUILD)/obj/bench/formats-bench.d $(BUILD)/obj/tests/formats/gen-corpus.d

# A second reader from SPEC.md alone (Python), checked against the library.
SCRIPT_TESTS += tests/formats/spec-reader.sh
tests: $(BUILD)/tools/gen-corpus
