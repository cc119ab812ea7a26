#!/bin/sh
# harden learn, closed loop on real programs: learn -> drop-in -> run the same command confined by that
# drop-in (real seccomp filter, real read-only mounts) -> same output and exit status as a native run.
# Also: tightness (a drop-in learned from `sed -n p` blocks `sed -i`), and merging two workloads.
# Confinement: the seccomp part by `harden run --unit` (the drop-in in UNIT.service.d/), ProtectSystem=strict
# + ReadWritePaths= by $DROPIN_EXEC (tests/helpers/dropin_exec.c, a private read-only mount namespace).
set -u
: "${HARDEN:?}" "${DROPIN_EXEC:?}"
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (ProtectSystem=strict is enforced with a mount namespace)" >&2; exit 77; }
for p in sed tar gzip python3; do
	command -v $p >/dev/null || { echo "skip: $p not installed" >&2; exit 77; }
done

W=$(mktemp -d /var/tmp/harden-learn.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

backends="ptrace"
if "$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>"$W/ebpf.err"; then
	backends="$backends ebpf"
else
	echo "note: eBPF backend not usable here, closed loop for ptrace only: $(cat "$W/ebpf.err")"
fi

# confine DROPIN CMD...: run CMD as the drop-in would confine it: a unit whose only settings come from the
# drop-in (in UNIT.service.d/, as systemd reads it), run by `harden run --unit` (the seccomp-backed part),
# inside $DROPIN_EXEC's read-only mount namespace (ProtectSystem=strict + ReadWritePaths=)
confine() {
	dropin=$1
	shift
	[ "$1" = "--" ] && shift
	u=$W/units/$(basename "$dropin" .conf | tr -c 'a-zA-Z0-9_\n' '_').service
	mkdir -p "$u.d"
	printf '[Service]\nExecStart=/bin/true\n' >"$u"
	cp "$dropin" "$u.d/learned.conf"
	DROPIN_EXEC_MOUNTS_ONLY=1 "$DROPIN_EXEC" "$dropin" -- "$HARDEN" run ${RUN_AUDIT:+--audit} --unit "$u" -- "$@"
}

# reset_data: the files every workload works on, back to their initial state
reset_data() {
	rm -rf "$W/data"
	mkdir -p "$W/data/tree"
	printf 'alpha\nbeta\ngamma\n' >"$W/data/f.txt"
	seq 1 2000 >"$W/data/big.txt"
	cp /etc/os-release "$W/data/tree/a"
	printf 'x\n' >"$W/data/tree/b"
}

# snapshot NAME: what a run left behind (stdout, status, and the data directory's contents)
snapshot() {
	(cd "$W/data" && find . -type f ! -name '*.tar' ! -name '*.gz' | sort | xargs md5sum
	 [ -f out.tar ] && tar tf out.tar | sort
	 [ -f big.txt.gz ] && gzip -dc big.txt.gz | md5sum) >"$W/$1.state" 2>&1
}

# loop BACKEND NAME CMD...: native run, learned run, confined run; all three must agree
loop() {
	be=$1 name=$2
	shift 2
	reset_data
	(cd "$W/data" && "$@") >"$W/$name.native.out" 2>/dev/null
	echo $? >"$W/$name.native.rc"
	snapshot "$name.native"
	reset_data
	(cd "$W/data" && "$HARDEN" learn --backend="$be" -o "$W/$name.$be.conf" --profile-out "$W/$name.$be.json" -- "$@") \
		>"$W/$name.learn.out" 2>"$W/$name.learn.err"
	echo $? >"$W/$name.learn.rc"
	snapshot "$name.learn"
	reset_data
	(cd "$W/data" && confine "$W/$name.$be.conf" -- "$@") >"$W/$name.conf.out" 2>"$W/$name.conf.err"
	echo $? >"$W/$name.conf.rc"
	snapshot "$name.conf"
	if cmp -s "$W/$name.native.out" "$W/$name.conf.out" && cmp -s "$W/$name.native.rc" "$W/$name.conf.rc" &&
		cmp -s "$W/$name.native.state" "$W/$name.conf.state" && cmp -s "$W/$name.native.out" "$W/$name.learn.out"; then
		ok "$be: $name: same output, status $(cat "$W/$name.native.rc") and files under its learned drop-in" \
			"($(grep -c '^SystemCallFilter=' "$W/$name.$be.conf") SystemCallFilter lines)"
	else
		bad "$be: $name: confined run differs (rc native $(cat "$W/$name.native.rc"), confined $(cat "$W/$name.conf.rc"))"
		cat "$W/$name.conf.err" "$W/$name.learn.err"
		diff "$W/$name.native.state" "$W/$name.conf.state"
	fi
	# the drop-in must really be tight: an allow list, native only, no dangerous group
	grep -q '^SystemCallArchitectures=native$' "$W/$name.$be.conf" || bad "$be: $name: not native-only"
	grep -q '^SystemCallErrorNumber=EPERM$' "$W/$name.$be.conf" || bad "$be: $name: no SystemCallErrorNumber"
	if grep '^SystemCallFilter=' "$W/$name.$be.conf" | grep -qE '@(privileged|debug|mount|module|raw-io|reboot|swap|clock|cpu-emulation|obsolete|system-service|known)'; then
		bad "$be: $name: a dangerous group was allowed"
	fi
}

http_loop() {
	be=$1
	port=$((20000 + $$ % 20000))
	srv="import http.server as h; s = h.HTTPServer(('127.0.0.1', $port), h.SimpleHTTPRequestHandler); s.handle_request()"
	get="import urllib.request, time
for i in range(200):
    try:
        print(urllib.request.urlopen('http://127.0.0.1:$port/f.txt', timeout=5).read().decode(), end=''); break
    except OSError: time.sleep(0.05)
else: raise SystemExit(3)"
	for mode in native learn conf; do
		reset_data
		case $mode in
		native) (cd "$W/data" && exec python3 -c "$srv") 2>/dev/null & ;;
		learn) (cd "$W/data" && exec "$HARDEN" learn --backend="$be" -o "$W/http.$be.conf" -- python3 -c "$srv") 2>"$W/http.learn.err" & ;;
		conf) (cd "$W/data" && confine "$W/http.$be.conf" -- python3 -c "$srv") 2>"$W/http.conf.err" & ;;
		esac
		spid=$!
		python3 -c "$get" >"$W/http.$mode.body"
		echo $? >"$W/http.$mode.client"
		wait $spid
		echo $? >"$W/http.$mode.rc"
		port=$((port + 1))
		srv="import http.server as h; s = h.HTTPServer(('127.0.0.1', $port), h.SimpleHTTPRequestHandler); s.handle_request()"
		get=$(printf '%s' "$get" | sed "s/:$((port - 1))\//:$port\//")
	done
	if cmp -s "$W/http.native.body" "$W/http.conf.body" && cmp -s "$W/http.native.rc" "$W/http.conf.rc" &&
		[ "$(cat "$W/http.conf.client")" = 0 ] && [ -s "$W/http.conf.body" ]; then
		ok "$be: python3 http.server: one request served identically under its drop-in" \
			"($(grep '^RestrictAddressFamilies=' "$W/http.$be.conf"))"
	else
		bad "$be: python3 http.server differs (server rc native $(cat "$W/http.native.rc") confined $(cat "$W/http.conf.rc"))"
		cat "$W/http.conf.err"
	fi
	grep -q '^RestrictAddressFamilies=.*AF_INET' "$W/http.$be.conf" || bad "$be: http: AF_INET not seen"
}

