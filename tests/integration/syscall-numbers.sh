#!/bin/sh
# For every syscall name harden knows (systemd's @known of the newest table, plus harden's own table) and
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

"$HARDEN" syscall-filter --systemd=latest --json @known @obsolete >"$TMP/groups.json" || { echo "FAIL: harden --json @known" >&2; exit 1; }
# the names, then harden's answers for all of them at once
python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))["groups"]
names = sorted({m for grp in g for m in grp["members"] if not m.startswith("@")})
print("\n".join(names))' "$TMP/groups.json" >"$TMP/names"
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

fails=0 checks=0 lib=0 table=0
while read -r arch name nr src; do
	checks=$((checks + 1))
	want=$(scmp_sys_resolver -a "$arch" "$name")
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
done <"$TMP/harden"
echo "numbers: $checks name/arch pairs over $arches architectures ($n names): $lib from libseccomp, $table from harden's table, $fails failed" >&2
[ "$fails" -eq 0 ] && [ "$lib" -gt 5000 ]
