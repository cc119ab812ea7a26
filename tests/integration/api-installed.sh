#!/bin/sh
# SPDX-License-Identifier: MIT
# libharden as a user of the installed library sees it: install into a DESTDIR, build
# examples/libharden/verdict.c with the installed harden.pc (nothing from the build tree), run it on
# the seed unit, and compare its answers with the harden CLI's. Also: the installed .so exports the
# public API and nothing else, under the soname libharden.so.0.
set -u
: "${HARDEN:?}" "${SRCDIR:?}" "${BUILDDIR:?}"
for tool in cc pkg-config python3 nm; do
	command -v "$tool" >/dev/null || { echo "skip: $tool is needed" >&2; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
opt() {
	meson introspect "$BUILDDIR" --buildoptions | python3 -c \
		'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$1"
}
prefix=$(opt prefix)
libdir=$(opt libdir)
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
dest=$tmp/root

# meson install directly (not scripts/install-tree): no manifest left in the build directory, and
# install.sh tests install-tree itself
meson install -C "$BUILDDIR" --no-rebuild --quiet --destdir "$dest" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; fail "meson install"; }
so=$dest$libdir/libharden.so.0
[ -f "$dest$prefix/include/harden.h" ] || fail "no $prefix/include/harden.h installed"
[ -f "$dest$libdir/pkgconfig/harden.pc" ] || fail "no $libdir/pkgconfig/harden.pc installed"
[ -e "$so" ] || fail "no $libdir/libharden.so.0 installed"
[ -e "$dest$libdir/libharden.so" ] || fail "no $libdir/libharden.so (the link -lharden finds) installed"

# The .pc names the real prefix; PKG_CONFIG_SYSROOT_DIR puts DESTDIR in front of its -I and -L, and
# PKG_CONFIG_LIBDIR (not _PATH) keeps any harden.pc installed on this machine out of the search.
flags=$(PKG_CONFIG_LIBDIR=$dest$libdir/pkgconfig PKG_CONFIG_PATH= PKG_CONFIG_SYSROOT_DIR=$dest \
	pkg-config --cflags --libs harden) || fail "pkg-config --cflags --libs harden failed"
case $flags in *"$dest"*) ;; *) fail "pkg-config flags do not point into DESTDIR: $flags" ;; esac
case $flags in *"$BUILDDIR"*|*"$SRCDIR/include"*) fail "pkg-config flags point into the build or source tree: $flags" ;; esac
# A sanitized build (make check's ASan+UBSan suite) installs a sanitized library: the program that
# loads it must carry the same runtime first, as any user of such a build would.
san=
if command -v ldd >/dev/null && ldd "$so" | grep -q 'libasan'; then
	san="-fsanitize=address,undefined"
fi
# shellcheck disable=SC2086 # the flags are words
cc -std=c17 -Wall -Wextra -Werror $san "$SRCDIR/examples/libharden/verdict.c" $flags -Wl,-rpath,"$dest$libdir" \
	-o "$tmp/verdict" 2>"$tmp/cc.log" || { cat "$tmp/cc.log" >&2; fail "the example does not build against the installed library"; }
if [ -x "$tmp/verdict" ]; then
	if command -v ldd >/dev/null; then
		ldd "$tmp/verdict" | grep -q "libharden.so.0 => $dest" || fail "the example does not load the installed libharden: $(ldd "$tmp/verdict" | grep harden)"
	fi
	unit=$SRCDIR/tests/data/check-sed-nochown.service
	out=$("$tmp/verdict" "$unit" fchown 2>"$tmp/err") || fail "verdict $unit fchown: exit $? $(cat "$tmp/err")"
	echo "$out" | grep -qx 'fchown (x86-64 #93): kill by SystemCallFilter' || fail "fchown under ~@chown: $out"
	# the CLI's figure for the same unit: security's multi-unit JSON document has the overall exposure
	want=$("$HARDEN" security --json=short "$unit" "$SRCDIR/examples/sed-edit.service" | python3 -c \
		'import json, sys; print(next(u["exposure"] for u in json.load(sys.stdin)["units"] if u["unit"] == "check-sed-nochown.service"))')
	echo "$out" | grep -qx "exposure: $want" || fail "exposure: the example says '$(echo "$out" | tail -n 1)', harden security says $want"
	# a deny list with an errno of its own; an allowed call; no unit, so no exposure line
	out=$("$tmp/verdict" -p 'SystemCallFilter=~fchown:EPERM' fchown 2>&1) || fail "verdict -p ~fchown:EPERM: $out"
	[ "$out" = 'fchown (x86-64 #93): errno 1 by SystemCallFilter' ] || fail "~fchown:EPERM: $out"
	out=$("$tmp/verdict" -p 'SystemCallFilter=~fchown:EPERM' read 2>&1) || fail "verdict read: $out"
	[ "$out" = 'read (x86-64 #0): allow by nothing (no filter)' ] || fail "read under a deny list: $out"
	# an unknown key: a warning the program chose to print, and the verdict still comes
	"$tmp/verdict" -p 'NoSuchKey=1' read >"$tmp/out" 2>"$tmp/err" || fail "an unknown key made the example fail"
	grep -q "warning: Unknown key name 'NoSuchKey'" "$tmp/err" || fail "no warning for an unknown key: $(cat "$tmp/err")"
	grep -q 'warning' "$tmp/out" && fail "a warning reached standard output"
	"$tmp/verdict" /nonexistent.service read >/dev/null 2>&1 && fail "a missing unit file did not fail"
fi

# exports: harden_* only (the version node HARDEN_0.1 is an absolute symbol 'A', not code or data)
nm -D --defined-only "$so" >"$tmp/nm" || fail "nm -D $so"
bad=$(awk '$2 != "A" { sub(/@.*/, "", $3); if ($3 !~ /^harden_/) print $3 }' "$tmp/nm")
[ -z "$bad" ] || fail "libharden.so.0 exports more than harden_*: $(echo "$bad" | head -n 5)"
grep -q ' T harden_filter_verdict@@HARDEN_0.1$' "$tmp/nm" || fail "harden_filter_verdict is not exported in version node HARDEN_0.1"
# every function the header declares is exported
for f in $(sed -n 's/^[a-z].*[ *]\(harden_[a-z_]*\)(.*/\1/p' "$dest$prefix/include/harden.h"); do
	grep -q " T $f@@" "$tmp/nm" || fail "harden.h declares $f, libharden.so.0 does not export it"
done
if command -v readelf >/dev/null; then
	readelf -d "$so" | grep -q 'Library soname: \[libharden.so.0\]' || fail "soname is not libharden.so.0"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "api-installed: the example built against $libdir/pkgconfig/harden.pc agrees with harden; $(grep -c ' T harden_' "$tmp/nm") harden_* functions exported, nothing else"
