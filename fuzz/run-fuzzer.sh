#!/bin/sh
# Run one libFuzzer harness for a bounded number of executions on a scratch copy of its seeds
# (libFuzzer writes new inputs into its corpus directory; the source tree stays untouched).
# Usage: run-fuzzer.sh HARNESS SEED_DIR RUNS
set -eu
harness=$1 seeds=$2 runs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -d "$seeds" ] && cp -r "$seeds/." "$work/"
# stats go to stderr; the test log keeps the executions count for the issue notes
"$harness" -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work"
