#!/bin/sh
# SPDX-License-Identifier: MIT
# make install / make uninstall (scripts/install-tree) into a DESTDIR that does not exist yet: the
# binary, every manual page (when scdoc is there), the bash completion and libharden (the .so with its
# two symlinks, harden.h, harden.pc) land under the prefix, the installed harden runs, and uninstall
# leaves nothing, not even the directories it created. (api-installed.sh builds against the library.)
set -u
: "${HARDEN:?}" "${SRCDIR:?}" "${BUILDDIR:?}"
command -v python3 >/dev/null || { echo "skip: python3 is needed (scripts/install-tree)" >&2; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
dest=$tmp/stage/root
prefix=$(meson introspect "$BUILDDIR" --buildoptions | python3 -c \
	'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
mandir=$(meson introspect "$BUILDDIR" --buildoptions | python3 -c \
	'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "mandir"))')
libdir=$(meson introspect "$BUILDDIR" --buildoptions | python3 -c \
	'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "libdir"))')
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac

DESTDIR=$dest "$SRCDIR/scripts/install-tree" install "$BUILDDIR" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; fail "install"; }
(cd "$dest" && find . ! -type d | sort) >"$tmp/files"
echo "installed:" >&2; sed 's/^/  /' "$tmp/files" >&2

want() { grep -qx "\./${1#/}" "$tmp/files" || fail "not installed: $1"; }
want "$prefix/bin/harden"
want "$prefix/include/harden.h"
want "$libdir/pkgconfig/harden.pc"
for so in libharden.so libharden.so.0 libharden.so.0.1.0; do want "$libdir/$so"; done
[ -L "$dest$libdir/libharden.so.0" ] || fail "$libdir/libharden.so.0 is not a symlink (to the versioned file)"
grep -qx "prefix=$prefix" "$dest$libdir/pkgconfig/harden.pc" || fail "harden.pc does not name the prefix $prefix"
grep -q '/bash-completion/completions/harden$' "$tmp/files" || fail "no bash completion installed"
case $mandir in /*) ;; *) mandir=$prefix/$mandir ;; esac
if meson introspect "$BUILDDIR" --installed | grep -q '\.1"'; then
	for page in "$SRCDIR"/doc/*.1.scd; do
		n=${page##*/}
		want "$mandir/man1/${n%.scd}"
	done
elif command -v scdoc >/dev/null; then
	fail "scdoc is installed but the build makes no manual pages (-Dman=disabled?)"
else
	echo "note: no scdoc, so no manual pages to install" >&2
fi
# nothing but those: no static library (libharden.a, libharden_api.a), no test programs
extra=$(grep -v -e '/bin/harden$' -e '/man1/harden[a-z-]*\.1$' -e '/completions/harden$' \
	-e '/include/harden\.h$' -e '/pkgconfig/harden\.pc$' -e '/libharden\.so\(\.0\(\.1\.0\)\{0,1\}\)\{0,1\}$' "$tmp/files")
[ -z "$extra" ] || fail "installed more than harden, its pages, its completion and libharden: $extra"
v=$("$dest$prefix/bin/harden" --version) || fail "the installed harden does not run"
[ "$v" = "$("$HARDEN" --version)" ] || fail "installed harden says '$v'"
if [ -s "$tmp/files" ] && command -v bash >/dev/null; then
	comp=$(grep '/completions/harden$' "$tmp/files")
	bash -c ". '$dest/${comp#./}' && complete -p harden" >/dev/null 2>&1 || fail "the installed completion does not load"
fi

DESTDIR=$dest "$SRCDIR/scripts/install-tree" uninstall "$BUILDDIR" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; fail "uninstall"; }
left=$(cd "$tmp/stage" && find . -mindepth 1)
[ -z "$left" ] || fail "uninstall left: $left"
# uninstalling twice says there is nothing to uninstall
DESTDIR=$dest "$SRCDIR/scripts/install-tree" uninstall "$BUILDDIR" >/dev/null 2>&1 && fail "a second uninstall succeeded"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "install: $(wc -l <"$tmp/files") files under $prefix, uninstall left nothing"
