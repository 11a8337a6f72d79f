/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writes the seed corpora of tests/fuzz/corpus/fuzz-ring and fuzz-event
 * (`make fuzz-corpus`): small rings built by the real writer (wrapped,
 * partial, damaged, full metadata, a future version) and raw block payloads
 * (a realistic mix, every field, the SPEC.md examples). Deterministic.
 *
 * Also, for tests/formats/spec-reader.sh (a second reader written from
 * SPEC.md alone): `--ring PATH` writes a wrapped ring with partial flushes
 * and metadata, `--dump PATH` prints it through this library in the
 * format spec-reader.py prints it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "fdr-ring.h"
#include "formats/ring-format.h"
#include "gen.h"

static const char *out_dir;

static int save(const char *sub, const char *name, const void *buf, size_t len)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", out_dir, sub);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/%s", out_dir, sub, name);
	f = fopen(p, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "gen-corpus: cannot write %s: %s\n", p, strerror(errno));
		return -1;
	}
	return 0;
}

static uint8_t *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	uint8_t *b;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		return NULL;
	b = malloc((size_t)n);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* A ring of nslots 4 KiB slots with events [0, n), flushing every `flush`. */
static uint8_t *make_ring(const char *tmp, unsigned nslots, uint64_t n, uint64_t flush,
			  bool full_meta, size_t *len)
{
	struct fdr_writer_opts o = { 8192 + nslots * 4096ull, 4096, FDR_SYNC_NONE };
	struct fdr_ring_meta m = { 0 };
	struct fdr_ring_writer *w;
	struct fdr_event ev;
	struct gen_buf g;

	unlink(tmp);
	m.created_ns = 1700000000000000000ull;
	strcpy(m.hostname, "fuzz-host");
	if (full_meta) {
		strcpy(m.container_id, "4f3a9c");
		strcpy(m.container_name, "web");
		strcpy(m.image, "nginx:1.25");
		strcpy(m.namespace_, "prod");
		m.started_ns = 1;
		fdr_meta_add_label(&m, "app", "web");
		fdr_meta_add_label(&m, "tier", "front");
	}
	if (fdr_writer_open(tmp, &m, &o, &w))
		return NULL;
	for (uint64_t i = 0; i < n; i++) {
		gen_event(i, &ev, &g);
		if (fdr_writer_append(w, &ev) || (flush && i % flush == flush - 1 &&
						  fdr_writer_flush(w)))
			return NULL;
	}
	if (fdr_writer_close(w))
		return NULL;
	return slurp(tmp, len);
}

static void hex(const char *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		printf("%02x", (uint8_t)p[i]);
}

static int dump(const char *path)
{
	struct fdr_ring_reader *r;
	struct fdr_cursor *c;
	struct fdr_event ev;
	const struct fdr_ring_meta *m;
	int rc = fdr_reader_open(path, &r);

	if (rc || fdr_cursor_new(&c)) {
		fprintf(stderr, "gen-corpus: %s: %s\n", path, fdr_strerror(rc));
		return 1;
	}
	m = fdr_reader_meta(r);
	printf("meta hostname=%s container_id=%s image=%s created=%llu started=%llu\n",
	       m->hostname, m->container_id, m->image, (unsigned long long)m->created_ns,
	       (unsigned long long)m->started_ns);
	for (size_t l = 0; l < m->labels_len; l += strlen(m->labels + l) + 1)
		printf("label %s\n", m->labels + l);
	for (size_t b = 0; b < fdr_reader_nblocks(r); b++) {
		const struct fdr_block_info *bi = fdr_reader_block(r, b);

		printf("block seq=%llu rev=%u events=%u first=%llu last=%llu kinds=%llx\n",
		       (unsigned long long)bi->seq, bi->revision, bi->events,
		       (unsigned long long)bi->first_ns, (unsigned long long)bi->last_ns,
		       (unsigned long long)bi->kinds);
		if (fdr_cursor_load(c, r, b))
			return 1;
		while ((rc = fdr_cursor_next(c, &ev)) == 1) {
			printf("ev kind=%u flags=%u time=%llu", ev.kind, ev.flags,
			       (unsigned long long)ev.time_ns);
			for (unsigned f = 1; f < FDR_F_MAX; f++) {
				if (!fdr_event_has(&ev, f))
					continue;
				printf(" %u=", f);
				switch (fdr_field_type(f)) {
				case FDR_T_U64: printf("%llu", (unsigned long long)ev.f[f].u); break;
				case FDR_T_I64: printf("%lld", (long long)ev.f[f].i); break;
				case FDR_T_STR: hex(ev.f[f].s.p, ev.f[f].s.len); break;
				case FDR_T_STRV:
					printf("[");
					for (uint32_t i = 0; i < ev.f[f].v.n; i++) {
						printf(i ? "," : "");
						hex(ev.f[f].v.v[i].p, ev.f[f].v.v[i].len);
					}
					printf("]");
					break;
				case FDR_T_ADDR:
					printf("%u:", ev.f[f].a.family);
					hex((const char *)ev.f[f].a.b, ev.f[f].a.family == 4 ? 4 : 16);
					break;
				default: break;
				}
			}
			printf("\n");
		}
		if (rc)
			return 1;
	}
	fdr_cursor_free(c);
	fdr_reader_free(r);
	return 0;
}

