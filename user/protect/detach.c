// SPDX-License-Identifier: GPL-2.0
/* `synq detach`: the command line; loader.c does the work. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/verb.h"
#include "protect/loader.h"

static const char detach_usage[] =
	"Usage: synq [-n NAME] detach IFACE\n"
	"\n"
	"Removes what synq attach put on IFACE: its XDP link, then its TC link, then every\n"
	"pin; other programs on IFACE stay. IFACE is found by its ifindex, so also after a\n"
	"rename. Fails (exit 1) when synq is not attached to IFACE in this network\n"
	"namespace. Pins of deleted interfaces and namespaces, and of an interrupted\n"
	"attach or detach, are removed by every attach, detach, key and status.\n";

static int run_detach(int argc, char **argv)
{
	static const struct option longopts[] = { {} };
	struct cli_seen seen = {};
	const char *iface;

	if (cli_getopt("detach", argc, argv, "", longopts, &seen) != -1)
		return EXIT_USAGE;
	if (optind >= argc) {
		fprintf(stderr, "synq detach: missing IFACE (synq detach --help)\n");
		return EXIT_USAGE;
	}
	iface = argv[optind++];
	if (cli_iface_arg("detach", iface) || cli_no_extra_args("detach", argc, argv))
		return EXIT_USAGE;
	if (loader_detach(iface))
		return EXIT_FAIL;
	printf("synq: detached from %s\n", iface);
	return EXIT_OK;
}

const struct synq_verb verb_detach = {
	.name = "detach",
	.summary = "remove synq's protection from an interface",
	.usage = detach_usage,
	.run = run_detach,
};
