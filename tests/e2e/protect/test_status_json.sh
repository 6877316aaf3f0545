#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq status shows everything and escapes everything: 200 protected ports with
# gaps between them (a list far longer than a line) on an interface whose name
# holds `"` and `\` (Linux allows both), in JSON a strict parser accepts, with
# all 200 ports, and in attach's and status's text lines, uncut.
source tests/lib/e2e.sh
source tests/lib/netns.sh
t_require_root status_json
T=$(mktemp -d /tmp/synq-status-json.XXXXXX)
trap 'ns_cleanup; rm -rf "$T"' EXIT

IF='q"b\c'
ns_new SRV sj && ns_new CLI sj && ns_veth "$SRV" "$IF" "$CLI" sjc0 ||
	{ t_fail status_json_setup "namespaces or the veth pair not made"; t_done; }
t_eq status_json_iface_name "$IF" "$(ip -n "$SRV" -o link show | awk -F': ' '$2 ~ /^q/ { sub(/@.*/, "", $2); print $2 }')"
ports=$(seq -s, 10000 3 10597)	# 200 ports, none next to another: no ranges
"$SYNQ" -n "$CLI" attach sjc0 --pass-only >/dev/null &&
	"$SYNQ" -n "$SRV" attach "$IF" --mode always --ports "$ports" >"$T/attach" 2>"$T/attach.err" ||
	{ t_fail status_json_attach "attach failed: $(cat "$T/attach.err")"; t_done; }
t_eq status_json_attach_line_uncut "synq: protecting ports $ports on $IF (xdp native, --mode always)" \
	"$(head -1 "$T/attach")"

"$SYNQ" -n "$SRV" status --json >"$T/json" 2>"$T/err" || t_fail status_json_run "$(cat "$T/err")"
got=$(python3 - "$T/json" "$IF" "$ports" <<'PY'
import json, sys

def expand(spec):
    out = []
    for e in spec.split(","):
        lo, _, hi = e.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out

d = json.loads(open(sys.argv[1]).read(), strict=True)
i = [x for x in d["interfaces"] if x["ifname"] == sys.argv[2]]
ports = expand(i[0]["ports"]) if i else []
print(len(i), len(ports), ports == expand(sys.argv[3]))
PY
) || t_fail status_json_strict "not strict JSON: $(head -c 400 "$T/json")"
t_eq status_json_all_200_ports "1 200 True" "$got"
t_eq status_json_text_uncut 1 "$("$SYNQ" -n "$SRV" status | grep -cF -- "ports $ports ")"
t_done
