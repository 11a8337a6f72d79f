# recorder/auth-*: sshd, sudo and PAM audit decoders; audit netlink reader;
# log follower; the ssh/sudo sources of fdr-record.
RECORDER_SRCS += recorder/auth-syslog.c recorder/auth-sshd.c recorder/auth-sudo.c \
	recorder/auth-audit.c
RECORDER_SRCS += recorder/auth-follow.c recorder/audit-nl.c
