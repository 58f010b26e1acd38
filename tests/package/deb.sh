#!/bin/bash
# The Debian package as a user gets it: installs hwguard_*.deb on this machine with apt, checks
# what it put where (programs, manual pages without warnings, units that systemd-analyze accepts,
# the pufauth user and its state directory), then brings a tunnel up exactly as hwguard@.service
# does: the unit's own Environment= and Exec*= lines, run with nothing but the INSTALLED programs
# on PATH, wg-quick starting /usr/bin/hwguard with its key in an SE050 (the installed se050-emu),
# facing wireguard-go in another network namespace. Traffic flows both ways; the unit's stop
# commands take it down. Last, the package is purged and must leave nothing behind.
# Usage (root): tests/package/deb.sh build/hwguard_VERSION_ARCH.deb   (WGT_PREFIX names the netns)
# Refuses (77) to run where hwguard is already installed: it would replace and purge it.
. "$(dirname "$0")/../interop/lib.sh"
deb=${1:?usage: deb.sh PACKAGE.deb}
[ -f "$deb" ] || wgt_fail "no package file $deb"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
wgt_require wireguard-go
wgt_need wg-quick wireguard-tools
wgt_need apt-get apt
wgt_need systemd-analyze systemd
wgt_need man man-db
if dpkg-query -W -f='${Status}' hwguard 2>/dev/null | grep -q "install ok installed"; then
	wgt_skip "the hwguard package is already installed here; this test would replace and purge it"
fi
getent passwd pufauth >/dev/null && user_existed=1 || user_existed=0
[ -e /var/lib/hwguard ] && state_existed=1 || state_existed=0
# Only the installed programs: a PATH without any build directory.
sys_path=/usr/sbin:/usr/bin:/sbin:/bin

wgt_init pk
ifa=$(wgt_if a)
unit=/usr/lib/systemd/system/hwguard@.service
conf=/etc/wireguard/$ifa.conf envfile=/etc/hwguard/$ifa.env
installed=0
# On top of lib.sh's cleanup: the files this test wrote, the package, the user it brought.
package_cleanup()
{
	local rc=$?
	set +e
	wgt_in a wg-quick down "$ifa" >/dev/null 2>&1
	rm -f "$conf" "$envfile" /var/lib/pufauth/deb-test.* "/var/lib/hwguard/$ifa.timestamp"
	if [ $installed = 1 ]; then
		apt-get -o DPkg::Lock::Timeout=900 purge -y -qq hwguard >/dev/null 2>&1
	fi
	[ $user_existed = 1 ] || ! getent passwd pufauth >/dev/null || userdel pufauth
	(exit $rc)
	wgt_cleanup
}
trap package_cleanup EXIT

# --- install
wgt_log "installing $(basename "$deb")"
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "$deb" >"$WGT_DIR/apt.log" 2>&1 ||
	{ cat "$WGT_DIR/apt.log" >&2; wgt_fail "apt-get install of the package"; }
installed=1
for p in hwguard hwguard-key pufauth se050-emu; do
	[ "$(PATH=$sys_path command -v $p)" = /usr/bin/$p ] || wgt_fail "$p is not installed in /usr/bin"
	/usr/bin/$p --version | grep -q "^$p [0-9]" || wgt_fail "$p --version"
done
for page in hwguard.8 hwguard-key.8 pufauth.1 se050-emu.1; do
	f=$(man -w "${page%.*}" 2>/dev/null)
	[ "$f" = "/usr/share/man/man${page##*.}/$page.gz" ] || wgt_fail "man -w ${page%.*}: '$f'"
	# man(1)'s own check: groff warnings of every kind, and the page renders for users
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$f" 2>&1 >/dev/null)
	[ -z "$warn" ] || wgt_fail "$page: $warn"
	LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q "^EXIT STATUS" || wgt_fail "$page lacks EXIT STATUS"
done
# systemd-analyze verify prints nothing for a unit it fully accepts (programs present, man pages found)
out=$(systemd-analyze verify /usr/lib/systemd/system/pufauth-server.service "hwguard@$ifa.service" 2>&1)
[ -z "$out" ] || wgt_fail "systemd-analyze verify: $out"
getent passwd pufauth >/dev/null || wgt_fail "no pufauth user after install"
[ "$(stat -c '%U %a' /var/lib/pufauth)" = "pufauth 750" ] ||
	wgt_fail "/var/lib/pufauth is $(stat -c '%U %a' /var/lib/pufauth)"
# pufauth-server's user can keep its store in its state directory (what the unit's ExecStart needs)
runuser -u pufauth -- /usr/bin/pufauth enroll --db /var/lib/pufauth/deb-test.db \
	--state /var/lib/pufauth/deb-test.state --sim-seed 1 --name deb-test >/dev/null ||
	wgt_fail "pufauth enroll as the pufauth user"
runuser -u pufauth -- /usr/bin/pufauth list --db /var/lib/pufauth/deb-test.db | grep -q deb-test ||
	wgt_fail "pufauth list as the pufauth user"
rm -f /var/lib/pufauth/deb-test.*

