# formats/text.c: buffers and escaping of untrusted bytes.
FORMATS_SRCS += formats/text.c
UNIT_TESTS += test-text
test-text_SRCS := tests/text/test-text.c
test-text_LIBS := $(FORMATS_LIB)
test-text_LDLIBS := -lcmocka
