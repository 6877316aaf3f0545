/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differential testing of synq_xdp and synq_tc against the model (tests/model/):
 * each frame runs through bpf_prog_test_run_opts() and through the model, and
 * the verdict, output length, output bytes (XDP metadata included) and every
 * counter delta must agree. On top, properties no single run shows: a SYN-ACK
 * fed back as the final ACK validates, a one-bit change of its ack number does
 * not, output checksums verify, VLAN tags stay, and bytes past the headers do
 * not change the verdict. A disagreement is written out as a regression case
 * (see docs/difftest.md for the format), ready to save in the corpus.
 */
#ifndef SYNQ_DIFFTEST_H
#define SYNQ_DIFFTEST_H

#include <stdint.h>
#include <stdio.h>
#include "../model/model.h"
#include "../model/gen.h"

struct synq_protect_bpf;

enum diff_prog { DIFF_XDP, DIFF_TC };

struct diff_stats {
	uint64_t cases;		/* frames generated or replayed */
	uint64_t runs;		/* BPF program runs, properties included */
	uint64_t tx, pass, drop, tc_handoffs;
	uint64_t tc_uncertain;	/* a repeated handoff: its counters depend on timing */
	uint64_t tc_unrunnable;	/* frames the skb test runner refuses (IP EtherType, no IP header) */
	uint64_t divergences;
};

struct diff {
	struct synq_protect_bpf *skel;
	struct model_env env;
	uint8_t ports[SYNQ_PORTS];
	int listen_fd[2];
	int xdp_fd, tc_fd;
	int thorough;		/* every check on every case: each ack bit of each SYN-ACK
				 * flipped, every frame's bytes past its headers changed,
				 * synq_tc on every frame XDP passes, the counters after
				 * every run; otherwise one bit, one frame in eight, one
				 * in four, and the counters summed over each batch */
	struct model_counts snap;	/* the counters at the last read */
	struct model_counts expect;	/* what the model expects to have moved since */
	struct model_counts seen;	/* what the model expected of every run: what the
					 * generated cases reached */
	uint64_t *handoffs;	/* hashes of (flow, ISN) handed off: a repeat is timing-dependent */
	FILE *report;		/* where divergences are written; NULL: nowhere */
	struct diff_stats st;
};

/*
 * Loads synq_protect into a new network namespace with the test configuration,
 * keys 0 and 1 of tests/bpf/harness.h, listeners on GEN_PORT_LISTEN and the
 * cookie clock at counter now. Returns 0, or -errno (a message on stderr).
 */
int diff_open(struct diff *d, uint32_t now);
void diff_close(struct diff *d);
void diff_set_clock(struct diff *d, uint32_t now);

/*
 * One frame through synq_xdp (and synq_tc when XDP passes it) and the model,
 * with the properties; r draws the random parts of the properties. Returns the
 * number of divergences found (each written to d->report), or -errno.
 */
int diff_frame(struct diff *d, const uint8_t *frame, size_t len, struct gen_src *r);

/* Generated cases first..first+n-1 of seed; returns the divergences, or -errno. */
long diff_run_seed(struct diff *d, uint64_t seed, uint64_t first, uint64_t n);

/*
 * Replays a saved case (docs/difftest.md): BPF and the model must both give
 * what the file expects. Returns 0, 1 on a mismatch (explained on stderr), or
 * -errno when the file cannot be read.
 */
int diff_replay_file(struct diff *d, const char *path);

#endif /* SYNQ_DIFFTEST_H */
