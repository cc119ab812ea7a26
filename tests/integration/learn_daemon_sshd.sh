#!/bin/sh
# A real daemon started from its own unit (issue 26's proof): Debian's ssh.service as shipped (copied
# into a temporary directory), with one drop-in that only points sshd at a test config (127.0.0.1, a free
# port, its own host key, a test user made here with a key, PasswordAuthentication for a failed login),
# is learned by `harden learn --unit` (EnvironmentFile=, ExecStartPre=, RuntimeDirectory=sshd,
# KillMode=process) from a SMOKE workload (one `ssh true`) and from a FULL one (a command, scp both ways,
# sftp ls/put/get/mkdir, an interactive `ssh -tt` session, a failed password login); FULL is also learned
# with --style=deny (a deny list: sshd runs whatever the user runs). Each drop-in is tried with FULL by
# `harden run --unit --while` beside the same unit: the SMOKE one must break FULL and the report must name
# each call it denied with its fix; the FULL and the deny one must pass FULL with nothing denied, killed
# or failed. Prints the table (exposure before -> after from each drop-in's "# Exposure" line).
# KEEP=1 keeps the temporary directory and says where.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "skip: needs root (sshd runs as root and logs a test user in)"; exit 77; }
SSHD=/usr/sbin/sshd
UNIT_SRC=/lib/systemd/system/ssh.service
[ -x $SSHD ] && [ -r $UNIT_SRC ] ||
	{ echo "skip: openssh-server is not installed (scripts/install-deps: openssh-server)"; exit 77; }
[ -x /usr/lib/openssh/sftp-server ] || { echo "skip: no /usr/lib/openssh/sftp-server (openssh-sftp-server)"; exit 77; }
for t in ssh scp sftp ssh-keygen useradd userdel python3; do
	command -v $t >/dev/null || { echo "skip: $t is not installed (scripts/install-deps: openssh-client, passwd)"; exit 77; }
done
. "${SRCDIR:-.}/tests/integration/daemon-common.sh"

