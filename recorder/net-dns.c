/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DNS message decoder, RFC 1035 section 4 (with RFC 3596 AAAA).
 *
 *   0      2       4        6        8        10       12
 *  +------+-------+--------+--------+--------+--------+----------------
 *  |  id  | flags |qdcount |ancount |nscount |arcount | question, RRs
 *
 *  flags: QR(1) OPCODE(4) AA TC RD RA Z AD CD RCODE(4)
 *
 * Names: a sequence of labels (length byte 0..63, then the bytes), ended by
 * a zero byte or a compression pointer (two bytes, top bits 11, 14-bit
 * offset from the start of the message). The 0x40 and 0x80 label types are
 * obsolete or reserved (RFC 6891 retired the bitstring label): invalid.
 */
#include <stdio.h>
#include <string.h>

#include "net-dns.h"

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Read the name at *off into out (size NDNS_NAME_MAX), advance *off past it
 * (past the first pointer when compressed). Loops end because every jump
 * counts and NDNS_JUMPS_MAX bounds them; the wire length counts each label
 * once per visit and is capped at 255.
 */
static int read_name(const uint8_t *p, size_t n, size_t *off, char *out, size_t outsize)
{
	size_t pos = *off, o = 0, wire = 0;
	unsigned jumps = 0;
	bool jumped = false;

	for (;;) {
		uint8_t l;

		if (pos >= n)
			return NDNS_E_NAME_TRUNC;
		l = p[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= n)
				return NDNS_E_NAME_TRUNC;
			target = (size_t)(l & 0x3f) << 8 | p[pos + 1];
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			if (++jumps > NDNS_JUMPS_MAX)
				return NDNS_E_PTR_LOOP;
			if (target >= n)
				return NDNS_E_PTR_RANGE;
			pos = target;
			continue;
		}
		if (l & 0xc0)
			return NDNS_E_LABEL_TYPE;
		wire += (size_t)l + 1;
		if (wire > 255)
			return NDNS_E_NAME_LONG;
		if (l == 0) {
			if (!jumped)
				*off = pos + 1;
			break;
		}
		if (pos + 1 + l > n)
			return NDNS_E_NAME_TRUNC;
		if (o)
			out[o++] = '.';
		for (unsigned i = 0; i < l; i++) {
			uint8_t c = p[pos + 1 + i];

			/* 255 wire bytes give at most 4 * 255 < outsize presentation bytes. */
			if (c == '.' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c > 0x20 && c < 0x7f) {
				out[o++] = (char)c;
			} else {
				o += (size_t)snprintf(out + o, outsize - o, "\\%03u", c);
			}
		}
		pos += 1 + (size_t)l;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return 0;
}

