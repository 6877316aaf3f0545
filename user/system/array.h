/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arrays that grow by doubling, for the lists synq builds while it reads the
 * system (listeners, samples, findings, names). A pure header.
 */
#ifndef SYNQ_ARRAY_H
#define SYNQ_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/*
 * Room for one more item in the array *items_p (a pointer to the array
 * pointer) that holds n of *cap items of item_size bytes: when it is full, it
 * is reallocated to twice *cap (first_cap when it has none). 0, or -ENOMEM
 * with the array and *cap unchanged.
 */
static inline int array_reserve(void *items_p, size_t n, size_t *cap, size_t item_size,
				size_t first_cap)
{
	void **items = items_p;
	size_t want;
	void *p;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : first_cap;
	p = realloc(*items, want * item_size);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = want;
	return 0;
}

#endif
