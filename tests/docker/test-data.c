/* SPDX-License-Identifier: Apache-2.0 */
/* test-data: see test-data.h. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "test-data.h"

char *test_data_path(const char *fmt, ...)
{
	const char *base = getenv("FDR_SHARED");
	char *rel, *p;
	va_list ap;
	int rc;

	if (!base)
		return NULL;
	va_start(ap, fmt);
	rc = vasprintf(&rel, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return NULL;
	if (asprintf(&p, "%s/data/%s", base, rel) < 0)
		p = NULL;
	free(rel);
	return p;
}

char *test_data_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

bool test_data_missing(const char *dir)
{
	char *p = test_data_path("%s", dir);
	DIR *d = p ? opendir(p) : NULL;

	free(p);
	if (!d) {
		printf("SKIP: no shared data (FDR_SHARED unset or ../shared/data/%s absent)\n", dir);
		return true;
	}
	closedir(d);
	return false;
}
