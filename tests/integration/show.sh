#!/bin/sh
# harden show: exit codes, warnings, --strict, --json, --diff, and differential checks against
# systemd 252's own parser (systemd-analyze verify / syscall-filter) where it is installed.
set -u
export LC_ALL=C # sort like strcmp
: "${HARDEN:?}" "${SRCDIR:?}"
fail=0
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

check() { # check DESCRIPTION EXPECTED_RC ACTUAL_RC
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1: exit $3, expected $2" >&2
		fail=1
	fi
}
contains() { # contains DESCRIPTION FILE STRING
	if ! grep -qF -- "$3" "$2"; then
		echo "FAIL: $1: '$3' not in output:" >&2
		head -c 2000 "$2" >&2
		fail=1
	fi
}

H="$HARDEN show --systemd=252"

# --- usage errors: exit 2
$HARDEN show --bogus >/dev/null 2>&1; check "unknown option" 2 $?
$HARDEN show -p NoEquals >/dev/null 2>&1; check "-p without =" 2 $?
$HARDEN show --systemd=251 -p SystemCallFilter=read >/dev/null 2>&1; check "bad --systemd" 2 $?
$HARDEN show --arch=vax >/dev/null 2>&1; check "bad --arch" 2 $?
$HARDEN show --diff -p SystemCallFilter=read >/dev/null 2>&1; check "--diff without --" 2 $?
$HARDEN show --diff -- --json >/dev/null 2>&1; check "--diff: option after --" 2 $?
$HARDEN show --help >"$tmp/help" 2>&1; check "--help" 0 $?
contains "--help mentions --diff" "$tmp/help" "--diff"

# --- the systemctl-show format
$H -p 'SystemCallFilter=~write:kill read:EPERM close:0 fsync:200' -p SystemCallErrorNumber=EACCES \
	-p 'RestrictAddressFamilies=AF_UNIX AF_INET' -p 'RestrictNamespaces=~user' \
	-p 'SystemCallArchitectures=x86 native' -p 'SystemCallLog=read' >"$tmp/out" 2>"$tmp/err"
check "plain show" 0 $?
contains "deny list with actions" "$tmp/out" "SystemCallFilter=~close:0 fsync:200 read:EPERM write:kill"
contains "errno number" "$tmp/out" "SystemCallErrorNumber=13"
contains "families sorted by name" "$tmp/out" "RestrictAddressFamilies=AF_INET AF_UNIX"
# 252's "all namespaces" lacks time, so ~user allows the other six (its unit dump says the same)
contains "namespaces" "$tmp/out" "RestrictNamespaces=cgroup ipc net mnt pid uts"
contains "architectures" "$tmp/out" "SystemCallArchitectures=native x86"
contains "log" "$tmp/out" "SystemCallLog=read"
[ -s "$tmp/err" ] && { echo "FAIL: unexpected warnings:" >&2; cat "$tmp/err" >&2; fail=1; }
$H -p SystemCallErrorNumber=kill >"$tmp/out" 2>&1
contains "kill as systemd's number" "$tmp/out" "SystemCallErrorNumber=2147483646"

# --- warnings name the word; --strict turns them into exit 1
$H -p 'SystemCallFilter=~bogus_call read' >"$tmp/out" 2>"$tmp/err"
check "warning alone is exit 0" 0 $?
contains "warning names the word" "$tmp/err" "harden: warning: Failed to parse system call, ignoring: bogus_call"
contains "the rest still applies" "$tmp/out" "SystemCallFilter=~read"
$H --strict -p 'SystemCallFilter=~bogus_call read' >"$tmp/out" 2>"$tmp/err"
check "--strict with a warning" 1 $?
[ -s "$tmp/out" ] && { echo "FAIL: --strict printed a result" >&2; fail=1; }
$H --strict -p 'SystemCallFilter=~read' >/dev/null 2>&1; check "--strict without warnings" 0 $?
# systemd 252 cannot install an allow list entry whose action equals the default (libseccomp: EACCES)
$H --strict -p SystemCallFilter=@system-service -p 'SystemCallFilter=~read:kill' >/dev/null 2>"$tmp/err"
check "allow-list entry with the default action" 1 $?
contains "install failure explained" "$tmp/err" "fails to start the service"
$H -p 'User=nobody' >/dev/null 2>"$tmp/err"
contains "non-seccomp key warned" "$tmp/err" "User"

