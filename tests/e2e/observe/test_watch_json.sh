#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq watch --json stays JSON that a strict parser accepts when a listener's
# owner names itself with bytes that are not UTF-8 (\xff\xfe), quotes, a
# backslash and control characters: a process may call itself anything
# (prctl(PR_SET_NAME)), and watch reports that name as the listener's comm.
# Each byte that is not UTF-8 comes out as the code point of its value.
# The text output, meant for a terminal, shows every byte of the name that is
# not printable ASCII as '?', so a name cannot send escape sequences to it.
source tests/lib/e2e.sh
source tests/lib/netns.sh
t_require_root watch_json
T=$(mktemp -d /tmp/synq-watch-json.XXXXXX)
trap 'ns_cleanup; rm -rf "$T"' EXIT

port=8088
ns_new NS wj || { t_fail watch_json_setup "namespace not made"; t_done; }
# A listener whose process renamed itself first; it prints its name's bytes in hex.
ns_bg L "$NS" python3 -c '
import ctypes, socket, sys, time
name = b"\xff\xfe\"q\\\x01\t\x1bz"
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name), 0, 0, 0)	# PR_SET_NAME
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
print("listening", name.hex(), flush=True)
time.sleep(60)' $port >"$T/l" 2>&1
t_wait_for "$T/l" listening || { t_fail watch_json_setup "listener did not start: $(cat "$T/l")"; t_done; }
t_eq watch_json_comm_set "$(awk '{ print $2 }' "$T/l")" \
	"$(od -An -tx1 "/proc/$(pgrep -P "$L" python3 || echo "$L")/comm" | tr -d ' \n' | sed 's/0a$//')"

"$SYNQ" -n "$NS" watch --json --count 2 --interval 0.3 --port $port >"$T/out" 2>"$T/err" ||
	t_fail watch_json_run "watch failed: $(cat "$T/err")"
got=$(python3 - "$T/out" "$(awk '{ print $2 }' "$T/l")" <<'PY'
import json, sys
want = bytes.fromhex(sys.argv[2]).decode("latin-1")	# every byte: U+00XX of its value
lines = [json.loads(l, strict=True) for l in open(sys.argv[1]) if l.strip()]
comms = [l["comm"] for d in lines for l in d["listeners"] if l["port"] == 8088]
print(len(lines), len(comms) == len(lines) and all(c == want for c in comms))
PY
) || t_fail watch_json_strict "a line is not strict JSON: $(head -c 600 "$T/out")"
t_eq watch_json_lines_and_comm "2 True" "$got"

"$SYNQ" -n "$NS" watch --count 1 --interval 0.3 --port $port >"$T/text" 2>"$T/err" ||
	t_fail watch_text_run "watch failed: $(cat "$T/err")"
t_eq watch_text_no_control_bytes 0 "$(tr -d '\n' <"$T/text" | LC_ALL=C grep -c '[^[:print:]]')"
if grep -qF "/??\"q\\???z" "$T/text"; then t_pass watch_text_name_shown_safely
else t_fail watch_text_name_shown_safely "$(cat -v "$T/text")"; fi
t_done
