# Sourced by the tests that boot the host's systemd 252 as PID 1 of a hand-made container
# (systemd_container.sh, systemd_differential.sh; the recipe is tests/systemd/): the checks that skip,
# the boot in a cgroup of our own, and the teardown that leaves nothing of it behind.
#
# ct_preflight TOOL...   skips (exit 77, the reason said) when not root, not systemd 252, a TOOL or the
#                        host's cgroup2 is missing; sets SYSTEMD, CG2 and INIT
# ct_boot SD CG          boots the container (overlay mount points under SD, its cgroup root CG, which it
#                        creates), its console in SD/console.log; HARDEN_SD_DEVS (optional): more device
#                        nodes of the host's /dev bound into the container's /dev. Sets U (the unshare
#                        process), L (the container's PID 1 as the host sees it), R (its root) and
#                        ct_state; skips (exit 77) with the evidence when systemd does not reach running
# ct_teardown            a clean poweroff, then the pid namespace's init killed, then CG removed
#                        (deepest first); safe to call when nothing was booted, and more than once
# in_ct CMD...           CMD in every namespace of the container (bounded)
# in_net CMD...          CMD in the container's netns, with the host's programs and files (bounded)
SYSTEMD=/lib/systemd/systemd
U= L= R= ct_state= CT_CG=

ct_preflight() {
	[ "$(id -u)" = 0 ] || { echo "skip: needs root (namespaces, a cgroup, mounts)"; exit 77; }
	"$SYSTEMD" --version 2>/dev/null | head -n1 | grep -q '^systemd 252 ' ||
		{ echo "skip: $SYSTEMD is not systemd 252"; exit 77; }
	for t in unshare nsenter setsid pgrep timeout "$@"; do
		command -v "$t" >/dev/null || { echo "skip: $t is not installed (scripts/install-deps)"; exit 77; }
	done
	# the host's cgroup2 (a hybrid host has it at unified/); the container's units appear under it
	CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	[ -n "$CG2" ] || { echo "skip: no cgroup2 mounted on the host (the container's cgroup2 lives in it)"; exit 77; }
	INIT=${SRCDIR:-.}/tests/systemd/container-init.sh
	[ -x "$INIT" ] || { echo "FAIL: $INIT is missing or not executable"; exit 1; }
}

in_ct() { timeout 20 nsenter -t "$L" -a "$@"; }
in_net() { timeout 60 nsenter -t "$L" -n "$@"; }

ct_boot() {
	ct_sd=${1:?} CT_CG=${2:?}
	mkdir "$CT_CG" || { echo "FAIL: cannot create $CT_CG"; CT_CG=; exit 1; }
	HARDEN_SD_DIR=$ct_sd HARDEN_SD_DEVS=${HARDEN_SD_DEVS:-} setsid sh -c 'echo $$ >"$1/cgroup.procs" && exec unshare --pid --mount --uts --ipc --net --cgroup --fork "$2" --unit=basic.target' \
		sh "$CT_CG" "$INIT" </dev/null >"$ct_sd/console.log" 2>&1 &
	U=$!
	ct_state=
	ct_i=0
	while [ $ct_i -lt 100 ]; do # up to 20 s (it takes about 2 s here)
		[ -z "$L" ] && L=$(pgrep -P "$U" -x systemd)
		if [ -n "$L" ]; then
			ct_state=$(timeout 5 nsenter -t "$L" -a systemctl is-system-running 2>/dev/null)
			case $ct_state in running | degraded) break ;; esac
		fi
		kill -0 "$U" 2>/dev/null || break
		sleep 0.2
		ct_i=$((ct_i + 1))
	done
	case $ct_state in
	running | degraded) ;;
	*)
		echo "skip: systemd did not boot as PID 1 of the container (state '${ct_state:-none}', PID 1 = host pid '${L:-none}'); evidence:"
		tail -20 "$ct_sd/console.log"
		[ -n "$L" ] && timeout 5 nsenter -t "$L" -a systemctl --no-pager --failed 2>&1 | head -20
		exit 77
		;;
	esac
	# shellcheck disable=SC2034 # for the caller
	R=/proc/$L/root
	[ "$ct_state" = degraded ] && timeout 5 nsenter -t "$L" -a systemctl --no-pager --failed 2>&1 | head -10
	in_net ip link set lo up 2>/dev/null # systemd brings lo up itself; this is only in case it did not
	return 0
}

ct_teardown() {
	if [ -n "$U" ] && kill -0 "$U" 2>/dev/null; then
		# a clean poweroff first (its journald and units stop), then the pid namespace's init is killed,
		# which kills every process in it
		[ -n "$L" ] && timeout 10 nsenter -t "$L" -a systemctl poweroff --no-block >/dev/null 2>&1
		ct_i=0
		while kill -0 "$U" 2>/dev/null && [ $ct_i -lt 50 ]; do sleep 0.2; ct_i=$((ct_i + 1)); done
		[ -n "$L" ] && kill -KILL "$L" 2>/dev/null
		kill -KILL "$U" 2>/dev/null
		wait "$U" 2>/dev/null
	fi
	U=
	# the cgroups the container's systemd made, deepest first; a dying process may hold one briefly
	if [ -n "$CT_CG" ]; then
		ct_i=0
		while [ -d "$CT_CG" ] && [ $ct_i -lt 25 ]; do
			find "$CT_CG" -depth -type d -exec rmdir {} + 2>/dev/null
			[ -d "$CT_CG" ] && sleep 0.2
			ct_i=$((ct_i + 1))
		done
		[ -d "$CT_CG" ] && echo "warning: could not remove $CT_CG: $(cat "$CT_CG/cgroup.procs" 2>/dev/null | tr '\n' ' ')"
	fi
	return 0
}
