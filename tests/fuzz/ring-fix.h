/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FUZZ_RING_FIX_H
#define FUZZ_RING_FIX_H

/*
 * Test helper of the ring fuzz targets (fuzz-ring, fuzz-rp-scan): checksums
 * stop almost every mutation at the door, so a target also reads its input
 * with the checksums of both header copies and of every plausible block
 * recomputed in place (p is the caller's, len bytes, changed in place).
 */
#include <stddef.h>
#include <stdint.h>

void fuzz_ring_fix_checksums(uint8_t *p, size_t len);

#endif
