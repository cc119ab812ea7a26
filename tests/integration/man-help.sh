#!/bin/sh
# SPDX-License-Identifier: MIT
# The manual pages (doc/*.1.scd) and --help never disagree about options: for harden and each verb,
# the options the page's OPTIONS section describes are exactly those `--help` lists (long and short).
# Every verb `harden --help` lists has a page, every page has the sections a page needs, and names
# systemd.exec(5) and systemd-analyze(1).
set -u
: "${HARDEN:?}" "${SRCDIR:?}"
DOC=$SRCDIR/doc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# option names in --help: the leading "-x, --name..." of each option line, one per line, sorted
help_options() {
	awk '/^ +(-[A-Za-z], +)?--[a-z]/ {
		s = $0; sub(/^ +/, "", s); n = index(s, "  "); if (n) s = substr(s, 1, n - 1)
		if (s ~ /^-[A-Za-z], /) { print substr(s, 1, 2); s = substr(s, 4); sub(/^ +/, "", s) }
		if (match(s, /^--[a-z0-9][a-z0-9-]*/)) print substr(s, 1, RLENGTH)
	}' | sort -u
}
# option names in a page (see page_options.awk)
page_options() { awk -f "$SRCDIR/tests/integration/page_options.awk" "$1" | sort -u; }
compare() { # $1 = label, $2 = help options file, $3 = page
	page_options "$3" >"$tmp/page"
	[ -s "$2" ] || fail "$1: --help lists no options"
	if ! cmp -s "$2" "$tmp/page"; then
		fail "$1: --help and $(basename "$3") disagree (< only in --help, > only in the page):"
		diff "$2" "$tmp/page" | grep '^[<>]' >&2
	fi
}
sections() { # every page: the sections, in this order, and the SEE ALSO it must have
	got=$(grep '^# ' "$1" | tr '\n' '|')
	want='# NAME|# SYNOPSIS|# DESCRIPTION|# OPTIONS|# EXIT STATUS|# EXAMPLES|# SEE ALSO|'
	[ "$got" = "$want" ] || fail "$(basename "$1"): sections are $got, want $want"
	for ref in 'systemd.exec\*(5)' 'systemd-analyze\*(1)'; do
		sed -n '/^# SEE ALSO/,$p' "$1" | grep -q "$ref" || fail "$(basename "$1"): SEE ALSO lacks $ref"
	done
}

# harden itself: its usage line names the options ([--help] [--version]; -h is an alias)
"$HARDEN" --help >"$tmp/top" || fail "harden --help exit $?"
{ sed -n '1s/^Usage: //p' "$tmp/top" | grep -o -- '--[a-z-]*'; echo -h; } | sort -u >"$tmp/help"
compare harden "$tmp/help" "$DOC/harden.1.scd"
sections "$DOC/harden.1.scd"

verbs=$(sed -n '/^Verbs:/,/^$/s/^  \([a-z-]*\)  .*/\1/p' "$tmp/top")
[ -n "$verbs" ] || fail "no verbs in harden --help"
for v in $verbs; do
	page=$DOC/harden-$v.1.scd
	[ -f "$page" ] || { fail "verb $v has no page $page"; continue; }
	"$HARDEN" "$v" --help >"$tmp/out" || fail "harden $v --help exit $?"
	help_options <"$tmp/out" >"$tmp/help"
	compare "harden $v" "$tmp/help" "$page"
	sections "$page"
	head -n 1 "$page" | grep -qx "harden-$v(1)" || fail "$page: first line is not harden-$v(1)"
	grep -q "harden-$v\*(1)" "$DOC/harden.1.scd" || fail "harden.1.scd does not refer to harden-$v(1)"
done
# no page for a verb that does not exist
for page in "$DOC"/harden-*.1.scd; do
	v=${page##*/harden-}; v=${v%.1.scd}
	echo "$verbs" | grep -qx "$v" || fail "$page: no verb '$v' in harden --help"
done
# and meson builds every page there is
for page in "$DOC"/*.1.scd; do
	n=${page##*/}; n=${n%.1.scd}
	grep -q "'$n'" "$DOC/meson.build" || fail "doc/meson.build does not build $n"
done

[ "$fails" -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "man pages agree with --help for harden and: $(echo $verbs)"
