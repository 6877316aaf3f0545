// SPDX-License-Identifier: GPL-2.0
/*
 * The one counter model (user/observe/counters.h): per-CPU sums, deltas and
 * rates, and the restart rule that status, watch and top all follow: a new map
 * ID, or a counter that went backwards, means the counter started again from
 * zero, so the delta is the current value; nothing is ever negative.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "observe/counters.h"

static void test_percpu_sum(void **state)
{
	const uint64_t v[4] = { 1, 2, 3, 4000000000000ull };
	const uint64_t big[2] = { UINT64_C(1) << 40, UINT64_C(1) << 40 };

	(void)state;
	assert_int_equal(counter_percpu_sum(v, 4), 4000000000006ull);
	assert_int_equal(counter_percpu_sum(v, 1), 1);	/* one CPU: the value itself */
	assert_int_equal(counter_percpu_sum(v, 0), 0);
	assert_int_equal(counter_percpu_sum(big, 2), UINT64_C(2) << 40);
}

static void test_delta(void **state)
{
	(void)state;
	assert_int_equal(counter_delta(4, 10, false), 6);
	assert_int_equal(counter_delta(7, 7, false), 0);
	/* A new map ID: the new map counted from zero, whatever the old one held. */
	assert_int_equal(counter_delta(4, 10, true), 10);
	assert_int_equal(counter_delta(500, 20, true), 20);
	/* Backwards without a known restart is a restart too: never negative. */
	assert_int_equal(counter_delta(10, 3, false), 3);
	assert_int_equal(counter_delta(UINT64_MAX, 0, false), 0);
}

static void test_rate(void **state)
{
	(void)state;
	assert_float_equal(counter_rate(100, 300, false, 2.0), 100.0, 1e-9);
	assert_float_equal(counter_rate(0, 5, false, 0.5), 10.0, 1e-9);
	assert_float_equal(counter_rate(7, 7, false, 1.0), 0.0, 1e-9);
	/* detach + attach between two readings: the new count over the interval. */
	assert_float_equal(counter_rate(500, 20, true, 1.0), 20.0, 1e-9);
	assert_float_equal(counter_rate(500, 20, false, 2.0), 10.0, 1e-9);
	assert_float_equal(counter_rate(100, 300, true, 2.0), 150.0, 1e-9);
	/* No time between the readings: no rate rather than a division by zero. */
	assert_float_equal(counter_rate(1, 2, false, 0.0), 0.0, 1e-9);
	assert_float_equal(counter_rate(1, 2, false, -1.0), 0.0, 1e-9);
	assert_true(counter_rate(0, UINT64_MAX, false, 1.0) > 1.8e19);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percpu_sum),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
