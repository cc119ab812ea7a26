#!/bin/sh
# The seed story: sed -i needs fchown; a filter that denies @chown kills it, and harden says why.
. "$(dirname "$0")/run-common.sh"

printf 'aaa\n' >"$T/f"
# 1. denied: killed by the filter (exit 128+SIGSYS), the report names the call, its group and the fix
run_h 159 "" 'blocked fchown \(nr 93, x86-64\) in pid [0-9]+ \(sed, [^)]*sed\)' -- \
	-p SystemCallFilter=@system-service -p SystemCallFilter=~@chown -- sed -i s/a/b/ "$T/f"
grep -q '@chown' "$T/err" || fail "report does not name @chown: $(cat "$T/err")"
grep -q 'fix: SystemCallFilter=fchown' "$T/err" || fail "no fix in report: $(cat "$T/err")"
grep -q '^aaa$' "$T/f" || fail "sed changed the file although it was killed before rename"

# 2. --audit: runs to completion as if unfiltered, and lists fchown
run_h 0 "" 'fchown: [0-9]+ calls?, first fchown' -- --audit \
	-p SystemCallFilter=@system-service -p SystemCallFilter=~@chown -- sed -i s/a/b/ "$T/f"
grep -q '^baa$' "$T/f" || fail "--audit: sed did not complete: $(cat "$T/f")"
grep -q '@chown' "$T/err" || fail "--audit report does not name @chown"

# 3. @system-service alone: works, nothing reported
run_h 0 "" "" -- -p SystemCallFilter=@system-service -- sed -i s/a/c/ "$T/f"
grep -q '^bca$' "$T/f" || fail "sed under @system-service: $(cat "$T/f")"
[ -s "$T/err" ] && fail "unexpected stderr: $(cat "$T/err")"

# 4. same with systemd 252 semantics
printf 'aaa\n' >"$T/g"
run_h 159 "" 'blocked fchown' -- --systemd=252 \
	-p SystemCallFilter=@system-service -p SystemCallFilter=~@chown -- sed -i s/a/b/ "$T/g"
# 4b. --json: the same report for machines (stderr; stdout stays the command's)
printf 'aaa\n' >"$T/h"
run_h 159 "" '"blocked"' -- --json -p SystemCallFilter=@system-service -p SystemCallFilter=~@chown -- sed -i s/a/b/ "$T/h"
python3 -c 'import json,sys; o=[json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.startswith("{\"blocked\"")][-1]["blocked"]; assert o["syscall"]=="fchown" and o["nr"]==93 and o["abi"]=="x86-64" and o["killed"] and "@chown" in o["groups"] and o["fix"]=="SystemCallFilter=fchown" and o["fix_group"]=="@chown", o' "$T/err" \
	|| fail "--json kill report: $(cat "$T/err")"
run_h 0 "" '"audit"' -- --json --audit -p SystemCallFilter=@system-service -p SystemCallFilter=~@chown -- sed -i s/a/b/ "$T/h"
python3 -c 'import json,sys; a=json.loads(open(sys.argv[1]).read().splitlines()[-1])["audit"]; assert [e["syscall"] for e in a]==["fchown"] and a[0]["count"]>=1 and not a[0]["killed"], a' "$T/err" \
	|| fail "--json audit report: $(cat "$T/err")"
# 4c. denied with an errno (a learned drop-in's SystemCallErrorNumber=EPERM): the command fails softly with
# its own status, and harden names each denied call once, with its count, setting and fix
: >"$T/c"
run_h 1 "" 'fchownat: 1 call denied, first fchownat \(nr 260, x86-64\) in pid [0-9]+ \(chown, [^)]*\), by SystemCallFilter= \(errno EPERM\)' -- \
	-p 'SystemCallFilter=~@chown' -p SystemCallErrorNumber=EPERM -- chown root "$T/c"
grep -q 'Operation not permitted' "$T/err" || fail "denied: chown did not see EPERM: $(cat "$T/err")"
grep -q '^  fix: SystemCallFilter=fchownat$' "$T/err" || fail "denied: no fix: $(cat "$T/err")"
# a loop of denied calls: one line with the count, not one per call
run_h 0 "" 'getppid: [0-9]+ calls denied' -- -p 'SystemCallFilter=~getppid:EACCES' -- \
	python3 -c 'import os
for _ in range(50): os.getppid()'
n=$(sed -n 's/^- getppid: \([0-9]*\) calls denied.*/\1/p' "$T/err")
[ -n "$n" ] && [ "$n" -ge 50 ] && [ "$(grep -c '^- ' "$T/err")" = 1 ] || fail "denied calls are not counted once: $(cat "$T/err")"
# an ENOSYS glibc falls back from is marked as such, not given a fix
run_h 0 "" 'fallback: ENOSYS makes glibc retry with newfstatat' -- -p 'SystemCallFilter=~statx:ENOSYS' -- ls -l "$T/c"
grep -q 'fix: SystemCallFilter=statx' "$T/err" && fail "fallback given a fix: $(cat "$T/err")"
run_h 1 "" '"denied"' -- --json -p 'SystemCallFilter=~@chown' -p SystemCallErrorNumber=EPERM -- chown root "$T/c"
python3 -c 'import json,sys; d=[json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.startswith("{")][-1]["denied"]; assert [e["syscall"] for e in d]==["fchownat"] and d[0]["count"]==1 and d[0]["denied"] and not d[0]["killed"] and d[0]["action"]=="errno EPERM" and d[0]["fix"]=="SystemCallFilter=fchownat", d' "$T/err" \
	|| fail "--json denied report: $(cat "$T/err")"
# nothing denied: an empty list for machines, nothing for people
run_h 0 "" '^\{"denied":\[\],"complete":true\}$' -- --json -p SystemCallFilter=@system-service -- true
# 5. stdin, stdout and exit status pass through
out=$(printf 'xyz\n' | "$HARDEN" run -p SystemCallFilter=@system-service -- sh -c 'tr x q; exit 7')
rc=$?
[ "$rc" = 7 ] || fail "exit status not passed through: $rc"
[ "$out" = "qyz" ] || fail "stdin/stdout not passed through: $out"
finish
