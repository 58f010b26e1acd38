#!/bin/bash
# `DESTDIR=DIR cmake --install BUILD --prefix /usr` (docs/install.md) stages exactly what the package
# ships: the four programs, their four manual pages (gzipped), the two systemd units with the
# install prefix's paths filled in, sysusers.d/tmpfiles.d entries and the documentation.
# Usage: install_tree.sh BUILD_DIR
set -u
build=${1:?usage: install_tree.sh BUILD_DIR}
fail() { echo "FAIL: $*" >&2; status=1; }
status=0
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest cmake --install "$build" --prefix /usr >"$dest.log" 2>&1 || { cat "$dest.log" >&2; rm -f "$dest.log"; echo "FAIL: cmake --install" >&2; exit 1; }
rm -f "$dest.log"
for f in usr/bin/hwguard usr/bin/hwguard-key usr/bin/pufauth usr/bin/se050-emu; do
	[ -x "$dest/$f" ] || fail "no program /$f"
done
for f in man8/hwguard.8 man8/hwguard-key.8 man1/pufauth.1 man1/se050-emu.1; do
	gzip -t "$dest/usr/share/man/$f.gz" 2>/dev/null || fail "no gzipped manual page /usr/share/man/$f.gz"
	zcat "$dest/usr/share/man/$f.gz" 2>/dev/null | grep -q '@[A-Z_]*@' && fail "$f.gz has an unfilled @VARIABLE@"
done
for u in hwguard@.service pufauth-server.service; do
	f=$dest/usr/lib/systemd/system/$u
	[ -f "$f" ] || { fail "no unit /usr/lib/systemd/system/$u"; continue; }
	grep -q '@[A-Z_]*@' "$f" && fail "$u has an unfilled @VARIABLE@"
	grep -q '/usr/bin/' "$f" || fail "$u does not name the programs under the prefix /usr"
done
[ "$(find "$dest/usr/bin" -type f | wc -l)" = 4 ] || fail "not exactly 4 programs: $(ls "$dest/usr/bin")"
[ "$(find "$dest/usr/share/man" -type f | wc -l)" = 4 ] || fail "not exactly 4 manual pages"
[ "$(find "$dest/usr/lib/systemd/system" -type f | wc -l)" = 2 ] || fail "not exactly 2 units"
[ -f "$dest/usr/lib/sysusers.d/hwguard.conf" ] || fail "no sysusers.d entry"
[ -f "$dest/usr/lib/tmpfiles.d/hwguard.conf" ] || fail "no tmpfiles.d entry"
[ -d "$dest/etc/hwguard" ] || fail "no /etc/hwguard"
[ -f "$dest/usr/share/doc/hwguard/README.md" ] && [ -f "$dest/usr/share/doc/hwguard/install.md" ] ||
	fail "no documentation in /usr/share/doc/hwguard"
[ $status = 0 ] && echo "ok: 4 programs, 4 manual pages, 2 units, documentation"
exit $status
