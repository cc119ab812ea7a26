#!/bin/sh
# `make example`: harden's main job on the bundled example unit, verb by verb.
# Usage: examples/demo.sh [HARDEN]   (default: build/harden)
set -u
H=${1:-build/harden}
UNIT=$(dirname "$0")/sed-edit.service
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; echo "(exit status $?)"; }

echo "== 1. How exposed is this service? (systemd-analyze security's numbers, offline)"
step "$H" security --fix "$UNIT"

echo "== 2. Will its filter break the program it runs? (static, before deploying)"
step "$H" check "$UNIT"

echo "== 3. What does the filter really allow?"
step "$H" show --unit "$UNIT"

echo "== 4. Where does fchown live?"
step "$H" syscall-filter fchown

echo "== 5. Run the command under the unit's sandbox: it dies with SIGSYS, and harden says why"
echo "   (the unit's ProtectSystem=strict holds too: the demo's file is in a directory of its own, made"
echo "   writable with ReadWritePaths=, as the unit would list /tmp/harden-example.txt's directory)"
echo "aaa" > "$work/file"
step "$H" run --unit "$UNIT" -p ReadWritePaths="$work" -- sed -i s/a/b/ "$work/file"

echo "== 6. The same with @chown allowed again: it works"
step "$H" run --unit "$UNIT" -p ReadWritePaths="$work" -p SystemCallFilter=fchown -- sed -i s/a/b/ "$work/file"
cat "$work/file"

echo "== 7. Explain a kernel audit record of such a death"
printf '%s\n' 'type=SECCOMP msg=audit(1732790000.123:42): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=4242 comm="sed" exe="/usr/bin/sed" sig=31 arch=c000003e syscall=93 compat=0 ip=0x7f5e3a91051b code=0x80000000' > "$work/audit.log"
step "$H" explain --unit "$UNIT" "$work/audit.log"

echo "== 8. Learn the tightest drop-in that still lets 'sed -i' work (eBPF as root, else ptrace)"
echo "aaa" > "$work/file"
step "$H" learn -o "$work/learned.conf" -- sed -i s/a/b/ "$work/file"
cat "$work/learned.conf"
