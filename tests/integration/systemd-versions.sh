#!/bin/sh
# SPDX-License-Identifier: MIT
# --systemd=N (issue 29): the modelled versions (every major release 252..262) are taken by every verb that has the
# option, latest is 262, any other version is refused with the list (exit 2, never mapped), and
# harden --version names the modelled versions and how the default was picked.
set -u
: "${HARDEN:?}"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

"$HARDEN" --version >"$TMP/v" || fail "harden --version exits $?"
grep -qx 'systemd models: 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262 (latest = 262)' "$TMP/v" || fail "--version does not list the modelled versions: $(cat "$TMP/v")"
grep -qx "systemd releases modelled: 252.38 253.26 254.27 255.22 256.17 257.13 258.10 259.8 260.4 261.2 262.1 (252, 257, 262 checked against the real programs; the others read from systemd's git tags)" "$TMP/v" ||
	fail "--version does not name the point releases: $(grep '^systemd releases' "$TMP/v")"
grep -Eq '^systemd default: (25[2-9]|26[0-2]) \(the installed systemd, .*libsystemd-shared-[0-9]+.*\)$|^systemd default: latest = 262 \((the installed systemd [0-9]+, .*, is not one harden models|no installed systemd found: .*)\)$' "$TMP/v" ||
	fail "--version does not say how the default was picked: $(grep '^systemd default' "$TMP/v")"

for verb in syscall-filter show security check explain learn run apply; do
	for bad in 251 263; do
		"$HARDEN" "$verb" --systemd=$bad >"$TMP/o" 2>"$TMP/e"
		rc=$?
		[ $rc -eq 2 ] || fail "$verb --systemd=$bad: exit $rc, want 2"
		grep -q "does not model systemd $bad; it models 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262 (latest = 262)" "$TMP/e" ||
			fail "$verb --systemd=$bad: $(cat "$TMP/e")"
		[ -s "$TMP/o" ] && fail "$verb --systemd=$bad printed on stdout"
	done
	"$HARDEN" "$verb" --systemd=25x >/dev/null 2>"$TMP/e"
	[ $? -eq 2 ] && grep -q 'expected one of 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262 or latest' "$TMP/e" || fail "$verb --systemd=25x: $(cat "$TMP/e")"
	# every modelled version is taken (exit 2 is a usage error: the version or the missing operands)
	for v in 253 255 256 258 261; do
		"$HARDEN" "$verb" --systemd=$v >/dev/null 2>"$TMP/e"
		grep -q 'does not model\|expected one of' "$TMP/e" && fail "$verb --systemd=$v refused: $(cat "$TMP/e")"
	done
done
for v in 252 253 254 255 256 257 258 259 260 261 262 latest; do
	"$HARDEN" syscall-filter --systemd=$v --json -q >"$TMP/j" || fail "syscall-filter --systemd=$v exits $?"
	want=$v; [ $v = latest ] && want=262
	grep -q "\"systemd\": *\"$want\"" "$TMP/j" || fail "syscall-filter --systemd=$v --json does not say $want"
	"$HARDEN" show --systemd=$v -p SystemCallFilter=@system-service >/dev/null || fail "show --systemd=$v exits $?"
done
"$HARDEN" syscall-filter --systemd=latest >"$TMP/l" 2>/dev/null
"$HARDEN" syscall-filter --systemd=262 >"$TMP/n" 2>/dev/null
cmp -s "$TMP/l" "$TMP/n" || fail "latest is not 262"
[ $fails -eq 0 ]
