#!/bin/sh
# harden explain on real cores: programs killed by real seccomp filters in this kernel, plain and
# compressed (zstd, lz4, xz), i386 through int 0x80, a 4 GiB sparse core, deaths that are not seccomp's,
# and the seed's story: `sed -i` under a filter without @chown dies; explain names fchown and @chown and
# writes a drop-in.
# Needs root (the kernel's core_pattern is set to a file in a temporary directory and restored).
# explain_core.sh i386: only the core of an i386 call made through int $0x80 (skipped where that faults,
# see abi-common.sh); no argument: everything else.
set -u
: "${HARDEN:?}" "${TESTPROGS:?}"
DIE=$TESTPROGS/seccomp_die

skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root to point /proc/sys/kernel/core_pattern at a temporary directory"
[ -w /proc/sys/kernel/core_pattern ] || skip "/proc/sys/kernel/core_pattern is not writable here (container?)"
ulimit -c unlimited 2>/dev/null || skip "cannot raise the core size limit (ulimit -c unlimited)"
command -v scmp_sys_resolver >/dev/null || skip "scmp_sys_resolver (package seccomp) is missing"
part=${1:-main}
if [ "$part" = i386 ]; then
	: "${HDPROBE:?}"
	. "$(dirname "$0")/abi-common.sh"
	i386_reachable || skip "$I386_WHY"
fi

T=$(mktemp -d)
old_pattern=$(cat /proc/sys/kernel/core_pattern)
old_pid=$(cat /proc/sys/kernel/core_uses_pid)
restore() {
	printf '%s\n' "$old_pattern" >/proc/sys/kernel/core_pattern
	printf '%s\n' "$old_pid" >/proc/sys/kernel/core_uses_pid
	rm -rf "$T"
}
trap restore EXIT
trap 'exit 1' INT TERM
printf '%s\n' "$T/core.%e.%p" >/proc/sys/kernel/core_pattern || skip "cannot write core_pattern"
echo 0 >/proc/sys/kernel/core_uses_pid

# Run a command that should die and leave exactly one new core; print its path.
die_with_core() {
	before=$(ls "$T" | grep -c '^core\.' || true)
	# under ASan the test program would set its own core limit to 0 (disable_coredump)
	(cd "$T" && ASAN_OPTIONS="${ASAN_OPTIONS:-}:disable_coredump=0" "$@") >/dev/null 2>&1
	core=$(ls -t "$T"/core.* 2>/dev/null | head -n 1)
	after=$(ls "$T" | grep -c '^core\.' || true)
	[ "$after" -gt "$before" ] || return 1
	printf '%s\n' "$core"
}

