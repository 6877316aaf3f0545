# SPDX-License-Identifier: GPL-2.0
# synq build: one binary (build/synq), one embeddable library (build/libsynq.a),
# BPF objects and their skeletons, and the test programs. Everything lands in build/.
#
#   make            build everything
#   make test       build, then run every test suite (installs missing packages first)
#   make demo       run the self-contained demo (installs missing packages first)
#   make vmlinux    regenerate vmlinux/vmlinux.h from the running kernel's BTF
#   make install    install under PREFIX (default /usr/local), staged under DESTDIR;
#                   make uninstall removes it again (docs/install.md lists the files)
#   make V=1        show the commands

BUILD     := build
CC        ?= cc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VERSION   := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS    ?= -O2 -g
CFLAGS    += -Wall -Wextra -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD) \
	     -DSYNQ_VERSION='"$(VERSION)"'
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Iinclude -Ivmlinux -I$(BUILD)
LDLIBS    := -lbpf -lxdp -lelf -lz -lncursesw -lpthread -lm

# The embeddable reference server: everything include/synq/server.h needs, nothing else.
LIB_SRCS  := $(wildcard user/serve/server.c user/serve/http.c)
LIB_OBJS  := $(LIB_SRCS:user/%.c=$(BUILD)/user/%.o)

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.bpf.o)
SKELS     := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.skel.h)

