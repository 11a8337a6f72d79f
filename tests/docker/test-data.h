/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TEST_DATA_H
#define TEST_DATA_H

/*
 * test-data: reading the real public test data under $FDR_SHARED/data
 * (see /work/shared/data/SOURCES.md) from the cmocka tests of the Docker
 * and Kubernetes decoders (tests/docker/test-docker.c, tests/k8s/test-k8s.c)
 * and of the auth log parsers (tests/auth/test-auth-parse.c).
 * Strings returned are the caller's (free()).
 */

#include <stdbool.h>
#include <stddef.h>

/* "$FDR_SHARED/data/" followed by the printf-formatted rest; NULL when
 * FDR_SHARED is unset (or out of memory). */
char *test_data_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The whole file at path, NUL-terminated, its size in *len (len may be
 * NULL); NULL when it cannot be opened, errno saying why (a read error
 * fails the test). */
char *test_data_slurp(const char *path, size_t *len);

/* Whether the data folder $FDR_SHARED/data/<dir> is missing; when it is,
 * prints the SKIP reason. */
bool test_data_missing(const char *dir);

#endif