# --- --unit: the unit's lines first (warnings with FILE:LINE), then -p on top
printf '[Unit]\nDescription=t\n[Service]\nExecStart=/bin/true\nSystemCallFilter=~@swap bogus_call\nSystemCallErrorNumber=EPERM\n' >"$tmp/u.service"
$H --unit "$tmp/u.service" -p 'SystemCallFilter=swapon' >"$tmp/out" 2>"$tmp/err"
check "--unit" 0 $?
contains "unit line warned with file:line" "$tmp/err" "u.service:5: warning: Failed to parse system call, ignoring: bogus_call"
contains "-p applied after the unit" "$tmp/out" "SystemCallFilter=~swapoff"
contains "unit's errno" "$tmp/out" "SystemCallErrorNumber=1"
$H --unit "$tmp/missing.service" >/dev/null 2>&1; check "--unit on a missing file" 1 $?
# "harden show FILE" is "harden show --unit FILE"
$H -p 'SystemCallFilter=swapon' "$tmp/u.service" >"$tmp/out2" 2>/dev/null
check "positional FILE" 0 $?
contains "positional FILE applies the unit's lines" "$tmp/out2" "SystemCallErrorNumber=1"
$H "$tmp/u.service" "$tmp/u.service" >/dev/null 2>&1; check "two positional files" 2 $?
$H --diff --unit "$tmp/u.service" -- --unit "$tmp/u.service" -p 'SystemCallFilter=swapoff' >"$tmp/out"
check "--diff between a unit and the unit plus a drop-in line" 1 $?
contains "diff names swapoff" "$tmp/out" "swapoff"

# --- JSON: parses, carries the rule sets; 252 vs latest allow-list defaults
$H --json -p SystemCallFilter=read -p SystemCallErrorNumber=EPERM --arch=arm64 >"$tmp/j252"
check "--json" 0 $?
if ! jq -e . "$tmp/j252" >/dev/null; then echo "FAIL: --json is not JSON" >&2; fail=1; fi
[ "$(jq -r '.rulesets[0].default.action + " " + (.rulesets[0].default.errno|tostring)' "$tmp/j252")" = "errno 1" ] ||
	{ echo "FAIL: 252 allow list default is not ERRNO(EPERM)" >&2; fail=1; }
jq -e '.rulesets | map(.arch) | index("arm64") != null' "$tmp/j252" >/dev/null ||
	{ echo "FAIL: --arch=arm64 missing from rulesets" >&2; fail=1; }
$HARDEN show --systemd=latest --json -p SystemCallFilter=read >"$tmp/jlatest"
[ "$(jq -r '.rulesets[0].default.errno_name' "$tmp/jlatest")" = ENOSYS ] ||
	{ echo "FAIL: latest allow list default is not ENOSYS" >&2; fail=1; }
[ "$(jq -r '.rulesets[0].rules[] | select(.name == "reboot") | .action' "$tmp/jlatest")" = kill ] ||
	{ echo "FAIL: latest: reboot has no explicit kill rule" >&2; fail=1; }
python3 -m json.tool "$tmp/jlatest" >/dev/null || { echo "FAIL: json.tool rejects --json" >&2; fail=1; }