# --- hwguard@.service, its commands run the way systemd runs them, in side a's namespace.
# unit_env: the unit's Environment= lines, then its EnvironmentFile= (whose settings win, as in
# systemd), with the instance name for %i.
unit_env()
{
	local line f l
	sed -n 's/^Environment=//p' "$unit"
	sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit" | while IFS= read -r f; do
		f=${f//%i/$ifa}
		while IFS= read -r l; do
			case "$l" in '' | '#'*) ;; *) echo "$l" ;; esac
		done <"$f"
	done
}
# unit_run KEY: runs the unit's KEY= commands in order (%i, ${VAR} from the environment, $$ -> $;
# a leading - lets the command fail), with nothing but the unit's environment and a system PATH.
unit_run()
{
	local key=$1 cmd ignore e
	local -a env
	mapfile -t env < <(unit_env)
	while IFS= read -r cmd; do
		ignore=0
		case "$cmd" in -*) ignore=1 cmd=${cmd#-} ;; esac
		cmd=${cmd//%i/$ifa}
		for e in "${env[@]}"; do cmd=${cmd//"\${${e%%=*}}"/${e#*=}}; done
		cmd=${cmd//\$\$/\$}
		wgt_log "$key: $cmd"
		wgt_in a env -i PATH="$sys_path" "${env[@]}" bash -c "exec $cmd" >>"$WGT_DIR/a.log" 2>&1 ||
			[ $ignore = 1 ] || return 1
	done < <(sed -n "s/^$key=//p" "$unit")
}
unit_start()
{
	unit_run ExecStartPre && unit_run ExecStart && unit_run ExecStartPost
}
unit_stop()
{
	unit_run ExecStop
	unit_run ExecStopPost
}

# The emulated chip in side a's namespace (so the teardown ends it), with the key generated by the
# installed hwguard-key.
wgt_se050_emu a /usr/bin/se050-emu
emu_sock=$WGT_EMU_SOCK
HWGUARD_SE050_BUS="emu:$emu_sock" /usr/bin/hwguard-key genkey --se050 0x10000009 >/dev/null ||
	wgt_fail "hwguard-key genkey"
chip_pub=$(HWGUARD_SE050_BUS="emu:$emu_sock" /usr/bin/hwguard-key list |
	awk '$1 == "0x10000009" {print $4}')
[ ${#chip_pub} = 44 ] || wgt_fail "no public key for 0x10000009 in hwguard-key list"

wgt_start b wireguard-go
wgt_config_v4 b "$(wgt_key b)" "$chip_pub"

# The configuration as docs/install.md tells users to write it: no PrivateKey (the chip key is
# bound through HWGUARD_KEY in the environment file).
(
	umask 077
	cat >"$conf" <<CONF
[Interface]
Address = $(wgt_inner4 a)/24
ListenPort = 51821

$(wgt_peer_section b)
CONF
)
# Without HWGUARD_KEY the unit refuses to start, before wg-quick runs.
echo "HWGUARD_SE050_BUS=emu:$emu_sock" >"$envfile"
unit_start && wgt_fail "hwguard@ started without HWGUARD_KEY"
grep -q "must set HWGUARD_KEY" "$WGT_DIR/a.log" || wgt_fail "no clear message without HWGUARD_KEY"
wgt_in a ip link show "$ifa" >/dev/null 2>&1 && wgt_fail "an interface came up without HWGUARD_KEY"

printf 'HWGUARD_KEY=se050:0x10000009\nHWGUARD_SE050_BUS=emu:%s\n' "$emu_sock" >"$envfile"
unit_start || wgt_fail "hwguard@$ifa did not start"
# (-ef compares the files themselves: readlink of /proc/PID/exe shows host paths in a chroot)
pid=$(ip netns pids "$(wgt_ns a)" | while read -r p; do
	[ "/proc/$p/exe" -ef /usr/bin/hwguard ] && echo "$p"
done | head -n 1)
[ -n "$pid" ] || wgt_fail "no /usr/bin/hwguard daemon in side a's namespace"
grep -q "userspace implementation" "$WGT_DIR/a.log" || wgt_fail "wg-quick did not start the userspace daemon"
wgt_ping a b || wgt_fail "ping a->b through the installed hwguard (key in the SE050)"
wgt_ping b a || wgt_fail "ping b->a"
wgt_in a /usr/bin/hwguard-key show "$ifa" | grep -q "public key: $chip_pub" ||
	wgt_fail "hwguard-key show: not the chip's public key"
# the daemon keeps its handshake timestamp mark where the unit says (HWGUARD_STATE_DIR)
[ -s "/var/lib/hwguard/$ifa.timestamp" ] || wgt_fail "no timestamp mark /var/lib/hwguard/$ifa.timestamp"

unit_stop
wgt_wait_for wgt_gone "$pid" || wgt_fail "the daemon did not exit after the unit's stop commands"
wgt_in a ip link show "$ifa" >/dev/null 2>&1 && wgt_fail "$ifa is still there after stop"

# --- purge: nothing of the package is left (the pufauth user stays, by Debian practice)
rm -f "$conf" "$envfile"
apt-get -o DPkg::Lock::Timeout=900 purge -y -qq hwguard >"$WGT_DIR/apt.log" 2>&1 ||
	{ cat "$WGT_DIR/apt.log" >&2; wgt_fail "apt-get purge"; }
installed=0
for f in /usr/bin/hwguard /usr/bin/hwguard-key /usr/bin/pufauth /usr/bin/se050-emu \
	/usr/share/man/man8/hwguard.8.gz /usr/lib/systemd/system/hwguard@.service \
	/usr/lib/systemd/system/pufauth-server.service /etc/hwguard /var/lib/pufauth /usr/share/doc/hwguard; do
	[ ! -e "$f" ] || wgt_fail "$f is left after purge"
done
[ ! -e "/var/lib/hwguard/$ifa.timestamp" ] || wgt_fail "the timestamp mark is left after purge"
[ $state_existed = 1 ] || [ ! -e /var/lib/hwguard ] || wgt_fail "/var/lib/hwguard is left after purge"
dpkg-query -W hwguard >/dev/null 2>&1 && wgt_fail "dpkg still knows the package after purge"
wgt_pass
