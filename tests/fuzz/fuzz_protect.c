// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the differential test of synq_xdp / synq_tc against the
 * model (tests/bpf/difftest.h), with libFuzzer mutating on top of the
 * generator. An input whose first byte is even is a string of generator
 * choices (mutations stay packet-shaped); odd, the rest is the frame itself.
 * Coverage comes from the model and the generator, so new model paths guide
 * the mutation. A divergence is printed as a case file ready to save; the run
 * goes on. Needs root: it loads BPF programs into a network namespace of its own.
 */
#include <stdlib.h>
#include <string.h>
#include "difftest.h"

static struct diff d;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (diff_open(&d, 7))
		exit(1);
	d.report = stdout;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[MODEL_FRAME_MAX];
	struct gen_src g, r;
	size_t len;

	if (size < 1)
		return 0;
	gen_seed(&r, size);	/* the properties' own choices */
	if (data[0] & 1) {
		len = size - 1 < MODEL_FRAME_MAX ? size - 1 : MODEL_FRAME_MAX;
		if (len < 14)
			return 0;
		memcpy(frame, data + 1, len);
	} else {
		gen_bytes(&g, data + 1, size - 1);
		len = gen_frame(&g, &d.env, frame);
	}
	if (diff_frame(&d, frame, len, &r) < 0)
		abort();
	return 0;
}
