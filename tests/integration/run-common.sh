# Sourced by tests/integration/run-*.sh: checks and helpers for `harden run`.
: "${HARDEN:?}" "${HDPROBE:?}"
if [ "$(id -u)" -ne 0 ] && [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ]; then
	: # not root: run still works (NoNewPrivileges is implied), the tests below do not need root
fi
if ! grep -q user_notif /proc/sys/kernel/seccomp/actions_avail 2>/dev/null; then
	echo "skip: the kernel has no seccomp user notification (needs Linux 5.0+)" >&2
	exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# run_h EXPECTED_RC OUTPUT_PATTERN STDERR_PATTERN -- harden run args...
# Runs harden, checks exit status, stdout (grep -E) and stderr (grep -E; "" = no check).
run_h() {
	want_rc=$1 want_out=$2 want_err=$3
	shift 4
	"$HARDEN" run "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" != "$want_rc" ]; then
		fail "harden run $*: exit $rc, want $want_rc; stdout: $(cat "$T/out"); stderr: $(cat "$T/err")"
		return 1
	fi
	if [ -n "$want_out" ] && ! grep -Eq -- "$want_out" "$T/out"; then
		fail "harden run $*: stdout $(cat "$T/out") lacks /$want_out/"
		return 1
	fi
	if [ -n "$want_err" ] && ! grep -Eq -- "$want_err" "$T/err"; then
		fail "harden run $*: stderr $(cat "$T/err") lacks /$want_err/"
		return 1
	fi
	return 0
}
finish() {
	if [ "$fails" -ne 0 ]; then
		echo "$fails check(s) failed" >&2
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
