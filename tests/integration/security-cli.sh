#!/bin/sh
# SPDX-License-Identifier: MIT
# harden security's command line: output forms, exit codes, errors naming the file, --fix checked by
# re-scoring its drop-in as a real drop-in directory (and with systemd-analyze when it is installed),
# directories and batches of a thousand units in one process.
set -u
: "${HARDEN:?}" "${SRCDIR:?}" "${SHARED:?}"
command -v python3 >/dev/null || { echo "skip: python3 is needed to read JSON" >&2; exit 77; }
# a package build (dpkg-buildpackage in a copy of the tree) has no ../shared
[ -d "$SHARED/corpus/units" ] || { echo "skip: no corpus at $SHARED/corpus" >&2; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
H() { "$HARDEN" security --systemd=252 "$@"; }

printf '[Service]\nExecStart=/bin/true\n' >"$tmp/bare.service"

# text: systemd's closing line; UTF-8 vs ASCII
out=$(LC_ALL=C.UTF-8 TERM= H "$tmp/bare.service") || fail "bare unit: exit $?"
echo "$out" | tail -n1 | grep -qx '→ Overall exposure level for bare.service: 9.6 UNSAFE :-{' ||
	fail "bare unit closing line: $(echo "$out" | tail -n1)"
echo "$out" | grep -q '^✗ PrivateNetwork=' || fail "no ✗ row"
out=$(LC_ALL=C TERM= H "$tmp/bare.service")
echo "$out" | tail -n1 | grep -qx -- '-> Overall exposure level for bare.service: 9.6 UNSAFE :-{' || fail "ASCII closing line"
echo "$out" | grep -q '^- PrivateNetwork=' || fail "ASCII mark"
out=$(LC_ALL=C.UTF-8 TERM=xterm H "$tmp/bare.service" | tail -n1)
case $out in *"9.6 UNSAFE 😨") ;; *) fail "emoji with TERM set: $out" ;; esac
[ "$(NO_COLOR=1 H "$tmp/bare.service" | grep -c "$(printf '\033')")" = 0 ] || fail "escape codes in a pipe"

# JSON: systemd's schema, 81 rows
H --json=short "$tmp/bare.service" | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert isinstance(a, list) and len(a) == 81, len(a)
for r in a:
    assert sorted(r) == ["description", "exposure", "json_field", "name", "set"], r
    assert r["set"] in (True, False, None)
    assert (r["exposure"] is None) == (r["set"] is not False) or r["set"] is False
' || fail "JSON schema"
H --json=pretty "$tmp/bare.service" | python3 -c 'import json,sys; json.load(sys.stdin)' || fail "pretty JSON"

# threshold: 9.6 is 96
H --threshold=96 "$tmp/bare.service" >/dev/null || fail "--threshold=96 should pass"
H --threshold=95 "$tmp/bare.service" >/dev/null; [ $? = 1 ] || fail "--threshold=95 should exit 1"
H --threshold=abc "$tmp/bare.service" >/dev/null 2>&1; [ $? = 2 ] || fail "bad --threshold should exit 2"
H --bogus "$tmp/bare.service" >/dev/null 2>&1; [ $? = 2 ] || fail "unknown option should exit 2"

# --fix: the drop-in it prints, installed as a real drop-in, gives the exposure it announced
cp "$SHARED/corpus/units/NLnetLabs__nsd__nsd.service" "$tmp/nsd.service"
H --fix --json=short "$tmp/nsd.service" >"$tmp/fix.json" || fail "--fix exit"
python3 - "$tmp/fix.json" "$tmp" <<'PY' || fail "--fix JSON"
import json, os, sys
d = json.load(open(sys.argv[1]))
assert float(d["exposure_after_fix"]) < float(d["exposure"]), d["exposure_after_fix"]
bad = [r for r in d["checks"] if r["set"] is False]
assert bad and all(r["fix"] for r in bad)
os.makedirs(os.path.join(sys.argv[2], "nsd.service.d"))
open(os.path.join(sys.argv[2], "nsd.service.d", "harden.conf"), "w").write(d["dropin"])
open(os.path.join(sys.argv[2], "announced"), "w").write(d["exposure_after_fix"])
PY
announced=$(cat "$tmp/announced")
got=$(H "$tmp/nsd.service" | tail -n1 | sed 's/.*: \([0-9.]*\) .*/\1/')
[ "$got" = "$announced" ] || fail "--fix announced $announced, the drop-in gives $got"
if command -v systemd-analyze >/dev/null && systemd-analyze --version | head -n1 | grep -q '^systemd 252 '; then
	sa=$(cd "$tmp" && systemd-analyze security --offline=true nsd.service 2>/dev/null | tail -n1 | sed 's/.*: \([0-9.]*\) .*/\1/')
	[ "$sa" = "$announced" ] || fail "--fix announced $announced, systemd-analyze gives $sa with the drop-in"
