/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What libbpf and libxdp may print, for every verb alike: their warnings (a
 * verifier log when a load fails, a missing kernel feature) always; their
 * info lines with -v; their debug lines with -v -v.
 */
#ifndef SYNQ_LOG_H
#define SYNQ_LOG_H

#include <stdbool.h>

/* Install the policy; main() calls it once, before the verb runs. */
void liblog_init(void);

/*
 * Around a library call that is expected to fail and recovers by itself (libxdp
 * probing for its multi-program dispatcher): its warnings are kept for -v.
 */
void liblog_expect_failures(bool on);

#endif
