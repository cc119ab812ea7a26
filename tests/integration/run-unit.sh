#!/bin/sh
# harden run --unit: a unit file and its drop-ins, then -p lines on top; warnings stay warnings unless --strict.
. "$(dirname "$0")/run-common.sh"

mkdir -p "$T/units/demo.service.d"
cat >"$T/units/demo.service" <<'UNIT'
[Unit]
Description=demo

[Service]
ExecStart=/usr/bin/sed -i s/a/b/ /tmp/x
SystemCallFilter=@system-service
ProtectSystem=strict
CapabilityBoundingSet=CAP_CHOWN
UNIT
# the files sed -i works on must be writable under ProtectSystem=strict (enforced as root)
printf '[Service]\nReadWritePaths=%s\n' "$T" >"$T/units/demo.service.d/20-rw.conf"
cat >"$T/units/demo.service.d/10-chown.conf" <<'UNIT'
[Service]
SystemCallFilter=~@chown
UNIT
printf 'aaa\n' >"$T/f"
# not root: ProtectSystem= cannot be enforced, and run fails closed without --allow-partial
P=""
[ "$(id -u)" = 0 ] || P=--allow-partial
# the drop-in's deny list applies: sed dies on fchown
run_h 159 "" 'blocked fchown' -- $P --unit "$T/units/demo.service" -- sed -i s/a/b/ "$T/f"
# CapabilityBoundingSet= needs CAP_SETPCAP: enforced as root, listed as not enforced with --allow-partial
if [ "$(id -u)" = 0 ]; then
	grep -q 'CapabilityBoundingSet= not enforced' "$T/err" && fail "CapabilityBoundingSet= listed as not enforced (as root it is): $(cat "$T/err")"
else
	grep -q 'CapabilityBoundingSet= not enforced by run' "$T/err" || fail "CapabilityBoundingSet= not listed as not enforced: $(cat "$T/err")"
fi
if [ "$(id -u)" = 0 ]; then
	grep -q 'ProtectSystem= not enforced' "$T/err" && fail "ProtectSystem= listed as not enforced (as root it is): $(cat "$T/err")"
fi
# -p after the unit: plain fchown in deny mode takes it off the deny list
run_h 0 "" "" -- $P --unit "$T/units/demo.service" -p SystemCallFilter=fchown -- sed -i s/a/b/ "$T/f"
grep -q '^baa$' "$T/f" || fail "sed did not run with the -p fix: $(cat "$T/f")"

# a bad value in a unit file is a warning naming file:line (systemd would warn and go on) ...
cat >"$T/units/warn.service" <<'UNIT'
[Service]
ExecStart=/bin/true
SystemCallFilter=@system-service @no-such-group
UNIT
run_h 0 "" 'warn.service:3: warning: .*no-such-group' -- --unit "$T/units/warn.service" -- true
# ... and an error with --strict: the command does not run
run_h 1 "" 'warning' -- --strict --unit "$T/units/warn.service" -- touch "$T/strict-ran"
[ -e "$T/strict-ran" ] && fail "--strict: the command ran despite warnings"
# a unit that cannot be read
run_h 1 "" 'cannot use' -- --unit "$T/units/missing.service" -- true
finish
