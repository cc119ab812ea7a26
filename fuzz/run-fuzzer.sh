#!/bin/sh
# Run one libFuzzer harness for a bounded number of executions on a scratch copy of its seeds
# (libFuzzer writes new inputs into its corpus directory; the source tree stays untouched).
# Usage: run-fuzzer.sh HARNESS SEED_DIR RUNS  (also capped at FUZZ_SECONDS, default 45, per harness so
# CI time stays bounded on slow machines; the executions done are in the test log)
set -eu
harness=$1 seeds=$2 runs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -d "$seeds" ] && cp -r "$seeds/." "$work/"
# stats go to stderr; the test log keeps the executions count for the issue notes
# -error_exitcode: libFuzzer's own default, 77, is what meson reads as a skip: a crash or leak must fail
"$harness" -error_exitcode=1 -runs="$runs" -max_total_time="${FUZZ_SECONDS:-45}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work"
