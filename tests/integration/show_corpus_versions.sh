#!/bin/sh
# SPDX-License-Identifier: MIT
# `harden show --systemd=N --unit F` against systemd N's own parse of F, recorded in the corpus
# ($SHARED/corpus/expected-systemdN/F.test: the unit's block of `systemd --test`, N = 257 of Debian 13 and
# 262 of sid; 252 is compared live by show_systemd_oracle.sh). The comparison, its normalisations and
# ALLOWED_ENTRIES (the differences that are the distributions' libseccomp, each with its reason) are
# show_systemd_oracle.py's, in its --recorded mode. Prints "systemd N: U units, M settings compared, K
# equal" per version; any other difference fails. Needs no systemd: runs wherever the corpus is (and
# fails naming what is missing where it is not, see corpus-common.sh). KEEP_TMP=1 keeps the work directory.
set -u
: "${HARDEN:?}" "${SRCDIR:?}" "${SHARED:?}"
CORPUS=$SHARED/corpus
. "$(dirname "$0")/corpus-common.sh"
need_corpus "$CORPUS/units" "$CORPUS/units-edge" "$CORPUS/expected-systemd257" "$CORPUS/expected-systemd262"
command -v python3 >/dev/null 2>&1 || { echo "FAIL: python3 is needed to compare the settings" >&2; exit 1; }
tmp=$(mktemp -d)
[ -n "${KEEP_TMP:-}" ] && echo "keeping $tmp" >&2 || trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
for v in 257 262; do
	echo "== systemd $v (recorded: $CORPUS/expected-systemd$v/*.test)"
	python3 "$SRCDIR/tests/integration/show_systemd_oracle.py" --recorded=$v "$HARDEN" "$CORPUS" "$tmp/$v" ||
		{ echo "FAIL: systemd $v: see above" >&2; fails=$((fails + 1)); }
done
[ "$fails" -eq 0 ]
