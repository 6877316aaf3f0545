#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The installed man pages render with man -l and without a groff -ww warning, and each
# mentions every flag its --help lists; the installed bash completion completes verbs,
# every flag the help lists, flag choices, namespaces and interfaces.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/install.sh
t_require_root "install docs (a namespace and a veth for the completion)"
trap 'ns_cleanup; inst_cleanup' EXIT

inst_stage_or_stop docs_install
BIN=$INST_ROOT/sbin/synq
MAN8=$INST_ROOT/share/man/man8

# The flags a help text lists on its option lines ("  -i, --iface IF   ..."), long and short.
help_flags() {
	grep -E '^ +-' | grep -oE -- '(^ +-[a-zA-Z],|--[a-z][a-z0-9-]*)' | sed -e 's/^ *//' -e 's/,$//' |
		sort -u
}

# ---- man pages ----
for v in "" $(inst_verbs "$BIN"); do
	page=$MAN8/synq${v:+-$v}.8
	name=man_synq${v:+_$v}
	if [ ! -f "$page" ]; then
		t_fail "$name" "no page $page"
		continue
	fi
	# Wide enough that no flag is broken across lines or hyphenated.
	text=$(MANWIDTH=1000 LC_ALL=C.UTF-8 man -l "$page" 2>"$INST_LOG.err")
	t_eq "${name}_renders" "0:" "$?:$(cat "$INST_LOG.err")"
	t_eq "${name}_no_groff_warning" "" "$(groff -ww -man -Tutf8 -z "$page" 2>&1)"
	missing=$(# shellcheck disable=SC2086
		"$BIN" $v --help | help_flags | while read -r f; do
			grep -qF -- "$f" <<<"$text" || echo "$f"; done)
	t_eq "${name}_every_flag" "" "$missing"
done
rm -f "$INST_LOG.err"

# ---- completion: a non-interactive bash, the installed file sourced ----
# complete WORDS...: what the completion offers for the last word, one per line, sorted.
complete_words() {
	PATH=$INST_ROOT/sbin:$PATH bash --norc --noprofile -c '
		source /usr/share/bash-completion/bash_completion 2>/dev/null
		source "$1"; shift
		fn=$(complete -p synq | sed -E "s/.*-F ([^ ]+) .*/\1/")
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"
		"$fn" synq "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' \
		_ "$INST_ROOT/share/bash-completion/completions/synq" "$@"
}

t_eq completion_verb attach "$(complete_words synq at)"
t_eq completion_attach_flags "$("$BIN" attach --help | help_flags | grep -- '^--' | paste -sd ' ')" \
	"$(complete_words synq attach -- | paste -sd ' ')"
t_eq completion_watch_flags "$("$BIN" watch --help | help_flags | grep -- '^--' | paste -sd ' ')" \
	"$(complete_words synq watch -- | paste -sd ' ')"
# The choices are the ones the usage line writes out.
t_eq completion_xdp_mode \
	"$("$BIN" attach --help | grep -oE -- '--xdp-mode [a-z|]+' | head -n 1 | cut -d' ' -f2 |
		tr '|' '\n' | sort | paste -sd ' ')" \
	"$(complete_words synq attach eth0 --xdp-mode '' | paste -sd ' ')"

ns_new NS compl
ns_new PEER compl
ns_veth "$NS" sqc0 "$PEER" sqc1
t_eq completion_netns "$NS" "$(complete_words synq -n '' | grep -x -- "$NS")"
for v in attach detach status; do
	t_eq "completion_${v}_iface" "lo sqc0" "$(complete_words synq -n "$NS" "$v" '' | paste -sd ' ')"
done
t_eq completion_key_subverbs "rotate show" "$(complete_words synq key '' | paste -sd ' ')"
t_eq completion_key_iface "lo sqc0" "$(complete_words synq -n "$NS" key rotate '' | paste -sd ' ')"
t_done
