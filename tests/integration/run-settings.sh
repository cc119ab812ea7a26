#!/bin/sh
# Per setting: a real tool or hdprobe does the forbidden operation (refused) and its allowed neighbour (works).
. "$(dirname "$0")/run-common.sh"
P=$HDPROBE
[ "$(id -u)" = 0 ] || { echo "skip: needs root (unshare, chrt, hostname, chmod u+s as the neighbour operations)" >&2; exit 77; }

# MemoryDenyWriteExecute: W+X mmap vs RW mmap; 252 = seccomp rules (EPERM), latest = PR_SET_MDWE if the kernel has it
run_h 1 '^errno 1 EPERM$' "" -- --systemd=252 -p MemoryDenyWriteExecute=yes -- "$P" mmap-wx
run_h 0 '^ok$' "" -- --systemd=252 -p MemoryDenyWriteExecute=yes -- "$P" mmap-rw
run_h 1 '^errno 1 EPERM$' "" -- --systemd=252 -p MemoryDenyWriteExecute=yes -- "$P" mprotect-x
run_h 1 '^errno' "" -- --systemd=latest -p MemoryDenyWriteExecute=yes -- "$P" mmap-wx
run_h 0 '^ok$' "" -- --systemd=latest -p MemoryDenyWriteExecute=yes -- "$P" mmap-rw
run_h 0 '^ok$' 'mmap: 1 call.*MemoryDenyWriteExecute' -- --audit -p MemoryDenyWriteExecute=yes -- "$P" mmap-wx

# RestrictAddressFamilies: allow list and deny list
run_h 1 '^errno 97 EAFNOSUPPORT$' "" -- -p RestrictAddressFamilies=AF_UNIX -- "$P" socket-inet
run_h 0 '^ok$' "" -- -p RestrictAddressFamilies=AF_UNIX -- "$P" socket-unix
run_h 1 '^errno 97 EAFNOSUPPORT$' "" -- -p RestrictAddressFamilies=~AF_INET -- "$P" socket-inet
run_h 0 '^ok$' "" -- -p RestrictAddressFamilies=~AF_INET -- "$P" socket-inet6
run_h 0 '^ok$' "" -- -p 'RestrictAddressFamilies=AF_UNIX AF_INET' -p SystemCallFilter=@system-service -- "$P" socket-inet
run_h 1 '^errno 97' "" -- -p RestrictAddressFamilies=none -- "$P" socket-unix

# RestrictNamespaces: unshare -U refused, unshare -m allowed
run_h 1 "" 'unshare failed' -- -p RestrictNamespaces=~user -- unshare -U true
run_h 0 "" "" -- -p RestrictNamespaces=~user -- unshare -m true
run_h 1 "" 'unshare failed' -- -p RestrictNamespaces=yes -- unshare -m true
run_h 0 "" "" -- -p RestrictNamespaces=mnt -- unshare -m true
# time: systemd 252's "all namespaces" lacks CLONE_NEWTIME, but its filter blocks every namespace it has
# a name for: ~user blocks time too, and ~time leaves all seven others, which 252 treats as no filter
if unshare -T true 2>/dev/null; then
	run_h 1 "" 'unshare failed' -- --systemd=252 -p RestrictNamespaces=~user -- unshare -T true
	run_h 0 "" "" -- --systemd=252 -p RestrictNamespaces=~time -- unshare -T true
	run_h 0 "" "" -- --systemd=latest -p RestrictNamespaces=~user -- unshare -T true
	run_h 1 "" 'unshare failed' -- --systemd=latest -p RestrictNamespaces=~time -- unshare -T true
else
	echo "note: no time namespaces here (unshare -T); their RestrictNamespaces= checks skipped" >&2
fi

# LockPersonality: setarch linux32 refused, the current personality allowed
run_h 1 "" 'failed to set personality' -- -p LockPersonality=yes -- setarch linux32 true
run_h 0 "" "" -- -p LockPersonality=yes -- setarch x86_64 true
run_h 1 '^errno 1 EPERM$' "" -- -p LockPersonality=yes -- "$P" personality-linux32

# RestrictRealtime: FIFO refused, OTHER and BATCH allowed
run_h 1 "" 'Operation not permitted' -- -p RestrictRealtime=yes -- chrt -f 1 true
run_h 0 "" "" -- -p RestrictRealtime=yes -- chrt -o 0 true
run_h 1 '^errno 1 EPERM$' "" -- -p RestrictRealtime=yes -- "$P" sched-fifo
run_h 0 '^ok$' "" -- -p RestrictRealtime=yes -- "$P" sched-batch

