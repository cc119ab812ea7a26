#!/bin/sh
# harden run: the credential settings as systemd 252 takes them in the service's process
# (CapabilityBoundingSet=, AmbientCapabilities=, User=, Group=, SupplementaryGroups=, UMask=,
# WorkingDirectory=, and the capabilities ProtectKernelModules= and its kin take out of the bounding
# set). As root they are enforced; a non-root run fails closed, or with --allow-partial lists them.
. "$(dirname "$0")/run-common.sh"

if [ "$(id -u)" != 0 ]; then
	echo "skip: the credential settings need root to be taken (setgroups, setresuid, PR_CAPBSET_DROP)" >&2
	exit 77
fi
if ! id nobody >/dev/null 2>&1 || ! getent group daemon >/dev/null || ! getent group adm >/dev/null; then
	echo "skip: needs the user nobody and the groups daemon and adm" >&2
	exit 77
fi
BIND_LOW="$TESTPROGS/bind_low"
[ -x "$BIND_LOW" ] || { echo "skip: $BIND_LOW not built" >&2; exit 77; }
# the test directory must be reachable by nobody (mktemp -d makes it 0700)
chmod 755 "$T"

# hex of one capability line of the command's /proc/self/status
caps() { awk -v k="$1:" '$1 == k { print $2 }' "$T/out"; }
has_bit() { [ $(( (0x$1 >> $2) & 1 )) = 1 ]; }

# ---- CapabilityBoundingSet= ----
touch "$T/owned"
run_h 0 "" "" -- -- chown nobody "$T/owned"
[ "$(stat -c %U "$T/owned")" = nobody ] || fail "chown nobody without a bounding set: owner $(stat -c %U "$T/owned")"
touch "$T/kept"
run_h 1 "" "Operation not permitted" -- -p 'CapabilityBoundingSet=~CAP_CHOWN' -- chown nobody "$T/kept"
[ "$(stat -c %U "$T/kept")" = root ] || fail "CapabilityBoundingSet=~CAP_CHOWN: chown succeeded"
run_h 0 "" "" -- -p CapabilityBoundingSet=CAP_NET_BIND_SERVICE -- grep ^Cap /proc/self/status
[ "$(caps CapBnd)" = 0000000000000400 ] || fail "CapabilityBoundingSet=CAP_NET_BIND_SERVICE: CapBnd $(caps CapBnd), want 0000000000000400"
[ "$(caps CapEff)" = 0000000000000400 ] || fail "CapabilityBoundingSet=CAP_NET_BIND_SERVICE: root's CapEff $(caps CapEff), want 0000000000000400"
# lines add up; "~" lines take out; an empty line resets (systemd's config_parse_capability_set)
run_h 0 "" "" -- -p CapabilityBoundingSet=CAP_CHOWN -p 'CapabilityBoundingSet=cap_kill 10' -- grep ^Cap /proc/self/status
[ "$(caps CapBnd)" = 0000000000000421 ] || fail "CAP_CHOWN + cap_kill 10: CapBnd $(caps CapBnd), want 0000000000000421"
run_h 0 "" "" -- -p CapabilityBoundingSet=CAP_CHOWN -p CapabilityBoundingSet= -- grep ^Cap /proc/self/status
[ "$(caps CapBnd)" = 0000000000000000 ] || fail "CapabilityBoundingSet= (empty) last: CapBnd $(caps CapBnd), want 0"
run_h 0 "" "" -- -p 'CapabilityBoundingSet=~CAP_CHOWN' -p 'CapabilityBoundingSet=~CAP_KILL' -- grep ^Cap /proc/self/status
b=$(caps CapBnd)
if has_bit "$b" 0 || has_bit "$b" 5 || ! has_bit "$b" 21; then
	fail "~CAP_CHOWN then ~CAP_KILL: CapBnd $b"