USER_SRCS := $(filter-out user/cli/main.c $(LIB_SRCS),$(wildcard user/*/*.c))
USER_OBJS := $(USER_SRCS:user/%.c=$(BUILD)/user/%.o)
# Every user object except main(): linked into the binary and into the tests.
INTERNAL  := $(BUILD)/libsynq-internal.a

EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLES  := $(EXAMPLE_SRCS:examples/%.c=$(BUILD)/examples/%)

UNIT_SRCS := $(wildcard tests/unit/*/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
BPFT_SRCS := $(wildcard tests/bpf/*/test_*.c)
BPFT_BINS := $(BPFT_SRCS:tests/bpf/%.c=$(BUILD)/tests/bpf/%)
# The differential tests' model, generator and engine, linked into the BPF tests and tools.
DIFF_SRCS := $(wildcard tests/model/*.c) tests/bpf/difftest.c
DIFF_OBJS := $(DIFF_SRCS:tests/%.c=$(BUILD)/tests/obj/%.o)
DIFF_LIB  := $(BUILD)/tests/libsynq-difftest.a
DIFF_HDRS := $(wildcard tests/model/*.h tests/bpf/*.h)
# Open-ended differential runs for make fuzz (not run by tests/run.sh): tests/fuzz/difftest_run.c
FUZZ_RUN  := $(BUILD)/tests/fuzz/difftest_run
# libFuzzer targets (make fuzz): tests/fuzz/fuzz_*.c, each with the sources it fuzzes,
# built by clang with coverage and sanitizers; the rest comes from the archives.
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	       -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD) -Itests/bpf -Itests/fuzz
fuzz_protect_SRCS       := $(DIFF_SRCS)
fuzz_proc_tcp_SRCS      := user/protect/timewait_seed.c
fuzz_protect_parse_SRCS := user/protect/protect_parse.c
fuzz_cli_SRCS           := user/cli/cli.c
fuzz_flood_addr_SRCS    := user/flood/flood.c
FUZZ_SECONDS ?= 600
# Benchmarks, built with the tests but not run by tests/run.sh: tests/bench/*.c
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/tests/bench/%,$(wildcard tests/bench/*.c))
# Helper programs the end-to-end tests run (clients, probes): tests/tools/*.c
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/tools/%)
# BPF programs the end-to-end tests load themselves (tc): tests/tools/bpf/*.bpf.c
TOOL_BPF_SRCS := $(wildcard tests/tools/bpf/*.bpf.c)
TOOL_BPF_OBJS := $(TOOL_BPF_SRCS:tests/tools/bpf/%.bpf.c=$(BUILD)/tests/tools/%.bpf.o)

.PHONY: all test test-unit test-bpf test-e2e demo bench fuzz deps vmlinux clean
.DELETE_ON_ERROR:
# Keep the BPF objects and skeletons: they are intermediate files make would otherwise delete.
.SECONDARY: $(BPF_OBJS) $(SKELS)

all: $(BUILD)/synq $(BUILD)/libsynq.a $(EXAMPLES) $(UNIT_BINS) $(BPFT_BINS) $(BENCH_BINS) $(TOOL_BINS) \
     $(FUZZ_RUN) $(TOOL_BPF_OBJS)

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h include/synq/*.h) vmlinux/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/user/%.o: user/%.c $(wildcard user/*/*.h include/synq/*.h) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libsynq.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(INTERNAL): $(USER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# main.o names every verb, so the archive supplies them; a verb missing fails the link.
$(BUILD)/synq: $(BUILD)/user/cli/main.o $(INTERNAL) $(BUILD)/libsynq.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/examples/%: examples/%.c $(BUILD)/libsynq.a include/synq/server.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) $< $(BUILD)/libsynq.a -lpthread -o $@

$(BUILD)/tests/unit/%: tests/unit/%.c $(INTERNAL) $(BUILD)/libsynq.a $(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) -Itests/unit $< $(INTERNAL) $(BUILD)/libsynq.a $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/obj/%.o: tests/%.c $(DIFF_HDRS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) -Itests/bpf -c $< -o $@

$(DIFF_LIB): $(DIFF_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/bpf/%: tests/bpf/%.c $(INTERNAL) $(BUILD)/libsynq.a $(SKELS) $(DIFF_LIB) $(DIFF_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) -Itests/bpf $< $(DIFF_LIB) $(INTERNAL) $(BUILD)/libsynq.a $(LDLIBS) -lcmocka -o $@

.SECONDEXPANSION:
$(BUILD)/tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(fuzz_%_SRCS) tests/fuzz/fuzz.h $(DIFF_HDRS) \
			    $(INTERNAL) $(BUILD)/libsynq.a $(SKELS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(FUZZ_CFLAGS) $< $(fuzz_$*_SRCS) $(INTERNAL) \
		$(BUILD)/libsynq.a $(LDLIBS) -o $@

$(FUZZ_RUN): tests/fuzz/difftest_run.c $(DIFF_LIB) $(DIFF_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) -Itests/bpf $< $(DIFF_LIB) $(LDLIBS) -o $@

$(BUILD)/tests/bench/%: tests/bench/%.c $(INTERNAL) $(BUILD)/libsynq.a $(SKELS) $(wildcard tests/bpf/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) -Itests/bpf $< $(INTERNAL) $(BUILD)/libsynq.a $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/tools/%: tests/tools/%.c $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) $< -lbpf -lelf -lz -lpthread -lm -o $@

$(BUILD)/tests/tools/%.bpf.o: tests/tools/bpf/%.bpf.c bpf/synq_defs.bpf.h vmlinux/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -Ibpf -c $< -o $@

$(BUILD):
	$(Q)mkdir -p $@

# Tests and the demo install what is missing first, so both work on a fresh machine.
deps:
	$(Q)scripts/install-deps.sh --if-missing

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run.sh $(SUITES)

test-unit test-bpf test-e2e: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run.sh $(@:test-%=%)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)NOTUI=$(NOTUI) scripts/demo.sh

# Open-ended fuzzing for FUZZ_SECONDS (default 600; as root): the differential run of the
# data path against its model, then each libFuzzer target. See docs/difftest.md.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory all $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS)

# The full benchmark (about two minutes, both CPUs busy): docs/bench/latest.{md,json,png}
bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)mkdir -p docs/bench && $(BUILD)/synq bench --json docs/bench/latest.json \
		--plot docs/bench/latest.png > docs/bench/latest.md

# The header is committed so a build needs no BTF; regenerate it after a kernel upgrade.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

clean:
	rm -rf $(BUILD)

# ---- install / uninstall: GNU conventions, PREFIX and DESTDIR ----
# The file list is docs/install.md's; tests/e2e/install checks an install against it.
# Man pages come from the binary's --help (scripts/man/gen.sh), the completion asks
# the binary at completion time: new verbs and flags need no edit here.
PREFIX      ?= /usr/local
sbindir     := $(PREFIX)/sbin
libdir      := $(PREFIX)/lib
includedir  := $(PREFIX)/include
man8dir     := $(PREFIX)/share/man/man8
bashcompdir := $(PREFIX)/share/bash-completion/completions
unitdir     := $(PREFIX)/lib/systemd/system
UNITS       := synq@.service synq-export.service
# What install creates that is synq's alone, removed whole by uninstall.
OWN_DIRS    := $(includedir)/synq

.PHONY: man install uninstall

man: $(BUILD)/man/synq.8
$(BUILD)/man/synq.8: $(BUILD)/synq $(wildcard scripts/man/*)
	$(call msg,MAN,$(BUILD)/man/)
	$(Q)scripts/man/gen.sh $(BUILD)/synq $(BUILD)/man

install: $(BUILD)/synq $(BUILD)/libsynq.a $(BUILD)/man/synq.8
	$(Q)install -D -m 0755 $(BUILD)/synq $(DESTDIR)$(sbindir)/synq
	$(Q)install -D -m 0644 $(BUILD)/libsynq.a $(DESTDIR)$(libdir)/libsynq.a
	$(Q)install -D -m 0644 include/synq/server.h $(DESTDIR)$(includedir)/synq/server.h
	$(Q)install -d $(DESTDIR)$(libdir)/pkgconfig $(DESTDIR)$(unitdir)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' scripts/synq.pc.in \
		> $(DESTDIR)$(libdir)/pkgconfig/synq.pc
	$(Q)for u in $(UNITS); do sed 's|@SBINDIR@|$(sbindir)|' scripts/systemd/$$u.in \
		> $(DESTDIR)$(unitdir)/$$u || exit 1; done
	$(Q)chmod 0644 $(DESTDIR)$(libdir)/pkgconfig/synq.pc $(addprefix $(DESTDIR)$(unitdir)/,$(UNITS))
	$(Q)install -D -m 0644 scripts/completion/synq $(DESTDIR)$(bashcompdir)/synq
	$(Q)install -d $(DESTDIR)$(man8dir) && install -m 0644 $(BUILD)/man/*.8 $(DESTDIR)$(man8dir)/
	$(Q)echo "installed synq under $(DESTDIR)$(PREFIX)"

# A staging tree under DESTDIR is ours: folders left empty go too, up to DESTDIR.
# Without DESTDIR only synq's own folders go, never a system one such as /usr/local/sbin.
STAGE := $(abspath $(DESTDIR))
uninstall:
	$(Q)rm -f $(DESTDIR)$(sbindir)/synq $(DESTDIR)$(libdir)/libsynq.a \
		$(DESTDIR)$(libdir)/pkgconfig/synq.pc $(DESTDIR)$(bashcompdir)/synq \
		$(addprefix $(DESTDIR)$(unitdir)/,$(UNITS)) \
		$(DESTDIR)$(man8dir)/synq.8 $(DESTDIR)$(man8dir)/synq-*.8
	$(Q)rm -rf $(addprefix $(DESTDIR),$(OWN_DIRS))
	$(Q)[ -z "$(DESTDIR)" ] || for d in $(sbindir) $(libdir)/pkgconfig $(includedir) \
			$(bashcompdir) $(unitdir) $(man8dir); do \
		d=$(STAGE)$$d; \
		while [ "$$d" != "$(STAGE)" ] && rmdir "$$d" 2>/dev/null; do d=$$(dirname "$$d"); done; \
	done
	$(Q)echo "removed synq from $(DESTDIR)$(PREFIX)"
