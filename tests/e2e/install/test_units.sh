#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The installed systemd units pass systemd-analyze verify, and synq@.service's own
# start, reload and stop command lines do what the unit promises on a real veth:
# start attaches and, run again, changes nothing; reload takes new ports and keeps the
# keys; stop detaches. (systemd itself need not run: the commands are taken from the
# unit and run with the configuration file's values, as systemd would.)
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/install.sh
t_require_root "systemd units (XDP on a veth)"
WORK=$(mktemp -d)
trap 'ns_cleanup; inst_cleanup; rm -rf "$WORK"' EXIT

inst_stage_or_stop units_install
UNITS=$INST_ROOT/lib/systemd/system

# ---- systemd-analyze verify ----
# The units name /usr/sbin/synq, which is staged, not installed: verify checks that
# ExecStart= is executable, so point the copies at the staged binary, and MANPATH at the
# staged pages, which Documentation= names.
mkdir -p "$WORK/units"
for u in 'synq@.service' synq-export.service; do
	sed "s|/usr/sbin/synq|$INST_ROOT/sbin/synq|g" "$UNITS/$u" > "$WORK/units/$u"
done
out=$(MANPATH=$INST_ROOT/share/man systemd-analyze verify "$WORK/units/synq@.service" 2>&1)
t_eq units_verify_protect "0:" "$?:$out"
out=$(MANPATH=$INST_ROOT/share/man systemd-analyze verify "$WORK/units/synq-export.service" 2>&1)
t_eq units_verify_export "0:" "$?:$out"
t_run units_export_not_root bash -c "grep -qx 'DynamicUser=yes' '$UNITS/synq-export.service' &&
	! grep -q '^User=root' '$UNITS/synq-export.service'"

# ---- synq@IFACE's command lines ----
ns_new SRV unit
ns_new CLI unit
ns_veth "$SRV" squ0 "$CLI" squ1
# unit_cmd KEY: the unit's KEY= command for squ0 in $SRV, with the configuration's
# values: %i and %I the interface (no dash: nothing to escape), ${VAR} and $VAR from
# $WORK/squ0.conf, as systemd expands them.
unit_cmd() {
	local line
	line=$(sed -n "s/^$1=//p" "$UNITS/synq@.service")
	line=${line//%[iI]/squ0}
	line=${line/\/usr\/sbin\/synq/$INST_ROOT/sbin/synq -n $SRV}
	(
		# shellcheck disable=SC2034	# the defaults the unit's Environment= sets
		local k v XDP_MODE=native OPTIONS=
		# KEY=VALUE lines, VALUE as it stands (spaces too), as EnvironmentFile= reads them.
		while IFS='=' read -r k v; do printf -v "$k" '%s' "$v"; done < "$WORK/squ0.conf"
		eval "$line"
	)
}
ports() { "$INST_ROOT/sbin/synq" -n "$SRV" status squ0 --json | jq -r '.interfaces[0].ports'; }

echo 00112233445566778899aabbccddeeff > "$WORK/squ0.key"
chmod 0600 "$WORK/squ0.key"
printf 'PORTS=80,443\nXDP_MODE=generic\nOPTIONS=--mss 1400 --key-file %s\n' "$WORK/squ0.key" \
	> "$WORK/squ0.conf"
t_run unit_start unit_cmd ExecStart
t_eq unit_start_ports "80,443" "$(ports)"
# OPTIONS reached attach: the key is the file's, as a plain attach with that file shows.
"$INST_ROOT/sbin/synq" -n "$CLI" attach squ1 --ports 80 --xdp-mode generic \
	--key-file "$WORK/squ0.key" >/dev/null 2>&1
key_line=$("$INST_ROOT/sbin/synq" -n "$CLI" key show squ1 | head -n 1)
t_eq unit_start_options_apply "${key_line:-no key on the comparison interface}" \
	"$("$INST_ROOT/sbin/synq" -n "$SRV" key show squ0 | head -n 1)"
keys=$("$INST_ROOT/sbin/synq" -n "$SRV" key show squ0)
out=$(unit_cmd ExecStart 2>&1)
t_eq unit_start_again_is_noop "0:synq: squ0 is already protected as asked; nothing changed" "$?:$out"
t_eq unit_start_again_keeps_keys "$keys" "$("$INST_ROOT/sbin/synq" -n "$SRV" key show squ0)"

printf 'PORTS=8080\nXDP_MODE=generic\n' > "$WORK/squ0.conf"
out=$(unit_cmd ExecStart 2>&1)
t_eq unit_start_refuses_other_protection 1 "$?"
t_run unit_reload unit_cmd ExecReload
t_eq unit_reload_new_ports 8080 "$(ports)"
t_eq unit_reload_keeps_keys "$keys" "$("$INST_ROOT/sbin/synq" -n "$SRV" key show squ0)"

t_run unit_stop unit_cmd ExecStop
t_eq unit_stop_detached "" "$("$INST_ROOT/sbin/synq" -n "$SRV" status --json | jq -c '.interfaces[]')"
t_done
