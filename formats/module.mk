# formats/: the only code that knows the bytes on disk (libc, liblz4, libxxhash).
FORMATS_SRCS += formats/event.c formats/codec.c formats/ring-header.c \
	formats/ring-reader.c formats/ring-writer.c

# Tests (tests/formats/).
UNIT_TESTS += test-ring
test-ring_SRCS := tests/formats/test-ring.c
test-ring_LIBS := $(FORMATS_LIB)
test-ring_LDLIBS := $(FORMATS_LDLIBS) -lcmocka
