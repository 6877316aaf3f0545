/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one owner of what `synq attach` pins. Nothing else builds a pin path:
 *
 *	/sys/fs/bpf/synq/netns-<netns cookie>/if-<ifindex>/<object>
 *
 * keyed by what the kernel never reuses while it runs (the network namespace
 * cookie) and by what a rename keeps (the ifindex), with the objects of
 * pin_objects[] (pins.c): the protection's maps, its two programs and the two
 * bpf_links that run them (link_tc, then link_xdp, pinned last: its pin marks
 * a complete attach), or, for `attach --pass-only`, synq_pass and link_xdp.
 * "if-<ifindex>_new" holds a replacement while `attach --replace` builds it
 * (bpffs refuses names with a dot).
 * /sys/fs/bpf is open to everyone: synq's directories must be root's and 0700.
 * Verbs that change pins call pins_begin() first: it takes a lock and sweeps
 * what an interrupted synq or a vanished interface or namespace left behind.
 * The maps synq reads back are checked before they are trusted (type, key and
 * value size, entries), as a pin may be left by another synq version; the
 * counters are read into one sample that records the map's ID, so a new
 * attach is seen as a new map rather than guessed from the numbers.
 */
#ifndef SYNQ_PINS_H
#define SYNQ_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <synq/cookie.h>
#include <synq/protect.h>

#define SYNQ_PIN_ROOT "/sys/fs/bpf/synq"
#define PIN_NETNS "netns-"
#define PIN_IF "if-"
#define PIN_STAGING "_new"

enum pin_kind {
	PIN_MAP,
	PIN_PROG,
	PIN_LINK,
};

struct pin_object {
	const char *name;
	enum pin_kind kind;
	/* Maps user space reads back: what the pin must be. map_type 0: never read back. */
	uint32_t map_type, key_size, value_size, max_entries;
	const char *what;
};

/* Everything attach may pin, in one list: docs/protect.md and docs/dataplane.md quote it. */
extern const struct pin_object pin_objects[];
extern const size_t pin_objects_n;
const struct pin_object *pin_object_find(const char *name);

/*
 * Before a verb reads or changes pins: bpffs mounted (and not a private one),
 * synq's directories trusted (made when create), the lock taken, left-overs
 * swept. 0, or -errno after a message naming the path and why.
 */
int pins_begin(const char *verb, bool create);
/*
 * Remove this namespace's directory and the root when they are empty, then
 * release the lock. Runs at exit; status --interval calls it early, so as not to
 * hold the lock.
 */
void pins_end(void);

/* ".../netns-<cookie>" (ifindex 0) or ".../netns-<cookie>/if-<ifindex>". 0 or -ENAMETOOLONG. */
int pin_dir(char *buf, size_t len, int ifindex);
/* Where attach --replace builds the replacement: "<pin_dir(ifindex)>_new". */
int pin_staging_dir(char *buf, size_t len, int ifindex);
/* "<pin_dir(ifindex)>/<name>". */
int pin_path(char *buf, size_t len, int ifindex, const char *name);
/* mkdir dir 0700: 0 or -errno. */
int pin_dir_make(const char *dir);
/* ifindex has a pin directory in this namespace (whole or damaged). */
bool is_attached(int ifindex);
/* Remove every pin in dir, then dir. Prints what it could not remove. */
void remove_pin_dir(const char *dir);
/*
 * What detach does: ifindex's links detached, XDP before TC (XDP never runs
 * without TC), then remove_pin_dir() of its directory, then the namespace's and
 * synq's directories when empty.
 */
void detach_pins(int ifindex);

/* A bpf_link as the kernel reports it; ifindex 0: detached or its device is gone. */
struct link_state {
	uint32_t id, prog_id;
	int ifindex;
};
int link_query(int fd, struct link_state *l);
/* The ID of a program fd, 0 when it cannot be read. */
uint32_t prog_id_of(int fd);

struct pinned {
	char iface[32];
	int ifindex;			/* 0: the interface is gone */
	bool pass_only;
	bool mode_always;		/* --mode always: synq answers every SYN, no listener state */
	int config_fd, keys_fd, ports_fd, stats_fd, errors_fd;
	int malformed_fd;		/* -1 when the programs have no synq_malformed */
	uint32_t stats_map_id;		/* of synq_stats: a new one means a new attach */
	uint32_t xdp_prog_id;		/* what the pinned XDP link runs */
	uint32_t xdp_attached_id;	/* what the interface runs now (0: none) */
	const char *xdp_mode;		/* "native", "generic", "offload", "multi" or "none" */
};

/*
 * Open and check what attach pinned for iface (found by its ifindex, so also
 * after a rename). -EINVAL for a name that is not an interface name, -ENOENT
 * when it is not attached, -EBADF when pins are missing, -ESTALE when the
 * device at that ifindex no longer runs the pinned link, -EPROTO when a map is
 * not what this synq expects; no message.
 */
