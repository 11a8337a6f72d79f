/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the network dissector, the DNS decoder and the flow table: the first
 * byte picks the link type, the rest is one packet (caplen = len, and again
 * with the wire length claimed longer, as a snap length would cut it).
 */
#include <stddef.h>
#include <stdint.h>

#include "recorder/net-dissect.h"
#include "recorder/net-dns.h"
#include "recorder/net-flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = {
	ND_LINK_EN10MB, ND_LINK_LINUX_SLL, ND_LINK_LINUX_SLL2, ND_LINK_RAW, ND_LINK_IPV4,
	ND_LINK_IPV6, ND_LINK_NULL, ND_LINK_LOOP,
};

static void sink(void *arg, const struct fdr_event *ev, const struct nf_info *info)
{
	(void)info;
	*(uint64_t *)arg += ev->kind;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ndns_msg m;
	struct nf_config cfg = NF_CONFIG_INIT;
	struct nf_table *t;
	struct nd_packet p;
	uint64_t sum = 0;
	int lt;

	if (size < 1 || size > 65536)
		return 0;
	lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	cfg.max_flows = 4;
	cfg.all_packets = true;
	cfg.emit = sink;
	cfg.arg = &sum;
	t = nf_new(&cfg);
	if (!t)
		return 0;
	if (nd_dissect(lt, data + 1, (uint32_t)size - 1, (uint32_t)size - 1, 1, &p) == 0) {
		nf_packet(t, &p, "fz0", 1, 0);
		nf_packet(t, &p, "fz0", 1, 0);
	}
	if (nd_dissect(lt, data + 1, (uint32_t)size - 1, (uint32_t)size + 100, 2, &p) == 0)
		nf_packet(t, &p, NULL, 0, 0);
	/* The whole input as a DNS message too. */
	(void)ndns_parse(data + 1, size - 1, &m);
	nf_expire(t, 1ull << 62);
	nf_flush(t, 1ull << 62);
	nf_free(t);
	return 0;
}
