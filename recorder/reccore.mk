# recorder/reccore.mk: fdr-record's core (loop, attribution, rings, options)
# and the process source.
RECORDER_SRCS += recorder/cgroup.c recorder/config.c recorder/procfs.c \
	recorder/proctab.c recorder/rings.c recorder/core.c recorder/src-proc.c \
	recorder/audit.c
PROGRAMS += fdr-record
fdr-record_SRCS := recorder/main.c recorder/sources.c
fdr-record_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
fdr-record_LDLIBS := $(FORMATS_LDLIBS)
MANPAGES += docs/fdr-record.1

UNIT_TESTS += test-rec-cgroup test-rec-config test-rec-proctab test-rec-audit
test-rec-audit_SRCS := tests/recorder/test-rec-audit.c
test-rec-audit_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-rec-audit_LDLIBS := -lcmocka
test-rec-cgroup_SRCS := tests/recorder/test-rec-cgroup.c
test-rec-cgroup_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-rec-cgroup_LDLIBS := -lcmocka
test-rec-config_SRCS := tests/recorder/test-rec-config.c
test-rec-config_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-rec-config_LDLIBS := -lcmocka
test-rec-proctab_SRCS := tests/recorder/test-rec-proctab.c
test-rec-proctab_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-rec-proctab_LDLIBS := -lcmocka

SCRIPT_TESTS += tests/recorder/attr.sh
SCRIPT_TESTS += tests/recorder/storm.sh
SCRIPT_TESTS += tests/recorder/kill9.sh tests/recorder/badinput.sh
SCRIPT_TESTS += tests/recorder/docker.sh tests/recorder/budget.sh
BENCH_SCRIPTS += bench/recorder-exec.sh

FUZZERS += fuzz-rec-parse
fuzz-rec-parse_SRCS := tests/fuzz/fuzz-rec-parse.c
fuzz-rec-parse_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
fuzz-rec-parse_LDLIBS :=
