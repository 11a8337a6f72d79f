# formats/: the only code that knows the bytes on disk (libc, liblz4, libxxhash).
FORMATS_SRCS += formats/event.c
