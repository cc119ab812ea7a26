#!/bin/sh
# harden run: DevicePolicy= and DeviceAllow= (and the closed policy PrivateDevices= implies), and
# IPAddressAllow=/IPAddressDeny=, enforced as systemd 252 does, by BPF programs on a cgroup v2 of the
# command's own. Device nodes of known numbers
# are made outside /dev, in a private directory (/var/lib/hd-dev-PID), so that what is allowed is
# seen not to depend on a node's name; they are only opened, never read or written. The cgroup must be
# gone once the command has exited; with no cgroup2 reachable, run fails closed (125) or, with
# --allow-partial, says the settings are not enforced.
. "$(dirname "$0")/run-common.sh"

if [ "$(id -u)" != 0 ]; then
	echo "skip: a cgroup of the command's own and its device program need root" >&2
	exit 77
fi
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$CG2" ] || { echo "skip: no cgroup2 mounted" >&2; exit 77; }
BLOCK=
for d in /dev/loop0 /dev/vda /dev/sda /dev/nvme0n1; do [ -b "$d" ] && { BLOCK=$d; break; }; done
[ -n "$BLOCK" ] || { echo "skip: no block device among /dev/loop0 /dev/vda /dev/sda /dev/nvme0n1" >&2; exit 77; }
command -v unshare >/dev/null || { echo "skip: unshare is not installed" >&2; exit 77; }

D=/var/lib/hd-dev-$$
trap 'rm -rf "${D:?}" "${T:?}"' EXIT
mkdir -m 700 "$D" || { echo "FAIL: cannot make $D" >&2; exit 1; }
BMAJ=$((0x$(stat -c %t "$BLOCK"))) BMIN=$((0x$(stat -c %T "$BLOCK")))
# /dev/full's numbers under another name; the block device's
mknod -m 600 "$D/full" c 1 7 && mknod -m 600 "$D/blk" b "$BMAJ" "$BMIN" ||
	{ echo "FAIL: cannot make device nodes in $D" >&2; exit 1; }

# opens: one line per node and mode, "NAME ok" or "NAME EPERM" (any other failure as its message);
# and the command's cgroup, to check afterwards that it is gone
cat >"$T/opens.sh" <<'EOF'
for spec in full:r full:w blk:r blk:w null:r; do
	n=${spec%:*} m=${spec#*:}
	f=$1/$n
	[ "$n" = null ] && f=/dev/null
	if [ "$m" = r ]; then err=$( (: <"$f") 2>&1); else err=$( (: >"$f") 2>&1); fi
	case $? in
	0) echo "$spec ok" ;;
	*) case $err in *"not permitted"*) echo "$spec EPERM" ;; *) echo "$spec $err" ;; esac ;;
	esac
done
sed -n 's/^0:://p' /proc/self/cgroup >"$1/cgroup"
EOF
# expect WHAT WANT...: each WANT ("blk:r EPERM") is a line of the last run's output
expect() {
	what=$1
	shift
	for w in "$@"; do
		grep -qx -- "$w" "$T/out" || fail "$what: want '$w'; got: $(tr '\n' ',' <"$T/out") stderr: $(cat "$T/err")"
	done
	if [ -s "$D/cgroup" ]; then
		cg=$(cat "$D/cgroup")
		case $cg in */harden-run-*) ;; *) fail "$what: the command ran in $cg, not a harden-run-PID cgroup" ;; esac
		[ -d "$CG2$cg" ] && fail "$what: its cgroup $CG2$cg is still there"
	fi
	grep -q 'Device.*not enforced\|DevicePolicy=closed (a cgroup device rule)' "$T/err" &&
		fail "$what: said not to be enforced: $(cat "$T/err")"
	rm -f "$D/cgroup"
}

# without a device setting every node opens (root), in harden's own cgroup
run_h 0 "" "" -- -- sh "$T/opens.sh" "$D"
grep -qx 'full:r ok' "$T/out" && grep -qx 'blk:r ok' "$T/out" || fail "no settings: $(tr '\n' ',' <"$T/out")"
case $(cat "$D/cgroup") in */harden-run-*) fail "no device settings: a cgroup was made anyway" ;; esac
rm -f "$D/cgroup"