static int write_test_ring(const char *path)
{
	struct fdr_writer_opts o = { 8192 + 6 * 4096, 4096, FDR_SYNC_NONE };
	struct fdr_ring_meta m = { 0 };
	struct fdr_ring_writer *w;
	struct fdr_event ev;
	struct gen_buf g;
	static const char nasty[] = "a\0b\xff\xfe";
	struct fdr_str sv[2] = { { nasty, sizeof(nasty) - 1 }, { "", 0 } };

	unlink(path);
	strcpy(m.hostname, "spec-host");
	strcpy(m.container_id, "4f3a9c");
	strcpy(m.image, "nginx:1.25");
	m.created_ns = 1700000000000000000ull;
	m.started_ns = 1700000000000000123ull;
	fdr_meta_add_label(&m, "app", "web");
	fdr_meta_add_label(&m, "tier", "");
	if (fdr_writer_open(path, &m, &o, &w))
		return 1;
	for (uint64_t i = 0; i < 3000; i++) {
		gen_event(i, &ev, &g);
		if (i % 100 == 7) {	/* odd values: out of order time, NUL/non-UTF-8 strings */
			ev.time_ns -= 3000000;
			fdr_event_set_strv(&ev, FDR_F_GROUPS, sv, 2);
			fdr_event_set_i(&ev, FDR_F_CODE, INT64_MIN);
			fdr_event_set_u(&ev, FDR_F_BYTES, UINT64_MAX);
		}
		if (fdr_writer_append(w, &ev) || (i % 37 == 0 && fdr_writer_flush(w)))
			return 1;
	}
	return fdr_writer_close(w) ? 1 : 0;
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/fdr-gen-corpus-XXXXXX";
	int fd;
	uint8_t *r;
	size_t len;
	int rc = 0;

	if (argc == 3 && !strcmp(argv[1], "--ring"))
		return write_test_ring(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--dump"))
		return dump(argv[2]);
	fd = mkstemp(tmp);
	if (argc != 2 || fd < 0) {
		fprintf(stderr, "usage: gen-corpus DIR (tests/fuzz/corpus) | --ring PATH | --dump PATH\n");
		return 2;
	}
	close(fd);
	out_dir = argv[1];

	/* rings */
	if (!(r = make_ring(tmp, 3, 400, 0, false, &len)))
		goto fail;
	rc |= save("fuzz-ring", "wrapped", r, len);
	r[8192 + 4096 + 100] ^= 4;	/* one damaged block */
	rc |= save("fuzz-ring", "damaged", r, len);
	r[8192 + 4096 + 100] ^= 4;
	r[100] ^= 1;			/* copy A damaged: B is used */
	rc |= save("fuzz-ring", "header-a-damaged", r, len);
	r[100] ^= 1;
	put_le16(r + 8, 2);		/* a future major version */
	put_le16(r + 4096 + 8, 2);
	rc |= save("fuzz-ring", "future-version", r, 4096 + 64);
	free(r);
	if (!(r = make_ring(tmp, 3, 60, 7, true, &len)))
		goto fail;
	rc |= save("fuzz-ring", "partial-flushes-meta", r, len);
	free(r);
	if (!(r = make_ring(tmp, 2, 0, 0, true, &len)))
		goto fail;
	rc |= save("fuzz-ring", "empty", r, len);
	free(r);

	/* raw payloads */
	{
		struct blkenc e;
		struct fdr_event ev;
		struct gen_buf g;
		static const uint8_t spec[] = {
			0x00, 0x02, 's', 'h', 0x02, 0x11, 0x00,
			0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
			0x08, 0x2a, 0x3b, 0x02, 0x00, 0x00,
		};
		static const uint8_t skip[] = {
			0x46, 0x03, 1, 2, 3, 0x00, 0x01, 'x', 0x3f, 20, 0x05, 0x04, 0xc0, 0x07,
			0x07, 0x0a, 0x00, 0x08, 0x09, 0xc4, 0x0c, 0x04, 1, 2, 3, 4, 0x1f, 0x08,
			0x01, 0x02, 0x03, 0x04, 0x00, 0x01, 0x2a, 0x00,
		};
		struct fdr_str sv[2] = { { "a\0b", 3 }, { "\xff\xfe", 2 } };
		struct fdr_addr a6 = { 6, { 0xfe, 0x80, [15] = 1 } };

		blkenc_init(&e);
		for (uint64_t i = 0; i < 40; i++) {
			gen_event(i, &ev, &g);
			if (blkenc_add(&e, &ev))
				goto fail;
		}
		blkenc_set_base(&e, 1700000000000000000ull);
		rc |= save("fuzz-event", "mix", e.raw, e.len);
		blkenc_reset(&e);
		fdr_event_init(&ev, FDR_K8S_AUDIT, 5);
		for (unsigned f = 1; f < FDR_F_MAX; f++)
			switch (fdr_field_type(f)) {
			case FDR_T_U64: fdr_event_set_u(&ev, f, UINT64_MAX); break;
			case FDR_T_I64: fdr_event_set_i(&ev, f, INT64_MIN); break;
			case FDR_T_STR: fdr_event_set_str(&ev, f, "x\0y", 3); break;
			case FDR_T_STRV: fdr_event_set_strv(&ev, f, sv, 2); break;
			case FDR_T_ADDR: fdr_event_set_addr(&ev, f, &a6); break;
			default: break;
			}
		if (blkenc_add(&e, &ev))
			goto fail;
		blkenc_set_base(&e, 0);
		rc |= save("fuzz-event", "all-fields", e.raw, e.len);
		blkenc_release(&e);
		rc |= save("fuzz-event", "spec-example", spec, sizeof(spec));
		rc |= save("fuzz-event", "skipping", skip, sizeof(skip));
		rc |= save("fuzz-event", "empty", "", 0);
	}
	unlink(tmp);
	return rc ? 1 : 0;
fail:
	fprintf(stderr, "gen-corpus: writing a ring failed\n");
	unlink(tmp);
	return 1;
}
