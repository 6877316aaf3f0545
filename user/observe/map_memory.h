/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What BPF maps cost in kernel memory: as charged now (fdinfo memlock) and by
 * formula from the map definitions, so docs/export.md's figures for hosts
 * other than this one can be computed and checked against the charge here.
 */
#ifndef SYNQ_MAP_MEMORY_H
#define SYNQ_MAP_MEMORY_H

#include <stdint.h>

struct bpf_object;

/* Bytes the kernel charges for the loaded object's maps, summed; 0 when unreadable. */
uint64_t map_memory_charged(const struct bpf_object *obj);

/*
 * The same by formula, from each map's type, key size, value size and entry
 * count: maps named in scaled (NULL-terminated) are priced at `entries`
 * entries, the others at their own; cpus is the CPU count to price for.
 */
uint64_t map_memory_formula(const struct bpf_object *obj, const char *const *scaled,
			    uint64_t entries, int cpus);

#endif