fi
# an unknown name: a usage error on -p; in a unit file a warning, the name skipped as systemd does
run_h 2 "" 'CAP_BOGUS' -- -p 'CapabilityBoundingSet=CAP_BOGUS CAP_CHOWN' -- true
mkdir -p "$T/units"
printf '[Service]\nCapabilityBoundingSet=CAP_BOGUS CAP_CHOWN\n' >"$T/units/bogus.service"
run_h 0 "" 'CAP_BOGUS' -- --unit "$T/units/bogus.service" -- grep ^CapBnd /proc/self/status
[ "$(caps CapBnd)" = 0000000000000001 ] || fail "unit CapabilityBoundingSet=CAP_BOGUS CAP_CHOWN: CapBnd $(caps CapBnd), want 1"

# ---- the capabilities other settings take out of the bounding set (unit_patch_contexts) ----
run_h 0 "" "" -- -- grep ^CapBnd /proc/self/status
full=$(caps CapBnd)
has_bit "$full" 16 || fail "CAP_SYS_MODULE is not in the bounding set to begin with: $full"
run_h 0 "" "" -- -p ProtectKernelModules=yes -- grep ^CapBnd /proc/self/status
has_bit "$(caps CapBnd)" 16 && fail "ProtectKernelModules=yes: CAP_SYS_MODULE still in CapBnd $(caps CapBnd)"
[ $(( 0x$full & ~(1 << 16) )) = $(( 0x$(caps CapBnd) )) ] || fail "ProtectKernelModules=yes dropped more than CAP_SYS_MODULE: $(caps CapBnd)"
run_h 0 "" "" -- -p ProtectKernelLogs=yes -- grep ^CapBnd /proc/self/status
[ $(( 0x$full & ~(1 << 34) )) = $(( 0x$(caps CapBnd) )) ] || fail "ProtectKernelLogs=yes: CapBnd $(caps CapBnd), want all but CAP_SYSLOG"
run_h 0 "" "" -- -p ProtectClock=yes -- grep ^CapBnd /proc/self/status
[ $(( 0x$full & ~(1 << 25) & ~(1 << 35) )) = $(( 0x$(caps CapBnd) )) ] || fail "ProtectClock=yes: CapBnd $(caps CapBnd), want all but CAP_SYS_TIME, CAP_WAKE_ALARM"
run_h 0 "" "" -- -p ProtectKernelTunables=yes -- grep ^CapBnd /proc/self/status
[ "$(caps CapBnd)" = "$full" ] || fail "ProtectKernelTunables=yes changed the bounding set: $(caps CapBnd)"

# ---- User=, Group=, SupplementaryGroups= ----
run_h 0 "^$(id -u nobody)\$" "" -- -p User=nobody -- id -u
# User= alone: the user's primary group and its groups from the group database (initgroups)
run_h 0 "" "" -- -p User=nobody -- id -G
want=$( (id -g nobody; getent group | awk -F: '$4 ~ /(^|,)nobody(,|$)/ { print $3 }') | sort -un | tr '\n' ' ')
got=$(tr ' ' '\n' <"$T/out" | sort -un | tr '\n' ' ')
[ "$got" = "$want" ] || fail "User=nobody: id -G '$got', want '$want'"
daemon=$(getent group daemon | cut -d: -f3)
adm=$(getent group adm | cut -d: -f3)
run_h 0 "" "" -- -p User=nobody -p Group=daemon -p 'SupplementaryGroups=adm' -- id -g
[ "$(cat "$T/out")" = "$daemon" ] || fail "Group=daemon: id -g $(cat "$T/out"), want $daemon"
run_h 0 "" "" -- -p User=nobody -p Group=daemon -p 'SupplementaryGroups=adm' -- id -G
want=$( (echo "$daemon"; echo "$adm"; getent group | awk -F: '$4 ~ /(^|,)nobody(,|$)/ { print $3 }') | sort -un | tr '\n' ' ')
got=$(tr ' ' '\n' <"$T/out" | sort -un | tr '\n' ' ')
[ "$got" = "$want" ] || fail "User=nobody Group=daemon SupplementaryGroups=adm: id -G '$got', want '$want'"
# without User=: Group= and SupplementaryGroups= replace the groups
run_h 0 "" "" -- -p Group=daemon -p SupplementaryGroups=adm -- id -G
got=$(tr ' ' '\n' <"$T/out" | sort -un | tr '\n' ' ')
want=$(printf '%s\n%s\n' "$daemon" "$adm" | sort -un | tr '\n' ' ')
[ "$got" = "$want" ] || fail "Group=daemon SupplementaryGroups=adm: id -G '$got', want '$want'"
run_h 125 "" 'User=no-such-user-here' -- -p User=no-such-user-here -- true
run_h 125 "" 'SupplementaryGroups=no-such-group-here' -- -p SupplementaryGroups=no-such-group-here -- true
# --exec-ids stands in for User=/Group= and says so
run_h 0 '^1$' 'exec-ids=1:1 stands in' -- --exec-ids=1:1 -p User=nobody -- id -u
run_h 0 '^0$' '' -- --exec-ids=keep -p User=nobody -- id -u

