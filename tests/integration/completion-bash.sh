#!/bin/sh
# SPDX-License-Identifier: MIT
# The bash completion (completion/harden.bash) driven as bash drives it: COMP_LINE, COMP_POINT,
# COMP_WORDS (split at blanks and at COMP_WORDBREAKS, as bash splits them) and COMP_CWORD set, _harden
# called, COMPREPLY checked. Every verb's long options must be offered exactly as its manual page
# lists them (and man-help.sh ties the pages to --help), and values come from harden itself.
: "${HARDEN:?}" "${SRCDIR:?}"
command -v bash >/dev/null || { echo "skip: bash is not installed" >&2; exit 77; }
exec bash -s -- "$HARDEN" "$SRCDIR" <<'BASH'
set -u
HARDEN=$1 SRCDIR=$2
# _harden asks the harden named in COMP_WORDS[0]: the built one
H=$HARDEN
COMP_WORDBREAKS=$' \t\n"\'@><=;|&(:'
. "$SRCDIR/completion/harden.bash" || { echo "FAIL: the script does not load" >&2; exit 1; }
complete -p harden | grep -q -- '-F _harden' || { echo "FAIL: no complete -F _harden harden" >&2; exit 1; }
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# complete LINE: the completions for the end of LINE, sorted, one per line
complete_line() {
	local line="$H ${1#harden }" w= c k b=${COMP_WORDBREAKS//[[:space:]]/} kind= nk
	COMP_LINE=$line COMP_POINT=${#line} COMP_WORDS=()
	for ((k = 0; k < ${#line}; k++)); do
		c=${line:k:1}
		if [[ $c == [[:space:]] ]]; then
			[[ -n $w ]] && COMP_WORDS+=("$w")
			w= kind=
			continue
		fi
		[[ $b == *"$c"* ]] && nk=break || nk=word
		[[ -n $w && $nk != "$kind" ]] && { COMP_WORDS+=("$w"); w=; }
		w+=$c kind=$nk
	done
	COMP_WORDS+=("$w")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_harden
	((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort -u
}
# expect LINE WORD...: exactly these completions
expect() {
	local line=$1 got want
	shift
	got=$(complete_line "$line" | tr '\n' ' ')
	want=
	(($#)) && want=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
	[[ $got == "$want" ]] || fail "'$line<TAB>': got [$got], want [$want]"
}
# offers LINE WORD...: at least these
offers() {
	local line=$1 got w
	shift
	got=$(complete_line "$line")
	for w; do grep -qxF -- "$w" <<<"$got" || fail "'$line<TAB>' does not offer '$w' (got: $(echo $got | head -c 200))"; done
}

# verbs: one page each
mapfile -t verbs < <(cd "$SRCDIR/doc" && ls harden-*.1.scd | sed 's/^harden-//; s/\.1\.scd$//')
expect 'harden ' "${verbs[@]}" --help --version
expect 'harden sysc' syscall-filter
# each verb's long options, as its page lists them ('=' marks a value given as --opt=VALUE)
for v in "${verbs[@]}"; do
	want=$(awk -f "$SRCDIR/tests/integration/page_options.awk" "$SRCDIR/doc/harden-$v.1.scd" | grep '^--' | sort -u)
	got=$(complete_line "harden $v --" | sed 's/=$//' | sort -u)
	[[ $got == "$want" ]] || fail "harden $v --<TAB>: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ') (< page only, > completion only)"
done
# values named in --help
expect 'harden security --json=' pretty short
expect 'harden security --json=p' pretty
expect 'harden show --systemd=' 252 253 254 255 256 257 258 259 260 261 262 latest
expect 'harden show --systemd=26' 260 261 262
expect 'harden learn --backend ' ebpf ptrace auto
expect 'harden learn --backend=pt' ptrace
offers 'harden show --arch=x8' x86-64 x86
offers 'harden show --arch x3' x32
# groups and syscalls from harden syscall-filter
expect 'harden syscall-filter @ch' chown
expect 'harden syscall-filter @pri' privileged
offers 'harden syscall-filter fcho' fchown fchownat
offers 'harden syscall-filter ' @system-service @known fchown
# -p SETTING=VALUE: the settings harden show prints, groups and syscalls in the filter lists
offers 'harden show -p SystemCallF' SystemCallFilter=
offers 'harden run -p Restrict' RestrictNamespaces= RestrictAddressFamilies=
expect 'harden show -p SystemCallFilter=~@ch' chown
expect 'harden show --property=SystemCallFilter=@sys' system-service
expect 'harden check -p SystemCallFilter=fchowna' fchownat
offers 'harden show -p SystemCallArchitectures=' native x86-64
expect 'harden show -p LockPersonality=' yes no
# files and unit names
offers "harden show --unit $SRCDIR/examples/sed" "$SRCDIR/examples/sed-edit.service"
offers "harden check $SRCDIR/examples/sed" "$SRCDIR/examples/sed-edit.service"
unit=
for d in /etc/systemd/system /run/systemd/system /usr/local/lib/systemd/system /usr/lib/systemd/system /lib/systemd/system; do
	for f in "$d"/*.service; do [[ -f $f ]] && { unit=${f##*/}; break 2; }; done
done
if [[ -n $unit ]]; then
	offers "harden security ${unit:0:3}" "$unit"
else
	echo "note: no service unit in the search path; unit-name completion not checked" >&2
fi
# the command after -- (run, learn)
offers 'harden run -- se' sed
offers 'harden learn --backend=ptrace -- sed -i s/a/b/ '"$SRCDIR/examples/sed" "$SRCDIR/examples/sed-edit.service"
# an unknown verb completes nothing
expect 'harden nosuchverb --'

((fails == 0)) || { echo "$fails failure(s)" >&2; exit 1; }
echo "bash completion: ${#verbs[@]} verbs, their options and values as the pages and harden say"
BASH
