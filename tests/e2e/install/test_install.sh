#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make install DESTDIR=... PREFIX=/usr installs exactly docs/install.md's files, the
# installed binary runs on its own (its BPF programs are inside it), the embedding
# example builds against the installed library through pkg-config and serves a
# request, and make uninstall leaves the staging folder empty.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/install.sh
t_require_root install
WORK=$(mktemp -d)
trap 'ns_cleanup; inst_cleanup; rm -rf "$WORK"' EXIT

inst_stage_or_stop install_runs && t_pass install_runs

# ---- exactly the documented files ----
BIN=$INST_ROOT/sbin/synq
{
	echo usr/sbin/synq
	echo usr/lib/libsynq.a
	echo usr/include/synq/server.h
	echo usr/lib/pkgconfig/synq.pc
	echo usr/share/bash-completion/completions/synq
	echo 'usr/lib/systemd/system/synq@.service'
	echo usr/lib/systemd/system/synq-export.service
	echo usr/share/man/man8/synq.8
	for v in $(inst_verbs "$BIN"); do echo "usr/share/man/man8/synq-$v.8"; done
} | sort > "$WORK/expected"
(cd "$INST_DEST" && find . -type f -o -type l | sed 's|^\./||' | sort) > "$WORK/installed"
t_eq install_exact_file_list "" "$(diff "$WORK/expected" "$WORK/installed")"
# docs/install.md names every file too (man pages as synq-VERB.8).
missing=$(grep -vE 'man8/synq-[a-z]+\.8$' "$WORK/expected" | sed "s|^usr/|\$(PREFIX)/|" |
	while read -r f; do grep -qF -- "$f" docs/install.md || echo "$f"; done)
t_eq install_files_documented "" "$missing"

# ---- the installed binary runs, alone ----
t_run install_version bash -c "'$BIN' --version | grep -qE '^synq [^ ]+$'"
t_run install_help bash -c "'$BIN' help | grep -q '^Verbs:'"
t_eq install_no_build_paths "" "$(ldd "$BIN" | grep -F "$PWD")"
# watch loads its programs from the skeleton inside the binary: run it from / with a copy
# of the binary in a folder that holds nothing else.
cp "$BIN" "$WORK/synq"
t_run install_runs_alone bash -c "cd / && '$WORK/synq' watch --count 1 --interval 0.1 --port 1"

# ---- the embedding example against the installed library ----
export PKG_CONFIG_PATH=$INST_ROOT/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$INST_DEST
t_run install_pkgconfig_finds_synq pkg-config --exists synq
t_run install_example_builds bash -c \
	"cc examples/embed.c \$(pkg-config --cflags --libs synq) -o '$WORK/embed'"
ns_new NS inst
ns_bg PID "$NS" "$WORK/embed" 127.0.0.1 8091 >"$WORK/embed.log" 2>&1
if t_wait_for "$WORK/embed.log" 'listening on'; then
	t_eq install_example_serves "hello from an embedded synq server, request 1|200" \
		"$(ip netns exec "$NS" curl -s -w '%{http_code}' --max-time 5 http://127.0.0.1:8091/ |
			paste -sd '|')"
else
	t_fail install_example_serves "$(cat "$WORK/embed.log")"
fi
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# ---- uninstall ----
t_run uninstall_runs make --no-print-directory -s uninstall DESTDIR="$INST_DEST" PREFIX=/usr
t_eq uninstall_leaves_empty "" "$(cd "$INST_DEST" && find . -mindepth 1)"
t_done
