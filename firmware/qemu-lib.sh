# Shared by firmware/qemu-auth.sh, firmware/size.sh, bench/firmware-steps.sh and
# tests/firmware/*.sh (sourced, POSIX sh): build the images, run a server, enrol and power up
# emulated devices. Every emulated device is a seed of the SRAM simulator; every power-up of it is
# a fresh simulated power-up (its own index) loaded into the device's RAM; its flash pages live in
# a file between power-ups (firmware/README.md, "Running it").
#
# Needs: FW_ROOT (the source tree), FW_TMP (a private directory). Reads: PUFAUTH (default: the
# build's pufauth), FW_MODEL (SRAM calibration, default prototype: the report's board, for which
# the default suite is designed and proven, docs/puf.md section 9), FW_SUITE (the suite devices
# are enrolled with, default the default suite debiased-128; a report-compatible suite needs the
# image built with --all-suites, which fw_setup then does: that image is over the 8 KB budget, so
# it is linked with --no-flash-limit, for comparison runs only).

: "${FW_MODEL:=prototype}"
: "${FW_SUITE:=debiased-128}"

fw_die() {
	echo "${FW_NAME:-qemu}: $*" >&2
	exit 1
}

# Finds QEMU and pufauth (building it in build/ on a fresh checkout) and builds the images into
# $FW_TMP/img; sets the addresses below.
fw_setup() {
	command -v qemu-system-arm >/dev/null 2>&1 ||
		fw_die "qemu-system-arm not found (scripts/deps.sh installs it; Debian: qemu-system-arm)"
	if [ -z "${PUFAUTH:-}" ]; then
		for p in "${HWG_BIN:-}/pufauth" "$FW_ROOT/build/bin/pufauth"; do
			[ -x "$p" ] && PUFAUTH=$p && break
		done
	fi
	if [ -z "${PUFAUTH:-}" ]; then
		# a fresh checkout: build the host tool the scripts drive (server, enrolment, bridge)
		echo "${FW_NAME:-qemu}: building pufauth in $FW_ROOT/build" >&2
		{ cmake -S "$FW_ROOT" -B "$FW_ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
			cmake --build "$FW_ROOT/build" --target pufauth -j"$(nproc)"; } >"$FW_TMP/build.log" 2>&1 ||
			{ tail -20 "$FW_TMP/build.log" >&2; fw_die "building pufauth failed"; }
		PUFAUTH=$FW_ROOT/build/bin/pufauth
	fi
	[ -x "$PUFAUTH" ] || fw_die "PUFAUTH=$PUFAUTH is not an executable"
	command -v arm-none-eabi-nm >/dev/null 2>&1 ||
		fw_die "arm-none-eabi-nm not found (Debian: apt-get install gcc-arm-none-eabi)"
	case "$FW_SUITE" in
	debiased-128) FW_IMAGE_SUITES= ;;
	report-128 | report-64) FW_IMAGE_SUITES="--all-suites --no-flash-limit" ;;
	*) fw_die "unknown suite '$FW_SUITE' (debiased-128, report-128, report-64)" ;;
	esac
	# shellcheck disable=SC2086 # empty or two options
	"$FW_ROOT/firmware/image.sh" --out "$FW_TMP/img" $FW_IMAGE_SUITES >"$FW_TMP/image.txt" ||
		fw_die "firmware/image.sh failed"
	FW_ELF=$FW_TMP/img/device.elf
	FW_PROVISION=$FW_TMP/img/provision.elf
	FW_PUF=$(fw_sym __puf_start)
	FW_TRNG=$(fw_sym __trng_start)
	FW_BOOT=$(fw_sym __boot_stack_bottom)
	FW_STATE=$(fw_sym __state_pages)
	# the flash operations a power cut can land before (their entry points; Thumb bit cleared)
	FW_ERASE=$(fw_sym nrf51_flash_erase)
	FW_WRITE=$(fw_sym nrf51_flash_write)
	# the SRAM file covers the PUF blocks and the TRNG noise: all the power-up state the device
	# reads (the rest of its RAM is stack and .handoff, whatever their power-up values)
	FW_SRAM_BYTES=$((FW_BOOT - FW_PUF))
}

