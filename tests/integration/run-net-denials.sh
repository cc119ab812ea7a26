#!/bin/sh
# harden run names the network setting behind each connect or sendto it made fail (seen by the eBPF
# tracer, which follows the command from its first call): the call, the address, the errno, the process,
# the setting and the fix; in text, in --json's "net_denied", and as a denial of run --unit --while. A
# connect that succeeds, or is refused for a reason of the host's own, names nothing. Also: the
# capabilities the bounding set refused are in --json's "cap_denied".
# Test servers listen on 127.0.0.1 only and end by themselves.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: a network namespace, a cgroup and eBPF need root"; exit 77; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || { echo "SKIP: no python3 for the test's client and server"; exit 77; }
W=$(mktemp -d /tmp/harden-netden.XXXXXX)
SERVER=
cleanup() {
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
	rm -rf "${W:?}"
}
trap cleanup EXIT
chmod 755 "$W"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# run ARGS...: harden run's exit status; stdout in $W/out, stderr in $W/err
run() {
	"$HARDEN" run "$@" >"$W/out" 2>"$W/err"
}
has() { grep -qF -- "$1" "$W/err"; }

# the client: connect HOST PORT (TCP), or sendto HOST PORT (one UDP datagram); says what the call did
cat >"$W/client.py" <<'PY'
import socket, sys
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    if mode == "nbconnect":
        # non-blocking: EINPROGRESS at once, whether the SYN went out or a filter dropped it
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((host, port))
        print(mode, "errno", err)
        sys.exit(0)
    if mode == "connect":
        # blocking: a non-blocking connect's refusal comes later, through SO_ERROR, which is not seen
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect((host, port))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x", (host, port))
    print(mode, "ok")
except OSError as e:
    print(mode, "failed:", e)
    sys.exit(3)
PY
chmod 644 "$W/client.py"
client() { echo "$PY $W/client.py $*"; }

run -p PrivateNetwork=yes -- true
if grep -q 'denials are not observed here' "$W/err"; then
	echo "SKIP: $(grep 'not observed here' "$W/err")"
	exit 77
fi
[ ! -s "$W/err" ] || bad "a run that fails nothing says something: $(cat "$W/err")"

# a listener of the host on 127.0.0.1 (bounded: it ends by itself after 60 s), and a port nobody listens on
"$PY" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
s.settimeout(1)
end = time.time() + 60
while time.time() < end:
    try: s.accept()[0].close()
    except OSError: pass
' >"$W/port" &
SERVER=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$W/port" ] && break; sleep 0.2; done
PORT=$(cat "$W/port")
[ -n "$PORT" ] || { echo "FAIL: the test's listener did not start"; exit 1; }
FREE=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# 1. PrivateNetwork=yes: the host's listener is not in the namespace: ECONNREFUSED, named, with the fix
run -p PrivateNetwork=yes -- $(client connect 127.0.0.1 "$PORT")
has "network call failed because of the settings (seen by eBPF)" || bad "loopback: no report: $(cat "$W/err")"
has "connect 127.0.0.1:$PORT: ECONNREFUSED" || bad "loopback: the call, address and errno are not named: $(cat "$W/err")"
grep -Eq "first in pid [0-9]+ \(python3\), by PrivateNetwork=yes" "$W/err" || bad "loopback: no process or setting: $(cat "$W/err")"
has "fix: PrivateNetwork=no" || bad "loopback: no fix: $(cat "$W/err")"
# the fix reads back: without the setting the connect passes and nothing is said
run -- $(client connect 127.0.0.1 "$PORT")
rc=$?
[ "$rc" = 0 ] && grep -q "connect ok" "$W/out" || bad "loopback without PrivateNetwork=: exit $rc: $(cat "$W/out" "$W/err")"
[ ! -s "$W/err" ] || bad "loopback without PrivateNetwork=: something said: $(cat "$W/err")"

# 2. PrivateNetwork=yes: no route off loopback (TEST-NET-1): ENETUNREACH, named
run -p PrivateNetwork=yes -- $(client connect 192.0.2.1 80)
has "connect 192.0.2.1:80: ENETUNREACH" || bad "off loopback: not named: $(cat "$W/err")"
has "by PrivateNetwork=yes" && has "fix: PrivateNetwork=no" || bad "off loopback: no setting or fix: $(cat "$W/err")"

# 3. refused for another reason (nothing listens there, on the host either): not blamed on a setting
run -p PrivateNetwork=yes -- $(client connect 127.0.0.1 "$FREE")
grep -q "connect failed" "$W/out" || bad "no listener: the connect did not fail: $(cat "$W/out")"
has "failed because of the settings" && bad "no listener, PrivateNetwork=yes: blamed: $(cat "$W/err")"

# 4. IPAddressDeny=any + IPAddressAllow=localhost: a UDP sendto off loopback fails EPERM, named
run -p IPAddressDeny=any -p IPAddressAllow=localhost -- $(client sendto 192.0.2.2 53)
if has "cannot enforce"; then
	echo "note: the IP filter cannot be enforced here (no cgroup v2 of the command's own): part 4 skipped"
