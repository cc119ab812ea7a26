# Test helper for show_corpus.sh: print "LINE<TAB>Key=Value" for the seccomp-backed assignments in the
# [Service] sections of a unit file (a minimal reader: comments, sections, continuation lines joined
# with the trailing backslash replaced by a space, as systemd does; LINE is the last physical line,
# the one systemd names in its warnings). The real unit reader lives in src/lib.
BEGIN { keys = "^(SystemCallFilter|SystemCallErrorNumber|SystemCallLog|SystemCallArchitectures|RestrictAddressFamilies|RestrictNamespaces|LockPersonality|MemoryDenyWriteExecute|RestrictRealtime|RestrictSUIDSGID|ProtectKernelTunables|ProtectKernelModules|ProtectKernelLogs|ProtectClock|PrivateDevices|ProtectHostname|NoNewPrivileges)$" }
{ sub(/\r$/, "") }
pending != "" {
	if ($0 ~ /^[ \t]*[#;]/) next
	line = pending $0; pending = ""
	if (line ~ /\\$/) { pending = substr(line, 1, length(line) - 1) " "; next }
	emit(line); next
}
/^[ \t]*[#;]/ { next }
/^[ \t]*\[/ { s = $0; gsub(/^[ \t]*\[|\][ \t]*$/, "", s); section = s; next }
{
	if ($0 ~ /\\$/) { pending = substr($0, 1, length($0) - 1) " "; next }
	emit($0)
}
function emit(l,   k, v, i) {
	ln = NR # systemd names the last physical line of a continued line
	if (section != "Service") return
	i = index(l, "="); if (!i) return
	k = substr(l, 1, i - 1); v = substr(l, i + 1)
	gsub(/^[ \t]+|[ \t]+$/, "", k); gsub(/^[ \t]+|[ \t]+$/, "", v)
	if (k ~ keys) print ln "\t" k "=" v
}