# the test user: a name of our own, made here and removed at the end (only if this run made it)
TUSER=hdssh$$
case $TUSER in hdssh[0-9]*) ;; *) echo "FAIL: bad test user name $TUSER"; exit 1 ;; esac
id "$TUSER" >/dev/null 2>&1 && { echo "FAIL: a user $TUSER exists already"; exit 1; }
MADE_USER=
T=$(mktemp -d)
: "${T:?}"
chmod 755 "$T" # the user's session reads and writes under it
RUNPID=
user_pids() { ps -o pid= -u "$TUSER" 2>/dev/null; }
cleanup() {
	[ -n "$RUNPID" ] && kill -TERM "$RUNPID" 2>/dev/null && sleep 1
	dmn_cleanup
	# sshd (its pid file) and whatever session survived it (KillMode=process), by pid
	[ -s "$T/sshd.pid" ] && kill -KILL "$(cat "$T/sshd.pid")" 2>/dev/null
	if [ -n "$MADE_USER" ]; then
		for p in $(user_pids); do kill -KILL "$p" 2>/dev/null; done
		sleep 0.2
		userdel "$TUSER" 2>/dev/null || userdel -f "$TUSER" 2>/dev/null ||
			echo "warning: could not remove the test user $TUSER"
	fi
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "${T:?}"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# every run starts from an empty home (sftp's mkdir fails on a directory a previous run made)
home_reset() { rm -rf "${T:?}/home" && mkdir "$T/home" && chown "$TUSER:" "$T/home"; }
mkdir "$T/home"
# password '*': no password matches it (the failed login stays failed), and the account is not locked
useradd -M -d "$T/home" -s /bin/sh -p '*' -c "harden learn_daemon_sshd test" "$TUSER" ||
	{ echo "FAIL: useradd $TUSER"; exit 1; }
MADE_USER=1
chown "$TUSER:" "$T/home"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -C host -f "$T/host_ed25519" || { echo "FAIL: ssh-keygen (host key)"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -C "$TUSER" -f "$T/id_ed25519" || { echo "FAIL: ssh-keygen (user key)"; exit 1; }
cp "$T/id_ed25519.pub" "$T/authorized_keys"
chmod 644 "$T/authorized_keys"
cat >"$T/sshd_config" <<EOF_CONFIG
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/host_ed25519
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
# \$T is under /tmp, which is world-writable
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM yes
PermitRootLogin no
AllowUsers $TUSER
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 50
LogLevel VERBOSE
Subsystem sftp /usr/lib/openssh/sftp-server
EOF_CONFIG
# (sshd -t checks it too, but needs /run/sshd: the unit's ExecStartPre= does it, after RuntimeDirectory=)

# Debian's unit as shipped, and a drop-in that only points sshd at the test config (and its log at $T)
cp "$UNIT_SRC" "$T/ssh.service"
mkdir "$T/ssh.service.d"
cat >"$T/ssh.service.d/10-test.conf" <<EOF_DROPIN
[Service]
ExecStartPre=
ExecStartPre=$SSHD -t -f $T/sshd_config
ExecStart=
ExecStart=$SSHD -D -f $T/sshd_config -E $T/sshd.log
ExecReload=
ExecReload=$SSHD -t -f $T/sshd_config
ExecReload=/bin/kill -HUP \$MAINPID
EOF_DROPIN

# the client: no user config, the test's own key and known_hosts, never a prompt, bounded
SSHO="-F /dev/null -o UserKnownHostsFile=$T/known_hosts -o StrictHostKeyChecking=no -o BatchMode=yes"
SSHO="$SSHO -o ConnectTimeout=20 -o IdentitiesOnly=yes -o IdentityAgent=none -o LogLevel=ERROR -i $T/id_ed25519"
SSH="timeout 60 ssh $SSHO -p $PORT $TUSER@127.0.0.1"
# the failed password login: the password comes from SSH_ASKPASS (forced, no terminal), and is wrong
printf '#!/bin/sh\necho wrong-password\n' >"$T/askpass"
chmod 755 "$T/askpass"
head -c 300000 /dev/urandom >"$T/up.bin"
cat >"$T/sftp.batch" <<EOF_SFTP
ls -l
mkdir sftpdir
put $T/up.bin sftpdir/up2.bin
ls sftpdir
get sftpdir/up2.bin $T/sftp-got.bin
EOF_SFTP

# FULL prints one "FAILED: step" per failed step (and then exits 1)
workload_failures() { grep -c '^FAILED' "$1"; }

cat >"$T/smoke.sh" <<EOF_SMOKE
$SSH true
EOF_SMOKE
cat >"$T/full.sh" <<EOF_FULL
nf=0
failed() { echo "FAILED: \$*"; nf=\$((nf + 1)); }
rm -f $T/scp-got.bin $T/sftp-got.bin
# a command
test "\$($SSH 'id -un; echo \$((6 * 7))' | tr '\n' ' ')" = "$TUSER 42 " || failed "ssh command"
# scp both ways (the SFTP protocol: scp's default since OpenSSH 9.0), then the legacy protocol (-O)
timeout 60 scp -q $SSHO -P $PORT $T/up.bin $TUSER@127.0.0.1:up.bin || failed "scp to"
timeout 60 scp -q $SSHO -P $PORT $TUSER@127.0.0.1:up.bin $T/scp-got.bin || failed "scp from"
cmp -s $T/up.bin $T/scp-got.bin || failed "scp: the file came back different"
rm -f $T/scp-got.bin
timeout 60 scp -O -q $SSHO -P $PORT $T/up.bin $TUSER@127.0.0.1:up-O.bin || failed "scp -O to"
timeout 60 scp -O -q $SSHO -P $PORT $TUSER@127.0.0.1:up-O.bin $T/scp-got.bin || failed "scp -O from"
cmp -s $T/up.bin $T/scp-got.bin || failed "scp -O: the file came back different"
# sftp: ls, mkdir, put, get
timeout 60 sftp -q $SSHO -P $PORT -b $T/sftp.batch $TUSER@127.0.0.1 || failed "sftp batch"
cmp -s $T/up.bin $T/sftp-got.bin || failed "sftp: the file came back different"
# an interactive session on a terminal: commands fed on stdin
out=\$(printf 'echo tty-\$((6 * 7)); tty\nexit\n' | $SSH -tt 2>&1)
case \$out in *tty-42*/dev/pts/*) ;; *) failed "ssh -tt session: \$(echo "\$out" | tail -3)" ;; esac
# a failed password login: it must be refused as a failed authentication, nothing else
out=\$(SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none timeout 60 ssh -F /dev/null \
	-o UserKnownHostsFile=$T/known_hosts -o StrictHostKeyChecking=no -o ConnectTimeout=20 \
	-o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
	-p $PORT $TUSER@127.0.0.1 true </dev/null 2>&1)
rc=\$?
case "\$rc \$out" in "255 "*"Permission denied"*) ;; *) failed "wrong password: rc \$rc: \$(echo "\$out" | tail -2)" ;; esac
[ \$nf = 0 ]
EOF_FULL

# learn LABEL from WORKLOAD through the unit: $T/LABEL.conf
ssh_learn() { # LABEL WORKLOAD [learn options]
	label=$1 work=$2
	shift 2
	rm -f "$T/sshd.pid"
	home_reset
	timeout 600 "$HARDEN" learn --unit "$T/ssh.service" -o "$T/$label.conf" --profile-out "$T/$label.json" "$@" \
		--while "sh $T/$work.sh >$T/learn-$label.work 2>&1" \
		>"$T/learn-$label.out" 2>"$T/learn-$label.err" ||
		bad "learn $label: rc $?: $(tail -5 "$T/learn-$label.err"); workload: $(tail -3 "$T/learn-$label.work")"
	grep -q '^SystemCallFilter=' "$T/$label.conf" || bad "learn $label: no SystemCallFilter= in the drop-in"
	n=$(workload_failures "$T/learn-$label.work")
	[ "$n" = 0 ] || bad "learn $label: $n failed steps while learning (want 0): $(grep -m3 FAILED "$T/learn-$label.work")"
	grep 'learn: warning\|could not be followed' "$T/learn-$label.err" | sed "s/^/learn $label: /"
	for p in $(user_pids); do bad "learn $label: a session outlived the service: $(ps -o pid=,args= -p "$p")"; kill -KILL "$p"; done
}

# FULL under LABEL's drop-in, beside the same unit and test drop-in: one row of the table
ssh_try() { # LABEL
	label=$1 d=$T/try-$1
	mkdir -p "$d/ssh.service.d"
	cp "$T/ssh.service" "$d/"
	cp "$T/ssh.service.d/10-test.conf" "$d/ssh.service.d/"
	cp "$T/$label.conf" "$d/ssh.service.d/harden.conf"
	rm -f "$T/sshd.pid"
	home_reset
	timeout 600 "$HARDEN" run --unit "$d/ssh.service" --while "sh $T/full.sh >$T/$label.work 2>&1" \
		>"$T/$label.out" 2>"$T/$label.run" &
	RUNPID=$!
	wait $RUNPID
	rc=$?
	RUNPID=
	# denied: "- NAME: N calls denied ..." each followed by its "  fix: ..." (or "  fallback: ...": an
	# ENOSYS glibc retries with an older call, counted apart); kills: "run: blocked NAME"
	awk '/^- .* denied/{if(n)print n" "f; n=$2; sub(":","",n); f="deny"} /^  fallback: /{f="fallback"}
		END{if(n)print n" "f}' "$T/$label.run" >"$T/$label.calls"
	denied=$(grep -c ' deny$' "$T/$label.calls")
	names=$(sed -n 's/ deny$//p' "$T/$label.calls" | tr '\n' ' ')
	fallbacks=$(sed -n 's/ fallback$//p' "$T/$label.calls" | tr '\n' ' ')
	kills=$(grep -c ' run: blocked ' "$T/$label.run")
	# calls a file-system setting made fail, each named with its setting and fix by harden run
	fs=$(grep -cE '^- [a-z0-9_]+ .*: E[A-Z]+ \(.*\), [0-9]+ calls?, first in pid .* by ' "$T/$label.run")
	failed=$(workload_failures "$T/$label.work")
	grep -q 'the workload passed' "$T/$label.run" || [ "$failed" -gt 0 ] || failed=1 # the workload did not pass as a whole
	# each denied call must come with its own fix: SystemCallFilter=NAME where the allow list stopped it
	nofix=$(awk 'function done(){if(n&&f=="deny"&&!x)print n}
		/^- .* denied/{done(); n=$2; sub(":","",n); f="deny"; x=0; by=/ by SystemCallFilter= /}
		/^  fallback: /{f="fallback"}
		/^  fix: /{if(!by||$2=="SystemCallFilter="n)x=1}
		END{done()}' "$T/$label.run" | tr '\n' ' ')
	[ -z "$nofix" ] || bad "$label: the report gives no fix SystemCallFilter=NAME for: $nofix"
	exposure=$(sed -n 's/^# Exposure.*: \([0-9.]* -> [0-9.]*\).*/\1/p' "$T/$label.conf" | head -1)
	printf '%-10s %-4s %-7s %-4s %-7s %-6s %-12s %s%s\n' "$label" "$rc" "$denied" "$fs" "$failed" "$kills" "${exposure:-?}" "$names" \
		"${fallbacks:+(fallback, not a break: $fallbacks)}" >>"$T/table"
	for p in $(user_pids); do bad "$label: a session outlived the service: $(ps -o pid=,args= -p "$p")"; kill -KILL "$p"; done
}

t0=$(date +%s)
ssh_learn smoke smoke
ssh_learn full full
ssh_learn deny full --style=deny
[ $fail = 0 ] || { echo "learning failed: nothing to try"; exit 1; }
for l in smoke full deny; do
	ssh_try $l
	[ $l = smoke ] && smoke_rc=$rc smoke_denied=$denied smoke_kills=$kills smoke_failed=$failed
	if [ $l != smoke ]; then
		[ "$rc" = 0 ] || bad "$l: harden run --while exited $rc (want 0): $(grep -v 'not enforced by run' "$T/$l.run" | tail -3)"
		[ "$denied" = 0 ] || bad "$l: $denied calls denied (want 0): $names"
		[ "$fs" = 0 ] || bad "$l: $fs file-system denials (want 0): $(grep -A1 -E '^- [a-z0-9_]+ .*: E[A-Z]+ \(' "$T/$l.run" | head -6)"
		[ "$kills" = 0 ] || bad "$l: $kills kills (want 0): $(grep ' run: blocked ' "$T/$l.run" | head -3)"
		[ "$failed" = 0 ] || bad "$l: $failed failed steps (want 0): $(grep -m3 FAILED "$T/$l.work")"
	fi
done
[ "$smoke_rc" != 0 ] || bad "smoke: harden run --while passed FULL under the SMOKE drop-in"
[ $((smoke_denied + smoke_kills)) -gt 0 ] || bad "smoke: the SMOKE drop-in denied and killed nothing of FULL"
[ "$smoke_failed" -gt 0 ] || bad "smoke: no step of FULL failed under the SMOKE drop-in"
printf '%-10s %-4s %-7s %-4s %-7s %-6s %-12s %s\n' drop-in rc denied fs failed kills exposure "denied calls (FULL workload)"
cat "$T/table"
echo "(rc: harden run --while's status; denied: calls the drop-in denied with an errno; fs: calls a file-system"
echo " setting made fail (EROFS, EACCES, ENOENT), named with the setting and fix; failed: failed steps of"
echo " FULL; kills: processes the filter killed; exposure: the unit's before -> after, from the drop-in)"
echo "the SMOKE drop-in's report (harden run --unit --while, enforcing):"
grep -e '^- ' -e '^  fix: ' -e '^  fallback: ' -e ' run: blocked ' -e 'workload' -e 'file-system' "$T/smoke.run" | head -80
echo "failed steps under the SMOKE drop-in:"
grep FAILED "$T/smoke.work"
echo "runtime: $(($(date +%s) - t0)) s"
exit $fail
