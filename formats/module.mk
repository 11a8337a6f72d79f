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
