// SPDX-License-Identifier: GPL-2.0
/*
 * synq: show and defend the TCP listening path.
 * The verb table and the global options; every verb lives in its own file.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/log.h"
#include "system/system.h"
#include "cli/verb.h"

#ifndef SYNQ_VERSION
#define SYNQ_VERSION "0.1"
#endif

static const struct synq_verb *const verbs[] = {
	&verb_attach, &verb_detach, &verb_status, &verb_key,
	&verb_top, &verb_watch, &verb_doctor, &verb_export, &verb_serve, &verb_flood, &verb_bench,
};
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static const char global_usage[] =
	"Usage: synq [-n NAME] [-v] VERB [flags]\n"
	"       synq help [VERB] | synq VERB --help | synq --version\n"
	"\n"
	"Shows and defends the TCP listening path: SYN cookies answered at the XDP\n"
	"hook, and per-listener SYN-queue and accept-queue depths from tracepoints.\n"
	"\n"
	"Global options:\n"
	"  -n, --netns NAME   run the verb inside network namespace NAME (/run/netns/NAME)\n"
	"  -v, --verbose      say more about what is done\n"
	"  -h, --help         this text\n"
	"  -V, --version      print the version\n"
	"\n"
	"Verbs:\n";

static const struct synq_verb *find_verb(const char *name)
{
	for (size_t i = 0; i < NVERBS; i++)
		if (strcmp(verbs[i]->name, name) == 0)
			return verbs[i];
	return NULL;
}

static void print_global_usage(FILE *out)
{
	fputs(global_usage, out);
	for (size_t i = 0; i < NVERBS; i++)
		fprintf(out, "  %-8s %s\n", verbs[i]->name, verbs[i]->summary);
}

static int unknown_verb(const char *name)
{
	fprintf(stderr, "synq: unknown verb '%s' (synq help lists them)\n", name);
	return EXIT_USAGE;
}

static int cmd_help(int argc, char **argv)
{
	const struct synq_verb *v;

	if (argc < 2) {
		print_global_usage(stdout);
		return EXIT_OK;
	}
	v = find_verb(argv[1]);
	if (!v)
		return unknown_verb(argv[1]);
	fputs(v->usage, stdout);
	return EXIT_OK;
}

/* `synq VERB ... --help` anywhere among the verb's words prints its usage. */
static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	const struct synq_verb *v;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_global_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("synq %s\n", SYNQ_VERSION);
			return EXIT_OK;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			synq_verbose++;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--netns")) {
			if (++i >= argc) {
				fprintf(stderr, "synq: option '%s' needs a namespace name\n", a);
				return EXIT_USAGE;
			}
			if (synq_netns_name) {
				fprintf(stderr, "synq: %s given twice (give one namespace)\n", a);
				return EXIT_USAGE;
			}
			synq_netns_name = argv[i];
		} else {
			fprintf(stderr, "synq: unknown option '%s' (synq --help lists them)\n", a);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_global_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help"))
		return cmd_help(argc - i, argv + i);
	v = find_verb(argv[i]);
	if (!v)
		return unknown_verb(argv[i]);
	if (wants_help(argc - i, argv + i)) {
		fputs(v->usage, stdout);
		return EXIT_OK;
	}
	if (synq_netns_name && netns_enter(synq_netns_name))
		return EXIT_FAIL;
	liblog_init();
	optind = 1;
	return v->run(argc - i, argv + i);
}
