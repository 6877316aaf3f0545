// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "observe/map_memory.h"

/* The kernel's accounting (kernel/bpf/hashtab.c, arraymap.c), Linux 6.x. */
#define HTAB_ELEM_HEADER	48	/* struct htab_elem before its key */
#define HTAB_BUCKET		16	/* struct bucket */
#define MAP_HEADER		1024	/* the map's own struct, per-CPU lock counts: about */
#define PAGE			4096

static uint64_t round8(uint64_t n)
{
	return (n + 7) & ~7ull;
}

static uint64_t pow2_at_least(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

uint64_t map_memory_charged(const struct bpf_object *obj)
{
	const struct bpf_map *m;
	unsigned long long bytes;
	char path[64], line[128];
	uint64_t sum = 0;
	FILE *f;

	bpf_object__for_each_map(m, obj) {
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", bpf_map__fd(m));
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "memlock: %llu", &bytes) == 1)
				sum += bytes;
		if (f)
			fclose(f);
	}
	return sum;
}

static bool named_in(const char *name, const char *const *names)
{
	for (; names && *names; names++)
		if (!strcmp(name, *names))
			return true;
	return false;
}

/*
 * One map: a preallocated hash holds its entries plus one spare per CPU (an
 * LRU hash none), each a header, the key and the value rounded up to 8, and
 * a power-of-two bucket array; a per-CPU array one value per CPU per entry;
 * an mmapable array (.rodata, .kconfig) whole pages, its header included.
 */
static uint64_t map_bytes(const struct bpf_map *m, uint64_t n, int cpus)
{
	uint64_t elem = HTAB_ELEM_HEADER + round8(bpf_map__key_size(m)) +
			round8(bpf_map__value_size(m));
	uint64_t value = round8(bpf_map__value_size(m));

	switch (bpf_map__type(m)) {
	case BPF_MAP_TYPE_HASH:
		return MAP_HEADER + (n + cpus) * elem + HTAB_BUCKET * pow2_at_least(n);
	case BPF_MAP_TYPE_LRU_HASH:
		return MAP_HEADER + n * elem + HTAB_BUCKET * pow2_at_least(n);
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return MAP_HEADER + n * value * cpus;
	default:
		if (bpf_map__map_flags(m) & BPF_F_MMAPABLE)
			return PAGE + (n * value + PAGE - 1) / PAGE * PAGE;
		return MAP_HEADER + n * value;
	}
}

uint64_t map_memory_formula(const struct bpf_object *obj, const char *const *scaled,
			    uint64_t entries, int cpus)
{
	const struct bpf_map *m;
	uint64_t sum = 0;

	bpf_object__for_each_map(m, obj)
		sum += map_bytes(m, named_in(bpf_map__name(m), scaled) ? entries :
				 bpf_map__max_entries(m), cpus);
	return sum;
}
