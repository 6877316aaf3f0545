// SPDX-License-Identifier: GPL-2.0
/* `synq attach`: the command line; loader.c does the work. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "protect/loader.h"
#include "protect/pins.h"
#include "protect/protect_parse.h"
#include "protect/attach.h"
#include "system/netlink.h"
#include "cli/verb.h"

static const char attach_usage[] =
	"Usage: synq [-n NAME] attach IFACE --ports LIST [--mode auto|always]\n"
	"                         [--xdp-mode auto|native|generic] [--key-file F] [--mss N]\n"
	"                         [--replace | --exist-ok]\n"
	"       synq [-n NAME] attach PEER --pass-only [--xdp-mode auto|native|generic]\n"
	"\n"
	"Protects the listed TCP ports on IFACE against SYN floods: an XDP program answers\n"
	"SYNs with SYN cookies, and a TC ingress program hands every valid final ACK to the\n"
	"kernel, which creates the connection. In --mode auto (the default) a listener's\n"
	"SYNs go to the kernel while it is healthy, and to cookies under pressure.\n"
	"Programs, maps and the bpf_links that run them are pinned under\n"
	SYNQ_PIN_ROOT "/netns-<cookie>/if-<ifindex>/, so the protection stays after synq\n"
	"exits, also across a rename of IFACE; synq detach IFACE removes it. IFACE must be\n"
	"an Ethernet device.\n"
	"Each flag is given once, except --ports.\n"
	"\n"
	"  --ports LIST        ports and ranges to protect, e.g. 80,443,9000-9010; given\n"
	"                      more than once, every list is protected\n"
	"  --mode auto|always  auto (default): cookies only for a listener under pressure,\n"
	"                      the kernel's own handshake otherwise; always: cookies for\n"
	"                      every SYN to the ports\n"
	"  --xdp-mode MODE     auto (default: native, falling back to generic with a message),\n"
	"                      native (fail if the driver has no XDP) or generic\n"
	"  --key-file F        the cookie key: 32 hex digits (default: random). Give several\n"
	"                      hosts behind one address the same key\n"
	"  --mss N             the MSS to offer (default: interface MTU - 40, IPv6 MTU - 60)\n"
	"  --replace           replace synq's programs already on IFACE, keeping their keys\n"
	"                      and XDP mode: one atomic update per link, never unprotected\n"
	"  --exist-ok          succeed without a change when synq already protects exactly\n"
	"                      these ports on IFACE (or passes, with --pass-only)\n"
	"  --pass-only         attach only an XDP program that passes everything: needed on\n"
	"                      the far end of a veth, or the SYN-ACKs sent with XDP_TX vanish\n";

static int parse_mode(const char *v, enum xdp_mode_req *mode)
{
	if (!strcmp(v, "auto"))
		*mode = XDP_REQ_AUTO;
	else if (!strcmp(v, "native"))
		*mode = XDP_REQ_NATIVE;
	else if (!strcmp(v, "generic"))
		*mode = XDP_REQ_GENERIC;
	else {
		fprintf(stderr, "synq attach: --xdp-mode: '%s' is not auto, native or generic\n", v);
		return -1;
	}
	return 0;
}

static int parse_cookie_mode(const char *v, uint8_t *mode)
{
	if (!strcmp(v, "auto"))
		*mode = SYNQ_MODE_AUTO;
	else if (!strcmp(v, "always"))
		*mode = SYNQ_MODE_ALWAYS;
	else {
		fprintf(stderr, "synq attach: --mode: '%s' is not auto or always\n", v);
		return -1;
	}
	return 0;
}

/* One --ports LIST, added to ports: the flag may be given more than once. */
static int parse_ports_arg(const char *v, uint8_t *ports)
{
	static uint8_t more[SYNQ_PORTS];
	char bad[64];

	if (ports_parse(v, more, bad, sizeof(bad)) > 0) {
		for (int p = 0; p < SYNQ_PORTS; p++)
			ports[p] |= more[p];
		return 0;
	}
	fprintf(stderr, "synq attach: --ports: '%s' is not a port or range (1-65535, LOW-HIGH, "
		"comma-separated)\n", bad);
	return -1;
}

int attach_parse_args(int argc, char **argv, struct attach_opts *o, uint8_t *ports,
		      struct synq_key *key)
{
	static const struct option longopts[] = {
		{ "ports", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'c' },
		{ "xdp-mode", required_argument, NULL, 'm' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "mss", required_argument, NULL, 's' },
		{ "replace", no_argument, NULL, 'r' },
		{ "pass-only", no_argument, NULL, 'P' },
		{ "exist-ok", no_argument, NULL, 'e' },
		{},
	};
	struct cli_seen seen = { .repeatable = "p" };
	const char *key_file = NULL;
	bool have_ports = false, have_mode = false;
	int opt;