# ---- AmbientCapabilities= ----
port=$(( $(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024) - 1 ))
if [ "$port" -ge 1 ]; then
	[ "$port" -gt 1000 ] && port=1000
	run_h 1 "" "Permission denied" -- -p User=nobody -- "$BIND_LOW" "$port"
	run_h 0 "^bound $port\$" "" -- -p User=nobody -p AmbientCapabilities=CAP_NET_BIND_SERVICE -- "$BIND_LOW" "$port"
else
	echo "note: ip_unprivileged_port_start is 0: the low-port bind checks are skipped" >&2
fi
run_h 0 "" "" -- -p User=nobody -p AmbientCapabilities=CAP_NET_BIND_SERVICE -- grep ^Cap /proc/self/status
[ "$(caps CapAmb)" = 0000000000000400 ] || fail "AmbientCapabilities=CAP_NET_BIND_SERVICE: CapAmb $(caps CapAmb)"
[ "$(caps CapEff)" = 0000000000000400 ] || fail "AmbientCapabilities=CAP_NET_BIND_SERVICE: CapEff $(caps CapEff)"
# an ambient capability the bounding set lacks is dropped silently (capability_ambient_set_apply)
run_h 0 "" "" -- -p User=nobody -p AmbientCapabilities='CAP_NET_BIND_SERVICE CAP_CHOWN' -p CapabilityBoundingSet=CAP_NET_BIND_SERVICE -- grep ^Cap /proc/self/status
[ "$(caps CapAmb)" = 0000000000000400 ] || fail "ambient outside the bounding set: CapAmb $(caps CapAmb)"
# NoNewPrivileges=: implied for a filter once the uid is not 0 (no CAP_SYS_ADMIN left), ambient or not
run_h 0 "" "" -- -p User=nobody -p AmbientCapabilities=CAP_NET_BIND_SERVICE -p SystemCallFilter=@system-service -- grep -E '^(NoNewPrivs|CapAmb)' /proc/self/status
[ "$(caps NoNewPrivs)" = 1 ] || fail "User=nobody with a filter: NoNewPrivs $(caps NoNewPrivs), want 1"
[ "$(caps CapAmb)" = 0000000000000400 ] || fail "User=nobody with a filter: CapAmb $(caps CapAmb)"
run_h 0 "" "" -- -p SystemCallFilter=@system-service -- grep -E '^NoNewPrivs' /proc/self/status
[ "$(caps NoNewPrivs)" = 0 ] || fail "root with a filter: NoNewPrivs $(caps NoNewPrivs), want 0 (systemd leaves it to CAP_SYS_ADMIN)"

# ---- UMask= ----
( umask 000; "$HARDEN" run -p UMask=0077 -- touch "$T/u77" ) || fail "UMask=0077: touch failed"
[ "$(stat -c %a "$T/u77")" = 600 ] || fail "UMask=0077: mode $(stat -c %a "$T/u77"), want 600"
( umask 000; "$HARDEN" run -- touch "$T/u22" ) || fail "default umask: touch failed"
[ "$(stat -c %a "$T/u22")" = 644 ] || fail "no UMask=: mode $(stat -c %a "$T/u22"), want 644 (systemd's 0022)"
run_h 2 "" 'UMask=' -- -p UMask=0999 -- true

