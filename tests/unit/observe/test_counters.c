// SPDX-License-Identifier: GPL-2.0
/* synq status's arithmetic: per-CPU sums and per-second rates on fake map data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "protect/protect_parse.h"

static void test_percpu_sum(void **state)
{
	/* Three counters on four CPUs, laid out as the kernel returns them: [counter][cpu]. */
	const uint64_t vals[3 * 4] = {
		1, 2, 3, 4,
		0, 0, 0, 0,
		UINT64_C(1) << 40, 7, 0, UINT64_C(1) << 40,
	};
	uint64_t out[3] = { 99, 99, 99 };

	(void)state;
	percpu_sum(vals, 3, 4, out);
	assert_true(out[0] == 10);
	assert_true(out[1] == 0);
	assert_true(out[2] == (UINT64_C(2) << 40) + 7);
	/* One CPU: the values themselves. */
	percpu_sum(vals, 3, 1, out);
	assert_true(out[0] == 1 && out[1] == 2 && out[2] == 3);
}

static void test_counter_rate(void **state)
{
	(void)state;
	assert_true(counter_rate(100, 300, 2.0) == 100.0);
	assert_true(counter_rate(0, 5, 0.5) == 10.0);
	assert_true(counter_rate(7, 7, 1.0) == 0.0);
	/* A counter that restarted (detach + attach) is no negative rate. */
	assert_true(counter_rate(500, 20, 1.0) == 0.0);
	assert_true(counter_rate(1, 2, 0.0) == 0.0);
	assert_true(counter_rate(0, UINT64_MAX, 1.0) > 1.8e19);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percpu_sum),
		cmocka_unit_test(test_counter_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
