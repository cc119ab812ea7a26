#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian package, end to end: dpkg-buildpackage -us -uc -b in a temporary copy of the tree (so
# nothing is written next to the real one), the .deb unpacked with dpkg -x into a clean directory, its
# harden run, its manual page formatted by man-db, and lintian (no errors allowed; warnings printed).
# Run by `make check` (scripts/run-tests). Exit 0 pass, 77 skip (with the reason), else fail.
#
# The package's own build runs the test suite (dh_auto_test -> meson test). Here it is built with
# DEB_BUILD_OPTIONS=nocheck by default: `make check` has just run the same plain suite on the same
# sources, and running it again inside the package build would add its full length (minutes) to
# every `make check`. DEB_CHECK=1 runs it inside the package build as well.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
for tool in dpkg-buildpackage dh lintian man; do
	command -v "$tool" >/dev/null || { echo "skip: $tool is not installed (scripts/install-deps all)" >&2; exit 77; }
done
fail() { echo "FAIL: $*" >&2; exit 1; }

# one version: meson.build's project version is the changelog's
ver=$(sed -n "s/^  version : '\([^']*\)',$/\1/p" "$src/meson.build")
[ -n "$ver" ] || fail "no project version in meson.build"
chver=$(cd "$src" && dpkg-parsechangelog -S Version) || fail "debian/changelog does not parse"
[ "$chver" = "$ver" ] || fail "debian/changelog says $chver, meson.build says $ver"

tmp=$(mktemp -d)
[ -n "${KEEP_TMP:-}" ] && echo "keeping $tmp" >&2 || trap 'rm -rf "$tmp"' EXIT INT TERM
# the copy: what git tracks plus new files it does not ignore (no build directories)
mkdir "$tmp/harden-$ver"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z -c -o --exclude-standard | xargs -0 tar -cf - --no-recursion) |
		tar -xf - -C "$tmp/harden-$ver" || fail "copying the tree"
else
	(cd "$src" && tar -cf - --exclude='./build*' .) | tar -xf - -C "$tmp/harden-$ver" || fail "copying the tree"
fi

opts=${DEB_BUILD_OPTIONS:-}
[ "${DEB_CHECK:-0}" = 1 ] || opts="$opts nocheck"
start=$(date +%s)
(cd "$tmp/harden-$ver" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -us -uc -b -j2) >"$tmp/build.log" 2>&1 ||
	{ tail -n 60 "$tmp/build.log" >&2; fail "dpkg-buildpackage failed (DEB_BUILD_OPTIONS='$opts')"; }
echo "dpkg-buildpackage -us -uc -b: $(($(date +%s) - start)) s (DEB_BUILD_OPTIONS='$opts')" >&2

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$tmp/harden_${ver}_$arch.deb
[ -f "$deb" ] || fail "no $deb; built: $(ls "$tmp")"
ls "$tmp"/harden_"$ver"_"$arch".buildinfo "$tmp"/harden_"$ver"_"$arch".changes >/dev/null || fail "no .buildinfo/.changes"

root=$tmp/root
dpkg -x "$deb" "$root" || fail "dpkg -x"
out=$("$root/usr/bin/harden" --version) || fail "the packaged harden does not run"
# --version's first line is harden's own; the lines after it report libseccomp, the kernel, compat ABIs
[ "${out%%
*}" = "harden $ver" ] || fail "the packaged harden says '$out'"
for page in "$src"/doc/*.1.scd; do
	n=${page##*/}
	[ -f "$root/usr/share/man/man1/${n%.scd}.gz" ] || fail "no usr/share/man/man1/${n%.scd}.gz in the package"
done
MANPAGER=cat MANWIDTH=80 man -l "$root/usr/share/man/man1/harden.1.gz" >"$tmp/man.txt" 2>"$tmp/man.err" ||
	fail "man -l harden.1.gz: $(cat "$tmp/man.err")"
[ ! -s "$tmp/man.err" ] || fail "man -l harden.1.gz warned: $(cat "$tmp/man.err")"
for s in NAME SYNOPSIS DESCRIPTION OPTIONS 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
	grep -q "^$s" "$tmp/man.txt" || fail "harden(1) as formatted has no $s section"
done
grep -q 'SystemCallFilter=~@chown' "$tmp/man.txt" || fail "harden(1) lacks the sed -i example"
[ -f "$root/usr/share/bash-completion/completions/harden" ] || fail "no bash completion in the package"
echo "package contents:" >&2
dpkg-deb -c "$deb" | awk '{print "  " $NF}' >&2
# the library split: the runtime package holds the soname, -dev the header, the link and the .pc; the
# harden package itself needs neither (it links the API's code statically)
for p in libharden0 libharden-dev; do
	[ -f "$tmp/${p}_${ver}_$arch.deb" ] || fail "no ${p}_${ver}_$arch.deb"
done
dpkg-deb -c "$tmp/libharden0_${ver}_$arch.deb" | grep -q '/libharden\.so\.0 -> libharden\.so\.0\.1\.0$' ||
	fail "libharden0 lacks libharden.so.0"
dev=$(dpkg-deb -c "$tmp/libharden-dev_${ver}_$arch.deb")
for f in usr/include/harden.h '/libharden\.so -> ' /pkgconfig/harden.pc; do
	echo "$dev" | grep -q -- "$f" || fail "libharden-dev lacks $f"
done
dpkg-deb -c "$deb" | grep -q 'libharden\|harden\.h' && fail "the harden package carries library files"
readelf -d "$root/usr/bin/harden" 2>/dev/null | grep -q 'libharden' && fail "the packaged harden needs libharden.so"

lintian --tag-display-limit 0 --info "$tmp/harden_${ver}_$arch.changes" >"$tmp/lintian.txt" 2>&1
errors=$(grep -c '^E:' "$tmp/lintian.txt") warnings=$(grep -c '^W:' "$tmp/lintian.txt")
echo "lintian: $errors error(s), $warnings warning(s)" >&2
sed 's/^/  /' "$tmp/lintian.txt" >&2
[ "$errors" -eq 0 ] || fail "lintian found errors"
echo "deb: harden_${ver}_$arch.deb builds, runs, its man page formats, lintian has no errors"
