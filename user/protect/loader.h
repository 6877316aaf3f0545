/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader of synq's SYN-cookie protection: it loads bpf/synq_protect.bpf.c,
 * fills its maps, attaches TC ingress (a TCX link) and XDP (an XDP link) to one
 * interface and pins everything (pins.h owns the layout and the list), so the
 * protection outlives the loader and `status`, `key` and `detach` find it
 * again. `attach --pass-only` puts only an XDP_PASS program on the far end of
 * a veth.
 */
#ifndef SYNQ_LOADER_H
#define SYNQ_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include <synq/cookie.h>
#include <synq/protect.h>

enum xdp_mode_req {
	XDP_REQ_AUTO,		/* native, falling back to generic */
	XDP_REQ_NATIVE,
	XDP_REQ_GENERIC,
};

struct attach_opts {
	const char *iface;
	const uint8_t *ports;		/* SYNQ_PORTS entries */
	enum xdp_mode_req mode;
	uint8_t cookie_mode;		/* SYNQ_MODE_AUTO or SYNQ_MODE_ALWAYS (--mode) */
	const struct synq_key *key;	/* NULL: random */
	unsigned int mss;		/* 0: from the MTU */
	bool replace;
	bool exist_ok;			/* the same protection already pinned: done (attach.c) */
	bool pass_only;			/* only an XDP_PASS program (the veth peer fix) */
};

struct bpf_program;
/*
 * Gives a frags-aware XDP program BPF_F_XDP_HAS_FRAGS for native mode only
 * (call before loading; its section must be plain "xdp"): loader.c says why.
 */
void loader_xdp_frags(struct bpf_program *prog, bool native);

/* Everything `synq attach` does. 0, or -errno with a message printed; nothing half-done stays. */
int loader_attach(const struct attach_opts *opts);
/*
 * Everything `synq detach` does: XDP link, then TC link, then the pins.
 * -ENOENT (with a message) when nothing is attached.
 */
int loader_detach(const char *iface);

#endif
