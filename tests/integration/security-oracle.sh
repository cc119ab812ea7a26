#!/bin/sh
# SPDX-License-Identifier: MIT
# Differential test of `harden security` against systemd-analyze 252 (the oracle):
#  1. every unit of $SHARED/corpus (units/ and units-edge/): live systemd-analyze when version 252 is
#     installed, else the stored outputs in corpus/expected-systemd252;
#  2. (live only) synthetic units: seeded random combinations of every scored setting, valid and invalid
#     values, repeated keys (tests/integration/security_synth.py).
# For each unit every json_field's set and exposure and the overall figure must be equal, and a unit
# one side refuses must be refused by the other. harden scores all units of a set in ONE process.
set -eu
: "${HARDEN:?}" "${SRCDIR:?}" "${SHARED:?}"
command -v python3 >/dev/null || { echo "skip: python3 is needed to compare JSON" >&2; exit 77; }
CORPUS=$SHARED/corpus
[ -d "$CORPUS/units" ] || { echo "skip: no corpus at $CORPUS" >&2; exit 77; }
SYNTH_COUNT=${SYNTH_COUNT:-400}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

live=no
if command -v systemd-analyze >/dev/null 2>&1 &&
	systemd-analyze --version 2>/dev/null | head -n1 | grep -q '^systemd 252 '; then
	live=yes
fi

# systemd-analyze over every *.service in $1, outputs as $2/F.json and $2/F.txt, each unit alone
# (as the corpus was recorded: same environment, run from the unit's directory), 2 in parallel.
oracle() {
	mkdir -p "$2"
	(cd "$1" && ls | grep '\.service$' | xargs -P 2 -I{} env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LC_ALL=C.UTF-8 SYSTEMD_COLORS=0 SYSTEMD_PAGER= HOME=/root sh -c '
		systemd-analyze security --offline=true --json=short "$1" >"$2/$1.json" 2>/dev/null || :
		systemd-analyze security --offline=true "$1" >"$2/$1.txt" 2>/dev/null || :' sh {} "$2")
}

compare() { # DIR EXPECTED_DIR LABEL
	(cd "$1" && "$HARDEN" security --systemd=252 --json=short $(ls | grep '\.service$') >"$tmp/$3.json" 2>"$tmp/$3.err") || :
	echo "== $3 ($4)"
	python3 "$SRCDIR/tests/integration/security_compare.py" "$tmp/$3.json" "$2" $(cd "$1" && ls | grep '\.service$')
}

# every unit alone in its own directory is what the corpus recorded; one directory holding them all is
# equivalent (no unit has a drop-in directory) and lets harden take them all in one process
mkdir "$tmp/corpus"
cp "$CORPUS"/units/*.service "$CORPUS"/units-edge/*.service "$tmp/corpus/"
rc=0
if [ $live = yes ]; then
	oracle "$tmp/corpus" "$tmp/corpus-expected"
	compare "$tmp/corpus" "$tmp/corpus-expected" corpus "live systemd-analyze 252" || rc=1
	python3 "$SRCDIR/tests/integration/security_synth.py" "$tmp/synth" "$SYNTH_COUNT"
	oracle "$tmp/synth" "$tmp/synth-expected"
	compare "$tmp/synth" "$tmp/synth-expected" synthetic "live systemd-analyze 252, $SYNTH_COUNT generated units" || rc=1
else
	echo "note: systemd-analyze 252 not installed; comparing with the stored outputs" >&2
	compare "$tmp/corpus" "$CORPUS/expected-systemd252" corpus "stored systemd-analyze 252 outputs" || rc=1
fi
exit $rc
