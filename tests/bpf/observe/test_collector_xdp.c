// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the protection programs' pinned counters: a PERCPU_ARRAY made and
 * pinned here, under a namespace id no real namespace has, with a different
 * value on every CPU; the collector must sum them. Needs root (bpffs, maps).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "observe/collector.h"
#include "system/system.h"

static char dir[128], ifdir[2][160], pin[2][200];

static int make_pin(int i, const char *iface, int ncpu, uint64_t scale)
{
	uint64_t *v = calloc(ncpu, sizeof(*v));
	int fd, err = 0;

	snprintf(ifdir[i], sizeof(ifdir[i]), "%s/%s", dir, iface);
	snprintf(pin[i], sizeof(pin[i]), "%s/synq_stats", ifdir[i]);
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "synq_stats", 4, 8, SYNQ_COUNTER_MAX, NULL);
	if (fd < 0 || !v || mkdir(ifdir[i], 0700))
		return -1;
	for (uint32_t k = 0; k < SYNQ_COUNTER_MAX && !err; k++) {
		for (int c = 0; c < ncpu; c++)
			/* sums to ncpu * scale * (k + 1) + ncpu * (ncpu - 1) / 2 */
			v[c] = scale * (k + 1) + c;
		err = bpf_map_update_elem(fd, &k, v, BPF_ANY);
	}
	if (!err)
		err = bpf_obj_pin(fd, pin[i]);
	close(fd);
	free(v);
	return err;
}

static void cleanup(void)
{
	for (int i = 0; i < 2; i++) {
		unlink(pin[i]);
		rmdir(ifdir[i]);
	}
	rmdir(dir);
}

static void test_xdp_pins(void **state)
{
	int ncpu = libbpf_num_possible_cpus();
	struct synq_netns ns = {};
	const struct synq_xdp_iface *x;

	(void)state;
	if (geteuid() || ensure_bpffs())
		skip();	/* needs root: bpffs and BPF maps */
	/* Far above real namespace inodes (which start near 4026531840). */
	ns.netns = 9000000000000ull + getpid();
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/synq/%llu", (unsigned long long)ns.netns);
	mkdir("/sys/fs/bpf/synq", 0700);
	assert_int_equal(mkdir(dir, 0700), 0);
	atexit(cleanup);
	assert_int_equal(make_pin(0, "vtest0", ncpu, 1000), 0);
	assert_int_equal(make_pin(1, "vtest1", ncpu, 7), 0);
	assert_int_equal(synq_xdp_read(&ns, ncpu), 2);
	x = synq_xdp_find(&ns, "vtest0");
	assert_non_null(x);
	for (int k = 0; k < SYNQ_COUNTER_MAX; k++)
		assert_int_equal(x->c[k], (uint64_t)ncpu * 1000 * (k + 1) + ncpu * (ncpu - 1) / 2);
	x = synq_xdp_find(&ns, "vtest1");
	assert_non_null(x);
	assert_int_equal(x->c[SYNQ_HANDOFF_OK],
			 (uint64_t)ncpu * 7 * (SYNQ_HANDOFF_OK + 1) + ncpu * (ncpu - 1) / 2);
	/* No pins for a namespace: nothing read, nothing invented. */
	memset(&ns, 0, sizeof(ns));
	ns.netns = 9000000000000ull + getpid() + 1;
	assert_int_equal(synq_xdp_read(&ns, ncpu), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_pins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