json_get() { # json_get FILE EXPR: EXPR in python over `d`, the parsed JSON
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

# --- i386 fchown through int 0x80 ---------------------------------------------------------------
if [ "$part" = i386 ]; then
	core32=$(die_with_core "$DIE" int80 "$T/file") || fail "no core for the int 0x80 kill"
	nr32=$(scmp_sys_resolver -a x86 fchown)
	"$HARDEN" explain "$core32" >"$T/out" || fail "explain exited $? on the i386 core"
	grep -q "syscall:    fchown (#$nr32 on x86)" "$T/out" || fail "i386: $(cat "$T/out")"
	echo "i386 core explained: fchown #$nr32 on x86"
	exit 0
fi

# --- 1. fchown killed by a real filter (x86-64) -------------------------------------------------
core=$(die_with_core "$DIE" fchown "$T/file") || skip "the kernel wrote no core for a seccomp kill (core_pattern=$(cat /proc/sys/kernel/core_pattern))"
rm -f "$T/file"
"$HARDEN" explain "$core" >"$T/out" || fail "explain exited $? on a seccomp core"
grep -q 'killed by a seccomp filter' "$T/out" || fail "no seccomp verdict: $(cat "$T/out")"
nr=$(scmp_sys_resolver -a x86_64 fchown)
grep -q "syscall:    fchown (#$nr on x86-64)" "$T/out" || fail "fchown #$nr not named: $(cat "$T/out")"
grep -q '@system-service @chown' "$T/out" || fail "group path missing"
grep -q '^  fix:        SystemCallFilter=fchown$' "$T/out" || fail "narrowest fix missing"
grep -q 'SystemCallFilter=@chown (also allows .*fchownat' "$T/out" || fail "group alternative missing"

"$HARDEN" explain --json "$core" >"$T/j" || fail "explain --json exited $?"
[ "$(json_get "$T/j" 'd["violations"][0]["syscall"]["number"]')" = "$nr" ] || fail "json syscall number"
[ "$(json_get "$T/j" 'd["violations"][0]["si_code"]')" = 1 ] || fail "json si_code is not SYS_SECCOMP"
[ "$(json_get "$T/j" 'd["violations"][0]["process"]["exe"]')" = "$DIE" ] || fail "json exe"
# si_call_addr lies inside libc's fchown: check against libc's own symbol table
obj=$(json_get "$T/j" 'd["violations"][0]["call"]["object"]')
off=$(json_get "$T/j" 'int(d["violations"][0]["call"]["offset"],16)')
case "$obj" in libc.so.6|libc-*) ;; *) fail "call object $obj is not libc" ;; esac
libc=$(ldd "$DIE" | awk '/libc\.so/ {print $3}')
if command -v nm >/dev/null && [ -n "$libc" ]; then
	sym=$(nm -D "$libc" | awk '$3 ~ /^fchown(@|$)/ {print $1; exit}')
	[ -n "$sym" ] || fail "no fchown symbol in $libc"
	d=$((off - 0x$sym))
	[ "$d" -gt 0 ] && [ "$d" -lt 64 ] || fail "call offset 0x$(printf %x "$off") is not inside fchown at 0x$sym"
fi

# --- 2. compressed as systemd-coredump stores them, and from stdin ------------------------------
zstd -q -c "$core" >"$T/c.zst" && lz4 -q -c "$core" >"$T/c.lz4" && xz -q -c "$core" >"$T/c.xz" || fail "compressors"
for z in zst lz4 xz; do
	"$HARDEN" explain "$T/c.$z" >"$T/out" || fail "explain exited $? on the .$z core"
	grep -q "syscall:    fchown (#$nr on x86-64)" "$T/out" || fail ".$z: $(cat "$T/out")"
done
"$HARDEN" explain - <"$T/c.zst" | grep -q "fchown (#$nr" || fail "zstd core on stdin"
cat "$core" | "$HARDEN" explain - | grep -q "fchown (#$nr" || fail "plain core through a pipe"
# Only the notes are decompressed: junk after them is never reached.
head -c 1048576 /dev/urandom >"$T/junk"
cat "$T/c.zst" "$T/junk" >"$T/tail.zst"
"$HARDEN" explain "$T/tail.zst" | grep -q "fchown (#$nr" || fail "decompressed past the notes (hit the junk tail)"

# --- 3. deaths that are not seccomp's -----------------------------------------------------------
segv=$(die_with_core "$DIE" segv) || fail "no core for SIGSEGV"
"$HARDEN" explain "$segv" >"$T/out"
[ $? -eq 1 ] || fail "a SIGSEGV core must exit 1"
grep -q 'killed by signal 11 (SEGV), not SIGSYS' "$T/out" || fail "segv: $(cat "$T/out")"
killed=$(die_with_core "$DIE" kill) || fail "no core for kill(SIGSYS)"
"$HARDEN" explain "$killed" >"$T/out"
[ $? -eq 1 ] || fail "a SIGSYS sent by kill() must exit 1"
grep -q 'not SYS_SECCOMP.*sent by a process' "$T/out" || fail "kill: $(cat "$T/out")"

# --- 4. a 4 GiB sparse core costs what a small one does -----------------------------------------
big=$(die_with_core "$DIE" big "$T/file") || fail "no core for the big process"
size=$(stat -c %s "$big")
[ "$size" -gt 4294967296 ] || fail "the big core is only $size bytes"
t0=$(date +%s%N)
"$HARDEN" explain "$big" | grep -q "fchown (#$nr" || fail "big core"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
echo "explained a $((size >> 20)) MiB sparse core in $ms ms"
[ "$ms" -lt 2000 ] || fail "a sparse 4 GiB core took $ms ms: it reads more than headers and notes"
rm -f "$big"

