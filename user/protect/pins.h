/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one owner of what `synq attach` pins:
 *
 *	/sys/fs/bpf/synq/<netns inode>/<IFACE>/
 *		the protection's maps, synq_xdp, synq_tc, owns_clsact/
 *	or, for `attach --pass-only`, synq_pass
 *
 * Nothing else builds a pin path.
 */
#ifndef SYNQ_PINS_H
#define SYNQ_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <synq/cookie.h>
#include <synq/protect.h>

#define SYNQ_PIN_ROOT "/sys/fs/bpf/synq"

/* "/sys/fs/bpf/synq/<netns inode>" (iface NULL) or ".../<iface>". 0 or -ENAMETOOLONG. */
int pin_dir(char *buf, size_t len, const char *iface);
/* "<pin_dir(iface)>/<name>". */
int pin_path(char *buf, size_t len, const char *iface, const char *name);


struct pinned {
	char iface[32];
	int ifindex;			/* 0: the interface is gone */
	bool pass_only;
	int config_fd, keys_fd, ports_fd, stats_fd, errors_fd;
	int malformed_fd;		/* -1 when the programs have no synq_malformed */
	uint32_t xdp_prog_id;		/* of the pinned program */
	uint32_t xdp_attached_id;	/* what the interface runs now (0: none) */
	const char *xdp_mode;		/* "native", "generic", "offload" or "none" */
};

/* Open what attach pinned for iface. -ENOENT when it is not attached; no message. */
int pinned_open(const char *iface, struct pinned *p);
void pinned_close(struct pinned *p);
/*
 * Call fn for every interface with pins in this namespace, in name order.
 * Returns how many there were, or -errno.
 */
int pinned_each(int (*fn)(const char *iface, void *arg), void *arg);

int config_read(const struct pinned *p, struct synq_config *cfg);
int config_write(const struct pinned *p, const struct synq_config *cfg);
/* ports[SYNQ_PORTS] from the pinned synq_ports map. */
int ports_read(const struct pinned *p, uint8_t *ports);
/* The key of slot (0 or 1). */
int key_read(const struct pinned *p, unsigned int slot, struct synq_key *key);
int key_write(const struct pinned *p, unsigned int slot, const struct synq_key *key);
/* A fresh key from getrandom(). */
int key_random(struct synq_key *key);
/* Read a key file (32 hex digits). Prints the reason and returns -errno on failure. */
int key_load_file(const char *verb, const char *path, struct synq_key *key);

#endif
