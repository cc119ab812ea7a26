#!/bin/bash
# learn's "Not sure of" and --widen=static, on real programs and the real kernel: a drop-in learned from
# `sed --version` lists what sed can reach but did not do; that list is exactly what harden check reports
# blocked for sed under the drop-in; `sed -i` (a path the run never took) is refused under the tight
# drop-in only for calls in that list, and passes enforcing under the widened one, which check finds
# nothing wrong with. Both backends record the executed files (a script's too); odd file names are
# scanned as themselves; bad values are errors.
set -u
: "${HARDEN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# a drop-in's settings as -p arguments (comments and [Service] dropped)
props() { grep -v '^#' "$1" | grep '=' | while IFS= read -r l; do printf -- '-p\n%s\n' "$l"; done; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# the calls harden check finds blocked under -p SETTINGS for every executable in DIR/exes, sorted
checked_blocked() { # DIR -p S...
	dir=$1
	shift
	while read -r exe; do
		"$HARDEN" check "$@" --json --exec "$exe" >"$dir/check.json" 2>/dev/null
		json "$dir/check.json" "'\n'.join(b['syscall'] for c in d['commands'] for p in c['programs'] for b in p.get('blocked', []))"
	done <"$dir/exes" | sed '/^$/d' | sort -u
}
SED=$(readlink -f "$(command -v sed)")

backends="ptrace"
if [ "$(id -u)" = 0 ] && "$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null; then
	backends="ptrace ebpf"
else
	echo "note: eBPF learning is not available here (needs root and a kernel that loads the program): ptrace only"
fi

for be in $backends; do
	W=$T/$be
	mkdir -p "$W"
	# a script that runs sed: the executables are the shell (or the script) and sed
	printf '#!/bin/sh\nsed --version >/dev/null\n' >"$W/run.sh"
	chmod +x "$W/run.sh"
	"$HARDEN" learn --backend=$be --profile-out "$W/v.json" -o "$W/v.conf" -- "$W/run.sh" 2>"$W/learn.err" ||
		{ bad "$be: learn failed"; cat "$W/learn.err"; continue; }
	json "$W/v.json" "'\n'.join(d['executables'])" >"$W/exes"
	grep -qx "$SED" "$W/exes" || bad "$be: the profile's executables lack $SED: $(tr '\n' ' ' <"$W/exes")"
	grep -q 'sh$' "$W/exes" || bad "$be: the profile's executables lack the script or its shell: $(tr '\n' ' ' <"$W/exes")"
	grep -q '^# Not sure of: [1-9][0-9]* call(s) no run saw' "$W/v.conf" ||
		bad "$be: the tight drop-in has no \"Not sure of\" section naming calls"
	tail -1 "$W/v.conf" | grep -q '^# Exposure' || bad "$be: the exposure is not the drop-in's last line"
	grep -q 'left out (tight' "$W/learn.err" ||
		bad "$be: learn does not say on stderr that calls were left out"

	# the section == harden check's blocked set for the programs that ran, under the same drop-in
	"$HARDEN" learn --from-profile "$W/v.json" --json -o "$W/v.out.json" 2>/dev/null
	json "$W/v.out.json" "'\n'.join(sorted(c['syscall'] for c in d['not_sure']['calls']))" >"$W/unsure"
	json "$W/v.out.json" "'\n'.join(sorted(x.split()[0] for x in d['not_sure']['refused_by_other_settings']))" >"$W/other"
	sort -u "$W/unsure" "$W/other" | sed '/^$/d' >"$W/listed"
	mapfile -t P < <(props "$W/v.conf")
	checked_blocked "$W" "${P[@]}" >"$W/checked"
	[ -s "$W/unsure" ] && cmp -s "$W/listed" "$W/checked" ||
		bad "$be: \"Not sure of\" ($(wc -l <"$W/listed") calls) differs from harden check's blocked set ($(wc -l <"$W/checked")): $(diff "$W/listed" "$W/checked" | tr '\n' ' ')"
	# every listed call has a group or says it has none, and a cost
	grep -q '^#   @[a-z-]* (exposure [+-][0-9]*\.[0-9])' "$W/v.conf" || bad "$be: no group line with its exposure cost"

	# sed -i: never run while learning. Tight: refused, and only for calls the section named
	echo abc >"$W/f"
	"$HARDEN" run "${P[@]}" --audit --json -- sed -i s/a/b/ "$W/f" 2>"$W/audit.json" >/dev/null
	grep '"audit"' "$W/audit.json" | json /dev/stdin "'\n'.join(sorted(a['syscall'] for a in d['audit']))" >"$W/blocked" 2>/dev/null
	[ -s "$W/blocked" ] || bad "$be: sed -i under the drop-in of sed --version was not refused anything (the test proves nothing)"
	missing=$(comm -23 "$W/blocked" "$W/unsure" | tr '\n' ' ')
	[ -z "$missing" ] || bad "$be: sed -i needs calls the static set did not list: $missing"

	# widened: allowed, check finds nothing, sed -i works enforcing
	"$HARDEN" learn --from-profile "$W/v.json" --widen=static -o "$W/w.conf" 2>"$W/widen.err" ||
		{ bad "$be: --widen=static failed"; cat "$W/widen.err"; }
	grep -q '^# never seen, but the programs that ran can reach' "$W/w.conf" || bad "$be: the widened line is not explained"
	grep -q 'allowed them above' "$W/w.conf" || bad "$be: the widened drop-in does not say it allowed them"
	mapfile -t WP < <(props "$W/w.conf")
	checked_blocked "$W" "${WP[@]}" >"$W/wchecked"
	sed -i '/^$/d' "$W/other"
	cmp -s "$W/wchecked" "$W/other" ||
		bad "$be: under the widened drop-in harden check finds blocked calls other than those refused by other settings: $(diff "$W/other" "$W/wchecked" | tr '\n' ' ')"
	echo abc >"$W/f"
	# the drop-in of sed --version saw no write: its ProtectSystem=strict (enforced by run as root) must be
	# given the file sed -i writes; this test is about the system calls widening adds
	"$HARDEN" run "${WP[@]}" -p ReadWritePaths="$W" -- sed -i s/a/b/ "$W/f" 2>"$W/run.err" && [ "$(cat "$W/f")" = bbc ] ||
		{ bad "$be: sed -i fails under the widened drop-in"; cat "$W/run.err"; }
	echo "$be: $(wc -l <"$W/unsure") calls not sure of; sed -i tight: refused $(wc -l <"$W/blocked") ($(tr '\n' ' ' <"$W/blocked")), widened: ok"
done

# a file name with a blank, a quote and a % (ExecStart= syntax would split or expand it) is scanned as itself
D="$T/a b%n\"q"
mkdir -p "$D"
cp "$SED" "$D/sed"
"$HARDEN" learn --backend=ptrace --json -o "$T/odd.json" -- "$D/sed" --version >/dev/null 2>&1
json "$T/odd.json" "'\n'.join(d['not_sure']['programs'])" | grep -qxF "$D/sed" ||
	bad "the odd file name was not scanned as itself: $(json "$T/odd.json" "d['not_sure']")"
[ "$(json "$T/odd.json" "len(d['not_sure']['calls'])")" -gt 0 ] || bad "no calls found for the odd file name"

# provenance: a merged drop-in names the profiles and every run it came from
"$HARDEN" learn --backend=ptrace --profile-out "$T/p1.json" -o /dev/null -- sed --version >/dev/null 2>&1
"$HARDEN" learn --backend=ptrace --profile-out "$T/p2.json" -o /dev/null -- true 2>/dev/null
"$HARDEN" learn --merge "$T/p1.json" "$T/p2.json" -o "$T/m.conf" 2>/dev/null
head -1 "$T/m.conf" | grep -qF "from the profiles $T/p1.json, $T/p2.json, merging 2 runs:" &&
	sed -n 2,3p "$T/m.conf" | grep -qx '#   sed --version' && sed -n 2,3p "$T/m.conf" | grep -qx '#   true' ||
	{ bad "the merged drop-in does not name its profiles and runs:"; head -4 "$T/m.conf"; }

# the evidence cited is the strongest: the service's own program (the first command's) over a shell that
# ran too, listed first; a direct import over a wrapper (the sh-first order once cited sh for cat's write)
printf '{"harden_profile": 1, "commands": ["/usr/bin/cat /etc/hostname"], "syscalls": {"x86-64": {"read": 1, "openat": 1, "close": 1, "exit_group": 1, "execve": 2}}, "executables": ["/bin/sh", "/usr/bin/cat"]}' >"$T/ev.json"
"$HARDEN" learn --from-profile "$T/ev.json" -o "$T/ev.conf" 2>/dev/null
grep -qx '#     write: /usr/bin/cat, cat: write (direct import)' "$T/ev.conf" ||
	bad "write is not cited from the main program's direct import: $(grep '#     write:' "$T/ev.conf")"
grep -qx '#     vfork: /bin/sh, sh: vfork (direct import)' "$T/ev.conf" ||
	bad "a call only the shell reaches is not cited from it: $(grep '#     vfork:' "$T/ev.conf")"

# a shell among the programs: learn says so, with the exposure of both forms; --style=deny writes a deny list
printf '{"harden_profile": 1, "commands": ["/usr/sbin/sshd -D"], "syscalls": {"x86-64": {"read": 1, "openat": 1, "setuid": 1}}, "executables": ["/usr/bin/bash", "/usr/bin/true"]}' >"$T/sh.json"
"$HARDEN" learn --from-profile "$T/sh.json" -o "$T/sh-allow.conf" 2>"$T/sh.err" || bad "learn from a shell's profile failed"
grep -q 'A shell ran (/usr/bin/bash).*Exposure with the allow list: [0-9.]*; with the deny list (--style=deny): [0-9.]*' "$T/sh.err" ||
	bad "a shell that ran is not said, with both exposures: $(cat "$T/sh.err")"
grep -q '^# A shell ran (/usr/bin/bash)' "$T/sh-allow.conf" || bad "the drop-in does not say a shell ran"
"$HARDEN" learn --from-profile "$T/sh.json" --style=deny -o "$T/sh-deny.conf" 2>/dev/null || bad "--style=deny failed"
grep '^SystemCallFilter=' "$T/sh-deny.conf" | grep -qv '^SystemCallFilter=~' && bad "--style=deny wrote an allow entry: $(grep ^SystemCallFilter "$T/sh-deny.conf")"
grep -q '^SystemCallFilter=~.*@reboot' "$T/sh-deny.conf" || bad "--style=deny does not deny @reboot"
"$HARDEN" learn --from-profile "$T/sh.json" --style=maybe -o /dev/null 2>/dev/null
[ $? -eq 2 ] || bad "--style=maybe is not a usage error"

# a profile without executables says so; bad values are errors
printf '{"harden_profile": 1, "syscalls": {"x86-64": {"read": 1}}}' >"$T/old.json"
"$HARDEN" learn --from-profile "$T/old.json" -o "$T/old.conf" 2>/dev/null
grep -q 'the profile names no executed file' "$T/old.conf" || bad "a profile without executables is not said to be so"
"$HARDEN" learn --from-profile "$T/old.json" --widen=sometimes -o /dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q 'expected static or none' "$T/err" || bad "--widen=sometimes is not a usage error"
printf '{"harden_profile": 1, "executables": ["bin/sed"]}' >"$T/rel.json"
"$HARDEN" learn --from-profile "$T/rel.json" -o "$T/rel.conf" 2>"$T/err"
[ $? -eq 2 ] && grep -q 'executables' "$T/err" || { bad "a relative executable is not an error naming the key"; cat "$T/err"; }
[ ! -e "$T/rel.conf" ] || bad "a drop-in was written from an invalid profile"
exit $fail