for be in $backends; do
	loop "$be" sed-i sed -i s/beta/BETA/ f.txt
	loop "$be" tar tar cf out.tar tree
	loop "$be" gzip gzip -k big.txt
	loop "$be" sed-n sed -n p f.txt
	http_loop "$be"

	# tightness: learned from `sed -n p`, `sed -i` must be blocked and leave the file alone
	reset_data
	(cd "$W/data" && confine "$W/sed-n.$be.conf" -- sed -i s/beta/BETA/ f.txt) >/dev/null 2>"$W/tight.err"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 125 ] && grep -q '^beta$' "$W/data/f.txt"; then
		ok "$be: tightness: sed -i under the 'sed -n p' drop-in fails (rc $rc: $(grep -v '^harden run: ' "$W/tight.err" | head -1))"
	else
		bad "$be: tightness: sed -i ran under the 'sed -n p' drop-in (rc $rc)"
	fi
	# the system-call filter alone (no read-only mounts) blocks it too
	reset_data
	u=$W/units/$(printf 'sed-n.%s' "$be" | tr -c 'a-zA-Z0-9_\n' '_').service
	[ -f "$u" ] || bad "$be: no unit $u"
	(cd "$W/data" && "$HARDEN" run --unit "$u" -- sed -i s/beta/BETA/ f.txt) >/dev/null 2>"$W/tight2.err"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 125 ] && grep -q '^beta$' "$W/data/f.txt"; then
		ok "$be: tightness, seccomp part alone: sed -i fails (rc $rc: $(grep -v '^harden run: ' "$W/tight2.err" | head -1))"
	else
		bad "$be: tightness: sed -i ran under the seccomp part of the 'sed -n p' drop-in (rc $rc)"
	fi
	# ... and why: harden run --audit lists what the filter blocks
	reset_data
	(cd "$W/data" && RUN_AUDIT=1 confine "$W/sed-n.$be.conf" -- sed -i s/beta/BETA/ f.txt) >/dev/null 2>"$W/audit.err"
	grep -v -e '^harden run: .*(needs systemd)' -e 'or SystemCallFilter=@' "$W/audit.err" | sed 's/^/    /'
	# ... and what sed -i needs that the sed -n profile never showed
	reset_data
	(cd "$W/data" && "$HARDEN" learn --backend="$be" -o /dev/null --profile-out "$W/sed-i2.json" -- sed -i s/beta/BETA/ f.txt) 2>/dev/null
	python3 - "$W/sed-n.$be.json" "$W/sed-i2.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
