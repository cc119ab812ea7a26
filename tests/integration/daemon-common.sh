# Sourced by the learn_daemon_*.sh tests: one real daemon, learned from a SMOKE and a FULL workload, then
# tried under each drop-in with FULL. The daemon test provides what differs between daemons:
#   T            a temporary directory (the test's own trap removes it and calls dmn_cleanup)
#   DAEMON       the daemon's command line, in the foreground (word-split; no quoting needed in it)
#   $T/smoke.sh, $T/full.sh   the workloads (sh scripts, every step bounded by timeout)
#   daemon_ready         true once the daemon answers (polled for up to 30 s)
#   daemon_stop          asks the daemon to stop (it then exits within 10 s)
#   workload_failures F  prints the number of failed requests in workload output F (a number)
#   daemon_reset         (optional) run before every start: clear pid files, data left by a run
# and then calls:
#   dmn_learn LABEL WORKLOAD [learn options]   learn from WORKLOAD: $T/LABEL.conf, $T/LABEL.json
#   dmn_widen LABEL FROM                       $T/LABEL.conf from FROM's profile with --widen=static
#   dmn_try LABEL                              FULL under $T/LABEL.conf: once with run --audit (every call
#                                              the drop-in would block, with its fix), once enforcing
#                                              (failed requests, kills); one row of the table
#   dmn_table                                  prints the table
#   dmn_prove CALL WHY                         all of the above, with the assertions (see there)
# A drop-in is tried the way a user would before deploying it: as
# $T/LABEL.service.d/harden.conf beside a unit $T/LABEL.service whose ExecStart= is DAEMON, with
# `harden run --unit`. The rows' figures are in the variables blocked, names, failed, kills.
fail=0
bad() { echo "FAIL: $*"; fail=1; }
RUNPID=
dmn_cleanup() {
	[ -n "$RUNPID" ] && kill -KILL "$RUNPID" 2>/dev/null
	[ -n "$RUNPID" ] && wait "$RUNPID" 2>/dev/null
	RUNPID=
}
command -v daemon_reset >/dev/null 2>&1 || daemon_reset() { :; }

dmn_learn() { # LABEL WORKLOAD [learn options]
	label=$1 work=$2
	shift 2
	daemon_reset
	# shellcheck disable=SC2086 # DAEMON is a word list
	timeout 300 "$HARDEN" learn -o "$T/$label.conf" --profile-out "$T/$label.json" "$@" \
		--while "sh $T/$work.sh >$T/learn-$label.work 2>&1" -- $DAEMON \
		>"$T/learn-$label.out" 2>"$T/learn-$label.err" ||
		bad "learn $label: rc $?: $(tail -5 "$T/learn-$label.err"); workload: $(tail -3 "$T/learn-$label.work")"
	grep -q '^SystemCallFilter=' "$T/$label.conf" || bad "learn $label: no SystemCallFilter= in the drop-in"
	# a drop-in learned from a workload that failed part of the way lacks what the rest would have called
	# (SMOKE is one command, whose failure fails learn; workload_failures reads FULL's output)
	[ "$work" = full ] && n=$(workload_failures "$T/learn-$label.work") || n=0
	[ "$n" = 0 ] || bad "learn $label: $n failed requests or steps while learning (want 0): $(grep -m3 -i 'FAILED\|error' "$T/learn-$label.work")"
	grep 'learn: warning\|could not be followed' "$T/learn-$label.err" | sed "s/^/learn $label: /"
}

dmn_widen() { # LABEL FROM: FROM's profile, widened by harden check's static evidence
	"$HARDEN" learn --from-profile "$T/$2.json" --widen=static -o "$T/$1.conf" 2>"$T/learn-$1.err" ||
		bad "widen $1: rc $?: $(cat "$T/learn-$1.err")"
	grep -q '^# Not sure of' "$T/$2.conf" ||
		bad "the $2 drop-in has no 'Not sure of' section: nothing for --widen=static to add"
}

# one run of FULL under $T/$label.service (+ its drop-in): $1 is --audit or empty; stderr in $T/$label.$2
dmn_run_full() {
	mode=$1 out=$T/$label.$2
	daemon_reset
	# shellcheck disable=SC2086
	timeout 300 "$HARDEN" run --unit "$T/$label.service" $mode -- $DAEMON 2>"$out" &
	RUNPID=$!
	i=0 up=1
	until daemon_ready; do
		i=$((i + 1))
		if [ $i -ge 300 ] || ! kill -0 $RUNPID 2>/dev/null; then
			up=0
			break
		fi
		sleep 0.1
	done
	work_rc=0
	if [ $up = 1 ]; then
		sh "$T/full.sh" >"$T/$label.$2.work" 2>&1 || work_rc=$?
	else
		# that is a result (a drop-in too tight to start with), reported as one failed step
		echo "FAILED: the daemon did not come up under the drop-in" >"$T/$label.$2.work"
		work_rc=1
		echo "$label ($2): the daemon did not come up under the drop-in: $(grep -v 'not enforced by run' "$out" | tail -3)"
	fi
	daemon_stop 2>/dev/null
	i=0
	while kill -0 $RUNPID 2>/dev/null && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
	kill -0 $RUNPID 2>/dev/null && { bad "$label ($2): the daemon did not stop"; kill -KILL $RUNPID; }
	wait $RUNPID 2>/dev/null
	RUNPID=
}

