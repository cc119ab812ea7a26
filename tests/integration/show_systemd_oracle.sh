#!/bin/sh
# SPDX-License-Identifier: MIT
# Differential test of `harden show --systemd=252` against systemd 252 itself: its own dump of every
# corpus unit it loads (systemd --test, run as nobody when we are root). Compares SystemCallFilter (as a
# set, with actions), SystemCallErrorNumber, SystemCallArchitectures, RestrictNamespaces and the
# seccomp-backed booleans, and prints "N units, M settings compared, K equal". Every normalisation of
# the two spellings, and the settings systemd 252's dump does not print (not compared), are described
# at the top of show_systemd_oracle.py. KEEP_TMP=1 keeps the work directory.
set -eu
: "${HARDEN:?}" "${SRCDIR:?}" "${SHARED:?}"
SYSTEMD=${SYSTEMD_BINARY:-/lib/systemd/systemd}
CORPUS=$SHARED/corpus
[ -x "$SYSTEMD" ] || { echo "skip: no systemd binary at $SYSTEMD" >&2; exit 77; }
. "$(dirname "$0")/corpus-common.sh"
need_corpus "$CORPUS/units" "$CORPUS/units-edge"
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 is needed to compare the settings" >&2; exit 77; }
"$SYSTEMD" --version 2>/dev/null | head -n1 | grep -q '^systemd 252 ' ||
	{ echo "skip: $SYSTEMD is not systemd 252" >&2; exit 77; }

# As root, systemd --test runs as nobody, who must reach the directory: /tmp, not a private $TMPDIR.
if [ "$(id -u)" = 0 ]; then tmp=$(mktemp -d /tmp/harden-show-oracle.XXXXXX); else tmp=$(mktemp -d); fi
[ -n "${KEEP_TMP:-}" ] && echo "keeping $tmp" >&2 || trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 755 "$tmp"
python3 "$SRCDIR/tests/integration/show_systemd_oracle.py" "$HARDEN" "$SYSTEMD" "$CORPUS" "$tmp/work"
