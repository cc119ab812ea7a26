#!/bin/sh
# SPDX-License-Identifier: MIT
# Differential test of `harden security` against systemd-analyze 252 (the oracle):
#  1. every unit of $SHARED/corpus (units/ and units-edge/): live systemd-analyze when version 252 is
#     installed, else the stored outputs in corpus/expected-systemd252;
#  2. (live only) synthetic units: seeded random combinations of every scored setting, valid and invalid
#     values, repeated keys (tests/integration/security_synth.py);
#  3. (live only) --fix: each corpus unit's drop-in, installed, gives the exposure harden announced;
#  4. (live only) the service units installed in /lib/systemd/system, analysed in place;
#  5. (live only) the corpus again under a seeded random --security-policy;
#  6. every unit of the corpus with --systemd=257 and --systemd=262 (and latest = 262) against the stored
#     outputs of those versions, corpus/expected-systemd257 and expected-systemd262 (see KNOWN_DIFF).
# KEEP_TMP=1 keeps the work directory (outputs of both sides) for inspection.
# For each unit every json_field's set and exposure and the overall figure must be equal, and a unit
# one side refuses must be refused by the other. harden scores all units of a set in ONE process.
set -eu
: "${HARDEN:?}" "${SRCDIR:?}" "${SHARED:?}"
command -v python3 >/dev/null || { echo "skip: python3 is needed to compare JSON" >&2; exit 77; }
CORPUS=$SHARED/corpus
. "$(dirname "$0")/corpus-common.sh"
need_corpus "$CORPUS/units" "$CORPUS/units-edge" "$CORPUS/expected-systemd252" \
	"$CORPUS/expected-systemd257" "$CORPUS/expected-systemd262"
SYNTH_COUNT=${SYNTH_COUNT:-300}

tmp=$(mktemp -d)
[ -n "${KEEP_TMP:-}" ] && echo "keeping $tmp" >&2 || trap 'rm -rf "$tmp"' EXIT INT TERM

live=no # ORACLE=stored forces the stored outputs even where systemd-analyze 252 is installed
if [ "${ORACLE:-auto}" != stored ] && command -v systemd-analyze >/dev/null 2>&1 &&
	systemd-analyze --version 2>/dev/null | head -n1 | grep -q '^systemd 252 '; then
	live=yes
fi

# the oracle over every *.service in $1, outputs as $2/F.json and $2/F.txt (batched, see the script)
oracle() { # DIR OUTDIR [EXTRA_OPTION...]
	python3 "$SRCDIR/tests/integration/security_oracle_run.py" "$@"
}

units_in() { # the regular *.service files of a directory (symlinked aliases left out)
	(cd "$1" && find . -maxdepth 1 -type f -name '*.service' | sed 's|^\./||' | sort)
}

SDV=252 # the --systemd= of compare
compare() { # DIR EXPECTED_DIR LABEL DESCRIPTION [EXTRA_OPTION...]
	dir=$1 expected=$2 label=$3 what=$4
	shift 4
	(cd "$dir" && "$HARDEN" security --systemd=$SDV "$@" --json=short $(units_in .) >"$tmp/$label.json" 2>"$tmp/$label.err") || :
	echo "== $label ($what)"
	# under ASan/UBSan a report on stderr is a failure even when the figures match
	if grep -q 'Sanitizer\|runtime error' "$tmp/$label.err"; then
		grep -A20 'Sanitizer\|runtime error' "$tmp/$label.err" | head -40
		return 1
	fi
	python3 "$SRCDIR/tests/integration/security_compare.py" "$tmp/$label.json" "$expected" $(units_in "$dir")
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
	# 3. --fix: every corpus unit's drop-in, installed for real, reaches the exposure harden announced
	mkdir "$tmp/fix"
	cp "$CORPUS"/units/*.service "$tmp/fix/"
	"$HARDEN" security --systemd=252 --fix --json=short "$tmp/fix" >"$tmp/fix.json" 2>/dev/null || :
	echo "== fix (live systemd-analyze 252 with each --fix drop-in installed)"
	python3 "$SRCDIR/tests/integration/security_fix_check.py" "$tmp/fix.json" "$tmp/fix" || rc=1
	# 5. a security policy (seeded random weights, ranges at least the checks' own) over the corpus
	"$HARDEN" security --systemd=252 --json=short "$tmp/corpus/NLnetLabs__nsd__nsd.service" >"$tmp/fields.json"
	python3 - "$tmp/fields.json" "$tmp/random.policy" <<'PY'
import json, random, sys
rnd = random.Random(252)
fields = sorted(r["json_field"] for r in json.load(open(sys.argv[1])))
pol = {}
for f in rnd.sample(fields, 40):
    e = {}
    if rnd.random() < 0.7: e["weight"] = rnd.choice([0, 1, 25, 500, 1000, 2500, 9999])
    if rnd.random() < 0.5: e["range"] = rnd.choice([10, 20, 30, 100])  # no check's own range exceeds 10
    pol[f] = e
json.dump(pol, open(sys.argv[2], "w"))
PY
	oracle "$tmp/corpus" "$tmp/policy-expected" --security-policy="$tmp/random.policy"
	compare "$tmp/corpus" "$tmp/policy-expected" policy "live systemd-analyze 252, random --security-policy" \
		--security-policy="$tmp/random.policy" || rc=1
	# 4. the units installed on this machine, in place (their drop-ins in /etc, /run ... apply)
	if [ -d /lib/systemd/system ]; then
		oracle /lib/systemd/system "$tmp/installed-expected"
		compare /lib/systemd/system "$tmp/installed-expected" installed "live systemd-analyze 252, units in /lib/systemd/system" || rc=1
	fi
else
	echo "note: no live systemd-analyze 252 (or ORACLE=stored): comparing with the stored outputs" >&2
	compare "$tmp/corpus" "$CORPUS/expected-systemd252" corpus "stored systemd-analyze 252 outputs" || rc=1
fi

# 6. the newer versions, from their stored outputs. KNOWN_DIFF: units whose difference is not the
# version's semantics but the environment the outputs were made in, left out with the reason:
#  edge-14-specifiers@: the 257 and 262 runs had no /proc in their root, so %b (the boot ID) failed with
#  ENOSYS and systemd refused the unit; on a host with /proc (as harden assumes) it resolves.
KNOWN_DIFF="edge-14-specifiers@.service"
mkdir "$tmp/newer"
for f in $(units_in "$tmp/corpus"); do
	case " $KNOWN_DIFF " in *" $f "*) continue ;; esac
	cp "$tmp/corpus/$f" "$tmp/newer/"
done
echo "note: left out of the 257/262 comparison (environment, not version): $KNOWN_DIFF" >&2
for SDV in 257 262 latest; do
	v=$SDV; [ $v = latest ] && v=262
	compare "$tmp/newer" "$CORPUS/expected-systemd$v" "corpus-$SDV" "stored systemd-analyze $v outputs, --systemd=$SDV" || rc=1
done
exit $rc