new = sorted(set(b["syscalls"]["x86-64"]) - set(a["syscalls"]["x86-64"]))
print("    explained: sed -i makes calls sed -n p never made:", " ".join(new))
print("    and writes:", " ".join(sorted(set(b["paths_written"]) - set(a["paths_written"]))))
PY

	# merge: sed -n's drop-in cannot run gzip; the merge of both profiles runs both
	reset_data
	(cd "$W/data" && confine "$W/sed-n.$be.conf" -- gzip -k big.txt) >/dev/null 2>&1 && bad "$be: gzip ran under sed -n's drop-in (merge test meaningless)"
	"$HARDEN" learn --merge "$W/sed-n.$be.json" "$W/gzip.$be.json" -o "$W/merged.$be.conf" --profile-out "$W/merged.$be.json" ||
		bad "$be: merge failed"
	reset_data
	(cd "$W/data" && confine "$W/merged.$be.conf" -- sed -n p f.txt) >"$W/m1.out" 2>/dev/null &&
		cmp -s "$W/m1.out" "$W/sed-n.native.out" && m1=0 || m1=1
	reset_data
	(cd "$W/data" && confine "$W/merged.$be.conf" -- gzip -k big.txt) 2>&1 && [ -f "$W/data/big.txt.gz" ] && m2=0 || m2=1
	if [ $m1 = 0 ] && [ $m2 = 0 ]; then
		ok "$be: merged profile (sed -n + gzip) runs both"
	else
		bad "$be: merged drop-in does not run both (sed $m1, gzip $m2)"
	fi
done
exit $fail
