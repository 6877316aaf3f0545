/* SPDX-License-Identifier: GPL-2.0 */
/* Network-order (big-endian) fields in a byte buffer: test packets, the model, the generator. */
#ifndef SYNQ_MODEL_BYTES_H
#define SYNQ_MODEL_BYTES_H

#include <stdint.h>

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static inline void put16(uint8_t *p, uint32_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

#endif /* SYNQ_MODEL_BYTES_H */
