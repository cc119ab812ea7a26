# SPDX-License-Identifier: MIT
# The option names (-x, --name) a manual page's OPTIONS section describes: its item lines
# (*-x*, *--name*=...), one name per output line. Used by man-help.sh and completion-bash.sh.
/^# / { in_opts = ($0 == "# OPTIONS"); next }
in_opts && /^\*-/ {
	s = $0
	while (match(s, /\*-[-a-zA-Z0-9]+\*/)) {
		print substr(s, RSTART + 1, RLENGTH - 2)
		s = substr(s, RSTART + RLENGTH)
	}
}
