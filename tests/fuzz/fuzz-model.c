/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the model file reader (formats/MODEL.md) and the severity file reader.
 * Whatever parses must serialize to text that parses again to the same text
 * (the writer's output is a fixed point), so a parse that accepts something
 * the writer cannot reproduce is caught as well as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md_model *m, *m2;
	struct md_parse_error err = MD_PARSE_ERROR_INIT;
	struct md_sevcfg cfg;
	struct fdr_buf a = FDR_BUF_INIT, b = FDR_BUF_INIT;

	md_sevcfg_default(&cfg);
	(void)md_sevcfg_parse(&cfg, (const char *)data, size, &err);
	if (md_model_new(&m))
		return 0;
	if (md_model_parse(m, (const char *)data, size, &err) == 0) {
		md_model_serialize(m, &a);
		if (md_model_new(&m2) == 0) {
			if (md_model_parse(m2, a.p, a.len, &err) != 0) {
				fprintf(stderr, "writer output does not parse: line %u: %s\n", err.line, err.msg);
				abort();
			}
			md_model_serialize(m2, &b);
			if (a.len != b.len || memcmp(a.p, b.p, a.len)) {
				fprintf(stderr, "serialize(parse(serialize(x))) differs\n");
				abort();
			}
			/* Merging a model into itself doubles counts (saturating),
			 * never fails, and still writes text that parses. */
			if (md_model_merge(m2, m) != 0)
				abort();
			fdr_buf_reset(&b);
			md_model_serialize(m2, &b);
			md_model_free(m2);
			if (md_model_new(&m2) == 0) {
				if (md_model_parse(m2, b.p, b.len, &err) != 0) {
					fprintf(stderr, "merged output does not parse: line %u: %s\n", err.line,
						err.msg);
					abort();
				}
				md_model_free(m2);
			}
		}
	} else if (!err.line) {
		abort();	/* every syntax error names its line */
	}
	fdr_buf_release(&a);
	fdr_buf_release(&b);
	md_model_free(m);
	return 0;
}