fi
rm -rf "$tmp/nsd.service.d"

# policy: clear errors, exit 2
echo '{"PrivateTmp": {"range": 0}}' >"$tmp/p1.json"
err=$(H --security-policy="$tmp/p1.json" "$tmp/bare.service" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] || fail "range 0 policy: exit $rc"
case $err in *p1.json*range*0*) ;; *) fail "range 0 policy message: $err" ;; esac
echo '[1]' >"$tmp/p2.json"
err=$(H --security-policy="$tmp/p2.json" "$tmp/bare.service" 2>&1 >/dev/null)
case $err in *p2.json*object*) ;; *) fail "non-object policy message: $err" ;; esac
echo '{"PrivateNetwork": {"weight": 0}}' >"$tmp/p3.json"
H --security-policy="$tmp/p3.json" --json=short "$tmp/bare.service" | python3 -c '
import json, sys
r = [x for x in json.load(sys.stdin) if x["json_field"] == "PrivateNetwork"][0]
assert r["set"] is None, r' || fail "weight 0 should make the row N/A"

# a batch with bad units: errors name the file (and line), the good ones are still scored, exit 1
printf 'not a unit at all\n' >"$tmp/junk.service"
printf '[Service]\nExecStart=/bin/true\nDynamicUser=maybe\n' >"$tmp/fatal.service"
H "$tmp/bare.service" "$tmp/junk.service" "$tmp/missing.service" "$tmp/fatal.service" >"$tmp/batch.out" 2>"$tmp/batch.err"
[ $? = 1 ] || fail "batch with bad units should exit 1"
grep -q 'missing.service' "$tmp/batch.err" || fail "missing file not named"
grep -q 'junk.service' "$tmp/batch.err" || fail "non-unit not named"
grep -q 'fatal.service:3' "$tmp/batch.err" || fail "fatal value not named with file:line: $(cat "$tmp/batch.err")"
grep -q 'Overall exposure level for bare.service' "$tmp/batch.out" || fail "good unit not reported in a batch"
grep -q '^UNIT  *EXPOSURE PREDICATE HAPPY' "$tmp/batch.out" || fail "no overview"

# a directory of many units: one process, overview sorted by exposure (most exposed first)
mkdir "$tmp/many"
i=0
for f in "$SHARED"/corpus/units/*.service; do
	for k in 1 2 3 4; do cp "$f" "$tmp/many/u$k-$(basename "$f")"; done
done
n=$(ls "$tmp/many" | wc -l)
H --json=short "$tmp/many" >"$tmp/many.json" 2>/dev/null
python3 - "$tmp/many.json" "$n" <<'PY' || fail "directory JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["units"]) + len(d["errors"]) == int(sys.argv[2]), (len(d["units"]), len(d["errors"]))
assert all(len(u["checks"]) == 81 for u in d["units"])
PY
H "$tmp/many" 2>/dev/null | sed -n '/^UNIT /,$p' | tail -n +2 | awk '{print $2}' >"$tmp/order"
sort -rn "$tmp/order" | cmp -s - "$tmp/order" || fail "overview not sorted by exposure"

[ $fails = 0 ] && echo "security-cli: all checks passed ($n units in one directory run)"
exit $((fails > 0))