else
	has "sendto 192.0.2.2:53: EPERM" || bad "IPAddressDeny: the sendto is not named: $(cat "$W/out" "$W/err")"
	grep -Eq "\(python3\), by IPAddressDeny=any" "$W/err" || bad "IPAddressDeny: no setting: $(cat "$W/err")"
	has "fix: IPAddressAllow=192.0.2.2/32" || bad "IPAddressDeny: no fix: $(cat "$W/err")"
	# with the fix the send passes
	run -p IPAddressDeny=any -p IPAddressAllow=localhost -p IPAddressAllow=192.0.2.2/32 -- $(client sendto 192.0.2.2 53)
	grep -q "sendto ok" "$W/out" || bad "IPAddressDeny with the fix: $(cat "$W/out" "$W/err")"
	has "failed because of the settings" && bad "IPAddressDeny with the fix: still reported: $(cat "$W/err")"
	# allowed and successful, followed all the same: nothing said
	run -p IPAddressDeny=any -p IPAddressAllow=localhost -- $(client connect 127.0.0.1 "$PORT")
	grep -q "connect ok" "$W/out" || bad "an allowed connect failed: $(cat "$W/out" "$W/err")"
	[ ! -s "$W/err" ] || bad "an allowed, successful connect: something said: $(cat "$W/err")"
	# a dropped SYN: a non-blocking connect says EINPROGRESS and never completes; named with the filter
	run -p IPAddressDeny=any -p IPAddressAllow=localhost -- $(client nbconnect 192.0.2.3 80)
	has "connect 192.0.2.3:80: EINPROGRESS" || bad "dropped SYN: not named: $(cat "$W/out" "$W/err")"
	has "by IPAddressDeny=any: the filter drops the SYN" && has "fix: IPAddressAllow=192.0.2.3/32" ||
		bad "dropped SYN: no setting or fix: $(cat "$W/err")"
	# EINPROGRESS to an address the filter allows: no denial
	run -p IPAddressDeny=any -p IPAddressAllow=localhost -- $(client nbconnect 127.0.0.1 "$PORT")
	has "failed because of the settings" && bad "an allowed non-blocking connect: blamed: $(cat "$W/err")"
	# refused by the host (nothing listens), the filter allowing it: not blamed
	run -p IPAddressDeny=any -p IPAddressAllow=localhost -- $(client connect 127.0.0.1 "$FREE")
	has "failed because of the settings" && bad "no listener under the filter: blamed: $(cat "$W/err")"
	# --json
	run --json -p IPAddressDeny=any -p IPAddressAllow=localhost -- $(client sendto 192.0.2.2 53)
	grep -q '"net_denied":\[{"kind":"network","call":"sendto","address":"192.0.2.2:53","port":53,"errno":1,"errno_name":"EPERM",' "$W/err" ||
		bad "IPAddressDeny: not in --json: $(cat "$W/err")"
	grep -q '"setting":"IPAddressDeny=any","fix":"IPAddressAllow=192.0.2.2\\/32"' "$W/err" ||
		bad "IPAddressDeny: no setting or fix in --json: $(cat "$W/err")"
fi

# 5. --json: the entries, and nothing in text
run --json -p PrivateNetwork=yes -- $(client connect 127.0.0.1 "$PORT")
grep -q "\"net_denied\":\[{\"kind\":\"network\",\"call\":\"connect\",\"address\":\"127.0.0.1:$PORT\",\"port\":$PORT,\"errno\":111,\"errno_name\":\"ECONNREFUSED\"," "$W/err" ||
	bad "--json: no net_denied entry: $(cat "$W/err")"
grep -q '"setting":"PrivateNetwork=yes","fix":"PrivateNetwork=no"' "$W/err" || bad "--json: no setting or fix: $(cat "$W/err")"
grep -q '"net_observed":true' "$W/err" || bad "--json: net_observed: $(cat "$W/err")"
has "failed because of the settings" && bad "--json: the text report too: $(cat "$W/err")"
# no network setting: the end report is as it was
run --json -- $(client connect 127.0.0.1 "$PORT")
grep -q '^{"denied":\[\],"complete":true}$' "$W/err" || bad "no network setting: the end report changed: $(cat "$W/err")"

# 6. the capabilities the bounding set refused, in --json
touch "$W/owned"
run --json -p PrivateNetwork=yes -p CapabilityBoundingSet=~CAP_CHOWN -- chown 65534 "$W/owned"
grep -q '"cap_denied":\[{"kind":"capability","capability":"CAP_CHOWN","call":"[a-z0-9]*chown[a-z0-9]*","pid":[0-9]*,"comm":"chown","count":[0-9]*,"setting":"CapabilityBoundingSet","fix":"CapabilityBoundingSet=CAP_CHOWN"' "$W/err" ||
	bad "cap_denied: not in --json: $(cat "$W/err")"

# 7. run --unit --while: a network denial fails the verdict (exit 1) and is counted
cat >"$W/net.service" <<EOF
[Service]
ExecStart=/bin/sh -c '$(client connect 192.0.2.1 80); exec sleep 30'
PrivateNetwork=yes
EOF
"$HARDEN" run --unit "$W/net.service" --while 'sleep 0.2' --ready-after=0.5 >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 1 ] || bad "--while: exit $rc with a network denial, want 1: $(cat "$W/err")"
has "by PrivateNetwork=yes" || bad "--while: the denial is not named: $(cat "$W/err")"
has "1 network denial (each named above with its fix)" || bad "--while: not counted: $(cat "$W/err")"
"$HARDEN" run --json --unit "$W/net.service" --while 'sleep 0.2' --ready-after=0.5 >"$W/out" 2>"$W/err"
grep -q '"net_denied":1,' "$W/err" && grep -q '"passed":false' "$W/err" || bad "--while --json: not counted: $(cat "$W/err")"
# the same service without the denial passes
cat >"$W/ok.service" <<EOF
[Service]
ExecStart=/bin/sh -c '$(client connect 127.0.0.1 "$PORT"); exec sleep 30'
EOF
"$HARDEN" run --unit "$W/ok.service" --while 'sleep 0.2' --ready-after=0.5 >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 0 ] || bad "--while without a denial: exit $rc: $(cat "$W/err")"

[ "$fail" = 0 ] && echo "PASS"
exit "$fail"
