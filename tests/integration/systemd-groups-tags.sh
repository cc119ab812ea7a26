#!/bin/sh
# SPDX-License-Identifier: MIT
# --systemd=N for the versions without a real program's output in the corpus (253-256, 258-261, issue
# 29): every group harden lists for N equals the group read from systemd's git tag for N
# (tests/data/systemd-groups/N.txt, each naming its repository, tag and commit; made by
# scripts/systemd-groups.py extract), 257's extraction equals the real 257's listing, and a group changes
# between two consecutive versions only where the source changes. Where mirrors of those repositories
# are at hand (SYSTEMD_GIT_DIRS: git directories, space separated), the stored lists are read again.
set -u
: "${HARDEN:?}" "${SRCDIR:?}" "${SHARED:?}"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
[ -f "$SHARED/corpus/expected-systemd262/syscall-filter.txt" ] || { echo "SKIP: no corpus"; exit 77; }
# shellcheck disable=SC2086 # a list of directories
exec python3 "$SRCDIR/scripts/systemd-groups.py" check "$HARDEN" "$SRCDIR/tests/data/systemd-groups" \
	"$SHARED/corpus" ${SYSTEMD_GIT_DIRS:-}