static const struct { uint16_t type; const char *name; } type_names[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
	{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" }, { 33, "SRV" },
	{ 35, "NAPTR" }, { 39, "DNAME" }, { 41, "OPT" }, { 43, "DS" }, { 46, "RRSIG" },
	{ 47, "NSEC" }, { 48, "DNSKEY" }, { 50, "NSEC3" }, { 64, "SVCB" },
	{ 65, "HTTPS" }, { 99, "SPF" }, { 252, "AXFR" }, { 255, "ANY" }, { 257, "CAA" },
};

const char *ndns_type_name(unsigned type, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	snprintf(buf, size, "TYPE%u", type);
	return buf;
}

/* Append a formatted answer to the arena; false when it is full. */
static bool add_answer(struct ndns_msg *m, const char *s, size_t len)
{
	if (m->nanswers >= NDNS_ANSWERS_MAX || len > NDNS_ARENA_SIZE - m->arena_used) {
		m->dropped++;
		return false;
	}
	memcpy(m->arena + m->arena_used, s, len);
	m->answers[m->nanswers].p = m->arena + m->arena_used;
	m->answers[m->nanswers].len = (uint32_t)len;
	m->arena_used += (uint32_t)len;
	m->nanswers++;
	return true;
}

/* Format one resource record's data (rd[0..rdlen) at message offset rdoff). */
static int format_rr(const uint8_t *p, size_t rdoff, uint16_t rdlen, uint16_t type,
		     char *out, size_t outsize)
{
	char tbuf[12], name[NDNS_NAME_MAX];
	const char *tname = ndns_type_name(type, tbuf, sizeof(tbuf));
	const uint8_t *rd = p + rdoff;
	size_t off = rdoff;
	int rc, len = 0;

	switch (type) {
	case 1:
		if (rdlen != 4)
			return snprintf(out, outsize, "A [bad length %u]", rdlen);
		return snprintf(out, outsize, "A %u.%u.%u.%u", rd[0], rd[1], rd[2], rd[3]);
	case 28: {
		struct fdr_addr a = { .family = 6 };
		char abuf[64];

		if (rdlen != 16)
			return snprintf(out, outsize, "AAAA [bad length %u]", rdlen);
		memcpy(a.b, rd, 16);
		return snprintf(out, outsize, "AAAA %s", fdr_addr_format(&a, abuf, sizeof(abuf)));
	}
	case 2: case 5: case 12: case 39:	/* NS CNAME PTR DNAME */
		rc = read_name(p, rdoff + rdlen, &off, name, sizeof(name));
		if (rc)
			return rc;
		return snprintf(out, outsize, "%s %s", tname, name);
	case 15:	/* MX: preference, exchange */
		if (rdlen < 3)
			return snprintf(out, outsize, "MX [bad length %u]", rdlen);
		off += 2;
		rc = read_name(p, rdoff + rdlen, &off, name, sizeof(name));
		if (rc)
			return rc;
		return snprintf(out, outsize, "MX %s %u", name, be16(rd));
	case 16:	/* TXT: character-strings, each escaped and quoted */
		len = snprintf(out, outsize, "TXT");
		for (size_t i = 0; i < rdlen;) {
			uint8_t sl = rd[i++];

			if (i + sl > rdlen)
				return len + snprintf(out + len, outsize - (size_t)len, " [|txt]");
			if ((size_t)len + 3 + 4 * (size_t)sl >= outsize)
				return len + snprintf(out + len, outsize - (size_t)len, " [...]");
			out[len++] = ' ';
			out[len++] = '"';
			for (unsigned j = 0; j < sl; j++, i++) {
				uint8_t c = rd[i];

				if (c == '"' || c == '\\') {
					out[len++] = '\\';
					out[len++] = (char)c;
				} else if (c >= 0x20 && c < 0x7f) {
					out[len++] = (char)c;
				} else {
					len += snprintf(out + len, outsize - (size_t)len, "\\%03u", c);
				}
			}
			out[len++] = '"';
			out[len] = '\0';
		}
		return len;
	default:
		return snprintf(out, outsize, "%s", tname);
	}
}

int ndns_parse(const uint8_t *p, size_t n, struct ndns_msg *m)
{
	size_t off = 12;
	uint16_t flags;
	int rc;

	memset(m, 0, offsetof(struct ndns_msg, answers));
	m->arena_used = 0;
	if (n < 12)
		return NDNS_E_SHORT;
	m->id = be16(p);
	flags = be16(p + 2);
	m->qr = flags >> 15;
	m->opcode = (flags >> 11) & 0xf;
	m->tc = (flags >> 9) & 1;
	m->rcode = flags & 0xf;
	m->qdcount = be16(p + 4);
	m->ancount = be16(p + 6);
	m->nscount = be16(p + 8);
	m->arcount = be16(p + 10);
	if (m->qdcount == 0)
		return NDNS_E_NO_QUESTION;
	rc = read_name(p, n, &off, m->qname, sizeof(m->qname));
	if (rc)
		return rc;
	if (off + 4 > n)
		return NDNS_E_NO_QUESTION;
	m->qtype = be16(p + off);
	m->qclass = be16(p + off + 2);
	off += 4;
	/* Further questions (qdcount > 1 is legal but never used): skip them. */
	for (unsigned q = 1; q < m->qdcount; q++) {
		char skip[NDNS_NAME_MAX];

		if (read_name(p, n, &off, skip, sizeof(skip)) || off + 4 > n) {
			m->truncated = true;
			return 0;
		}
		off += 4;
	}
	for (unsigned a = 0; a < m->ancount; a++) {
		char name[NDNS_NAME_MAX], text[NDNS_NAME_MAX + 32];
		uint16_t type, rdlen;
		int len;

		if (read_name(p, n, &off, name, sizeof(name)) || off + 10 > n) {
			m->truncated = true;
			return 0;
		}
		type = be16(p + off);
		rdlen = be16(p + off + 8);
		off += 10;
		if (off + rdlen > n) {
			m->truncated = true;
			return 0;
		}
		len = format_rr(p, off, rdlen, type, text, sizeof(text));
		if (len < 0) {	/* a bad name inside rdata: keep the type */
			char tbuf[12];

			len = snprintf(text, sizeof(text), "%s [bad rdata]",
				       ndns_type_name(type, tbuf, sizeof(tbuf)));
		}
		if ((size_t)len >= sizeof(text))
			len = (int)sizeof(text) - 1;
		add_answer(m, text, (size_t)len);
		off += rdlen;
	}
	return 0;
}

const char *ndns_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case NDNS_E_SHORT: return "dns message shorter than its header";
	case NDNS_E_NAME_TRUNC: return "dns name truncated";
	case NDNS_E_NAME_LONG: return "dns name longer than 255 bytes";
	case NDNS_E_PTR_LOOP: return "dns compression pointer loop";
	case NDNS_E_PTR_RANGE: return "dns compression pointer out of range";
	case NDNS_E_LABEL_TYPE: return "dns label type not supported";
	case NDNS_E_NO_QUESTION: return "dns message without a complete question";
	default: return "unknown dns error";
	}
}