# RestrictSUIDSGID: chmod u+s refused, chmod u+x allowed; mkdir -m 2755 refused
touch "$T/suid"
run_h 1 "" 'Operation not permitted' -- -p RestrictSUIDSGID=yes -- chmod u+s "$T/suid"
run_h 0 "" "" -- -p RestrictSUIDSGID=yes -- chmod u+x "$T/suid"
run_h 1 "" "" -- -p RestrictSUIDSGID=yes -- mkdir -m 2755 "$T/sgid-dir"
run_h 0 "" "" -- -p RestrictSUIDSGID=yes -- mkdir -m 0755 "$T/plain-dir"
[ -u "$T/suid" ] && fail "RestrictSUIDSGID: the setuid bit was set"

# ProtectHostname, ProtectKernelLogs, ProtectClock, ProtectKernelModules, ProtectKernelTunables
run_h 1 "" "" -- -p ProtectHostname=yes -- sh -c 'hostname "$(hostname)"'
run_h 0 "" "" -- -p ProtectHostname=yes -- hostname
run_h 1 "" 'Operation not permitted' -- -p ProtectKernelLogs=yes -- dmesg -S
run_h 1 '^errno 1 EPERM$' "" -- -p ProtectClock=yes -- "$P" clock-settime-invalid
run_h 1 '^errno 22 EINVAL$' "" -- -- "$P" clock-settime-invalid
run_h 1 "" 'delete_module: 1 call.*ProtectKernelModules' -- --audit -p ProtectKernelModules=yes -- "$P" delete-module

# errno and kill actions
run_h 1 '^errno 13 EACCES$' "" -- -p SystemCallFilter=~getpid:EACCES -- "$P" getpid
run_h 1 '^errno 38 ENOSYS$' "" -- -p SystemCallErrorNumber=ENOSYS -p SystemCallFilter=~getpid -- "$P" getpid
run_h 0 '^ok$' "" -- -p SystemCallFilter=~getpid:0 -- "$P" getpid
run_h 159 "" 'blocked getpid' -- -p SystemCallErrorNumber=EPERM -p 'SystemCallFilter=~getpid:kill getppid' -- "$P" getpid
run_h 1 '^errno 1 EPERM$' "" -- -p SystemCallErrorNumber=EPERM -p 'SystemCallFilter=~getpid:kill getppid' -- "$P" getppid
run_h 1 '^errno 1 EPERM$' "" -- -p SystemCallErrorNumber=EPERM -p 'SystemCallFilter=@system-service' -p 'SystemCallFilter=~getppid' -- "$P" getppid
run_h 0 '^ok$' "" -- -p SystemCallLog=getpid -- "$P" getpid

# NoNewPrivileges: root keeps it off unless asked (systemd too)
run_h 0 '^nnp 1$' "" -- -p NoNewPrivileges=yes -- "$P" nnp
run_h 0 '^nnp 0$' "" -- -p SystemCallFilter=~getpid -- "$P" nnp

# settings run cannot enforce are listed, never dropped silently; invalid -p values are errors
run_h 0 "" 'Nice= not enforced by run' -- -p Nice=5 -- true
# the credential settings are enforced (run-creds), so not listed as root
if [ "$(id -u)" = 0 ]; then
	run_h 0 "" "" -- -p CapabilityBoundingSet=CAP_CHOWN -p UMask=0077 -- true
	grep -q 'not enforced' "$T/err" && fail "CapabilityBoundingSet=/UMask= listed as not enforced: $(cat "$T/err")"
fi
# the file-system settings are enforced (as root, in a mount namespace: run-mounts), so not listed
if [ "$(id -u)" = 0 ]; then
	run_h 0 "" "" -- -p ProtectSystem=strict -- true
	grep -q 'not enforced' "$T/err" && fail "ProtectSystem= is listed as not enforced: $(cat "$T/err")"
fi
run_h 2 "" 'invalid -p' -- -p SystemCallFilter=@no-such-group -- true
run_h 2 "" 'invalid -p' -- -p RestrictNamespaces=bogus -- true
run_h 2 "" "" -- -p NoEquals -- true

# fail closed (1): NoNewPrivileges= cannot be set (prctl() refused around harden): the command must not run
run_h 125 "" 'cannot install the sandbox' -- -p SystemCallFilter=~prctl:EPERM -- \
	"$HARDEN" run -p NoNewPrivileges=yes -- touch "$T/must-not-exist"
[ -e "$T/must-not-exist" ] && fail "fail closed: the command ran"
# fail closed (2): seccomp() itself refused around harden (libseccomp's probe or the install fails)
run_h 125 "" 'fail closed' -- -p SystemCallFilter=~seccomp:EPERM -- \
	"$HARDEN" run -p SystemCallFilter=~getpid -- touch "$T/must-not-exist-2"
[ -e "$T/must-not-exist-2" ] && fail "fail closed: the inner command ran"
finish
