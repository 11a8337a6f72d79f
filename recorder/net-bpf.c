/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Chaining two classic BPF programs (see net-bpf.h for why). Classic BPF
 * jumps are relative and forward only, so the second program is appended
 * unchanged and each "ret #0" of the first becomes "ja" to its start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net-bpf.h"

const char nb_expr_dns[] = "port 53";
const char nb_expr_small[] =
	"(tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0)"
	" or (ip6 and tcp and (ip6[53] & 0x07 != 0))"
	" or udp";

/* On Ethernet each test runs once untagged and once behind one 802.1Q tag
 * ("vlan" shifts the offsets of what follows it, so it comes last). */
static int compile(pcap_t *dead, int linktype, const char *expr, struct bpf_program *prog)
{
	char full[512];

	if (linktype == DLT_EN10MB)
		snprintf(full, sizeof(full), "(%s) or (vlan and (%s))", expr, expr);
	else
		snprintf(full, sizeof(full), "%s", expr);
	return pcap_compile(dead, prog, full, 1, PCAP_NETMASK_UNKNOWN);
}

#define MAX_INSNS 4096	/* BPF_MAXINSNS of the kernel */

int nb_build(int linktype, unsigned small_snap, unsigned full_snap, struct bpf_program *prog,
	     char *err, size_t errsize)
{
	struct bpf_program a, b;
	struct bpf_insn *v;
	pcap_t *dead;
	int rc = -EINVAL;

	memset(prog, 0, sizeof(*prog));
	dead = pcap_open_dead(linktype, (int)full_snap);
	if (!dead) {
		snprintf(err, errsize, "cannot open a pcap handle for link type %d", linktype);
		return -ENOMEM;
	}
	if (compile(dead, linktype, nb_expr_dns, &a)) {
		snprintf(err, errsize, "cannot compile '%s': %s", nb_expr_dns, pcap_geterr(dead));
		goto out_close;
	}
	pcap_close(dead);
	dead = pcap_open_dead(linktype, (int)small_snap);
	if (!dead) {
		snprintf(err, errsize, "cannot open a pcap handle for link type %d", linktype);
		pcap_freecode(&a);
		return -ENOMEM;
	}
	if (compile(dead, linktype, nb_expr_small, &b)) {
		snprintf(err, errsize, "cannot compile '%s': %s", nb_expr_small, pcap_geterr(dead));
		goto out_free_a;
	}
	if (a.bf_len + b.bf_len > MAX_INSNS) {
		snprintf(err, errsize, "filter too long (%u instructions)", a.bf_len + b.bf_len);
		goto out_free_b;
	}
	v = malloc(sizeof(*v) * (a.bf_len + b.bf_len));
	if (!v) {
		rc = -ENOMEM;
		goto out_free_b;
	}
	memcpy(v, a.bf_insns, sizeof(*v) * a.bf_len);
	memcpy(v + a.bf_len, b.bf_insns, sizeof(*v) * b.bf_len);
	for (unsigned i = 0; i < a.bf_len; i++)
		if (v[i].code == (BPF_RET | BPF_K) && v[i].k == 0) {
			v[i].code = BPF_JMP | BPF_JA;
			v[i].jt = v[i].jf = 0;
			v[i].k = a.bf_len - i - 1;
		}
	prog->bf_len = a.bf_len + b.bf_len;
	prog->bf_insns = v;
	rc = 0;
out_free_b:
	pcap_freecode(&b);
out_free_a:
	pcap_freecode(&a);
out_close:
	pcap_close(dead);
	return rc;
}
