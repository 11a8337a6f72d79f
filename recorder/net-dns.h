/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NET_DNS_H
#define NET_DNS_H

/*
 * net-dns: decode a DNS message (RFC 1035) into what fdr records: the
 * question, the answers and the response code. Pure C over a buffer.
 *
 * Names come out in presentation form without the final dot ("." for the
 * root): label bytes other than printable ASCII, and '.' and '\' inside a
 * label, are written as RFC 1035 escapes ("\046", "\\"), so a name is always
 * printable ASCII and unambiguous. Compression pointers may point anywhere
 * inside the message (also forward) but a name follows at most
 * NDNS_JUMPS_MAX of them and is at most 255 bytes on the wire: a loop is an
 * error, never a hang.
 *
 * Answers are formatted like tcpdump does: "A 192.0.2.1", "AAAA 2001:db8::1",
 * "CNAME name", "PTR name", "NS name", "MX name 10", "TXT \"text\"", and
 * "TYPE<n>" (or the type's name) for the others. At most NDNS_ANSWERS_MAX
 * are kept; answers that do not fit are counted in dropped.
 *
 * A message cut short after its question (capture snap length, TC bit) still
 * decodes: what was complete is returned and truncated is set.
 *
 * Ownership: struct ndns_msg is self-contained (names and answers live in
 * its own arrays); the fdr_str entries of answers point into it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdr-event.h"

#define NDNS_NAME_MAX 1024	/* presentation form, escapes included */
#define NDNS_ANSWERS_MAX 16
#define NDNS_ARENA_SIZE 4096
#define NDNS_JUMPS_MAX 64

enum ndns_error {
	NDNS_E_SHORT = -1,	/* shorter than the 12-byte header */
	NDNS_E_NAME_TRUNC = -2,	/* name runs past the message */
	NDNS_E_NAME_LONG = -3,	/* name longer than 255 bytes */
	NDNS_E_PTR_LOOP = -4,	/* too many compression pointers (a loop) */
	NDNS_E_PTR_RANGE = -5,	/* compression pointer outside the message */
	NDNS_E_LABEL_TYPE = -6,	/* label type 0x40/0x80 (EDNS0 bitstring, reserved) */
	NDNS_E_NO_QUESTION = -7,	/* qdcount is 0 or the question is truncated */
};

struct ndns_msg {
	uint16_t id;
	bool qr;		/* response */
	bool tc;		/* truncated flag */
	uint8_t opcode, rcode;
	uint16_t qdcount, ancount, nscount, arcount;
	char qname[NDNS_NAME_MAX];
	uint16_t qtype, qclass;
	uint32_t nanswers;	/* answers[] kept */
	uint32_t dropped;	/* answers that did not fit */
	bool truncated;		/* answer section cut short */
	struct fdr_str answers[NDNS_ANSWERS_MAX];
	uint32_t arena_used;
	char arena[NDNS_ARENA_SIZE];
};

/* Decode p[0..n) into *m. Returns 0, or an enum ndns_error (m then holds
 * what was decoded before the error: the header at least when n >= 12). */
int ndns_parse(const uint8_t *p, size_t n, struct ndns_msg *m);

/* Name of a record type ("A", "AAAA", "TYPE65" for unknown ones) in buf
 * (at least 12 bytes); returns buf or a static string. */
const char *ndns_type_name(unsigned type, char *buf, size_t size);

/* Lowercase text for an enum ndns_error. */
const char *ndns_strerror(int err);

#endif
