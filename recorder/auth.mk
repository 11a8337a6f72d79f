# recorder/auth-*: sshd, sudo and PAM audit decoders; log follower; the
# ssh/sudo sources of fdr-record (audit netlink through rec-audit.h).
RECORDER_SRCS += recorder/auth-syslog.c recorder/auth-sshd.c recorder/auth-sudo.c \
	recorder/auth-audit.c
RECORDER_SRCS += recorder/auth-follow.c recorder/src-auth.c

# auth-dump: a test driver printing decoded events (built with the tests).
AUTH_DUMP := $(BUILD)/tests/auth-dump
$(AUTH_DUMP): $(call objs,tests/auth/auth-dump.c) $(RECORDER_LIB) $(FORMATS_LIB)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(RECORDER_LIB) $(FORMATS_LIB) $(FORMATS_LDLIBS)
tests: $(AUTH_DUMP)
ALL_SRCS += tests/auth/auth-dump.c

UNIT_TESTS += test-auth-parse
test-auth-parse_SRCS := tests/auth/test-auth-parse.c tests/docker/test-data.c
test-auth-parse_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-auth-parse_LDLIBS := -lcmocka -ljansson $(FORMATS_LDLIBS)

UNIT_TESTS += test-auth-follow
test-auth-follow_SRCS := tests/auth/test-auth-follow.c
test-auth-follow_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-auth-follow_LDLIBS := -lcmocka $(FORMATS_LDLIBS)

FUZZERS += fuzz-auth
fuzz-auth_SRCS := tests/fuzz/fuzz-auth.c
fuzz-auth_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
fuzz-auth_LDLIBS := $(FORMATS_LDLIBS)

SCRIPT_TESTS += tests/auth/ssh-sudo-live.sh
SCRIPT_TESTS += tests/auth/record-live.sh
SCRIPT_TESTS += tests/auth/audit-gap.sh

BENCH_SCRIPTS += bench/auth.sh
bench-run: $(AUTH_DUMP)