run_h 0 "" "" -- -p DevicePolicy=closed -- sh "$T/opens.sh" "$D"
expect "DevicePolicy=closed" "full:r ok" "full:w ok" "blk:r EPERM" "blk:w EPERM" "null:r ok"

run_h 0 "" "" -- -p PrivateDevices=yes -- sh "$T/opens.sh" "$D"
expect "PrivateDevices=yes (implies DevicePolicy=closed)" "full:r ok" "blk:r EPERM" "blk:w EPERM" "null:r ok"

run_h 0 "" "" -- -p "DeviceAllow=$BLOCK r" -- sh "$T/opens.sh" "$D"
expect "DeviceAllow=$BLOCK r" "blk:r ok" "blk:w EPERM" "full:w ok" "null:r ok"

run_h 0 "" "" -- -p DevicePolicy=strict -p "DeviceAllow=/dev/null rw" -- sh "$T/opens.sh" "$D"
expect "DevicePolicy=strict + DeviceAllow=/dev/null rw" "full:r EPERM" "full:w EPERM" "blk:r EPERM" "null:r ok"

run_h 0 "" "" -- -p DevicePolicy=strict -- sh "$T/opens.sh" "$D"
expect "DevicePolicy=strict" "full:r EPERM" "blk:r EPERM" "null:r EPERM"

# PrivateDevices= under a strict policy: its /dev cannot be made with mknod (no "m"), so the host's
# nodes are bound in, as systemd's clone_device_node() falls back to; what the policy allows still holds
run_h 0 "" "" -- -p PrivateDevices=yes -p DevicePolicy=strict -p "DeviceAllow=/dev/null r" -- sh "$T/opens.sh" "$D"
expect "PrivateDevices=yes + DevicePolicy=strict + DeviceAllow=/dev/null r" "null:r ok" "full:r EPERM" "blk:r EPERM"
run_h 3 "" "not permitted" -- -p PrivateDevices=yes -p DevicePolicy=strict -p "DeviceAllow=/dev/null r" -- sh -c 'echo x >/dev/null || exit 3'

# a class: block-* r allows every block device for reading, not for writing
run_h 0 "" "" -- -p DevicePolicy=strict -p "DeviceAllow=block-* r" -- sh "$T/opens.sh" "$D"
expect "DevicePolicy=strict + DeviceAllow=block-* r" "blk:r ok" "blk:w EPERM" "full:r EPERM"
# char-mem (/proc/devices' name of major 1) rw
run_h 0 "" "" -- -p DevicePolicy=strict -p "DeviceAllow=char-mem rw" -- sh "$T/opens.sh" "$D"
expect "DevicePolicy=strict + DeviceAllow=char-mem rw" "full:w ok" "null:r ok" "blk:r EPERM"

# the same from a unit file
printf '[Service]\nDevicePolicy=closed\nDeviceAllow=%s r\n' "$BLOCK" >"$T/dev.service"
run_h 0 "" "" -- --unit "$T/dev.service" -- sh "$T/opens.sh" "$D"
expect "--unit: DevicePolicy=closed + DeviceAllow=$BLOCK r" "blk:r ok" "blk:w EPERM" "full:w ok"

# invalid values: an error with -p, as every -p
run_h 2 "" "DevicePolicy=bogus" -- -p DevicePolicy=bogus -- true
run_h 2 "" "invalid device node path" -- -p "DeviceAllow=-/dev/null" -- true
run_h 2 "" "invalid device rights" -- -p "DeviceAllow=/dev/null rx" -- true