dmn_try() { # LABEL
	label=$1
	# HARDEN_TEST_KEEP_DROPINS=DIR: each drop-in tried is also copied there (to measure it afterwards)
	[ -n "${HARDEN_TEST_KEEP_DROPINS:-}" ] && cp "$T/$label.conf" "$HARDEN_TEST_KEEP_DROPINS/$(basename "$0" .sh)-$label.conf"
	printf '[Service]\nExecStart=%s\n' "$DAEMON" >"$T/$label.service"
	mkdir -p "$T/$label.service.d"
	cp "$T/$label.conf" "$T/$label.service.d/harden.conf"
	# --audit: "- NAME: N calls, first ..." per call the drop-in would block, each followed by its fix
	dmn_run_full --audit audit
	# an entry marked "fallback" (answered ENOSYS, glibc retries with an older call) breaks nothing:
	# it is counted apart, and every other entry must come with a fix
	awk '/^- /{if(n)print n" "f; n=$2; sub(":","",n); f="block"} /^  fallback: /{f="fallback"} END{if(n)print n" "f}' \
		"$T/$label.audit" >"$T/$label.calls"
	blocked=$(grep -c ' block$' "$T/$label.calls")
	names=$(sed -n 's/ block$//p' "$T/$label.calls" | tr '\n' ' ')
	fallbacks=$(sed -n 's/ fallback$//p' "$T/$label.calls" | tr '\n' ' ')
	# each entry that is not a fallback must carry its own fix (a count of fix lines could pair them
	# wrongly); a call the allow list stopped ("by SystemCallFilter=") must be fixed by naming it there
	nofix=$(awk 'function done(){if(n&&f=="block"&&!x)print n}
		/^- /{done(); n=$2; sub(":","",n); f="block"; x=0; by=/ by SystemCallFilter= /}
		/^  fallback: /{f="fallback"}
		/^  fix: /{if(!by||$2=="SystemCallFilter="n)x=1}
		END{done()}' "$T/$label.audit" | tr '\n' ' ')
	[ -z "$nofix" ] || bad "$label: the report gives no fix of its own (SystemCallFilter=NAME where the allow list stopped it) for: $nofix"
	grep -q 'run --audit: .* would have been blocked\|run --audit: no call would' "$T/$label.audit" ||
		bad "$label: run --audit printed no verdict: $(tail -3 "$T/$label.audit")"
	# enforcing: what breaks. A call outside the list fails with the drop-in's SystemCallErrorNumber=
	# (silently: only the daemon's own errors show it) or kills ("blocked NAME: killed")
	dmn_run_full "" enforce
	kills=$(grep -c ' run: blocked ' "$T/$label.enforce")
	# calls the enforcing run denied with an errno (each listed once at its exit), fallbacks not counted
	denied=$(awk '/^- .* denied, first /{if(n)print n" "f; n=$2; f="deny"} /^  fallback: /{f="fallback"} END{if(n)print n" "f}' \
		"$T/$label.enforce" | grep -c ' deny$')
	# calls a file-system setting made fail, each named with its setting and fix by harden run at exit
	fs=$(grep -cE '^- [a-z0-9_]+ .*: E[A-Z]+ \(.*\), [0-9]+ calls?, first in pid .* by ' "$T/$label.enforce")
	failed=$(workload_failures "$T/$label.enforce.work")
	[ "$work_rc" = 0 ] || failed=$((failed + 1))
	exposure=$(sed -n 's/^# Exposure.*: \([0-9.]* -> [0-9.]*\).*/\1/p' "$T/$label.conf" | head -1)
	printf '%-16s %-8s %-8s %-6s %-7s %-4s %-12s %s%s\n' "$label" "$blocked" "$failed" "$kills" "$denied" "$fs" "${exposure:-?}" "$names" \
		"${fallbacks:+(fallback, not a break: $fallbacks)}" >>"$T/table"
}

dmn_table() {
	printf '%-16s %-8s %-8s %-6s %-7s %-4s %-12s %s\n' "drop-in" "blocked" "failed" "kills" "denied" "fs" "exposure" "blocked calls (FULL workload)"
	cat "$T/table"
	echo "(blocked: calls run --audit says the drop-in would block, not counting ENOSYS fallbacks; failed: failed"
	echo " requests or steps with the drop-in enforced; kills: processes the filter killed; denied: calls it denied"
	echo " with an errno, as harden run names them at exit, fallbacks not counted; fs: calls a file-system setting"
	echo " made fail, named with the setting and fix; exposure: harden security)"
}

dmn_expect_clean() { # LABEL...: under these drop-ins FULL blocks nothing, fails nothing, kills nothing,
	# has nothing denied (by the filter or by a file-system setting)
	for d in "$@"; do
		row=$(grep "^$d " "$T/table")
		# shellcheck disable=SC2086
		set -- $row
		[ "$2" = 0 ] || bad "$d: $2 calls would be blocked (want 0): $(sed -n 's/^- //p' "$T/$d.audit" | head -5)"
		[ "$3" = 0 ] || bad "$d: $3 failed requests or steps (want 0): $(tail -3 "$T/$d.enforce.work")"
		[ "$4" = 0 ] || bad "$d: $4 kills (want 0): $(grep ' run: blocked ' "$T/$d.enforce" | head -3)"
		[ "$5" = 0 ] || bad "$d: $5 calls denied (want 0): $(grep -A1 '^- .* denied' "$T/$d.enforce" | head -4)"
		[ "$6" = 0 ] || bad "$d: $6 file-system denials (want 0): $(grep -A1 -E '^- [a-z0-9_]+ .*: E[A-Z]+ \(' "$T/$d.enforce" | head -4)"
	done
}

# The whole proof for one daemon: learn SMOKE and FULL, widen FULL, try each with FULL; SMOKE's drop-in
# must break (block CALL, which FULL does for WHY, and fail a step) and the others must not. Then the
# table and SMOKE's report (each call it would block, with its fix).
dmn_prove() { # CALL WHY
	dmn_learn smoke smoke
	dmn_learn full full
	[ $fail = 0 ] && dmn_widen widened full
	[ $fail = 0 ] || return # no drop-in to try
	for d in smoke full widened; do
		dmn_try $d
		[ $d = smoke ] && smoke_blocked=$blocked smoke_names=$names smoke_failed=$failed
	done
	[ "$smoke_blocked" -gt 0 ] || bad "smoke: the SMOKE drop-in blocked nothing of FULL"
	case " $smoke_names " in
	*" $1 "*) ;;
	*) bad "smoke: $1 ($2) is not among the calls the SMOKE drop-in would block: $smoke_names" ;;
	esac
	[ "$smoke_failed" -gt 0 ] || bad "smoke: FULL did not fail under the SMOKE drop-in although it blocks $smoke_names"
	dmn_expect_foreseen full
	dmn_expect_clean widened
	dmn_table
	echo "the SMOKE drop-in's report (run --audit):"
	# all of it: one entry per blocked call, so it is as long as the list of calls that broke
	sed -n '/would have been blocked/,$p' "$T/smoke.audit"
	# --audit does not apply the file-system settings: what they made fail shows in the enforcing run
	if grep -q 'file-system call.* failed because of the settings' "$T/smoke.enforce"; then
		echo "the SMOKE drop-in's file-system denials (enforcing):"
		sed -n '/file-system call.* failed because of the settings/,/^[^ -]/p' "$T/smoke.enforce" | head -30
	fi
}

# LABEL's tight drop-in may miss a call FULL makes only now and then (nginx's master arms setitimer when
# its workers are slow to stop): no failed step, no kill, and each call it would block must be one the
# drop-in said it was not sure of (its "Not sure of" evidence lines name it), so --widen=static has it
dmn_expect_foreseen() { # LABEL
	row=$(grep "^$1 " "$T/table")
	# shellcheck disable=SC2086
	set -- $row
	[ "$3" = 0 ] || bad "$1: $3 failed requests or steps (want 0): $(tail -3 "$T/$1.enforce.work")"
	[ "$4" = 0 ] || bad "$1: $4 kills (want 0): $(grep ' run: blocked ' "$T/$1.enforce" | head -3)"
	for c in $(sed -n 's/ block$//p' "$T/$1.calls"); do
		grep -q "^#     $c: " "$T/$1.conf" ||
			bad "$1: it would block $c, which no run saw and its 'Not sure of' section does not name either"
	done
	[ "$2" = 0 ] || echo "note: $1: $2 call(s) no learning run saw, each named in its 'Not sure of' section:" \
		"$(sed -n 's/ block$//p' "$T/$1.calls" | tr '\n' ' ')"
}