int pinned_open(const char *iface, struct pinned *p);
void pinned_close(struct pinned *p);
/* What to do about pinned_open()'s error, as " (...)" to append to the message, or "". */
const char *pinned_error_hint(int err);
/*
 * Call fn for every interface with pins in this namespace, in name order.
 * Returns how many there were, or -errno.
 */
int pinned_each(int (*fn)(const char *iface, void *arg), void *arg);

/*
 * Call fn for each listener synq_xdp keeps a view of on p's interface (the owned
 * slots of synq_listener_slots, then synq_listeners);
 * stops at fn's first nonzero return, which it returns; or -errno.
 */
typedef int listener_fn(const struct synq_listener_key *key,
			const struct synq_listener_view *view, void *arg);
int pins_each_listener(const struct pinned *p, listener_fn *fn, void *arg);

int config_read(const struct pinned *p, struct synq_config *cfg);
int config_write(const struct pinned *p, const struct synq_config *cfg);
/* ports[SYNQ_PORTS] from the pinned synq_ports map. */
int ports_read(const struct pinned *p, uint8_t *ports);
/* The key of slot (0 or 1). */
int key_read(const struct pinned *p, unsigned int slot, struct synq_key *key);
int key_write(const struct pinned *p, unsigned int slot, const struct synq_key *key);
/* A fresh key from getrandom(). */
int key_random(struct synq_key *key);
/*
 * Read a key file: a regular file holding 32 hex digits, not all zeros, not
 * readable by group or others and owned by root (or us): refused otherwise.
 * Prints the reason and returns -errno on failure.
 */
int key_load_file(const char *verb, const char *path, struct synq_key *key);

/*
 * One listener's --mode auto state as status, watch, top and export show it:
 * from its view in synq_listeners at the time now_ns (CLOCK_MONOTONIC, the
 * clock of bpf_ktime_get_ns()). seconds[] include the time in the current state.
 */
struct protect_listener {
	struct synq_listener_key key;	/* the address and port its SYNs are sent to */
	uint8_t state;			/* SYNQ_LISTENER_* */
	uint32_t transitions;
	double state_seconds;		/* in the current state */
	double seconds[2];		/* in each state since the view was made */
	uint32_t accept_queue, accept_limit, syn_queue;	/* as last looked at */
};
/* "kernel", "cookies": by SYNQ_LISTENER_*. */
extern const char *const protect_listener_states[2];
void protect_listener_of(const struct synq_listener_key *key, const struct synq_listener_view *v,
			 double now_ns, bool always, struct protect_listener *l);
/* "192.0.2.1:80" or "[2001:db8::1]:80" */
void protect_listener_addr(const struct protect_listener *l, char *buf, size_t len);
struct json;
/* l as one object of a "listeners" array (status --json, watch --json). */
void protect_listener_json(struct json *j, const struct protect_listener *l);
/* l as one line of text, indented by two spaces (status, watch). */
void protect_listener_text(FILE *out, const struct protect_listener *l);

/* The protection's counters of one interface at one moment, CPUs summed. */
struct protect_sample {
	uint32_t map_id;			/* of synq_stats; 0: pass-only, no counters */
	uint64_t ctr[SYNQ_COUNTER_MAX];		/* synq_stats, by enum synq_counter */
	uint64_t err[SYNQ_ERRNO_MAX];		/* synq_handoff_errors, by errno */
	uint64_t mal[SYNQ_MALFORMED_MAX];	/* synq_malformed, by reason */
	uint32_t listeners[2];			/* listeners by --mode auto state (SYNQ_LISTENER_*) */
};

/* Read every counter of p into s (all zero for a pass-only pin). 0 or -errno. */
int pins_read_counters(const struct pinned *p, struct protect_sample *s);
/* cur comes from other maps than prev: a detach and attach happened between them. */
bool protect_sample_restarted(const struct protect_sample *prev, const struct protect_sample *cur);

/*
 * The protection counters of one interface as members of the open JSON object,
 * the same in `status --json` and `watch --json`: "map_id"; "counters", each
 * cur's value, or what it grew since base when base is not NULL; "rates", per
 * second since prev over secs, when prev is not NULL; "handoff_errors" (by
 * errno name) and "malformed" (by reason), their nonzero entries counted as
 * "counters" are. Deltas and rates follow the counter model (observe/counters.h).
 */
void protect_sample_json(struct json *j, const struct protect_sample *base,
			 const struct protect_sample *prev, const struct protect_sample *cur,
			 double secs);

/* The names of enum synq_counter and enum synq_malformed values, in every output. */
extern const char *const protect_counter_names[];
extern const char *const protect_malformed_names[];
/* "ECONNREFUSED", or "other" for 0 and unknown values. */
const char *protect_errno_name(int e);

#endif
