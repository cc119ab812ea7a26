#!/bin/sh
# Differential against systemd itself (issue 27): systemd 252 boots as PID 1 of the hand-made container
# of tests/systemd/ (container-common.sh, as systemd_container does), and for each row of a matrix of
# settings the same probe program (tests/progs/fsprobe.c: writes under /etc, /var/lib, /home, /tmp,
# /var/tmp; a read in /root; a block device, /dev/kmsg, /proc/kallsyms, /proc/sys, a loopback connect,
# a SysV shm segment, sethostname, chown, setuid, /proc's other pids, the capability sets, the umask)
# runs
#   (a) as a systemd service of the container with the row's lines (Type=oneshot, systemctl start), and
#   (b) in the container as root, under `harden run --systemd=252 -p LINE... -- fsprobe ...`,
# and the two outputs are compared line by line. A row one of whose settings harden run says it does
# not enforce ("not enforced by run", or only its system-call part) is NOT COMPARED, the setting named,
# and the list of such settings is printed at the end; any difference in a compared row fails.
# The container is a copy-on-write overlay of /: what the test makes (/var/lib/hd-diff, a home, a file
# in /root, the units) is made in it and vanishes with it; the host's /proc/sys is never written (the
# container's /proc/sys is read-only; only its own netns's /proc/sys/net is made writable, in it).
# KEEP=1 keeps the work directory and says where.
set -u
: "${HARDEN:?}" "${TESTPROGS:?}"
. "${SRCDIR:-.}/tests/integration/container-common.sh"
ct_preflight python3 ipcmk
PROBE=$TESTPROGS/fsprobe
[ -x "$PROBE" ] || { echo "FAIL: $PROBE is missing (tests/progs/fsprobe.c)"; exit 1; }
# a block device for the read-only open: an unattached loop device is the most harmless
BLOCK=
for d in /dev/loop0 /dev/vda /dev/sda /dev/nvme0n1; do [ -b "$d" ] && { BLOCK=$d; break; }; done
[ -n "$BLOCK" ] || { echo "skip: no block device among /dev/loop0 /dev/vda /dev/sda /dev/nvme0n1"; exit 77; }
HARDEN_SD_DEVS=${BLOCK#/dev/}
[ -c /dev/kmsg ] && HARDEN_SD_DEVS="$HARDEN_SD_DEVS kmsg"

T0=$(date +%s)
SD=$(mktemp -d) # the overlay's mount points (mounted in the container's namespace only) and the results
CG=$CG2/harden-sdd-$$.slice
LISTEN=
fail=0
since() { echo "$(($(date +%s) - T0))s"; }
cleanup() {
	[ -n "$LISTEN" ] && kill -KILL "$LISTEN" 2>/dev/null && wait "$LISTEN" 2>/dev/null
	ct_teardown
	if [ -n "${KEEP:-}" ]; then echo "kept $SD"; else rm -rf "${SD:?}"; fi
	echo "wall time: $(since)"
}
trap 'cleanup' EXIT
trap 'exit 1' INT TERM

ct_boot "$SD" "$CG"
echo "container booted ($(since)): systemd is PID 1 (host pid $L), state $ct_state"

# ---- the fixtures, in the container's overlay ----
X=/var/lib/hd-diff            # the directory the path settings name
HOMEU=/home/hd-diff-user      # a home
ROOTFILE=/root/hd-diff-probe.txt
P=/usr/local/lib/hd-diff      # the probe, where no row hides it (the build tree may be under /home or /tmp)
OUT=/run/hd-diff              # results, in the container's /run (systemd opens StandardOutput= itself)
PORT=4711                     # the container's netns is its own: any port is free
SYSCTL=/proc/sys/net/core/somaxconn
DEVD=/var/lib/hd-diff-dev     # device nodes outside /dev: the block device's numbers, /dev/full's
mkdir -p "$R$X" "$R$HOMEU" "$R$P" "$R$OUT" "$R/usr/lib/modules/hd-diff-probe" "$R/run/systemd/system" "$R$DEVD" ||
	{ echo "FAIL: cannot make the fixtures under $R"; exit 1; }
# made in the container (its overlay), so that they are where the probe opens them
BMAJ=$((0x$(stat -c %t "$BLOCK"))) BMIN=$((0x$(stat -c %T "$BLOCK")))
in_ct sh -c "mknod -m 600 $DEVD/blocknode b $BMAJ $BMIN && mknod -m 600 $DEVD/charnode c 1 7" ||
	{ echo "FAIL: cannot make the device nodes under $DEVD in the container"; exit 1; }
printf '#!/bin/sh\nexit 0\n' >"$R$X/hello.sh" && chmod 755 "$R$X/hello.sh"
echo secret >"$R$ROOTFILE"
ln -s hd-diff "$R$X-link" # a path setting that names a symlink: systemd follows it
cp "$PROBE" "$R$P/fsprobe" || { echo "FAIL: cannot copy the probe into the container"; exit 1; }
# harden too: a build under /tmp (a clean clone's) would be under the container's own /tmp
cp "$HARDEN" "$R$P/harden" || { echo "FAIL: cannot copy harden into the container"; exit 1; }
# the container's /proc/sys is read-only (its systemd must not reach the host kernel); its own netns's
# /proc/sys/net is made writable, in the container's mount namespace only, so that the sysctl probe
# (which writes back the value an entry has) tells a read-only /proc/sys from a writable one
in_ct sh -c 'mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net' ||
	echo "note: /proc/sys/net stays read-only in the container: write-sysctl is EROFS in every row"
in_ct sh -c "cat $SYSCTL >$SYSCTL" 2>/dev/null || echo "note: $SYSCTL is not writable in the container"
# a SysV shm segment in the container's IPC namespace (PrivateIPC= hides it)
SHM=$(in_ct ipcmk -M 4096 -p 0644 | sed -n 's/^Shared memory id: //p')
[ -n "$SHM" ] || { echo "FAIL: ipcmk made no shm segment in the container"; exit 1; }
# a listener in the container's netns (PrivateNetwork= has another): accepts and closes, for a bounded
# time (alarm). The interpreter itself, not a wrapper (pyenv's shim would survive a kill of it); nsenter
# without --pid execs it, so $! is the listener
PY=$(python3 -c 'import sys; print(sys.executable)')
nsenter -t "$L" -n "$PY" -c '
import signal, socket, sys
signal.alarm(int(sys.argv[2]))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
while True:
    c, _ = s.accept(); c.close()' "$PORT" 300 </dev/null >/dev/null 2>&1 &
LISTEN=$!
# a local address of the container's netns that is not loopback's, for the IPAddress rows' datagrams
UDPADDR=10.250.0.1
in_net ip addr add $UDPADDR/32 dev lo || { echo "FAIL: cannot add $UDPADDR to the container's lo"; exit 1; }
ARGS="--dir $X --home $HOMEU --usr $P --rootfile $ROOTFILE --block $BLOCK --port $PORT --sysctl $SYSCTL --shm $SHM --exec $X/hello.sh --blocknode $DEVD/blocknode --charnode $DEVD/charnode --udp $UDPADDR"
up=0 i=0
while [ $i -lt 50 ]; do
	in_ct "$P/fsprobe" --port $PORT | grep -qx 'connect-lo ok' && { up=1; break; }
	sleep 0.1
	i=$((i + 1))
done
[ $up = 1 ] || { echo "FAIL: the listener on 127.0.0.1:$PORT of the container never answered"; exit 1; }

# ---- the matrix: one row a line, its unit lines separated by '|' ----
# The rows with User=nobody show what a setting does to a user that is not root (ProtectProc=, an
# inaccessible path, a tmpfs's mode).
# The device rows (DevicePolicy=, DeviceAllow=, PrivateDevices=) open a block device, nodes of its numbers
# and of /dev/full's outside /dev (--blocknode, --charnode), /dev/null and /dev/kmsg. No row has a strict
# policy without /dev/null readable: systemd opens /dev/null for StandardInput=null once the service is in
# its cgroup, so such a service fails with 208/STDIN before its command runs (harden run's stdin is its
# caller's; run-devices checks DevicePolicy=strict alone).
# The IPAddress rows connect to 127.0.0.1 (TCP, a listener there) and send a datagram to 127.0.0.1 and to
# UDPADDR, an address of the container's lo outside 127.0.0.0/8: a datagram an egress program drops fails
# its send with EPERM (a dropped SYN is retried: connect-lo is bounded by a send timeout).
# The rows with ProtectHome=tmpfs show a quirk of 252 that run models (--systemd=252): a plain tmpfs,
# writable, mode 1777 (252's append_static_mounts() copies path, mode and ignore of a table entry and
# drops the table's read_only, mode=0755/0700 and nodev; later versions keep them).
cat >"$SD/rows" <<EOF

ProtectSystem=yes
ProtectSystem=full
ProtectSystem=strict
ProtectSystem=strict|ReadWritePaths=$X
ProtectSystem=strict|ReadWritePaths=-$X-missing
ProtectSystem=strict|ReadWritePaths=/var/lib|ReadOnlyPaths=$X
ReadOnlyPaths=$X
ReadOnlyPaths=/var|ReadWritePaths=$X
InaccessiblePaths=$X
InaccessiblePaths=-$X-missing
ProtectHome=yes
ProtectHome=read-only
ProtectHome=tmpfs
ProtectHome=read-only|ReadWritePaths=$HOMEU
PrivateTmp=yes
PrivateNetwork=yes
PrivateIPC=yes
ProtectHostname=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectProc=invisible
ProcSubset=pid
TemporaryFileSystem=$X
BindReadOnlyPaths=$X
NoExecPaths=$X
CapabilityBoundingSet=~CAP_CHOWN
User=nobody
UMask=0077
ProtectSystem=strict|ProtectHome=read-only|PrivateTmp=yes|ReadWritePaths=$X
ProtectSystem=full|ProtectHome=yes|PrivateTmp=yes|PrivateNetwork=yes|PrivateIPC=yes
ProtectSystem=strict|InaccessiblePaths=/root|PrivateTmp=yes|ReadWritePaths=/var/tmp
ProtectSystem=strict|ReadWritePaths=/tmp
ProtectHome=yes|ReadWritePaths=$HOMEU
InaccessiblePaths=/var/lib|ReadWritePaths=$X
InaccessiblePaths=$X|ReadOnlyPaths=$X
ReadOnlyPaths=$X|ReadWritePaths=$X
ReadOnlyPaths=$X-link
ReadOnlyPaths=/var//lib/hd-diff/
InaccessiblePaths=$ROOTFILE
PrivateTmp=yes|ReadOnlyPaths=/tmp
PrivateTmp=yes|InaccessiblePaths=/var/tmp
ProtectHome=tmpfs|ReadOnlyPaths=$HOMEU
ProtectHome=read-only|InaccessiblePaths=/home
BindPaths=/tmp:$X
BindReadOnlyPaths=$HOMEU:$X
BindReadOnlyPaths=-/nonexistent-hd-diff:$X
TemporaryFileSystem=$X:ro
TemporaryFileSystem=/var/lib|BindReadOnlyPaths=$X
ProtectSystem=strict|TemporaryFileSystem=$X
NoExecPaths=/var|ExecPaths=$X
ProtectSystem=strict|ProtectKernelTunables=yes|ProtectControlGroups=yes
ProtectKernelTunables=yes|ProcSubset=pid
PrivateTmp=yes|ProtectSystem=strict|ReadOnlyPaths=/var/tmp
InaccessiblePaths=$BLOCK
InaccessiblePaths=/dev/kmsg
ReadOnlyPaths=/dev/null
PrivateIPC=yes|PrivateNetwork=yes|ProtectHostname=yes|PrivateTmp=yes|ProtectSystem=full|ProtectHome=tmpfs|InaccessiblePaths=-$X
ProtectSystem=strict|ReadWritePaths=$X-link
InaccessiblePaths=$X-link
ReadOnlyPaths=+$X
ProtectSystem=strict|ProtectHome=read-only|ReadWritePaths=/home
TemporaryFileSystem=/home|BindPaths=$X:$HOMEU
InaccessiblePaths=/proc/kallsyms
ReadOnlyPaths=/sys/fs/cgroup
ProtectControlGroups=yes|ReadWritePaths=/sys/fs/cgroup
NoExecPaths=$X|ExecPaths=$X
ReadOnlyPaths=$X/hello.sh
InaccessiblePaths=$X/hello.sh
ReadWritePaths=$X|InaccessiblePaths=/var
ProtectSystem=strict|ReadWritePaths=/var/lib|ReadOnlyPaths=/var/lib/hd-diff|InaccessiblePaths=/var/lib/hd-diff/hello.sh
ReadOnlyPaths=%S/hd-diff
ProtectSystem=strict|ReadWritePaths=%S/hd-diff %T
InaccessiblePaths=%h
ReadOnlyPaths="$X"
ReadOnlyPaths=$X|ReadOnlyPaths=
ReadOnlyPaths=/nonexistent-hd-diff -/nonexistent-hd-diff-2
ProtectSystem=true|PrivateTmp=on|ProtectHome=1
User=nobody|UMask=0077
User=nobody|ProtectProc=invisible
User=nobody|ProtectProc=noaccess
User=nobody|ProcSubset=pid
User=nobody|InaccessiblePaths=$X
User=nobody|InaccessiblePaths=$ROOTFILE
User=nobody|ProtectHome=yes
User=nobody|ProtectHome=tmpfs
User=nobody|PrivateTmp=yes
User=nobody|ProtectSystem=strict
User=nobody|TemporaryFileSystem=$X
User=nobody|PrivateDevices=yes
User=nobody|ProtectSystem=strict|ProtectHome=read-only|PrivateTmp=yes|ProtectProc=invisible|ReadWritePaths=$X
DevicePolicy=closed
DevicePolicy=strict|DeviceAllow=/dev/null rw
DeviceAllow=$BLOCK r
DevicePolicy=strict|DeviceAllow=/dev/null r
DevicePolicy=closed|DeviceAllow=char-mem rw
DevicePolicy=closed|DeviceAllow=block-* r
DeviceAllow=/dev/char/1:7 w
PrivateDevices=yes|DeviceAllow=$BLOCK rw
PrivateDevices=yes|DevicePolicy=auto
PrivateDevices=yes|DevicePolicy=strict|DeviceAllow=/dev/null r
User=nobody|PrivateDevices=yes|DevicePolicy=strict|DeviceAllow=/dev/null r|DeviceAllow=/dev/zero
ProtectClock=yes|DevicePolicy=closed
DevicePolicy=closed|DeviceAllow=/dev/hd-diff-missing r
DevicePolicy=strict|DeviceAllow=/dev/null r|DeviceAllow=char-hd-no-such-class rw|DeviceAllow=block-loop r
DeviceAllow=/dev/null r|DeviceAllow=
IPAddressDeny=any|IPAddressAllow=localhost
IPAddressDeny=any
IPAddressDeny=10.250.0.0/16
IPAddressDeny=any|IPAddressAllow=$UDPADDR
IPAddressDeny=127.0.0.0/8|IPAddressAllow=127.0.0.1/32
IPAddressDeny=localhost multicast|IPAddressDeny=|IPAddressDeny=$UDPADDR
IPAddressAllow=localhost
PrivateDevices=yes|IPAddressDeny=any|IPAddressAllow=localhost
EOF
n=0
while IFS= read -r row; do
	n=$((n + 1))
	{
		echo "[Unit]"
		echo "Description=harden differential row $n"
		echo "[Service]"
		echo "Type=oneshot"
		echo "ExecStart=$P/fsprobe $ARGS"
		echo "StandardOutput=file:$OUT/$n.sd"
		echo "StandardError=file:$OUT/$n.sd.err"
		echo "TimeoutStartSec=30"
		[ -n "$row" ] && printf '%s\n' "$row" | tr '|' '\n'
	} >"$R/run/systemd/system/hd-diff-$n.service"
done <"$SD/rows"
ROWS=$n
RUNCG=$CG/hd-diff-run # removed with the container's cgroups by ct_teardown
mkdir "$RUNCG" || { echo "FAIL: cannot make $RUNCG"; exit 1; }
in_ct systemctl daemon-reload || { echo "FAIL: daemon-reload in the container failed"; exit 1; }
echo "$ROWS rows, probe: fsprobe $ARGS ($(since))"

n=0
set -f # a row's words are not patterns
while IFS= read -r row; do
	n=$((n + 1))
	# (a) systemd
	timeout 40 nsenter -t "$L" -a systemctl start "hd-diff-$n.service" 2>"$SD/$n.start.err"
	echo $? >"$SD/$n.start.rc"
	in_ct systemctl show "hd-diff-$n.service" -p Result -p ExecMainStatus | tr '\n' ' ' >"$SD/$n.result"
	# (b) harden run, as root in the container: the row's lines as -p (p), and the same unit file (u);
	# a row with a specifier (%S) is unit-file syntax: --unit only
	set --
	if [ -n "$row" ]; then
		old_ifs=$IFS IFS='|'
		for l in $row; do set -- "$@" -p "$l"; done
		IFS=$old_ifs
	fi
	for v in p u; do
		case $v$row in p*%*) continue ;; esac
		[ $v = u ] && set -- --unit "/run/systemd/system/hd-diff-$n.service"
		# in a cgroup of the container's (RUNCG): harden run makes the command's own below its own, and
		# the kernel moves a process only between cgroups its cgroup namespace reaches
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$RUNCG" \
		timeout 40 nsenter -t "$L" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OUTF="$OUT/$n.$v" sh -c \
			'umask 022; cd / && exec "$@" >"$OUTF" 2>"$OUTF.err"' sh "$P/harden" run --systemd=252 "$@" -- "$P/fsprobe" $ARGS
		echo $? >"$SD/$n.$v.rc"
	done
