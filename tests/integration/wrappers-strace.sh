#!/bin/sh
# The wrapper table (src/lib/elf/wrappers.c) against reality: run each probe of tests/wrapper_probe.c
# under strace and check that every syscall the libc call made is in the table's entry for it.
# Lines from a process after it execve'd belong to another program and are not counted.
# WRAPPER_PROBE (tests/wrapper_probe.c) makes the calls; WRAPPER_LIST prints the table's entry.
set -u
PROBE=${WRAPPER_PROBE:?WRAPPER_PROBE is not set}
LIST=${WRAPPER_LIST:?WRAPPER_LIST is not set}
command -v strace >/dev/null 2>&1 || { echo "skip: strace is not installed" >&2; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

FUNCS="fchown chown lchown chmod fchmodat stat lstat fstat open creat fopen access faccessat mkdir unlink
rename opendir readdir pipe dup2 select poll nanosleep sleep usleep getrlimit setrlimit utime utimes futimens
sigaction sigprocmask isatty getcwd realpath fork system pthread_create malloc getpwnam getgrgid localtime
time gettimeofday clock_gettime printf fread fclose mkstemp sysconf gethostname truncate fsync umask kill
raise alarm symlink readlink wait execvp"

# ptrace must work here (not inside a container that forbids it)
strace -qq -o /dev/null true 2>/dev/null || { echo "skip: strace cannot trace here" >&2; exit 77; }

fail=0 checked=0
for f in $FUNCS; do
	"$LIST" "$f" | sort -u >"$tmp/want" || { echo "FAIL: $f is not in the table"; fail=1; continue; }
	strace -f -qq -o "$tmp/trace" "$PROBE" "$f" >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 3 ] && { echo "FAIL: no probe for $f"; fail=1; continue; }
	# keep the calls between close(-100) and close(-101); close(-102) restarts (set-up of the probe)
	awk '
		{ pid = $1; call = $2; sub(/\(.*/, "", call) }
		NR == 1 { main = pid }
		!(pid in on) { on[pid] = on[main] }   # a new child starts in its parent state
		/close\(-100/ { on[pid] = 1; next }
		/close\(-101/ { on[pid] = 0; next }
		/close\(-102/ { delete seen; next }
		!on[pid] || (pid in execd) { next }
		call ~ /^[a-z_0-9]+$/ { seen[call] = 1 }
		/execve(\(| resumed>).* = 0$/ { execd[pid] = 1 }
		END { for (c in seen) print c }' "$tmp/trace" | sort -u >"$tmp/got"
	missing=$(comm -23 "$tmp/got" "$tmp/want" | tr '\n' ' ')
	checked=$((checked + 1))
	if [ -n "$missing" ]; then
		echo "FAIL: $f made syscalls the table does not list: $missing (table: $(tr '\n' ' ' <"$tmp/want"))"
		fail=1
	fi
done
echo "checked $checked wrappers against strace"
exit $fail
