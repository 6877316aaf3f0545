// SPDX-License-Identifier: GPL-2.0
/*
 * `synq key rotate|show IFACE`: the cookie keys of an attached interface.
 * Rotation writes the new key into the slot that is not current, then flips
 * synq_config.key_slot: the programs never read a half-written key, and the
 * old key stays valid as the previous one, so handshakes in flight complete.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <synq/cookie.h>

#include "cli/cli.h"
#include "protect/pins.h"
#include "cli/verb.h"

static const char key_usage[] =
	"Usage: synq [-n NAME] key rotate IFACE [--key-file F]\n"
	"       synq [-n NAME] key show IFACE\n"
	"\n"
	"rotate  installs a new cookie key on IFACE (random, or 32 hex digits from F); the\n"
	"        current key stays valid as the previous one, so no handshake in flight\n"
	"        is lost. Rotate again only after the handshakes of the last rotation are\n"
	"        done (a round trip); cookies live about two minutes.\n"
	"show    prints the fingerprints of the current and the previous key (8 hex\n"
	"        digits that name a key without revealing it), never the keys.\n";

static int open_iface(const char *iface, struct pinned *p)
{
	int err = pinned_open(iface, p);

	if (!err && p->pass_only) {
		pinned_close(p);
		err = -ENOENT;
	}
	if (err == -ENOENT)
		synq_err("key %s: synq is not attached to %s in this network namespace", iface, iface);
	else if (err)
		synq_err("key %s: cannot open synq's maps: %s%s", iface, strerror(-err),
			 pinned_error_hint(err));
	return err;
}

static int key_rotate(const char *iface, const struct synq_key *given)
{
	struct synq_config cfg;
	struct synq_key key, old;
	struct pinned p;
	unsigned int next;
	int err;

	if (given)
		key = *given;
	else if (key_random(&key))
		return EXIT_FAIL;
	if (open_iface(iface, &p))
		return EXIT_FAIL;
	err = config_read(&p, &cfg) ?: key_read(&p, cfg.key_slot, &old);
	if (!err) {
		next = (cfg.key_slot & 1) ^ 1;
		err = key_write(&p, next, &key);
		cfg.key_slot = next;
		/* Only now do the programs start using it: the slot was written whole before. */
		err = err ?: config_write(&p, &cfg);
	}
	pinned_close(&p);
	if (err) {
		synq_err("key rotate %s: cannot update the maps: %s", iface, strerror(-err));
		return EXIT_FAIL;
	}
	printf("synq: %s: key %08x is current; %08x stays valid as the previous key\n", iface,
	       synq_key_fingerprint(&key), synq_key_fingerprint(&old));
	return EXIT_OK;
}

static int key_show(const char *iface)
{
	struct synq_key cur, prev;
	struct synq_config cfg;
	struct pinned p;
	int err;

	if (open_iface(iface, &p))
		return EXIT_FAIL;
	err = config_read(&p, &cfg) ?: key_read(&p, cfg.key_slot, &cur) ?:
	      key_read(&p, cfg.key_slot ^ 1, &prev);
	pinned_close(&p);
	if (err) {
		synq_err("key show %s: cannot read the maps: %s", iface, strerror(-err));
		return EXIT_FAIL;
	}
	printf("current  %08x\n", synq_key_fingerprint(&cur));
	/* The same key in both slots: since attach, or a rotation to the key already current. */
	printf("previous %08x%s\n", synq_key_fingerprint(&prev),
	       memcmp(&cur, &prev, sizeof(cur)) ? "" : " (the same key as the current one)");
	return EXIT_OK;
}

static int run_key(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key-file", required_argument, NULL, 'k' },
		{},
	};
	const char *key_file = NULL, *action, *iface;
	struct cli_seen seen = {};
	struct synq_key key;
	int opt;

	while ((opt = cli_getopt("key", argc, argv, "", longopts, &seen)) != -1) {
		if (opt == '?')
			return EXIT_USAGE;
		key_file = optarg;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "synq key: needs an action and IFACE: rotate IFACE or show IFACE\n");
		return EXIT_USAGE;
	}
	action = argv[optind++];
	iface = argv[optind++];
	if (cli_no_extra_args("key", argc, argv) || cli_iface_arg("key", iface))
		return EXIT_USAGE;
	if (strcmp(action, "rotate") && strcmp(action, "show")) {
		fprintf(stderr, "synq key: unknown action '%s' (rotate or show)\n", action);
		return EXIT_USAGE;
	}
	if (key_file && strcmp(action, "rotate")) {
		fprintf(stderr, "synq key: --key-file goes with rotate only\n");
		return EXIT_USAGE;
	}
	if (key_file && key_load_file("key rotate", key_file, &key))
		return EXIT_USAGE;
	if (pins_begin("key", false))
		return EXIT_FAIL;
	if (!strcmp(action, "show"))
		return key_show(iface);
	return key_rotate(iface, key_file ? &key : NULL);
}

const struct synq_verb verb_key = {
	.name = "key",
	.summary = "rotate or show the SYN-cookie key of an interface",
	.usage = key_usage,
	.run = run_key,
};