fw_sym() {
	v=$(arm-none-eabi-nm "$FW_ELF" | awk -v s="$1" '$3 == s { print $1 }')
	[ -n "$v" ] || fw_die "symbol $1 missing from $FW_ELF"
	printf '0x%x\n' $((0x$v & ~1))
}

# Starts `pufauth serve` on the store $FW_TMP/server.db (made by the first fw_enrol; later
# enrolments reach the running server too) at an ephemeral port; sets FW_SERVER.
fw_server_start() {
	"$PUFAUTH" serve --db "$FW_TMP/server.db" --listen 127.0.0.1:0 2>"$FW_TMP/serve.log" &
	FW_SERVER_PID=$!
	port=
	for _ in $(seq 100); do
		port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$FW_TMP/serve.log" 2>/dev/null | head -1)
		[ -n "$port" ] && break
		kill -0 "$FW_SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$FW_TMP/serve.log" >&2; fw_die "pufauth serve did not start"; }
	FW_SERVER=127.0.0.1:$port
}

fw_server_stop() {
	if [ -n "${FW_SERVER_PID:-}" ]; then
		kill "$FW_SERVER_PID" 2>/dev/null || true
		wait "$FW_SERVER_PID" 2>/dev/null || true
		FW_SERVER_PID=
	fi
}

# fw_sram DEVICE POWERUP: the SRAM file of that power-up of that device (printed path).
fw_sram() {
	f=$FW_TMP/sram-$1-$2.bin
	"$PUFAUTH" mcu sram --sim-seed "$1" --sim-model "$FW_MODEL" --powerup "$2" \
		--bytes "$FW_SRAM_BYTES" --out "$f" || fw_die "pufauth mcu sram failed"
	echo "$f"
}

# fw_enrol DEVICE READINGS: boots the provisioning image READINGS times (power-ups 0..) for its
# SRAM dumps, enrols them (`pufauth enroll --dump`, the trusted step) and writes the device's
# flash file $FW_TMP/flash-DEVICE.bin.
fw_enrol() {
	dump=$FW_TMP/dump-$1.bin
	rm -f "$dump"
	i=0
	while [ "$i" -lt "$2" ]; do
		sram=$(fw_sram "$1" "$i") || exit 1
		"$PUFAUTH" mcu run --kernel "$FW_PROVISION" --sram "$sram" --sram-addr "$FW_PUF" \
			--dump "$dump" >/dev/null || fw_die "provisioning power-up $i of device $1 failed"
		rm -f "$sram"
		i=$((i + 1))
	done
	"$PUFAUTH" enroll --db "$FW_TMP/server.db" --state "$FW_TMP/dev-$1.state" --dump "$dump" \
		--suite "$FW_SUITE" --name "dev-$1" --force >"$FW_TMP/enroll.log" 2>&1 ||
		{ cat "$FW_TMP/enroll.log" >&2; fw_die "enrolment failed"; }
	"$PUFAUTH" mcu flash --state "$FW_TMP/dev-$1.state" --out "$FW_TMP/flash-$1.bin" ||
		fw_die "pufauth mcu flash failed"
}

# fw_powerup DEVICE POWERUP [mcu run options...]: one power-up of the device image against the
# server; prints the bridge's output, returns its exit status (0 authenticated, 1 rejected,
# 3 failed, 4 power cut). The SRAM file stays when FW_KEEP_SRAM is set.
fw_powerup() {
	dev=$1 pu=$2
	shift 2
	sram=$(fw_sram "$dev" "$pu") || exit 1
	st=0
	"$PUFAUTH" mcu run --kernel "$FW_ELF" --sram "$sram" --sram-addr "$FW_PUF" \
		--flash "$FW_TMP/flash-$dev.bin" --flash-addr "$FW_STATE" --server "$FW_SERVER" \
		--label "dev-$dev" "$@" || st=$?
	[ -n "${FW_KEEP_SRAM:-}" ] || rm -f "$sram"
	return $st
}