# --- diff: what B allows that A does not
$H --diff -p SystemCallFilter=@system-service -- -p SystemCallFilter=@system-service -p SystemCallFilter=reboot >"$tmp/out"
check "--diff with a difference" 1 $?
contains "diff names reboot" "$tmp/out" "reboot"
$H --diff -p SystemCallFilter=@system-service -- -p SystemCallFilter=@system-service >"$tmp/out"
check "--diff without a difference" 0 $?
$H --diff --json -p 'SystemCallFilter=~@mount' -- -p 'SystemCallFilter=~@mount' -p 'SystemCallFilter=mount' >"$tmp/out"
jq -e '.[0].b_allows | map(.name) == ["mount"]' "$tmp/out" >/dev/null ||
	{ echo "FAIL: --diff --json does not say exactly mount" >&2; cat "$tmp/out" >&2; fail=1; }

# --- differential: the same lines through systemd 252's parser
if command -v systemd-analyze >/dev/null 2>&1 && systemd-analyze --version | grep -q '^systemd 252'; then
	cat >"$tmp/lines" <<'LINES'
SystemCallFilter=read:EPERM @foo bogus_call @system-service
SystemCallFilter=~write:EBOGUS fsync:4096 sync: mseal close:kill
SystemCallErrorNumber=0
SystemCallErrorNumber=EFOO
SystemCallErrorNumber=eperm
SystemCallLog=read:EPERM write
SystemCallArchitectures=native foo x86_64 x86
RestrictNamespaces=net foo
RestrictNamespaces=~user
RestrictAddressFamilies=AF_INET AF_BOGUS af_unix AF_UNSPEC AF_MAX
LockPersonality=maybe
ProtectClock=
NoNewPrivileges=on
LINES
	{ printf '[Service]\nExecStart=/bin/true\n'; cat "$tmp/lines"; } >"$tmp/t.service"
	systemd-analyze verify "$tmp/t.service" 2>&1 | sed -n 's/^[^:]*:[0-9]*: //p' | sort -u >"$tmp/want"
	set --
	while IFS= read -r l; do set -- "$@" -p "$l"; done <"$tmp/lines"
	$H "$@" 2>&1 >/dev/null | sed -n 's/^harden: warning: //p' | sort -u >"$tmp/got"
	if ! diff "$tmp/want" "$tmp/got" >"$tmp/d"; then
		echo "FAIL: warnings differ from systemd-analyze verify 252 (< systemd, > harden):" >&2
		cat "$tmp/d" >&2
		fail=1
	fi
	[ -s "$tmp/want" ] || { echo "FAIL: systemd-analyze gave no warnings to compare" >&2; fail=1; }

	# group expansion: ~@privileged must list exactly the group's syscalls libseccomp knows, also those
	# with no x86-64 number (a negative pseudo number: chown32, ...), as systemd keeps them in its map
	expand() { # expand @group: every syscall name inside, nested groups expanded
		systemd-analyze syscall-filter "$1" | sed -n '3,$p' | sed 's/^ *//' | while read -r m; do
			case "$m" in
			'#'*|'') ;;
			@*) expand "$m" ;;
			*) echo "$m" ;;
			esac
		done
	}
	if [ "$(uname -m)" = x86_64 ] && command -v scmp_sys_resolver >/dev/null 2>&1; then
		expand @privileged | sort -u | while read -r n; do
			nr=$(scmp_sys_resolver -a x86_64 "$n")
			[ "$nr" -ne -1 ] 2>/dev/null && echo "$n"
		done | tr '\n' ' ' | sed 's/ $//' >"$tmp/want"
		$H -p 'SystemCallFilter=~@privileged' | sed -n 's/^SystemCallFilter=~//p' >"$tmp/got"
		if [ "$(cat "$tmp/want")" != "$(cat "$tmp/got")" ]; then
			echo "FAIL: ~@privileged differs from systemd-analyze syscall-filter 252:" >&2
			echo " want: $(cat "$tmp/want")" >&2
			echo " got:  $(cat "$tmp/got")" >&2
			fail=1
		fi
	fi
else
	echo "note: systemd-analyze 252 not installed; differential checks skipped" >&2
fi

exit $fail
