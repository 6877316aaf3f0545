// SPDX-License-Identifier: GPL-2.0
/*
 * The collector reads the protection's counters through the pins module, from
 * what a real `synq attach` pinned: inside a network and mount namespace of
 * this process with a bpffs of its own, so nothing lands in the host's pins and
 * everything goes with the process, also when a check fails. Each CPU's slot of
 * synq_stats gets a different value and the sums must add up; a pass-only end
 * has no counters; a map that is not what synq expects is not trusted; detach
 * and attach again give a new map ID (the restart of the counter model). And
 * the collector's map memory formula against the kernel's charge. Needs root.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "observe/collector.h"
#include "protect/loader.h"
#include "protect/pins.h"

static uint8_t ports[SYNQ_PORTS];
static int setup_err = -EPERM;	/* private_namespaces()'s result: 0 once they exist */

/* A network namespace and a private bpffs, both ours alone. */
static int private_namespaces(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL))
		return -errno;
	return system("ip link set lo up && "
		      "ip link add vtest0 type veth peer name vtest1 && "
		      "ip link set vtest0 up && ip link set vtest1 up") ? -EIO : 0;
}

static int group_setup(void **state)
{
	(void)state;
	ports[8080] = 1;
	if (!geteuid())
		setup_err = private_namespaces();
	return 0;
}

/* Root and our own namespaces, or the test cannot run (and must not touch the host's). */
static void need_namespaces(void)
{
	if (geteuid())
		skip();	/* needs root: namespaces, bpffs, XDP */
	if (setup_err)
		fail_msg("cannot make a private network namespace and bpffs: %s",
			 strerror(-setup_err));
}

static int attach(const char *iface, bool pass_only)
{
	struct attach_opts o = { .iface = iface, .ports = ports, .pass_only = pass_only };

	return loader_attach(&o);
}

/* Give every CPU's slot of every counter its own value: scale * (k + 1) + cpu. */
static void fill_stats(const char *iface, int ncpu, uint64_t scale)
{
	uint64_t *v = calloc(ncpu, sizeof(*v));
	struct pinned p;

	assert_non_null(v);
	assert_int_equal(pinned_open(iface, &p), 0);
	for (uint32_t k = 0; k < SYNQ_COUNTER_MAX; k++) {
		for (int c = 0; c < ncpu; c++)
			v[c] = scale * (k + 1) + c;
		assert_int_equal(bpf_map_update_elem(p.stats_fd, &k, v, BPF_ANY), 0);
	}
	pinned_close(&p);
	free(v);
}

static uint32_t stats_map_id(const char *iface)
{
	struct pinned p;
	uint32_t id;

	assert_int_equal(pinned_open(iface, &p), 0);
	id = p.stats_map_id;
	pinned_close(&p);
	return id;
}

static void test_xdp_pins(void **state)
{
	int ncpu = libbpf_num_possible_cpus();
	const struct synq_xdp_iface *x;
	struct synq_netns ns = {};
	uint32_t id;

	(void)state;
	need_namespaces();
	/* The pass-only end first: the veth then delivers what synq_xdp sends. */
	assert_int_equal(attach("vtest1", true), 0);
	assert_int_equal(attach("vtest0", false), 0);
	fill_stats("vtest0", ncpu, 1000);

	/* Only the protecting end has counters; the pass-only end is left out. */
	assert_int_equal(synq_xdp_read(&ns, NULL, 0), 1);
	assert_int_equal(ns.xdp_omitted, 0);
	x = synq_xdp_find(&ns, "vtest0");
	assert_non_null(x);
	assert_null(synq_xdp_find(&ns, "vtest1"));
	for (int k = 0; k < SYNQ_COUNTER_MAX; k++)
		assert_int_equal(x->s.ctr[k], (uint64_t)ncpu * 1000 * (k + 1) + ncpu * (ncpu - 1) / 2);
	id = stats_map_id("vtest0");
	assert_int_not_equal(id, 0);
	assert_int_equal(x->s.map_id, id);

	/* detach + attach: new maps, a new ID, counters from zero. */
	assert_int_equal(loader_detach("vtest0"), 0);
	assert_int_equal(attach("vtest0", false), 0);
	memset(&ns, 0, sizeof(ns));
	assert_int_equal(synq_xdp_read(&ns, NULL, 0), 1);
	x = synq_xdp_find(&ns, "vtest0");
	assert_non_null(x);
	assert_int_not_equal(x->s.map_id, id);
	assert_int_equal(x->s.ctr[SYNQ_SYN_RECEIVED], 0);

	assert_int_equal(loader_detach("vtest0"), 0);
	memset(&ns, 0, sizeof(ns));
	assert_int_equal(synq_xdp_read(&ns, NULL, 0), 0);
	assert_false(is_attached(if_nametoindex("vtest0")));
}

/* A pinned synq_stats of another shape (another synq version, say) is not read as ours. */
static void test_foreign_map(void **state)
{
	struct synq_netns ns = {};
	struct pinned p;
	char path[320];
	int fd;

	(void)state;
	need_namespaces();
	assert_int_equal(attach("vtest0", false), 0);
	assert_int_equal(pin_path(path, sizeof(path), if_nametoindex("vtest0"), "synq_stats"), 0);
	assert_int_equal(unlink(path), 0);
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "synq_stats", 4, 4, SYNQ_COUNTER_MAX, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	assert_int_equal(pinned_open("vtest0", &p), -EPROTO);
	assert_int_equal(synq_xdp_read(&ns, NULL, 0), 0);
	/* detach still cleans it all up. */
	loader_detach("vtest0");
	assert_false(is_attached(if_nametoindex("vtest0")));
	assert_int_equal(loader_detach("vtest1"), 0);
	assert_false(is_attached(if_nametoindex("vtest1")));
}

/*
 * The memory formula docs/export.md prices a fleet host with must match what
 * the kernel charges for the queue programs' maps here, for both modes and two
 * table sizes; and by that formula the default fits 10,000 listeners on 64
 * CPUs in 16 MiB.
 */
static void test_map_memory_formula(void **state)
{
	const uint32_t sizes[] = { SYNQ_LISTENERS_FLAG_MIN, 10000 };
	int ncpu = libbpf_num_possible_cpus();

	(void)state;
	need_namespaces();
	for (int wait = 0; wait < 2; wait++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct synq_collector_opts o = { .no_wait = !wait, .listeners_max = sizes[i] };
			struct synq_collector *c = synq_collector_open(&o);
			uint64_t charged, formula, slack;

			assert_non_null(c);
			charged = synq_collector_memlock(c);
			formula = synq_collector_memory(c, sizes[i], ncpu);
			assert_true(charged > 0);
			/* 1 %, or the headers the formula rounds to 1 KiB a map */
			slack = charged / 100 > 4096 ? charged / 100 : 4096;
			if (formula > charged ? formula - charged > slack : charged - formula > slack)
				fail_msg("%s, %u listeners: formula %llu B, kernel %llu B",
					 wait ? "--accept-wait" : "default", sizes[i],
					 (unsigned long long)formula, (unsigned long long)charged);
			if (!wait)
				assert_true(synq_collector_memory(c, 10000, 64) <= 16ull << 20);
			synq_collector_close(c);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_pins),
		cmocka_unit_test(test_map_memory_formula),
		cmocka_unit_test(test_foreign_map),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