	memset(ports, 0, SYNQ_PORTS);
	o->cookie_mode = SYNQ_MODE_AUTO;
	while ((opt = cli_getopt("attach", argc, argv, "", longopts, &seen)) != -1) {
		if (opt == '?' || (opt == 'p' && parse_ports_arg(optarg, ports)) ||
		    (opt == 'm' && parse_mode(optarg, &o->mode)) ||
		    (opt == 'c' && parse_cookie_mode(optarg, &o->cookie_mode)) ||
		    (opt == 's' && cli_parse_uint("attach", "--mss", optarg, 536, 65495, &o->mss)))
			return EXIT_USAGE;
		if (opt == 'k')
			key_file = optarg;
		have_ports |= opt == 'p';
		have_mode |= opt == 'c';
		o->replace |= opt == 'r';
		o->exist_ok |= opt == 'e';
		o->pass_only |= opt == 'P';
	}
	if (optind >= argc) {
		fprintf(stderr, "synq attach: missing IFACE (synq attach --help)\n");
		return EXIT_USAGE;
	}
	o->iface = argv[optind++];
	if (cli_no_extra_args("attach", argc, argv))
		return EXIT_USAGE;
	if (o->pass_only && (have_ports || have_mode || key_file || o->mss || o->replace)) {
		fprintf(stderr, "synq attach: --pass-only takes no --ports, --mode, --key-file, --mss "
			"or --replace\n");
		return EXIT_USAGE;
	}
	if (o->replace && o->exist_ok) {
		fprintf(stderr, "synq attach: --replace and --exist-ok exclude each other\n");
		return EXIT_USAGE;
	}
	if (!o->pass_only && !have_ports) {
		fprintf(stderr, "synq attach: --ports is required (e.g. --ports 80,443)\n");
		return EXIT_USAGE;
	}
	if (key_file) {
		if (key_load_file("attach", key_file, key))
			return EXIT_USAGE;
		o->key = key;
	}
	return EXIT_OK;
}

/*
 * --exist-ok: is IFACE already protected exactly as asked? Ports, --mode and
 * pass-only are compared; the key is not, since a `synq key rotate` since then must not count as
 * a difference. A service's start is then a no-op rather than a failure.
 */
static bool same_protection_pinned(const struct attach_opts *o)
{
	static uint8_t pinned_ports[SYNQ_PORTS];
	struct synq_config cfg;
	struct pinned p;
	bool same;

	if (pinned_open(o->iface, &p))
		return false;
	same = p.pass_only == o->pass_only &&
	       (o->pass_only || (!ports_read(&p, pinned_ports) &&
				 !memcmp(pinned_ports, o->ports, SYNQ_PORTS) &&
				 !config_read(&p, &cfg) && cfg.mode == o->cookie_mode));
	pinned_close(&p);
	return same;
}

/*
 * Local senders with checksum offload (loopback; a veth peer with TX offload,
 * the veth default) send partial checksums, which synq_xdp cannot verify: their
 * SYNs go to the kernel unprotected. Say so where it happens.
 */
static void note_local_checksums(const char *iface)
{
	unsigned int ifindex = if_nametoindex(iface);
	struct nl_link l;

	if (ifindex == 1) {	/* loopback is ifindex 1 in every namespace */
		printf("synq: %s: local senders' SYNs carry partial checksums and go to the kernel "
		       "unprotected (syn_passed_partial_csum)\n", iface);
		return;
	}
	if (ifindex && !nl_link_get(ifindex, -1, &l) && !strcmp(l.kind, "veth"))
		printf("synq: %s: SYNs from its veth peer with TX checksum offload on carry partial "
		       "checksums and go to the kernel unprotected (syn_passed_partial_csum); "
		       "ethtool -K PEER tx off protects them\n", iface);
}

static int run_attach(int argc, char **argv)
{
	static uint8_t ports[SYNQ_PORTS];
	struct attach_opts o = { .ports = ports };
	struct synq_key key;
	static char list[SYNQ_PORTS_TEXT_MAX];
	struct pinned p;
	int rc;

	rc = attach_parse_args(argc, argv, &o, ports, &key);
	if (rc != EXIT_OK)
		return rc;
	if (cli_iface_arg("attach", o.iface))
		return EXIT_USAGE;
	if (o.exist_ok && same_protection_pinned(&o)) {
		printf("synq: %s is already protected as asked; nothing changed\n", o.iface);
		return EXIT_OK;
	}
	if (loader_attach(&o))
		return EXIT_FAIL;
	/* Say which XDP mode it got: the interface is the authority, as for status. */
	if (!pinned_open(o.iface, &p))
		pinned_close(&p);
	if (o.pass_only) {
		printf("synq: %s passes XDP frames now (xdp %s; synq detach %s removes it)\n",
		       o.iface, p.xdp_mode, o.iface);
	} else {
		ports_format(ports, list, sizeof(list));
		printf("synq: protecting ports %s on %s (xdp %s, --mode %s)\n", list, o.iface,
		       p.xdp_mode, o.cookie_mode == SYNQ_MODE_AUTO ? "auto" : "always");
		note_local_checksums(o.iface);
	}
	return EXIT_OK;
}

const struct synq_verb verb_attach = {
	.name = "attach",
	.summary = "protect TCP ports on an interface with XDP SYN cookies",
	.usage = attach_usage,
	.run = run_attach,
};
