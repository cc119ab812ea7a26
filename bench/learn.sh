#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: how much slower a program runs while harden learn watches it, per backend, against strace,
# all measured in the same run. Each figure is the median of RUNS wall times; ratios are traced/native.
# Workloads: `true` (what setting up and tearing down each tracer costs), `tar cf /dev/null /usr/share/doc`
# (file-system heavy; GNU tar does not read file data into /dev/null), the same on /usr/share (longer, so
# the fixed cost weighs less), and a syscall loop (`dd bs=1` of 200000 bytes: 400000 read/write calls).
# usage: bench/learn.sh [HARDEN] [RUNS]
set -eu
HARDEN=${1:-build/harden}
RUNS=${2:-5}
command -v strace >/dev/null || { echo "skip: strace not installed" >&2; exit 77; }
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
	done
	sort -n "$tmp/times" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

backends=ptrace
"$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null && backends="ebpf ptrace"

printf '%-34s %10s' workload native
for b in $backends; do printf ' %16s' "$b"; done
printf ' %16s %16s\n' "strace -f" "strace -f -c"
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
	for b in $backends; do
		t=$(measure "$HARDEN" learn --backend="$b" -o /dev/null -- "$@")
		printf ' %7s ms %5.2fx' "$t" "$(echo "$t / $n" | bc -l)"
	done
	t=$(measure strace -f -o /dev/null "$@")
	printf ' %7s ms %5.2fx' "$t" "$(echo "$t / $n" | bc -l)"
	t=$(measure strace -f -c -o /dev/null "$@")
	printf ' %7s ms %5.2fx\n' "$t" "$(echo "$t / $n" | bc -l)"
done
