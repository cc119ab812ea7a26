#!/bin/sh
# harden learn: CapabilityBoundingSet= learned from behaviour, one case per capability rule. For each
# backend (eBPF: the kernel's own checks where the cap_capable tracepoint exists, else and with
# HARDEN_TEST_EBPF_NO_CAP_HOOK=1 the inference; ptrace: the inference) a small program that needs one
# capability (tests/progs/capneed.c) is learned; the drop-in must keep that capability with its
# evidence, the program must pass under the whole drop-in (harden run --unit), and fail with EPERM or
# EACCES once the capability is taken out of the line.
set -u
: "${HARDEN:?}" "${TESTPROGS:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: capabilities are learned and enforced as root (the bounding set, other owners)"; exit 77; }
CAPNEED="$TESTPROGS/capneed"
[ -x "$CAPNEED" ] || { echo "SKIP: $CAPNEED not built"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: needs the user nobody (uid 65534)"; exit 77; }
W=$(mktemp -d /tmp/harden-caps-test.XXXXXX)
trap 'rm -rf "${W:?}"' EXIT
chmod 755 "$W"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# the eBPF backend, if it can be used here, and whether it watches the kernel's checks
backends=ptrace
if "$HARDEN" learn --backend=ebpf -o /dev/null -- true >/dev/null 2>"$W/probe"; then
	backends="ebpf ebpf-inferred ptrace"
else
	echo "note: no eBPF backend here ($(head -1 "$W/probe")): ptrace only"
fi
low_start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)

# prepare CASE: the files a case works on, fresh for each run
prepare() {
	rm -f "$W/file"
	touch "$W/file"
	case $1 in
	dac) chown 65534 "$W/file"; chmod 600 "$W/file" ;;
	esac
}
args_of() {
	case $1 in
	bind) echo "bind 563" ;;
	chown|dac) echo "$1 $W/file" ;;
	*) echo "$1" ;;
	esac
}
cap_of() {
	case $1 in
	bind) echo CAP_NET_BIND_SERVICE ;;
	chown) echo CAP_CHOWN ;;
	setuid) echo CAP_SETUID ;;
	setgid) echo CAP_SETGID ;;
	dac) echo CAP_DAC_OVERRIDE ;;
	kill) echo CAP_KILL ;;
	esac
}

for backend in $backends; do
	for case in bind chown setuid setgid dac kill; do
		if [ "$case" = bind ] && [ "$low_start" -le 563 ]; then
			echo "note: ip_unprivileged_port_start is $low_start: bind 563 needs no capability here, skipped"
			continue
		fi
		cap=$(cap_of "$case")
		tag="$backend/$case"
		# a known limit: eBPF decodes after the fact, when the killed child's /proc entry (its owner) is gone
		if [ "$backend" = ebpf-inferred ] && [ "$case" = kill ]; then
			echo "note: $tag: not inferable after the fact (the target is gone when the record is read)"
			continue
		fi
		b=$backend env=""
		[ "$backend" = ebpf-inferred ] && b=ebpf env="HARDEN_TEST_EBPF_NO_CAP_HOOK=1"
		prepare "$case"
		# shellcheck disable=SC2046 # the case's arguments are words
		env $env "$HARDEN" learn --backend="$b" -o "$W/d.conf" --profile-out="$W/p.json" -- "$CAPNEED" $(args_of "$case") \
			>"$W/out" 2>"$W/err" || { bad "$tag: learn failed: $(tail -3 "$W/err")"; continue; }
		line=$(grep '^CapabilityBoundingSet=' "$W/d.conf")
		case " ${line#CapabilityBoundingSet=} " in
		*" $cap "*) ;;
		*) bad "$tag: $cap not learned: '$line'"; continue ;;
		esac
		grep -q "^# $cap: capneed (pid [0-9]*): " "$W/d.conf" || bad "$tag: no evidence for $cap: $(grep -B4 '^CapabilityBoundingSet=' "$W/d.conf")"
		if [ "$backend" = ebpf ] && grep -q '"capabilities_source": "kernel"' "$W/p.json"; then :
		elif grep -q '^# INFERRED from calls' "$W/d.conf"; then :
		else bad "$tag: the line says neither the kernel's checks nor INFERRED"; fi
		# the whole drop-in, as a unit, under harden run: passes
		{ printf '[Service]\nExecStart=%s\n' "$CAPNEED"; cat "$W/d.conf"; } >"$W/u.service"
		prepare "$case"
		# shellcheck disable=SC2046
		"$HARDEN" run --unit "$W/u.service" -- "$CAPNEED" $(args_of "$case") >"$W/out" 2>"$W/err" ||
			bad "$tag: fails under its own drop-in: $(tail -3 "$W/err")"
		# without the capability on the line: refused
		sed "s/^\\(CapabilityBoundingSet=.*\\)\\b$cap\\b/\\1/" "$W/u.service" >"$W/u2.service"
		grep -q "^CapabilityBoundingSet=.*\\b$cap\\b" "$W/u2.service" && { bad "$tag: could not take $cap out"; continue; }
		prepare "$case"
		# shellcheck disable=SC2046
		"$HARDEN" run --unit "$W/u2.service" -- "$CAPNEED" $(args_of "$case") >"$W/out" 2>"$W/err"
		rc=$?
		if [ "$rc" != 1 ] || ! grep -Eq '\((EPERM|EACCES)\)' "$W/err"; then
			bad "$tag: without $cap: exit $rc, want 1 with EPERM/EACCES: $(tail -3 "$W/err")"
		else
			echo "ok: $tag: $cap learned ($(grep "^# $cap: " "$W/d.conf" | head -1 | cut -c3-)); refused without it"
		fi
	done
