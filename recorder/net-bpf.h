/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NET_BPF_H
#define NET_BPF_H

/*
 * net-bpf: the kernel filter of the network source. It keeps user space
 * work to what the flow table needs:
 *  - DNS (UDP or TCP port 53): whole packets, up to full_snap bytes;
 *  - TCP with SYN, FIN or RST (IPv4, and IPv6 without extension headers):
 *    the first small_snap bytes (headers);
 *  - other UDP (a filter cannot tell a flow's first datagram): small_snap;
 *  - everything else: nothing.
 * On Ethernet, frames with one 802.1Q tag are matched too. Not matched (known gaps):
 * deeper VLAN stacks, and IPv6 TCP behind extension headers.
 * A socket filter's return value is how many bytes the kernel keeps, so two
 * programs compiled with different snap lengths are chained: the DNS one
 * first, its "reject" turned into a jump to the second.
 *
 * Ownership: *prog is the caller's; free it with pcap_freecode().
 */

#include <stddef.h>
#include <pcap/pcap.h>

#define NB_SMALL_SNAP 192
#define NB_FULL_SNAP 65535

/* Build the filter for link type linktype (DLT_*). 0, or -EINVAL with a
 * reason in err. */
int nb_build(int linktype, unsigned small_snap, unsigned full_snap, struct bpf_program *prog,
	     char *err, size_t errsize);

/* The filter expressions used (for logs and docs). */
extern const char nb_expr_dns[];
extern const char nb_expr_small[];

#endif
