#!/bin/sh
# Issue 25: hostile files and careless command lines, one section per item of the issue ("# --- item N").
set -u
: "${HARDEN:?}"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# RC DESCRIPTION CMD...: run with a bound (a FIFO would block forever), stdout/stderr to $W/out, $W/err
expect_rc() {
	want=$1 what=$2
	shift 2
	timeout 30 "$@" >"$W/out" 2>"$W/err" </dev/null
	rc=$?
	[ $rc -ne 124 ] || { bad "$what: timed out (blocked)"; return; }
	[ $rc -eq "$want" ] || { bad "$what: exit $rc, want $want"; cat "$W/err"; }
}
no_errno_text() { # DESCRIPTION: the sentinel errnos' strerror must not reach the user
	if grep -q -e 'RF-kill' -e 'Invalid slot' -e 'No medium found' "$W/out" "$W/err"; then
		bad "$1: an internal errno printed with strerror"
		cat "$W/err"
	fi
}

printf '[Service]\nExecStart=/bin/true\n' >"$W/ok.service"
ln -s /dev/null "$W/masked.service"
: >"$W/empty.service"
printf '[Service]\nExecStart=/bin/echo %%Z\n' >"$W/spec.service"

# --- item 2: --export-bpf FILE, FILE a symlink to a file: the target is kept, FILE becomes the program
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$W/passwd-copy"
cp "$W/passwd-copy" "$W/passwd-orig"
ln -s "$W/passwd-copy" "$W/out.bpf"
expect_rc 0 "--export-bpf through a symlink" "$HARDEN" run -p SystemCallFilter=@system-service --export-bpf "$W/out.bpf"
cmp -s "$W/passwd-copy" "$W/passwd-orig" || bad "--export-bpf wrote through the symlink into its target"
[ -f "$W/out.bpf" ] && [ ! -L "$W/out.bpf" ] || bad "--export-bpf: FILE is not a regular file now"
size=$(wc -c <"$W/out.bpf")
[ "$size" -gt 0 ] && [ $((size % 8)) -eq 0 ] || bad "--export-bpf: $size bytes, not a BPF program"
ls "$W" | grep -q 'out.bpf\.' && bad "--export-bpf left a temporary file"

# learn -o and --profile-out through symlinks (no tracing: --from-profile)
ln -s "$W/passwd-copy" "$W/p.json"
cp "$W/passwd-orig" "$W/passwd-copy"
expect_rc 0 "learn --profile-out through a symlink" "$HARDEN" learn --backend=ptrace --profile-out "$W/p.json" \
	-o /dev/null -- true
cmp -s "$W/passwd-copy" "$W/passwd-orig" || bad "learn --profile-out wrote through the symlink into its target"
[ ! -L "$W/p.json" ] && grep -q 'harden_profile' "$W/p.json" || bad "learn --profile-out: FILE is not the profile"
ln -s "$W/passwd-copy" "$W/learn.conf"
cp "$W/passwd-orig" "$W/passwd-copy"
expect_rc 0 "learn -o through a symlink" "$HARDEN" learn --from-profile "$W/p.json" -o "$W/learn.conf"
cmp -s "$W/passwd-copy" "$W/passwd-orig" || bad "learn -o wrote through the symlink into its target"
[ ! -L "$W/learn.conf" ] && grep -q '^\[Service\]' "$W/learn.conf" || bad "learn -o: FILE is not the drop-in"

# --- item 15: an empty output file name is a usage error naming the option
for args in "run --export-bpf= -- true" "learn -o= -- true" "learn --profile-out= -- true" \
	"explain --drop-in= /dev/null"; do
	verb=${args%% *}
	opt=$(echo "$args" | sed 's/^[a-z]* \([^=]*\)=.*/\1/')
	rest=$(echo "$args" | sed 's/^[a-z]* [^=]*= //')
	# shellcheck disable=SC2086
	expect_rc 2 "$verb $opt ''" "$HARDEN" "$verb" "$opt" '' $rest
	grep -q "empty file name for $opt" "$W/err" || { bad "$verb $opt '': not said"; cat "$W/err"; }
done

