/* SPDX-License-Identifier: GPL-2.0 */
/* A verb of the synq command line: `synq [-n NAME] VERB [flags]`. */
#ifndef SYNQ_VERB_H
#define SYNQ_VERB_H

struct synq_verb {
	const char *name;
	const char *summary;	/* one line for `synq help` */
	const char *usage;	/* the whole text for `synq help VERB` and `synq VERB --help` */
	int (*run)(int argc, char **argv);	/* argv[0] is the verb's name */
};

/* Each verb defines one of these in the file of its concern (user/protect/attach.c, ...). */
extern const struct synq_verb verb_serve;
extern const struct synq_verb verb_attach;
extern const struct synq_verb verb_detach;
extern const struct synq_verb verb_status;
extern const struct synq_verb verb_key;
extern const struct synq_verb verb_watch;
extern const struct synq_verb verb_export;
extern const struct synq_verb verb_top;
extern const struct synq_verb verb_flood;
extern const struct synq_verb verb_bench;
extern const struct synq_verb verb_doctor;

#endif
