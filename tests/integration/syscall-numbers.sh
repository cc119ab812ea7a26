#!/bin/sh
# For every syscall name in systemd's newest groups (@known included) and every name libseccomp resolves
# from a number on x86-64, arm64 or arm, and
# every architecture harden's JSON lists: where the installed libseccomp resolves the name
# (`scmp_sys_resolver -a ARCH NAME` >= 0), harden's number must be equal and say "libseccomp"; where
# libseccomp knows the name but not on that arch (a negative pseudo number), harden must say "-" too
# (libseccomp is asked first); where libseccomp does not know it at all, harden's number, if any, must come
# from "harden table". One harden call for all names, one resolver call per name and arch.
set -u
: "${HARDEN:?}"
command -v scmp_sys_resolver >/dev/null || { echo "skip: scmp_sys_resolver is not installed (Debian package seccomp)" >&2; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 is not installed" >&2; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

"$HARDEN" syscall-filter --systemd=latest --json -q >"$TMP/groups.json" || { echo "FAIL: harden --json -q" >&2; exit 1; }
# names libseccomp itself knows, by number, on three architectures (it has no way to list its names):
# catches libseccomp-only spellings such as arm_sync_file_range that no systemd group holds
for arch in x86_64 aarch64 arm; do
	awk -v a=$arch 'BEGIN { for (n = 0; n <= 470; n++) print "scmp_sys_resolver -a " a " " n }'
done | sh >"$TMP/libseccomp-names"
for n in 983041 983042 983043 983044 983045 983046; do scmp_sys_resolver -a arm $n; done >>"$TMP/libseccomp-names"
# the names (every group's, @known included, plus libseccomp's), then harden's answers for all at once
python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))["groups"]
names = {m for grp in g for m in grp["members"] if not m.startswith("@")}
names |= {l.strip() for l in open(sys.argv[2]) if l.strip() and l.strip() != "UNKNOWN" and not l.strip().lstrip("-").isdigit()}
print("\n".join(sorted(names)))' "$TMP/groups.json" "$TMP/libseccomp-names" >"$TMP/names"
n=$(wc -l <"$TMP/names")
[ "$n" -ge 500 ] || { echo "FAIL: only $n names in @known" >&2; exit 1; }
# shellcheck disable=SC2046
"$HARDEN" syscall-filter --json $(cat "$TMP/names") >"$TMP/numbers.json" || { echo "FAIL: harden --json NAMES" >&2; exit 1; }
# "seccomp_arch name nr source" per line; nr -1 and source - when harden has no number
python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["syscalls"]:
    for e in s["numbers"]:
        nr = -1 if e["nr"] is None else e["nr"]
        print(e["seccomp_arch"], s["name"], nr, e["source"] or "-")' "$TMP/numbers.json" >"$TMP/harden"
arches=$(cut -d" " -f1 "$TMP/harden" | sort -u | wc -l)
[ "$arches" -ge 8 ] || { echo "FAIL: harden lists only $arches architectures" >&2; exit 1; }

# one shell runs every resolver call (no fork per line besides the resolver itself)
grep -q "'" "$TMP/harden" && { echo "FAIL: a quote in a syscall name" >&2; exit 1; }
awk '{ printf "scmp_sys_resolver -a %s '"'"'%s'"'"'\n", $1, $2 }' "$TMP/harden" | sh >"$TMP/resolved" 2>&1
[ "$(wc -l <"$TMP/resolved")" -eq "$(wc -l <"$TMP/harden")" ] || { echo "FAIL: scmp_sys_resolver output does not line up" >&2; exit 1; }

fails=0 checks=0 lib=0 table=0
paste -d" " "$TMP/resolved" "$TMP/harden" >"$TMP/pairs"
while read -r want arch name nr src; do
	checks=$((checks + 1))
	bad=""
	if [ "$want" -ge 0 ]; then
		lib=$((lib + 1))
		[ "$nr" = "$want" ] && [ "$src" = libseccomp ] || bad="libseccomp says $want"
	elif [ "$want" -lt -1 ]; then
		[ "$nr" = -1 ] || bad="libseccomp says not on $arch ($want)"
	else
		[ "$nr" = -1 ] || [ "$src" = "harden table" ] || bad="libseccomp does not know it"
		[ "$nr" = -1 ] || table=$((table + 1))
	fi
	if [ -n "$bad" ]; then
		fails=$((fails + 1))
		[ "$fails" -le 20 ] && echo "FAIL: $arch $name: harden $nr ($src), $bad" >&2
	fi
done <"$TMP/pairs"
echo "numbers: $checks name/arch pairs over $arches architectures ($n names): $lib from libseccomp, $table from harden's table, $fails failed" >&2
[ "$fails" -eq 0 ] && [ "$lib" -gt 5000 ]