# ---- WorkingDirectory= ----
run_h 0 '^/var$' "" -- -p WorkingDirectory=/var -- pwd
run_h 0 '' "" -- -p WorkingDirectory=-/nonexistent-harden-dir -- pwd
run_h 125 "" 'WorkingDirectory=/nonexistent-harden-dir' -- -p WorkingDirectory=/nonexistent-harden-dir -- pwd
run_h 0 '^/root$' "" -- -p WorkingDirectory=~ -- pwd
run_h 2 "" 'WorkingDirectory=relative' -- -p WorkingDirectory=relative -- pwd
# entered after the uid change: a directory only root may enter stops User=nobody
mkdir -m 700 "$T/private"
run_h 125 "" 'WorkingDirectory=' -- -p User=nobody -p WorkingDirectory="$T/private" -- pwd
# and after the mount namespace: a private /tmp is what it names
run_h 0 '^/tmp$' "" -- -p PrivateTmp=yes -p WorkingDirectory=/tmp -- sh -c 'pwd; test -z "$(ls -A)"'

# ---- not root: fail closed, or with --allow-partial listed as not enforced ----
if command -v setpriv >/dev/null; then
	NOBODY="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	$NOBODY "$HARDEN" run -p 'CapabilityBoundingSet=~CAP_CHOWN' -p User=daemon -p UMask=0077 -- sh -c umask >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 125 ] || fail "not root, no --allow-partial: exit $rc, want 125: $(cat "$T/err")"
	grep -q 'cannot enforce.*CapabilityBoundingSet=' "$T/err" || fail "not root: CapabilityBoundingSet= not named: $(cat "$T/err")"
	grep -q 'cannot enforce.*User=' "$T/err" || fail "not root: User= not named: $(cat "$T/err")"
	[ -s "$T/out" ] && fail "not root, fail closed: the command ran: $(cat "$T/out")"
	$NOBODY "$HARDEN" run --allow-partial -p 'CapabilityBoundingSet=~CAP_CHOWN' -p User=daemon -p UMask=0077 -p WorkingDirectory=/var -- sh -c 'umask; pwd' >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 0 ] || fail "not root, --allow-partial: exit $rc: $(cat "$T/err")"
	grep -q 'CapabilityBoundingSet= not enforced' "$T/err" || fail "--allow-partial: CapabilityBoundingSet= not listed: $(cat "$T/err")"
	grep -q 'User= not enforced' "$T/err" || fail "--allow-partial: User= not listed: $(cat "$T/err")"
	grep -q 'UMask= not enforced' "$T/err" && fail "--allow-partial: UMask= listed, but it needs no privilege: $(cat "$T/err")"
	[ "$(head -1 "$T/out")" = 0077 ] || fail "not root: UMask=0077 not applied: $(cat "$T/out")"
	[ "$(sed -n 2p "$T/out")" = /var ] || fail "not root: WorkingDirectory=/var not applied: $(cat "$T/out")"
	# the implied drop is named by its setting
	$NOBODY "$HARDEN" run -p ProtectClock=yes -- true >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 125 ] && grep -q 'cannot enforce ProtectClock=' "$T/err" || fail "not root, ProtectClock=yes: exit $rc: $(cat "$T/err")"
else
	echo "note: no setpriv: the non-root checks are skipped" >&2
fi

# ---- run --unit: the unit's lines, folded as systemd folds them ----
cat >"$T/units/creds.service" <<'UNIT'
[Service]
ExecStart=/bin/true
User=nobody
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_CHOWN
CapabilityBoundingSet=~CAP_CHOWN
UMask=0027
WorkingDirectory=/var
UNIT
run_h 0 "" "" -- --unit "$T/units/creds.service" -- sh -c 'id -u; umask; pwd; grep -E "^Cap(Bnd|Amb)" /proc/self/status'
[ "$(sed -n 1p "$T/out")" = "$(id -u nobody)" ] || fail "unit User=nobody: $(cat "$T/out")"
[ "$(sed -n 2p "$T/out")" = 0027 ] || fail "unit UMask=0027: $(cat "$T/out")"
[ "$(sed -n 3p "$T/out")" = /var ] || fail "unit WorkingDirectory=/var: $(cat "$T/out")"
[ "$(caps CapBnd)" = 0000000000000400 ] || fail "unit CapabilityBoundingSet= lines: CapBnd $(caps CapBnd), want 0000000000000400"
[ "$(caps CapAmb)" = 0000000000000400 ] || fail "unit AmbientCapabilities=: CapAmb $(caps CapAmb)"
grep -Eq 'not enforced.*(User|Capability|UMask|WorkingDirectory)' "$T/err" && fail "unit: a credential setting listed as not enforced: $(cat "$T/err")"

