# recorder/src-file.c: the fanotify file source, and its pure helpers
# (file-event: buffer parsing, file-cache: dir ids -> paths, file-coalesce:
# folding modifies, file-map: mountinfo/filters/container views) plus
# file-resolve (open_by_handle_at).
FILE_SRC_HELPERS := recorder/file-event.c recorder/file-cache.c recorder/file-coalesce.c \
	recorder/file-map.c recorder/file-resolve.c
RECORDER_SRCS += $(FILE_SRC_HELPERS) recorder/src-file.c

UNIT_TESTS += test-file
test-file_SRCS := tests/file/test-file.c $(FILE_SRC_HELPERS)
test-file_LIBS := $(FORMATS_LIB)
test-file_LDLIBS := -lcmocka

UNIT_TESTS += test-file-kernel
test-file-kernel_SRCS := tests/file/test-file-kernel.c $(FILE_SRC_HELPERS)
test-file-kernel_LIBS := $(FORMATS_LIB)
test-file-kernel_LDLIBS := -lcmocka

FUZZERS += fuzz-fanotify
fuzz-fanotify_SRCS := tests/fuzz/fuzz-fanotify.c recorder/file-event.c recorder/file-cache.c \
	recorder/file-map.c recorder/file-coalesce.c
fuzz-fanotify_LIBS :=
fuzz-fanotify_LDLIBS :=
SCRIPT_TESTS += tests/file/live.sh
BENCH_SCRIPTS += bench/file.sh
SCRIPT_TESTS += tests/file/overflow.sh
SCRIPT_TESTS += tests/file/docker.sh tests/file/docker-vfs.sh
SCRIPT_TESTS += tests/file/moves.sh
