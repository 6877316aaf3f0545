/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The structured packet generator of the differential tests. Every choice it
 * makes is drawn from a source: a seeded PRNG (reproducible runs) or a byte
 * string (libFuzzer mutates the choices, so its mutations stay packet-shaped).
 */
#ifndef SYNQ_GEN_H
#define SYNQ_GEN_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"

struct gen_src {
	const uint8_t *bytes;	/* NULL: the PRNG */
	size_t size, pos;
	uint64_t state;
};

void gen_seed(struct gen_src *s, uint64_t seed);
void gen_bytes(struct gen_src *s, const uint8_t *bytes, size_t size);
/* A number in [0, n), n >= 1 (0 once a byte source is used up). */
uint32_t gen_pick(struct gen_src *s, uint32_t n);
uint32_t gen_u32(struct gen_src *s);

#define GEN_PORT_SYN	8080	/* protected, nobody listens */
#define GEN_PORT_LISTEN	8081	/* protected, a listener */
#define GEN_PORT_OPEN	9090	/* not protected */

/*
 * One frame into buf (MODEL_FRAME_MAX bytes); returns its length, 14 or more.
 * e supplies the keys and clock, so that some ACKs carry real cookies.
 */
size_t gen_frame(struct gen_src *s, const struct model_env *e, uint8_t *buf);

#endif /* SYNQ_GEN_H */