# ---- run --unit --while: the unit's own commands take the same credentials ("!" keeps root) ----
mkdir -m 777 "$T/svc"
{
	echo '#!/bin/sh'
	echo "id -u >$T/svc/uid; id -G >$T/svc/groups; umask >$T/svc/umask; pwd >$T/svc/pwd"
	echo "grep -E '^Cap(Amb|Bnd)' /proc/self/status >$T/svc/caps"
	echo 'exec sleep 7421'
} >"$T/svc.sh"
chmod 755 "$T/svc.sh"
cat >"$T/units/while.service" <<UNIT
[Service]
User=nobody
SupplementaryGroups=adm
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
UMask=0077
WorkingDirectory=$T/svc
ExecStartPre=!/bin/sh -c 'id -u >$T/svc/pre-uid; id -G >$T/svc/pre-groups'
ExecStartPre=!!/bin/sh -c 'id -u >$T/svc/pre2-uid'
ExecStart=$T/svc.sh
UNIT
"$HARDEN" run --unit "$T/units/while.service" --while 'sleep 0.3' --ready-after=0.3 >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 0 ] || fail "--while: exit $rc: $(cat "$T/err")"
[ "$(cat "$T/svc/uid" 2>/dev/null)" = "$(id -u nobody)" ] || fail "--while: the service's uid is $(cat "$T/svc/uid" 2>/dev/null)"
tr ' ' '\n' <"$T/svc/groups" 2>/dev/null | grep -qx "$adm" || fail "--while: SupplementaryGroups=adm missing: $(cat "$T/svc/groups" 2>/dev/null)"
[ "$(cat "$T/svc/umask" 2>/dev/null)" = 0077 ] || fail "--while: umask $(cat "$T/svc/umask" 2>/dev/null)"
[ "$(cat "$T/svc/pwd" 2>/dev/null)" = "$T/svc" ] || fail "--while: pwd $(cat "$T/svc/pwd" 2>/dev/null)"
grep -q 'CapAmb:.*0000000000000400' "$T/svc/caps" 2>/dev/null || fail "--while: ambient set: $(cat "$T/svc/caps" 2>/dev/null)"
grep -q 'CapBnd:.*0000000000000400' "$T/svc/caps" 2>/dev/null || fail "--while: bounding set: $(cat "$T/svc/caps" 2>/dev/null)"
[ "$(cat "$T/svc/pre-uid" 2>/dev/null)" = 0 ] || fail "--while: ExecStartPre=! did not keep root: $(cat "$T/svc/pre-uid" 2>/dev/null)"
# ... with User='s groups (systemd 252's initgroups comes before it knows the command keeps root), not adm
nobody_gid=$(id -g nobody)
tr ' ' '\n' <"$T/svc/pre-groups" 2>/dev/null | grep -qx "$nobody_gid" || fail "--while: ExecStartPre=! lacks User='s group $nobody_gid: $(cat "$T/svc/pre-groups" 2>/dev/null)"
tr ' ' '\n' <"$T/svc/pre-groups" 2>/dev/null | grep -qx "$adm" && fail "--while: ExecStartPre=! got SupplementaryGroups=: $(cat "$T/svc/pre-groups" 2>/dev/null)"
# "!!" keeps root only on a kernel without ambient capabilities (systemd's fallback); here User= holds
[ "$(cat "$T/svc/pre2-uid" 2>/dev/null)" = "$(id -u nobody)" ] || fail "--while: ExecStartPre=!! did not take User=: $(cat "$T/svc/pre2-uid" 2>/dev/null)"
grep -Eq 'not enforced.*(User|Capability|UMask|WorkingDirectory|SupplementaryGroups)' "$T/err" && fail "--while: a credential setting listed as not enforced: $(cat "$T/err")"
pkill -f 'sleep 7421' 2>/dev/null

finish
