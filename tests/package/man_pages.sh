#!/bin/bash
# The manual pages (docs/man/) as users read them: man(1) renders each without a single groff
# warning, each has the sections a user looks for, and each documents every option and environment
# variable its program's --help (and each subcommand's --help) names, and every long option its
# option parser (cmd/PROGRAM/*.c) accepts, listed in --help or not. A new option without its manual
# entry fails here, naming the page and the option.
set -u
root=${HWG_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${HWG_BIN:?HWG_BIN must point at the built programs}
fail() { echo "FAIL: $*" >&2; status=1; }
command -v man >/dev/null || { echo "FAIL: needs man: install the Debian package man-db (scripts/deps.sh)" >&2; exit 1; }
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sections=(NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT FILES "EXIT STATUS" EXAMPLES "SEE ALSO")
for page in hwguard.8 hwguard-key.8 pufauth.1 se050-emu.1; do
	src=$root/docs/man/$page prog=${page%.*}
	[ -f "$src" ] || { fail "no $src"; continue; }
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$src" 2>&1 >/dev/null)
	[ -z "$warn" ] || fail "$page: groff warnings: $warn"
	LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$src" 2>/dev/null >"$tmp/text"
	for s in "${sections[@]}"; do
		grep -q "^$s\$" "$tmp/text" || fail "$page has no $s section"
	done
	# --help of the program and of each subcommand it lists under "Commands:"
	"$bin/$prog" --help >"$tmp/help" 2>&1 || fail "$prog --help exited non-zero"
	for cmd in $(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$tmp/help"); do
		grep -qw -- "$cmd" "$tmp/text" || fail "$page does not describe the command $cmd"
		"$bin/$prog" "$cmd" --help >>"$tmp/help" 2>&1 || fail "$prog $cmd --help exited non-zero"
	done
	for opt in $(grep -oE -- '--[a-z][a-z0-9-]+' "$tmp/help" | sort -u); do
		grep -qE -- "$opt([^a-z0-9-]|$)" "$tmp/text" || fail "$page does not document $opt (from $prog --help)"
	done
	# what the parser accepts: "--name" and "--name=" literals, getopt_long's {"name", ..._argument
	[ -d "$root/cmd/$prog" ] || fail "no $root/cmd/$prog"
	for opt in $({
		grep -rhoE -- '"--[a-z][a-z0-9-]+=?"' "$root/cmd/$prog" | tr -d '"='
		grep -rhoE -- '\{"[a-z][a-z0-9-]+", *(no|required|optional)_argument' "$root/cmd/$prog" |
			sed -E 's/^\{"([^"]+)".*/--\1/'
	} | sort -u); do
		grep -qE -- "$opt([^a-z0-9-]|$)" "$tmp/text" || fail "$page does not document $opt (accepted by cmd/$prog)"
	done
	# se050-emu's fault kinds: the indented words under "KIND is"
	for kind in $(sed -n '/KIND is/,/^  --/s/^ \{20,\}\([a-z0-9]\{1,\}\) .*/\1/p' "$tmp/help"); do
		grep -qw -- "$kind" "$tmp/text" || fail "$page does not document the fault kind $kind"
	done
	# variables as VAR=... or $VAR
	for var in $(grep -oE '(\b[A-Z][A-Z0-9_]{3,}=|\$[A-Z][A-Z0-9_]{3,})' "$tmp/help" | tr -d '=$' | sort -u); do
		grep -qw -- "$var" "$tmp/text" || fail "$page does not document $var (from $prog --help)"
	done
done
[ $status = 0 ] && echo "ok: 4 manual pages"
exit $status
