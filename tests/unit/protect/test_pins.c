// SPDX-License-Identifier: GPL-2.0
/*
 * The one list of pinned objects (pin_objects[] in user/protect/pins.c) is
 * complete and quoted: every map of the protection's BPF object is on it (attach
 * refuses to pin one that is not), every map on it exists in the object, the
 * maps user space reads back carry the shape the object declares, and the docs'
 * tables list exactly these names. Opens the object without loading it: no
 * privileges needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/libbpf.h>

#include "protect/pins.h"
#include "synq_protect.skel.h"

static void test_maps_listed(void **state)
{
	struct synq_protect_bpf *skel = synq_protect_bpf__open();
	const struct pin_object *o;
	struct bpf_map *map;
	size_t maps = 0;

	(void)state;
	assert_non_null(skel);
	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		o = pin_object_find(bpf_map__name(map));
		if (!o)
			fail_msg("map %s is not in pin_objects[]", bpf_map__name(map));
		assert_int_equal(o->kind, PIN_MAP);
		if (o->map_type) {	/* read back: the shape pinned_open() checks */
			assert_int_equal(bpf_map__type(map), o->map_type);
			assert_int_equal(bpf_map__key_size(map), o->key_size);
			assert_int_equal(bpf_map__value_size(map), o->value_size);
			assert_int_equal(bpf_map__max_entries(map), o->max_entries);
		}
		maps++;
	}
	for (size_t i = 0; i < pin_objects_n; i++)
		maps -= pin_objects[i].kind == PIN_MAP;
	assert_int_equal(maps, 0);	/* and no listed map is missing from the object */
	synq_protect_bpf__destroy(skel);
}

static char *read_doc(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 1 << 20);

	if (!f || !text)
		fail_msg("cannot read %s (run from the repository root)", path);
	fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	return text;
}

/* Every listed object is a row "| `name`" of the doc's table (maps_only: maps alone). */
/*
 * The table under the heading row `header` in the doc at path has one row
 * "| `name` |" per listed object (maps alone when maps_only), and no other rows.
 */
static void quoted_in(const char *path, const char *header, bool maps_only)
{
	char *text = read_doc(path), *table = strstr(text, header), *line, row[64];
	long rows = 0;

	assert_non_null(table);
	/* The table ends at the first line that does not start with '|'. */
	for (line = table; *line == '|'; line = strchr(line, '\n') + 1)
		rows -= !strncmp(line, "| `", 3);
	*line = '\0';
	for (size_t i = 0; i < pin_objects_n; i++) {
		if (maps_only && pin_objects[i].kind != PIN_MAP)
			continue;
		snprintf(row, sizeof(row), "| `%s` |", pin_objects[i].name);
		if (!strstr(table, row))
			fail_msg("%s does not list %s", path, pin_objects[i].name);
		rows++;
	}
	assert_int_equal(rows, 0);
	free(text);
}

static void test_docs_quote_the_list(void **state)
{
	(void)state;
	quoted_in("docs/protect.md", "| object | kind | what |", false);
	quoted_in("docs/dataplane.md", "| map | type | what |", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_listed),
		cmocka_unit_test(test_docs_quote_the_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