# --- 5. the seed: sed -i under a unit whose filter lacks @chown ----------------------------------
# A unit name nobody else has, so that no drop-in from /etc or /run is applied to it.
name=harden-explain-seed-$$
mkdir -p "$T/units"
U=$T/units/$name.service
cat >"$U" <<UNIT
[Unit]
Description=the seed: sed -i without @chown

[Service]
Type=oneshot
ExecStart=/usr/bin/sed -i s/a/b/ $T/in
SystemCallFilter=@system-service
SystemCallFilter=~@chown
UNIT
printf 'a\n' >"$T/in"
# The unit's filter on sed, as systemd installs it: a real seccomp kill (si_code SYS_SECCOMP). (harden
# run is not used for this step: its supervisor ends a blocked process with tgkill(SIGSYS), which a
# core records as SI_TKILL, not as a seccomp death.)
sedcore=$(die_with_core "$DIE" exec chown fchown fchownat lchown -- sed -i s/a/b/ "$T/in") ||
	fail "sed -i under ~@chown left no core"
have_run=0
"$HARDEN" run -p SystemCallFilter=@system-service -- true 2>/dev/null && have_run=1
D=$T/units/$name.service.d/50-harden.conf
"$HARDEN" explain --unit "$U" --drop-in "$D" "$sedcore" >"$T/out" 2>"$T/err" || fail "explain --unit: exit $?: $(cat "$T/err" "$T/out")"
grep -q '^sed\[' "$T/out" || fail "sed not named: $(cat "$T/out")"
grep -q "fchown (#$nr on x86-64)" "$T/out" || fail "fchown not named for sed"
grep -q '@system-service @chown' "$T/out" || fail "@chown not named for sed"
line=$(grep -n '^SystemCallFilter=~@chown$' "$U" | cut -d: -f1)
grep -qF "unit:       $U:$line: SystemCallFilter=~@chown" "$T/out" || fail "the excluding line $U:$line not named: $(cat "$T/out")"
grep -q 'the deny list names fchown through ~@chown' "$T/out" || fail "why"
grep -q 'verified: with it the unit lets the call run' "$T/out" || fail "drop-in not verified"
grep -qx 'SystemCallFilter=fchown' "$D" || fail "drop-in: $(cat "$D")"
grep -qx '\[Service\]' "$D" || fail "drop-in has no [Service]"
# explain reads the drop-in back with the unit: the unit now lets fchown run
"$HARDEN" explain --unit "$U" --json "$sedcore" >"$T/j"
[ "$(json_get "$T/j" 'd["violations"][0]["fix"]["syscalls"][0]["unit"]["blocked"]')" = False ] ||
	fail "with the drop-in in $name.service.d the unit still blocks fchown"
# With the drop-in, the same sed -i runs.
if "$HARDEN" run --unit "$U" -- true 2>/dev/null; then
	"$HARDEN" run --unit "$U" -- sed -i s/a/b/ "$T/in" || fail "sed -i under harden run --unit with the drop-in: exit $?"
	echo "with the drop-in, sed -i ran under harden run --unit"
elif [ "$have_run" = 1 ]; then
	# harden run cannot read unit files in this build: the unit's lines and the drop-in's as -p
	"$HARDEN" run -p SystemCallFilter=@system-service -p SystemCallFilter=~@chown \
		-p "$(grep '^SystemCallFilter=' "$D")" -- sed -i s/a/b/ "$T/in" || fail "sed -i with the drop-in's line: exit $?"
	echo "with the drop-in's line, sed -i ran under harden run -p (run --unit is not in this build)"
else
	"$DIE" exec chown fchownat lchown -- sed -i s/a/b/ "$T/in" || fail "sed -i still fails with fchown allowed"
	echo "harden run is not in this build: the drop-in's syscall was removed from the deny list by hand"
fi
[ "$(cat "$T/in")" = b ] || fail "sed -i did not edit the file"
exit 0