# no cgroup2 reachable (unmounted in a mount namespace of the test's own): fail closed, named
cat >"$T/nocg.sh" <<'EOF'
awk '$3 == "cgroup2" { print $2 }' /proc/self/mounts | while read -r m; do umount -l "$m" || exit 1; done
exec "$@"
EOF
if unshare -m --propagation private sh "$T/nocg.sh" true 2>/dev/null; then
	unshare -m --propagation private sh "$T/nocg.sh" "$HARDEN" run -p DevicePolicy=closed -- true >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 125 ] || fail "no cgroup2: exit $rc, want 125; $(cat "$T/err")"
	grep -q 'cannot enforce DevicePolicy=.*no cgroup2 is mounted' "$T/err" || fail "no cgroup2: not said: $(cat "$T/err")"
	unshare -m --propagation private sh "$T/nocg.sh" "$HARDEN" run --allow-partial -p DevicePolicy=closed \
		-- sh -c ": <$D/blk && echo opened" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 0 ] && grep -qx opened "$T/out" || fail "no cgroup2 + --allow-partial: exit $rc, $(cat "$T/out") $(cat "$T/err")"
	grep -q 'DevicePolicy= not enforced by run' "$T/err" || fail "no cgroup2 + --allow-partial: not listed: $(cat "$T/err")"
else
	echo "note: cannot unmount cgroup2 in a mount namespace here: the fail-closed check is not run"
fi

# ---- IPAddressAllow= / IPAddressDeny= ----
# a TCP connect to 127.0.0.1 (answered: ok, or ECONNREFUSED with no listener; a dropped SYN would time
# out) and a datagram to 127.0.0.1 and to a local address that is not loopback's (a dropped one: EPERM)
PROBE=$TESTPROGS/fsprobe
HOSTADDR=$(ip -o -4 addr show scope global 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
if [ -x "$PROBE" ] && [ -n "$HOSTADDR" ]; then
	ipcheck() { # label, want connect-lo (ok|refused|blocked), want udp-lo, want udp-addr, harden args...
		l=$1 wc=$2 wl=$3 wa=$4
		shift 4
		"$HARDEN" run "$@" -- sh -c 'sed -n "s/^0:://p" /proc/self/cgroup >"$1/cgroup"; shift; exec "$@"' sh "$D" \
			"$PROBE" --port 4719 --udp "$HOSTADDR" >"$T/out" 2>"$T/err"
		rc=$?
		[ $rc = 0 ] || fail "$l: exit $rc: $(cat "$T/err")"
		c=$(sed -n 's/^connect-lo //p' "$T/out")
		case $c in ok | ECONNREFUSED) c=refused ;; EINPROGRESS | EAGAIN | ETIMEDOUT | EPERM) c=blocked ;; esac
		[ "$c" = "$wc" ] || fail "$l: connect to 127.0.0.1: $(sed -n 's/^connect-lo //p' "$T/out"), want $wc"
		[ $# = 0 ] && rm -f "$D/cgroup" # no settings: harden's own cgroup, none made
		expect "$l" "udp-lo $wl" "udp-addr $wa"
		grep -q 'IPAddress.*not enforced' "$T/err" && fail "$l: said not to be enforced: $(cat "$T/err")"
	}
	ipcheck "no IPAddress settings" refused ok ok
	ipcheck "IPAddressDeny=any + IPAddressAllow=localhost" refused ok EPERM -p IPAddressDeny=any -p IPAddressAllow=localhost
	ipcheck "IPAddressDeny=any" blocked EPERM EPERM -p IPAddressDeny=any
	ipcheck "IPAddressDeny=$HOSTADDR/32" refused ok EPERM -p "IPAddressDeny=$HOSTADDR/32"
	ipcheck "IPAddressDeny=any + IPAddressAllow=$HOSTADDR" blocked EPERM ok -p IPAddressDeny=any -p "IPAddressAllow=$HOSTADDR"
	ipcheck "PrivateDevices=yes + IPAddressDeny=any + IPAddressAllow=localhost" refused ok EPERM \
		-p PrivateDevices=yes -p IPAddressDeny=any -p IPAddressAllow=localhost
	run_h 2 "" "address prefix 'bogus' is invalid" -- -p "IPAddressDeny=bogus" -- true
else
	echo "note: no fsprobe or no global IPv4 address here: the IPAddress checks are not run"
fi

# --audit is a dry run: not applied, and said
run_h 0 "" "DevicePolicy= not applied" -- --audit -p DevicePolicy=closed -- sh -c ": <$D/blk"

finish
