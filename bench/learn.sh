#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: how much slower a program runs while harden learn watches it, per backend, against strace,
# all measured in the same run. Each figure is the median of RUNS wall times; ratios are traced/native.
# Workloads: `true` (what setting up and tearing down each tracer costs), `tar cf /dev/null /usr/share/doc`
# (file-system heavy; GNU tar does not read file data into /dev/null), the same on /usr/share (longer, so
# the fixed cost weighs less), and a syscall loop (`dd bs=1` of 200000 bytes: 400000 read/write calls).
# The "tp floor" column is the native command run while a do-nothing eBPF program sits on the sys_enter
# tracepoint (bench/tp_floor.c): no tracer built on that tracepoint, harden's included, can be cheaper
# per syscall. "run floor" is the same do-nothing program loaded, attached and detached around each run
# (`bench_tp_floor CMD` timed as a whole): no tracer loaded per run can be cheaper in all. "ebpf/floor"
# is what harden's eBPF backend adds on top of the tp floor (its own work, loading, reading).
# usage: bench/learn.sh [HARDEN] [RUNS] [TP_FLOOR]   (TP_FLOOR defaults to build/bench/bench_tp_floor)
# Quick runs: QUICK=1 measures native, the floor and eBPF only (no ptrace, no strace).
set -eu
if [ "${1:-}" = --median ]; then
	# internal: print the median of RUNS runs of CMD (used under bench_tp_floor)
	MEDIAN_ONLY=1
	RUNS=$2
	shift 2
else
	MEDIAN_ONLY=0
	HARDEN=${1:-build/harden}
	RUNS=${2:-5}
	FLOOR=${3:-$(dirname "$HARDEN")/bench/bench_tp_floor}
	command -v strace >/dev/null || { echo "skip: strace not installed" >&2; exit 77; }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

now() { date +%s%N; }
# median wall time (ms) of RUNS runs of "$@"
measure() {
	i=0
	: >"$tmp/times"
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		t0=$(now)
		"$@" >/dev/null 2>&1 || :
		t1=$(now)
		echo $(((t1 - t0) / 1000)) >>"$tmp/times"
		# not timed: a pause between runs. Re-attaching a syscall tracepoint right after the last probe
		# left it makes the kernel wait for an RCU grace period (several ms) that a lone run never pays.
		sleep 0.2
	done
	sort -n "$tmp/times" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

if [ "$MEDIAN_ONLY" = 1 ]; then
	measure "$@"
	exit 0
fi

backends=ptrace
"$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null && backends="ebpf ptrace"
floor=no
case $backends in ebpf*) [ -x "$FLOOR" ] && "$FLOOR" true 2>/dev/null && floor=yes ;; esac

[ "${QUICK:-0}" = 1 ] && backends=$(echo "$backends" | sed 's/ *ptrace//')
printf '%-34s %10s' workload native
[ $floor = no ] || printf ' %16s %16s %10s' "tp floor" "run floor" "ebpf/floor"
for b in $backends; do printf ' %16s' "$b"; done
if [ "${QUICK:-0}" = 1 ]; then echo; else printf ' %16s %16s\n' "strace -f" "strace -f -c"; fi
for w in true tar tar-big loop; do
	case $w in
	true) set -- true; label="true (fixed cost of each tracer)" ;;
	tar) set -- tar cf /dev/null /usr/share/doc; label="tar cf /dev/null /usr/share/doc" ;;
	tar-big) set -- tar cf /dev/null /usr/share; label="tar cf /dev/null /usr/share" ;;
	loop) set -- dd if=/dev/zero of=/dev/null bs=1 count=200000; label="syscall loop (dd bs=1, 400k calls)" ;;
	esac
	measure "$@" >/dev/null # warm the page cache
	n=$(measure "$@")
	printf '%-34s %8s ms' "$label" "$n"
	if [ $floor = yes ]; then
		f=$("$FLOOR" sh "$0" --median "$RUNS" "$@")
		pr=$(measure "$FLOOR" "$@")
		e=$(measure "$HARDEN" learn --backend=ebpf -o /dev/null -- "$@")
		printf ' %7s ms %5.2fx %7s ms %5.2fx %9.2fx' "$f" "$(echo "$f / $n" | bc -l)" "$pr" "$(echo "$pr / $n" | bc -l)" \
			"$(echo "$e / $f" | bc -l)"
	fi
	for b in $backends; do
		if [ $floor = yes ] && [ "$b" = ebpf ]; then
			t=$e
		else
			t=$(measure "$HARDEN" learn --backend="$b" -o /dev/null -- "$@")
		fi
		printf ' %7s ms %5.2fx' "$t" "$(echo "$t / $n" | bc -l)"
	done
	if [ "${QUICK:-0}" = 1 ]; then
		echo
		continue
	fi
	t=$(measure strace -f -o /dev/null "$@")
	printf ' %7s ms %5.2fx' "$t" "$(echo "$t / $n" | bc -l)"
	t=$(measure strace -f -c -o /dev/null "$@")
	printf ' %7s ms %5.2fx\n' "$t" "$(echo "$t / $n" | bc -l)"
done