done

# a non-root User= with AmbientCapabilities=: learned with the ambient set raised (as systemd raises it),
# the drop-in resets it to what was used, and the whole drop-in passes --verify
if [ "$low_start" -gt 563 ]; then
	for b in ebpf ptrace; do
		case " $backends " in *" $b "*) ;; *) continue ;; esac
		mkdir -p "$W/amb"
		printf '[Service]\nExecStart=/bin/sh -c "%s bind 563 && exec sleep 30"\nUser=nobody\nAmbientCapabilities=CAP_NET_BIND_SERVICE CAP_CHOWN\n' \
			"$CAPNEED" >"$W/amb/a.service"
		"$HARDEN" learn --backend="$b" --verify --unit "$W/amb/a.service" --while 'sleep 0.5' -o "$W/amb/a.conf" \
			>"$W/out" 2>"$W/err" || { bad "ambient/$b: learn --verify failed: $(tail -3 "$W/err")"; continue; }
		grep -q '^AmbientCapabilities=$' "$W/amb/a.conf" && grep -q '^AmbientCapabilities=CAP_NET_BIND_SERVICE$' "$W/amb/a.conf" &&
			grep -q '^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$' "$W/amb/a.conf" ||
			bad "ambient/$b: want the bounding and ambient sets narrowed to CAP_NET_BIND_SERVICE: $(grep -E '^(Capab|Ambient)' "$W/amb/a.conf")"
		grep -q '^# Verified: ' "$W/amb/a.conf" || bad "ambient/$b: not verified: $(grep '^# NOT' "$W/amb/a.conf")"
		echo "ok: ambient/$b: $(grep -E '^(CapabilityBoundingSet|AmbientCapabilities)=.' "$W/amb/a.conf" | tr '\n' ' ')"
	done
fi

# an old profile (no "capabilities") still loads, and the line is left out as before
printf '{"harden_profile": 1, "cap_effective": "0x1ff", "cap_permitted": "0x1ff"}' >"$W/old.json"
"$HARDEN" learn --from-profile "$W/old.json" -o "$W/old.conf" >/dev/null 2>"$W/err" || bad "old profile: $(tail -3 "$W/err")"
grep -q '^CapabilityBoundingSet=' "$W/old.conf" && bad "old profile: a bounding set was written from no capability record"
grep -q '^# CapabilityBoundingSet: .*made before capability learning' "$W/old.conf" || bad "old profile: no reason left out"

[ "$fail" = 0 ] && echo "all capability checks passed"
exit "$fail"
