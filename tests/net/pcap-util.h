/* SPDX-License-Identifier: Apache-2.0 */
#ifndef PCAP_UTIL_H
#define PCAP_UTIL_H

/*
 * pcap-util: read a capture file (plain or .gz, through `gzip -dc`) packet by
 * packet with libpcap, for the network tests and the replay bench.
 */

#include <stddef.h>
#include <stdint.h>

/* Called per packet; return non-zero to stop. */
typedef int (*pu_fn)(void *arg, int linktype, const uint8_t *p, uint32_t caplen, uint32_t len,
		     uint64_t time_ns);

/* Feed every packet of path to fn. Returns the number of packets or -1 with
 * a message in err (256 bytes). */
long pu_each(const char *path, pu_fn fn, void *arg, char *err);

/* $FDR_SHARED/data/pcap/<rel> in buf, or NULL when FDR_SHARED is unset or
 * the file is missing. */
const char *pu_data(const char *rel, char *buf, size_t size);

#endif