# --- item 7: a FIFO drop-in, a symlink to a FIFO, a FIFO unit: refused at once, naming the file
mkfifo "$W/fifo"
mkdir "$W/ok.service.d"
mkfifo "$W/ok.service.d/10-fifo.conf"
expect_rc 1 "FIFO drop-in (show)" "$HARDEN" show --unit "$W/ok.service"
grep -q "10-fifo.conf: error: a FIFO, not a regular file" "$W/err" || { bad "FIFO drop-in not named"; cat "$W/err"; }
expect_rc 1 "FIFO drop-in (security)" "$HARDEN" security "$W/ok.service"
expect_rc 1 "FIFO drop-in (run)" "$HARDEN" run --unit "$W/ok.service" -- true
rm "$W/ok.service.d/10-fifo.conf"
ln -s "$W/fifo" "$W/ok.service.d/10-fifo.conf"
expect_rc 1 "symlink to a FIFO drop-in" "$HARDEN" show --unit "$W/ok.service"
grep -q "10-fifo.conf: error: a FIFO" "$W/err" || { bad "symlink to a FIFO drop-in not named"; cat "$W/err"; }
rm "$W/ok.service.d/10-fifo.conf"
ln -s "$W/fifo" "$W/fifo.service"
expect_rc 1 "FIFO unit file" "$HARDEN" show --unit "$W/fifo.service"
grep -q "fifo.service: error: a FIFO" "$W/err" || { bad "FIFO unit not named"; cat "$W/err"; }

# --- item 9: dangling, looping and directory symlink drop-ins: skipped with a warning; the unit loads
ln -s /nonexistent/harden.conf "$W/ok.service.d/20-dangling.conf"
ln -s 30-loop.conf "$W/ok.service.d/30-loop.conf"
ln -s "$W" "$W/ok.service.d/40-dir.conf"
printf '[Service]\nSystemCallArchitectures=native\n' >"$W/ok.service.d/50-real.conf"
expect_rc 0 "broken symlink drop-ins (show)" "$HARDEN" show --unit "$W/ok.service"
for f in 20-dangling 30-loop 40-dir; do
	grep -q "$f.conf: warning: drop-in ignored" "$W/err" || { bad "$f.conf: no warning naming it"; cat "$W/err"; }
done
grep -q '^SystemCallArchitectures=native' "$W/out" || bad "the real drop-in beside broken ones was not applied"
expect_rc 0 "broken symlink drop-ins (security)" "$HARDEN" security --offline=yes "$W/ok.service"

# --- item 10: masked and empty units, unresolvable specifiers: words, not strerror of a sentinel
expect_rc 1 "masked unit (show)" "$HARDEN" show --unit "$W/masked.service"
grep -q "masked (a link to /dev/null)" "$W/err" || { bad "masked: not said"; cat "$W/err"; }
no_errno_text "show masked"
expect_rc 1 "empty unit (show)" "$HARDEN" show --unit "$W/empty.service"
grep -q "unit file is empty" "$W/err" || { bad "empty: not said"; cat "$W/err"; }
no_errno_text "show empty"
expect_rc 1 "masked unit (run)" "$HARDEN" run --unit "$W/masked.service" -- true
no_errno_text "run masked"
expect_rc 1 "masked unit (security)" "$HARDEN" security "$W/masked.service"
no_errno_text "security masked"
expect_rc 1 "bad specifier (learn --unit)" "$HARDEN" learn --unit "$W/spec.service" --while true
grep -q "specifier %Z cannot be resolved in" "$W/err" || { bad "bad specifier: not said"; cat "$W/err"; }
no_errno_text "learn --unit with %Z"

# --- item 12: learn --unit with a missing or masked unit refuses before tracing the workload
for u in missing masked; do
	rm -f "$W/ran"
	expect_rc 2 "learn --unit $u" "$HARDEN" learn --backend=ptrace --unit "$W/$u.service" -o /dev/null -- \
		sh -c ": >'$W/ran'"
	[ ! -e "$W/ran" ] || bad "learn --unit $u: the command ran before the unit was checked"
	grep -q "nothing traced" "$W/err" || { bad "learn --unit $u: refusal not said"; cat "$W/err"; }
	no_errno_text "learn --unit $u"
done

# --- item 13: check with an unreadable unit or program: an error and exit 1, never "nothing blocked"
for input in "$W/masked.service" "$W/missing.service" "--exec /nonexistent/harden-prog"; do
	# shellcheck disable=SC2086
	expect_rc 1 "check $input" "$HARDEN" check $input
	grep -q "blocked" "$W/out" && { bad "check $input: a verdict on stdout"; cat "$W/out"; }
	grep -q "check: error:" "$W/err" || { bad "check $input: no error"; cat "$W/err"; }
done
expect_rc 0 "check of a readable unit" "$HARDEN" check "$W/ok.service"
grep -q "no syscall with static evidence is blocked" "$W/out" || bad "check ok.service: no verdict"

exit $fail
