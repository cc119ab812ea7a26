#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: every corpus unit scored by harden in ONE process vs systemd-analyze once per unit (the way
# a user has to call it for many unit files, since one refused unit stops its whole batch). Both
# produce --json=short. Prints both wall times and their ratio, measured in the same run.
# usage: bench/security.sh [HARDEN] [COPIES]   (COPIES: how many times the corpus is replicated, default 1)
set -eu
HARDEN=${1:-build/harden}
COPIES=${2:-1}
CORPUS=${SHARED:-$(dirname "$0")/../../shared}/corpus
command -v systemd-analyze >/dev/null || { echo "skip: systemd-analyze not installed" >&2; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/u"
k=0
while [ $k -lt "$COPIES" ]; do
	k=$((k + 1))
	for f in "$CORPUS"/units/*.service; do cp "$f" "$tmp/u/c$k-$(basename "$f")"; done
done
n=$(ls "$tmp/u" | wc -l)
now() { date +%s.%N; }
t0=$(now)
"$HARDEN" security --systemd=252 --json=short "$tmp/u" >/dev/null 2>&1 || :
t1=$(now)
(cd "$tmp/u" && for f in *.service; do systemd-analyze security --offline=true --json=short "$f" >/dev/null 2>&1 || :; done)
t2=$(now)
awk -v n="$n" -v h="$(echo "$t1 - $t0" | bc)" -v s="$(echo "$t2 - $t1" | bc)" 'BEGIN {
	printf "units: %d\nharden (one process): %.3f s (%.2f ms/unit)\nsystemd-analyze (per unit): %.3f s (%.2f ms/unit)\nratio: %.1fx\n",
		n, h, 1000 * h / n, s, 1000 * s / n, s / h }'
