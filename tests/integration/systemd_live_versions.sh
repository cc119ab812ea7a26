#!/bin/sh
# SPDX-License-Identifier: MIT
# The real systemd of Debian 13 (257) and of Debian sid (the newest), live: minimal roots made with
# `debootstrap --variant=minbase --include=systemd SUITE` (kept in $HARDEN_DEBOOTSTRAP_CACHE, default
# /var/cache/harden-debootstrap/SUITE, made again when older than a week), whose own systemd-analyze runs
# in them (chroot). For each: `systemd-analyze syscall-filter` byte for byte against
# `harden syscall-filter --systemd=N` (N: that systemd's major version), and `systemd-analyze security
# --offline=true` of every corpus unit (JSON, and the table) against `harden security --systemd=N`, and
# its `systemd --test` parse of every corpus unit against `harden show --systemd=N` (show_systemd_oracle.py
# --root: chrooted, as nobody, in a mount namespace with /proc, /sys and a cgroup2).
# A sid whose systemd is newer than the versions harden models is said and skipped (harden refuses a
# version it does not model; it is never mapped to a neighbour). Where Debian's mirror cannot be reached
# or debootstrap is missing, the test skips saying so; a suite it cannot build is named.
set -u
: "${HARDEN:?}" "${SRCDIR:?}" "${SHARED:?}"
CORPUS=$SHARED/corpus
. "$(dirname "$0")/corpus-common.sh"
need_corpus "$CORPUS/units" "$CORPUS/units-edge"
[ "$(id -u)" = 0 ] || { echo "skip: debootstrap and chroot need root"; exit 77; }
command -v debootstrap >/dev/null || { echo "skip: debootstrap is not installed (scripts/install-deps)"; exit 77; }
command -v setpriv >/dev/null || { echo "skip: setpriv is missing (util-linux)"; exit 77; }
MIRROR=${HARDEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${HARDEN_DEBOOTSTRAP_CACHE:-/var/cache/harden-debootstrap}
TMP=$(mktemp -d)
trap 'rm -rf "${TMP:?}"; [ -n "${SA:-}" ] && rm -rf "${SA:?}"' EXIT INT TERM
fail=0 compared=0
bad() { echo "FAIL: $*"; fail=1; }

# root SUITE: the cached root, made (again) when missing or older than 7 days; its path, or nothing
root() {
	r=$CACHE/$1
	if [ -x "$r/usr/bin/systemd-analyze" ] && [ -z "$(find "$r/usr/bin/systemd-analyze" -mtime +7 2>/dev/null)" ]; then
		echo "$r"
		return
	fi
	mkdir -p "$CACHE" && rm -rf "${r:?}.new"
	if timeout 900 debootstrap --variant=minbase --include=systemd "$1" "$r.new" "$MIRROR" >"$TMP/debootstrap-$1.log" 2>&1 &&
		[ -x "$r.new/usr/bin/systemd-analyze" ]; then
		rm -rf "${r:?}" && mv "$r.new" "$r" && echo "$r"
	else
		echo "note: debootstrap $1 from $MIRROR failed: $(tail -2 "$TMP/debootstrap-$1.log" | tr '\n' ' ')" >&2
		rm -rf "${r:?}.new"
	fi
}

# the mirror at all? (a machine without Debian's mirror cannot build the roots: skip, saying so)
if ! [ -d "$CACHE/trixie" ] && ! (command -v curl >/dev/null && curl -fsI --max-time 15 "$MIRROR/dists/trixie/Release" >/dev/null); then
	echo "skip: Debian's mirror ($MIRROR) cannot be reached and no root is cached in $CACHE"
	exit 77
fi

mkdir "$TMP/units"
cp "$CORPUS"/units/*.service "$CORPUS"/units-edge/*.service "$TMP/units/"
# as in security-oracle: edge-14's %b needs /proc, which the chroot has not (the environment, not the version)
rm -f "$TMP/units/edge-14-specifiers@.service"

for suite in trixie sid; do
	R=$(root $suite)
	[ -n "$R" ] || { bad "$suite: no root (see above)"; continue; }
	ver=$(chroot "$R" systemd-analyze --version 2>/dev/null | head -n1)
	N=$(echo "$ver" | sed -n 's/^systemd \([0-9][0-9]*\) .*/\1/p')
	[ -n "$N" ] || { bad "$suite: cannot read its systemd's version: $ver"; continue; }
	if ! "$HARDEN" syscall-filter --systemd="$N" -q >/dev/null 2>"$TMP/refused"; then
		echo "note: $suite's $ver is newer than (or not among) the versions harden models: $(head -1 "$TMP/refused"); skipped"
		continue
	fi
	echo "== $suite: $ver, against harden --systemd=$N"
	# syscall-filter: the root has no tracefs; harden as nobody cannot read it either (see syscall-filter-corpus)
	chroot "$R" systemd-analyze syscall-filter >"$TMP/$suite.sf" 2>/dev/null
	setpriv --reuid=65534 --regid=65534 --clear-groups "$HARDEN" syscall-filter --systemd="$N" >"$TMP/$suite.hsf" 2>/dev/null
	if cmp -s "$TMP/$suite.sf" "$TMP/$suite.hsf"; then
		echo "syscall-filter: equal ($(wc -l <"$TMP/$suite.sf") lines)"
	else
		bad "$suite: syscall-filter differs from harden --systemd=$N:"
		diff "$TMP/$suite.sf" "$TMP/$suite.hsf" | head -10
	fi
	# security: every corpus unit, in the root (systemd-analyze there reads the unit there)
	SA=$R/tmp/hd-live-$$
	mkdir -p "$SA" && cp "$TMP"/units/*.service "$SA/"
	HARDEN_ORACLE_ROOT=$R python3 "$SRCDIR/tests/integration/security_oracle_run.py" "$SA" "$TMP/$suite-expected"
	(cd "$TMP/units" && "$HARDEN" security --systemd="$N" --json=short $(ls) >"$TMP/$suite.json" 2>"$TMP/$suite.err") || :
	if grep -q 'Sanitizer\|runtime error' "$TMP/$suite.err"; then
		bad "$suite: a sanitizer report: $(grep -m3 'Sanitizer\|runtime error' "$TMP/$suite.err")"
	fi
	python3 "$SRCDIR/tests/integration/security_compare.py" "$TMP/$suite.json" "$TMP/$suite-expected" $(cd "$TMP/units" && ls) ||
		bad "$suite: security differs from harden --systemd=$N (see above)"
	rm -rf "${SA:?}"
	# show: the root's own systemd --test (its parse of every corpus unit) against harden show --systemd=N
	SA=$R/tmp/hd-show-$$
	python3 "$SRCDIR/tests/integration/show_systemd_oracle.py" --root="$R" --version="$N" "$HARDEN" "$CORPUS" "$SA" ||
		bad "$suite: show differs from harden --systemd=$N (see above)"
	rm -rf "${SA:?}"
	SA=
	compared=$((compared + 1))
done
[ $compared -gt 0 ] || [ $fail = 1 ] || { echo "skip: no suite's systemd could be compared (see above)"; exit 77; }
exit $fail
