/* SPDX-License-Identifier: Apache-2.0 */
/* Checksum repair for the ring fuzz targets (see ring-fix.h). */
#include <stdint.h>
#include <stddef.h>

#include <xxhash.h>

#include "formats/ring-format.h"
#include "tests/fuzz/ring-fix.h"

/* Recompute the checksums of both header copies and of every plausible block. */
void fuzz_ring_fix_checksums(uint8_t *p, size_t len)
{
	uint32_t slot_size = 0, slots = 0;
	uint64_t data_off = 0;

	for (size_t copy = 0; copy < 2 && (copy + 1) * RING_HDR_COPY_SIZE <= len; copy++) {
		uint8_t *h = p + copy * RING_HDR_COPY_SIZE;
		uint32_t hs = get_le32(h + 12), ml = get_le32(h + 56);

		if (hs < 64 || hs > RING_HDR_COPY_SIZE - 8 || ml > RING_HDR_COPY_SIZE - 8 - hs)
			continue;
		put_le64(h + hs + ml, XXH3_64bits(h, hs + ml));
		slot_size = get_le32(h + 32);
		slots = get_le32(h + 36);
		data_off = get_le64(h + 40);
	}
	if (slot_size < RING_SLOT_MIN || slot_size > RING_SLOT_MAX || data_off > len)
		return;
	for (uint64_t i = 0; i < slots && data_off + (i + 1) * slot_size <= len; i++) {
		uint8_t *b = p + data_off + i * slot_size;
		struct blk_hdr h;

		if (blk_hdr_get(b, BLK_HDR_SIZE, slot_size, &h) != 0)
			continue;
		put_le64(b + BLK_CSUM_OFF, blk_checksum(b, &h, b + h.header_size));
	}
}