done <"$SD/rows"
set +f
echo "all rows run ($(since))"

# ---- the comparison: the whole table, the verdicts, the settings not yet compared ----
python3 - "$SD" "$R$OUT" <<'PY' || fail=1
import os, re, sys
sd_dir, out = sys.argv[1], sys.argv[2]
rows = open(os.path.join(sd_dir, "rows")).read().split("\n")[:-1]
NOT_ENF = re.compile(r"run: (\w+)= not enforced by run|run: (\w+)=: only the system-call part is enforced by run(?:, not (.*) \(needs systemd\))?")
VARIANTS = {"p": "harden run -p", "u": "harden run --unit"}

def read(p):
    try:
        return open(p, errors="replace").read()
    except OSError:
        return ""

def probes(text):
    d = {}
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        if k:
            d[k] = v
    return d

failed, not_compared, equal, unit_only = [], {}, 0, []
for n, row in enumerate(rows, 1):
    lines = [l for l in row.split("|") if l]
    keys = [l.partition("=")[0] for l in lines]
    label = " + ".join(lines) or "(none)"
    sd = probes(read(f"{out}/{n}.sd"))
    sd_rc = read(f"{sd_dir}/{n}.start.rc").strip()
    sd_res = read(f"{sd_dir}/{n}.result").strip()
    sd_refused = sd_rc != "0" and "ExecMainStatus=226" in sd_res
    runs = {}  # variant -> (outcomes, rc, stderr)
    for v in VARIANTS:
        if os.path.exists(f"{sd_dir}/{n}.{v}.rc"):
            runs[v] = (probes(read(f"{out}/{n}.{v}")), read(f"{sd_dir}/{n}.{v}.rc").strip(), read(f"{out}/{n}.{v}.err"))
    if "p" not in runs:
        unit_only.append(n)
    named, said = [], []
    for v, (_, _, err) in runs.items():
        for m in NOT_ENF.finditer(err):
            k = m.group(1) or m.group(2)
            if k in keys and k not in named:
                named.append(k)
                said.append(f"{k}= not enforced by run" if m.group(1) else
                            f"{k}=: run enforces all but {m.group(3) or 'a part'}")
    # per variant: its differences from systemd, or None when both refused to run it
    verdicts, bad = {}, False
    for v, (hd, rc, err) in runs.items():
        if sd_refused and rc == "125":
            verdicts[v] = None
            continue
        names = list(sd) + [k for k in hd if k not in sd]
        verdicts[v] = [k for k in names if sd.get(k) != hd.get(k)]
        bad = bad or bool(verdicts[v]) or rc != "0"
    if named:
        verdict = "NOT COMPARED (" + "; ".join(said) + ")"
        if runs and all(d == [] for d in verdicts.values()):
            verdict += f"; its {len(sd)} probes agree all the same"
        for k in named:
            not_compared.setdefault(k, []).append(n)
    elif sd_refused and all(d is None for d in verdicts.values()):
        # systemd refused to set up the namespace (226/NAMESPACE) and harden run refused too (fail closed)
        verdict = "equal: both refuse to run it (systemd 226/NAMESPACE, harden run 125)"
        equal += 1
    elif sd_rc != "0" or not sd:
        verdict = f"FAIL: the systemd service did not run the probe (systemctl start rc {sd_rc}; {sd_res}; " \
                  f"{read(f'{out}/{n}.sd.err').strip()[:300]})"
        failed.append(n)
    elif bad:
        verdict = "; ".join(f"{VARIANTS[v]}: {len(d or [])} DIFFERENCE(S)" + (f", rc {runs[v][1]}" if runs[v][1] != "0" else "")
                            for v, d in verdicts.items() if d or runs[v][1] != "0")
        failed.append(n)
    else:
        verdict = f"equal ({len(sd)} probes" + (", --unit only: specifiers" if "p" not in runs else "") + ")"
        equal += 1
    print(f"row {n:2} [{label}]: {verdict}")
    # the table: each probe's outcome under systemd, and under run where it differs
    same_runs = len(runs) == 2 and runs["p"][0] == runs["u"][0] and runs["p"][1] == runs["u"][1]
    shown = {"p": runs["p"]} if same_runs else runs
    for v, (hd, rc, err) in shown.items():
        name = "harden run" if same_runs else VARIANTS[v]
        if rc != "0" and not named and verdicts.get(v) is not None:
            for l in err.strip().splitlines()[-4:]:
                print(f"     {name} said: {l}")
        d = verdicts.get(v) or []
        if d and not (sd and hd):
            side, got = (name, sd) if sd else ("systemd", hd)
            print(f"     {side} printed nothing; the other: " + ", ".join(f"{k} {x}" for k, x in got.items()))
            continue
        for k in d:
            mark = "" if named else "   <-- differs"
            print(f"     {k:16} systemd {sd.get(k, '(none)'):14} {name} {hd.get(k, '(none)')}{mark}")
    if sd:
        diff_any = set().union(*[set(d or []) for d in verdicts.values()]) if verdicts else set()
        same = [f"{k} {sd[k]}" for k in sd if k not in diff_any]
        if same:
            print("     same in all: " + ", ".join(same))
print()
print(f"{len(rows)} rows, each run as a systemd service, under harden run -p and under harden run --unit "
      f"(rows {', '.join(map(str, unit_only)) or 'none'}: --unit only): {equal} equal, {len(failed)} differing or failed"
      + (f" (rows {', '.join(map(str, failed))})" if failed else "") + ", "
      f"{sum(1 for n in range(1, len(rows) + 1) if any(n in v for v in not_compared.values()))} not compared")
if not_compared:
    print("settings not yet compared (harden run says it does not enforce them, or not all of them): "
          + ", ".join(f"{k}= (row{'s' if len(v) > 1 else ''} {', '.join(map(str, v))})"
                      for k, v in sorted(not_compared.items())))
sys.exit(1 if failed else 0)
PY
exit $fail
