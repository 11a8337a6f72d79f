// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the decoder of the BPF process records
 * (recorder/proc-bpf-decode.c). The input is one record; its size field is
 * set to the input's length half of the time, so the fuzzer gets past the
 * first check.
 */
#include <linux/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/bpf/proc-bpf-rec.h"
#include "recorder/proc-bpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proc_bpf_rec rec;
	uint8_t *copy;

	if (size > PBPF_AREA + 1024)
		return 0;
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (size >= sizeof(struct pbpf_hdr) && (size & 1)) {
		__u32 n = (__u32)size;

		memcpy(copy + offsetof(struct pbpf_hdr, size), &n, sizeof(n));
	}
	if (proc_bpf_decode(copy, size, &rec) == 0 && rec.type == PROC_BPF_EXEC) {
		/* what the recorder reads of it must be in bounds */
		for (uint32_t i = 0; i < rec.argc; i++)
			if (rec.argv[i].len && rec.argv[i].p[rec.argv[i].len - 1] == '\0')
				abort();	/* argv strings never include their NUL */
		if (strlen(rec.exe) >= sizeof(rec.exe) || strlen(rec.cwd) >= sizeof(rec.cwd))
			abort();
	}
	free(copy);
	return 0;
}
