#!/bin/sh
# SPDX-License-Identifier: MIT
# harden syscall-filter --systemd=N against what systemd N's own `systemd-analyze syscall-filter` printed,
# stored in $SHARED/corpus/expected-systemdN/syscall-filter.txt (N = 257, 262; 252 is compared live by
# syscall-filter-oracle.sh): stdout byte for byte for the full listing, -q (the groups alone: the listing
# up to its "Ungrouped" section) and every group alone (its block of the listing), and `latest` = 262.
# The corpus was made in a root without tracefs, so harden runs where the kernel's list cannot be read
# either (as nobody: tracefs is root's), which gives systemd's blank line before its stderr notice.
set -u
: "${HARDEN:?}" "${SHARED:?}"
CORPUS=$SHARED/corpus
. "$(dirname "$0")/corpus-common.sh"
need_corpus "$CORPUS/expected-systemd257/syscall-filter.txt" "$CORPUS/expected-systemd262/syscall-filter.txt"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

RUNAS=""
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups "$HARDEN" --version >/dev/null 2>&1 ||
		{ echo "skip: as root, and harden cannot run as nobody (setpriv) to leave tracefs unread" >&2; exit 77; }
	RUNAS="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi

fails=0 checks=0
# check LABEL EXPECTED_FILE ARGS...: harden syscall-filter ARGS must print EXPECTED_FILE, exit 0
check() {
	label=$1 want=$2
	shift 2
	checks=$((checks + 1))
	# shellcheck disable=SC2086
	$RUNAS "$HARDEN" syscall-filter "$@" >"$TMP/h.out" 2>"$TMP/h.err"
	rc=$?
	if [ $rc -ne 0 ] || ! cmp -s "$want" "$TMP/h.out"; then
		fails=$((fails + 1))
		echo "FAIL [$label] harden syscall-filter $*: exit $rc" >&2
		diff "$want" "$TMP/h.out" | head -10 >&2
	fi
}

for v in 257 262; do
	full=$CORPUS/expected-systemd$v/syscall-filter.txt
	check "$v full" "$full" --systemd=$v
	[ $v = 262 ] && check "latest = 262" "$full" --systemd=latest
	# -q: the groups, i.e. the listing before the blank line that precedes "# Ungrouped"
	n=$(grep -n '^# Ungrouped' "$full" | cut -d: -f1)
	[ -n "$n" ] || { echo "FAIL: $full has no Ungrouped section" >&2; exit 1; }
	head -n $((n - 2)) "$full" >"$TMP/q.want"
	check "$v -q" "$TMP/q.want" --systemd=$v -q
	# each group alone: its block (from "@name" up to the blank line)
	groups=$(sed -n 's/^\(@[a-z-]*\)$/\1/p' "$TMP/q.want")
	[ "$(echo "$groups" | wc -l)" -ge 20 ] || { echo "FAIL: could not read systemd $v's group list" >&2; exit 1; }
	for g in $groups; do
		awk -v g="$g" '$0 == g { on = 1 } on && $0 == "" { exit } on' "$TMP/q.want" >"$TMP/g.want"
		check "$v $g" "$TMP/g.want" --systemd=$v "$g"
	done
done
echo "syscall-filter corpus: $checks comparisons, $fails failed" >&2
[ "$fails" -eq 0 ]
