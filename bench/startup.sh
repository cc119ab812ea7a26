#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: what the file-system half of a drop-in costs harden run at start-up. Each round runs `true`
# BATCH times in each of these modes, in turn (the order rotates from round to round, so that no mode
# always follows another), and takes the wall time per run:
#   bare     /bin/true, without harden
#   seccomp  harden run with a learned drop-in's system-call lines only
#   mounts   harden run with the same lines and its file-system and namespace lines (ProtectSystem=strict,
#            ReadWritePaths=, ProtectHome=, PrivateTmp=, PrivateDevices=, ProtectKernel*=,
#            ProtectControlGroups=, ProtectProc=, ProcSubset=, PrivateNetwork=, PrivateIPC=,
#            ProtectHostname=), with the eBPF tracer that names a call those settings made fail
#   notrace  the same without that tracer (HARDEN_RUN_NO_FS_TRACE=1): the namespaces' own cost
# The figures are the medians over the rounds of each mode's time per run, and of the per-round ratios
# mounts/seccomp, notrace/seccomp and seccomp/bare (ratios within one round: a shared machine's speed
# moves between rounds).
# usage: sh bench/startup.sh [HARDEN] [ROUNDS] [BATCH]   (root: the mount namespace)
set -u
HARDEN=${1:-build/harden}
ROUNDS=${2:-15}
BATCH=${3:-20}
[ "$(id -u)" = 0 ] || { echo "skip: needs root (the mount namespace)" >&2; exit 77; }
[ -x "$HARDEN" ] || { echo "no harden at $HARDEN" >&2; exit 2; }
T=$(mktemp -d)
S=$(mktemp -d /var/lib/harden-bench-startup.XXXXXX) # the service's state: not under /tmp, which is private
trap 'rm -rf "${T:?}" "${S:?}"' EXIT
printf '%s\n' -p SystemCallFilter=@system-service -p SystemCallErrorNumber=EPERM -p SystemCallArchitectures=native \
	-p RestrictAddressFamilies=AF_UNIX -p RestrictNamespaces=yes -p LockPersonality=yes \
	-p MemoryDenyWriteExecute=yes -p RestrictRealtime=yes -p RestrictSUIDSGID=yes >"$T/seccomp.args"
{
	cat "$T/seccomp.args"
	printf '%s\n' -p ProtectSystem=strict -p "ReadWritePaths=$S" -p ProtectHome=yes -p PrivateTmp=yes \
		-p PrivateDevices=yes -p ProtectKernelTunables=yes -p ProtectKernelModules=yes -p ProtectKernelLogs=yes \
		-p ProtectControlGroups=yes -p ProtectProc=invisible -p ProcSubset=pid -p PrivateNetwork=yes \
		-p PrivateIPC=yes -p ProtectHostname=yes
} >"$T/mounts.args"
# one check that each mode runs at all (a mode that fails would be timed as fast)
for mode in seccomp mounts; do
	# shellcheck disable=SC2046 # one argument per line, none with spaces
	"$HARDEN" run $(cat "$T/$mode.args") -- true 2>"$T/err" || { echo "$mode: harden run failed: $(cat "$T/err")" >&2; exit 1; }
done

now() { date +%s%N; }
# MODE: nanoseconds per run over BATCH runs
batch() {
	t0=$(now)
	i=0
	while [ $i -lt "$BATCH" ]; do
		case $1 in
		bare) /bin/true ;;
		# shellcheck disable=SC2046
		notrace) HARDEN_RUN_NO_FS_TRACE=1 "$HARDEN" run $(cat "$T/mounts.args") -- true 2>/dev/null ;;
		# shellcheck disable=SC2046
		*) "$HARDEN" run $(cat "$T/$1.args") -- true 2>/dev/null ;;
		esac
		i=$((i + 1))
	done
	echo $((($(now) - t0) / BATCH))
}
median() { sort -n | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]; else print "-"}'; }

r=0
while [ $r -lt "$ROUNDS" ]; do
	case $((r % 4)) in
	0) order="bare seccomp mounts notrace" ;;
	1) order="seccomp mounts notrace bare" ;;
	2) order="mounts notrace bare seccomp" ;;
	*) order="notrace bare seccomp mounts" ;;
	esac
	for m in $order; do
		eval "$m=\$(batch $m)"
	done
	# shellcheck disable=SC2154 # set by the eval above
	echo "$bare $seccomp $mounts $notrace" >>"$T/rounds"
	r=$((r + 1))
done
awk '{print $1}' "$T/rounds" | median >"$T/bare.m"
awk '{print $2}' "$T/rounds" | median >"$T/seccomp.m"
awk '{print $3}' "$T/rounds" | median >"$T/mounts.m"
awk '{printf "%.4f\n", $3 / $2}' "$T/rounds" | median >"$T/ratio.m"
awk '{printf "%.4f\n", $2 / $1}' "$T/rounds" | median >"$T/ratio0.m"
awk '{print $4}' "$T/rounds" | median >"$T/notrace.m"
awk '{printf "%.4f\n", $4 / $2}' "$T/rounds" | median >"$T/ratio1.m"
echo "harden run start-up, $ROUNDS rounds of $BATCH runs of true per mode (median time per run):"
printf '  bare     %8.2f ms\n' "$(awk '{print $1 / 1e6}' "$T/bare.m")"
printf '  seccomp  %8.2f ms   (seccomp/bare %.2f)\n' "$(awk '{print $1 / 1e6}' "$T/seccomp.m")" "$(cat "$T/ratio0.m")"
printf '  mounts   %8.2f ms   (mounts/seccomp %.2f)\n' "$(awk '{print $1 / 1e6}' "$T/mounts.m")" "$(cat "$T/ratio.m")"
printf '  notrace  %8.2f ms   (notrace/seccomp %.2f)\n' "$(awk '{print $1 / 1e6}' "$T/notrace.m")" "$(cat "$T/ratio1.m")"
