#!/bin/sh
# Differential: `harden show --systemd=252 --unit FILE` on every corpus unit must warn about its
# seccomp-backed lines exactly as systemd-analyze 252 did ($SHARED/corpus/expected-systemd252/*.err):
# same line, same text, no more, no fewer. seccomp_lines.awk only says which lines those are.
set -u
: "${HARDEN:?}" "${SRCDIR:?}" "${SHARED:?}"
export LC_ALL=C
corpus=$SHARED/corpus
. "$(dirname "$0")/corpus-common.sh"
need_corpus "$corpus/units" "$corpus/units-edge" "$corpus/expected-systemd252"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
units=0 warnings=0 fail=0
for u in "$corpus"/units/*.service "$corpus"/units-edge/*.service; do
	err=$corpus/expected-systemd252/$(basename "$u").err
	[ -f "$err" ] || continue
	awk -f "$SRCDIR/tests/integration/seccomp_lines.awk" "$u" >"$tmp/lines"
	[ -s "$tmp/lines" ] || continue
	units=$((units + 1))
	# our warnings on those lines, from harden reading the unit itself (its reader + the filter engine)
	cut -f1 "$tmp/lines" | sort -u >"$tmp/lns"
	"$HARDEN" show --systemd=252 --unit "$u" 2>&1 >/dev/null | sed -n 's/^.*:\([0-9][0-9]*\): warning: /\1: /p' |
		sort -u | while IFS= read -r m; do
		grep -qx "${m%%:*}" "$tmp/lns" && printf '%s\n' "$m"
	done >"$tmp/got"
	# systemd's warnings on those lines only (other settings warn too)
	sed -n 's/^[^:]*:\([0-9]*\): /\1: /p' "$err" | sort -u | while IFS= read -r m; do
		grep -qx "${m%%:*}" "$tmp/lns" && printf '%s\n' "$m"
	done >"$tmp/want"
	warnings=$((warnings + $(wc -l <"$tmp/want")))
	if ! cmp -s "$tmp/want" "$tmp/got"; then
		echo "FAIL: $(basename "$u"): warnings differ (< systemd 252, > harden)" >&2
		diff "$tmp/want" "$tmp/got" >&2
		fail=1
	fi
done
echo "compared $units units, $warnings warnings from systemd-analyze 252"
[ "$units" -gt 50 ] || { echo "FAIL: only $units units with seccomp settings found" >&2; fail=1; }
exit $fail
