/* pufauth mcu: the host side of the emulated device (firmware/README.md). `run` powers the device
 * up once under qemu-system-arm -M microbit, with its SRAM's power-up state and its flash pages
 * loaded from files, relays its UART to a pufauth server over UDP, and at the end saves the flash
 * back (the emulated NVMC keeps flash in RAM: it does not survive QEMU). A power cut is QEMU killed
 * at a chosen flash operation, with the flash as it was at that instant. `sram`, `flash` and
 * `state` make and read those files. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"
#include "crypto/portable/simon_modes.h"
#include "crypto/random.h"
#include "puf/proto/device_flash.h"
#include "puf/proto/device_link.h"
#include "puf/host/state_file.h"
#include "puf/proto/wire.h"
#include "puf/sram_dump.h"
#include "puf/host/sram_sim.h"
#include "pufserver/udp.h"

#define FLASH_PAGE  1024u /* nRF51 NVMC page */
#define FLASH_BYTES (2 * FLASH_PAGE)
#define MAX_SRAM    16384u /* the nRF51's RAM */
#define MAX_CUT_AT  4
#define GDB_MAX     4096

enum {
	RUN_AUTHENTICATED = 0,
	RUN_REJECTED = 1,
	RUN_USAGE = 2,
	RUN_FAILED = 3,
	RUN_CUT = 4,
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: pufauth mcu sram  --sim-seed S [--sim-model MODEL] --powerup I --bytes N\n"
	        "                         --out FILE\n"
	        "       pufauth mcu flash --state FILE --out FILE\n"
	        "       pufauth mcu state FILE\n"
	        "       pufauth mcu run   --kernel ELF --sram FILE --sram-addr ADDR\n"
	        "                         [--flash FILE --flash-addr ADDR] [--server HOST:PORT]\n"
	        "                         [--cut N --cut-at ADDR... [--tear] | --warm-reset]\n"
	        "                         [--transcript FILE]\n"
	        "                         [--label TEXT] [--dump FILE] [--timeout MS]\n"
	        "                         [--qemu PATH] [--qemu-arg ARG...]\n\n"
	        "The host side of the PUF device emulated on an nRF51 (firmware/README.md).\n\n"
	        "sram   writes power-up number I of the simulated SRAM of device S (its first N\n"
	        "       bytes): what the device's RAM holds at that power-up.\n"
	        "         --sim-model MODEL  prototype (default: the report's board) or mcu\n"
	        "flash  turns a state file made by 'pufauth enroll' into the device's two flash\n"
	        "       pages (%u bytes: page A holds the state, page B is erased).\n"
	        "state  prints the state a flash file holds (suite, challenge, the size of its\n"
	        "       case maps, a key fingerprint).\n"
	        "run    powers the device up once: QEMU loads ELF, the SRAM file at ADDR and the\n"
	        "       flash file at ADDR (both hex or decimal), the device's frames are relayed\n"
	        "       to the server, its report is printed, and the flash file is updated from\n"
	        "       the emulated flash.\n"
	        "         --cut N         cut the power just before the device's N-th flash\n"
	        "                         operation (1 = the first erase or write): the flash "
	        "file\n"
	        "                         gets the flash of that instant, QEMU is killed\n"
	        "         --cut-at ADDR   entry address of a flash operation function (repeat)\n"
	        "         --tear          cut during operation N instead: each bit it changes is\n"
	        "                         changed or not at random (a torn erase or program)\n"
	        "         --warm-reset    after the run, reset the device without cutting the "
	        "power\n"
	        "                         (its RAM stays): it must refuse to run (exit 0 if it "
	        "does)\n"
	        "         --transcript F  append each RESPONSE to F: two frames (u16 LE length,\n"
	        "                         bytes), the --label text, then the message\n"
	        "         --dump FILE     append the SRAM dump record a provisioning image sends\n"
	        "         --timeout MS    give up after MS (default 60000)\n"
	        "         --qemu-arg ARG  extra QEMU argument (e.g. -icount shift=0)\n"
	        "Exit status of run: 0 authenticated (or dump captured, or warm reset refused),\n"
	        "1 rejected, 2 bad usage, 3 the device failed or did not answer, 4 power cut as\n"
	        "asked.\n",
	        FLASH_BYTES);
}

static int parse_addr(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	x = strtoul(s, &end, 0);
	if (*end || errno || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	*len = fread(buf, 1, cap, f);
	int extra = fgetc(f) != EOF;
	int bad = ferror(f);
	fclose(f);
	if (bad || extra) {
		errno = bad ? EIO : EFBIG;
		return -1;
	}
	return 0;
}

/* ---- sram, flash, state ---- */

static int mcu_sram(int argc, char **argv)
{
	const char *model = "prototype", *out = NULL;
	unsigned long seed = 0, powerup = 0, bytes = 0;
	int have_seed = 0, have_powerup = 0;
	static uint8_t buf[MAX_SRAM];
	struct sram_sim sim;
	const struct cli_option opts[] = {
	        {"sim-seed", CLI_UINT, .to = &seed, .max = ULONG_MAX, .given = &have_seed},
	        {"sim-model", CLI_TEXT, .to = &model},
	        {"powerup", CLI_UINT, .to = &powerup, .max = ULONG_MAX, .given = &have_powerup},
	        {"bytes", CLI_UINT, .to = &bytes, .min = 4, .max = MAX_SRAM},
	        {"out", CLI_TEXT, .to = &out},
	        {0},
	};
	int status = cli_parse_options("mcu sram", argc, argv, opts, usage);

	if (status >= 0)
		return status;
	if (optind != argc || !have_seed || !have_powerup || !bytes || !out)
		return cli_usage_error("mcu sram", "need --sim-seed, --powerup, --bytes and --out",
		                       usage);
	if (bytes % 4) {
		fprintf(stderr, "pufauth mcu sram: --bytes must be a multiple of 4\n");
		return 2;
	}
	const struct sram_sim_params *params = sram_sim_params_by_name(model);
	if (!params) {
		fprintf(stderr, "pufauth mcu sram: unknown --sim-model '%s' (prototype, mcu)\n",
		        model);
		return 2;
	}
	sram_sim_init(&sim, params, seed, (uint32_t)bytes);
	if (sram_sim_powerup(&sim, powerup, 0, buf, bytes) ||
	    pufproto_write_file_atomic(out, buf, bytes)) {
		fprintf(stderr, "pufauth mcu sram: %s: %s\n", out, strerror(errno));
		return 1;
	}
	return 0;
}

static int mcu_flash(int argc, char **argv)
{
	const char *state = NULL, *out = NULL;
	struct pufproto_file_store fs;
	struct pufproto_device_nv nv;
	uint8_t image[FLASH_BYTES];
	char err[512];
	const struct cli_option opts[] = {
	        {"state", CLI_TEXT, .to = &state},
	        {"out", CLI_TEXT, .to = &out},
	        {0},
	};
	int ret = cli_parse_options("mcu flash", argc, argv, opts, usage);

	if (ret >= 0)
		return ret;
	ret = 1;
	if (optind != argc || !state || !out)
		return cli_usage_error("mcu flash", "need --state and --out", usage);
	/* the state file is locked while it is read: an enrolment or a host run cannot replace it
	 * under us */
	if (pufproto_file_store_load(&fs, state, &nv, err, sizeof(err))) {
		fprintf(stderr, "pufauth mcu flash: %s\n", err);
		pufproto_file_store_close(&fs);
		secure_wipe(&fs, sizeof(fs));
		return 2;
	}
	if (pufproto_flash_image(&nv, FLASH_PAGE, image))
		fprintf(stderr,
		        "pufauth mcu flash: the state (%zu bytes of case maps) does not fit a "
		        "%u-byte "
		        "flash page; enrol the device from its own SRAM dump (pufauth enroll "
		        "--dump), "
		        "which covers only the challenges its PUF region holds\n",
		        nv.helper_len, FLASH_PAGE);
	else if (pufproto_write_file_atomic(out, image, sizeof(image)))
		fprintf(stderr, "pufauth mcu flash: %s: %s\n", out, strerror(errno));
	else
		ret = 0;
	pufproto_file_store_close(&fs);
	secure_wipe(&nv, sizeof(nv));
	secure_wipe(&fs, sizeof(fs));
	secure_wipe(image, sizeof(image));
	return ret;
}

static int mcu_state(int argc, char **argv)
{
	static const uint8_t label[] = "hwguard key fingerprint";
	uint8_t flash[FLASH_BYTES];
	struct pufproto_device_nv nv;
	struct pufproto_flash f = {.mem = flash, .page_size = FLASH_PAGE};
	uint8_t fp[4];
	size_t len;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 2)
		return cli_usage_error("mcu state", "need one flash file", usage);
	errno = 0;
	if (read_file(argv[1], flash, sizeof(flash), &len) || len != sizeof(flash)) {
		fprintf(stderr, "pufauth mcu state: %s: %s\n", argv[1],
		        errno ? strerror(errno) : "not a flash file");
		return 2;
	}
	uint32_t seq;
	if (pufproto_flash_read(&f, &nv, &seq)) {
		printf("no valid state\n");
		return 1;
	}
	/* a fingerprint, not the key: tells states apart without printing the secret */
	simon_prf(SIMON_128_128, nv.sk, label, sizeof(label) - 1, fp, sizeof(fp));
	printf("record %" PRIu32 ": suite %u, challenge %" PRIu32 ", %zu bytes of case maps, key "
	       "%02x%02x%02x%02x\n",
	       seq, nv.suite, nv.challenge, nv.helper_len, fp[0], fp[1], fp[2], fp[3]);
	secure_wipe(&nv, sizeof(nv));
	return 0;
}

/* ---- the GDB remote protocol, as much as run needs: breakpoints, continue, step, and QEMU
 * monitor commands (qRcmd) for saving memory to a file ---- */

struct gdb {
	int fd;
	uint64_t deadline;
};

static int wait_readable(int fd, uint64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint64_t now = pufudp_now_ms();
	if (now >= deadline)
		return 0;
	int n = poll(&p, 1, (int)(deadline - now));
	return n > 0 ? 1 : n;
}

static int gdb_send(struct gdb *g, const char *payload)
{
	char buf[GDB_MAX + 8];
	unsigned sum = 0;
	size_t n = strlen(payload);

	if (n > GDB_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		sum += (unsigned char)payload[i];
	int len = snprintf(buf, sizeof(buf), "$%s#%02x", payload, sum & 0xff);
	if (write(g->fd, buf, (size_t)len) != len)
		return -1;
	/* the stub acknowledges each packet with '+' */
	for (;;) {
		char ack;
		if (wait_readable(g->fd, g->deadline) <= 0 || read(g->fd, &ack, 1) != 1)
			return -1;
		if (ack == '+')
			return 0;
		if (ack == '-' && write(g->fd, buf, (size_t)len) != len)
			return -1;
	}
}

/* Next packet's payload (acknowledged), NUL-terminated. Returns 0, or -1 (timeout, closed). */
static int gdb_recv(struct gdb *g, char *out, size_t cap)
{
	size_t n = 0;
	int in_packet = 0, tail = 0;

	for (;;) {
		char ch;
		if (wait_readable(g->fd, g->deadline) <= 0 || read(g->fd, &ch, 1) != 1)
			return -1;
		if (!in_packet) {
			in_packet = ch == '$';
			continue;
		}
		if (tail) {
			if (++tail == 3) /* '#' and two checksum digits */
				break;
			continue;
		}
		if (ch == '#') {
			tail = 1;
			continue;
		}
		if (n + 1 < cap)
			out[n++] = ch;
	}
	out[n] = 0;
	return write(g->fd, "+", 1) == 1 ? 0 : -1;
}

/* Sends a command and returns its reply in out. */
static int gdb_command(struct gdb *g, const char *payload, char *out, size_t cap)
{
	return gdb_send(g, payload) || gdb_recv(g, out, cap) ? -1 : 0;
}

static int is_stop_reply(const char *r)
{
	return r[0] == 'T' || r[0] == 'S';
}

/* Runs a QEMU monitor command through the stub; its output packets ('O...') are skipped. */
static int gdb_monitor(struct gdb *g, const char *cmd)
{
	char payload[GDB_MAX], reply[GDB_MAX];
	int n = snprintf(payload, sizeof(payload), "qRcmd,");

	for (const char *p = cmd; *p && n + 3 < (int)sizeof(payload); p++)
		n += snprintf(payload + n, sizeof(payload) - (size_t)n, "%02x", (unsigned char)*p);
	if (gdb_send(g, payload))
		return -1;
	do {
		if (gdb_recv(g, reply, sizeof(reply)))
			return -1;
	} while (reply[0] == 'O' && strcmp(reply, "OK")); /* "O<hex>": output, "OK": done */
	return strcmp(reply, "OK") ? -1 : 0;
}

/* Saves len bytes of guest memory at addr into buf, through a file QEMU writes. */
static int gdb_read_memory(struct gdb *g, const char *dir, uint32_t addr, uint8_t *buf, size_t len)
{
	char path[512], cmd[700];
	size_t got;

	snprintf(path, sizeof(path), "%s/memory", dir);
	/* memsave: through the CPU's view (the SoC's flash is not in QEMU's system memory, which
	 * pmemsave reads); quoted: unquoted, the monitor reads "2048 /tmp" as a division */
	snprintf(cmd, sizeof(cmd), "memsave 0x%" PRIx32 " %zu \"%s\"", addr, len, path);
	unlink(path);
	if (gdb_monitor(g, cmd) || read_file(path, buf, len, &got) || got != len)
		return -1;
	unlink(path);
	return 0;
}

/* ---- run ---- */

struct run {
	const char *kernel, *sram, *flash, *server, *transcript, *label, *dump, *qemu;
	uint32_t sram_addr, flash_addr, cut_at[MAX_CUT_AT];
	unsigned ncut_at, nqemu_args;
	unsigned long cut, timeout_ms;
	int tear, warm_reset, have_sram_addr, have_flash_addr;
	const char *qemu_args[32];
	/* while running */
	char dir[64], log[96];
	pid_t pid;
	int uart, udp, mon;
	struct gdb gdb;
	struct puflink_reader reader;
	uint8_t hello[PUFPROTO_MAX_MESSAGE];
	size_t hello_len;
	uint64_t hello_sent;
	unsigned hello_tries;
};

static int connect_unix(const char *path, uint64_t deadline)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof(a.sun_path)) { /* never cut a socket's path: it would name another */
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(a.sun_path, path, n + 1);
	/* QEMU creates its sockets as it starts: retry until it has */
	while (pufudp_now_ms() < deadline) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		close(fd);
		usleep(10000);
	}
	return -1;
}

static int spawn_qemu(struct run *r)
{
	char kernel[1100], sram[1100], flash[1100], uart[200], gdb[200], mon[200];
	const char *argv[64];
	int n = 0;

	snprintf(kernel, sizeof(kernel), "%s", r->kernel);
	snprintf(sram, sizeof(sram), "loader,file=%s,addr=0x%" PRIx32 ",force-raw=on", r->sram,
	         r->sram_addr);
	snprintf(flash, sizeof(flash), "loader,file=%s,addr=0x%" PRIx32 ",force-raw=on", r->flash,
	         r->flash_addr);
	/* wait=on: the CPU starts only once the bridge holds the UART, so no byte is lost */
	snprintf(uart, sizeof(uart), "socket,id=uart,path=%s/uart,server=on,wait=on", r->dir);
	snprintf(gdb, sizeof(gdb), "socket,id=gdb,path=%s/gdb,server=on,wait=off", r->dir);
	snprintf(mon, sizeof(mon), "socket,id=mon,path=%s/mon,server=on,wait=off", r->dir);
	argv[n++] = r->qemu;
	argv[n++] = "-M";
	argv[n++] = "microbit";
	argv[n++] = "-S"; /* paused until the bridge has armed the debug stub ("c") */
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-chardev";
	argv[n++] = mon;
	argv[n++] = "-mon";
	argv[n++] = "chardev=mon,mode=readline";
	argv[n++] = "-kernel";
	argv[n++] = kernel;
	argv[n++] = "-device";
	argv[n++] = sram;
	if (r->flash) {
		argv[n++] = "-device";
		argv[n++] = flash;
	}
	argv[n++] = "-chardev";
	argv[n++] = uart;
	argv[n++] = "-serial";
	argv[n++] = "chardev:uart";
	argv[n++] = "-chardev";
	argv[n++] = gdb;
	argv[n++] = "-gdb";
	argv[n++] = "chardev:gdb";
	for (unsigned i = 0; i < r->nqemu_args; i++)
		argv[n++] = r->qemu_args[i];
	argv[n] = NULL;

	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		/* QEMU is the device's power: it must not outlive the bridge */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* its chatter goes to a log, shown when it fails to start */
		int log = open(r->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (log >= 0)
			dup2(log, 2);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "pufauth mcu run: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return 0;
}

static void power_off(struct run *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
}

/* QEMU's nRF51 UART model stops offering input to the emulator while reception is off, and
 * starting it (STARTRX) does not wake QEMU's main loop: bytes sent after that wait until the loop
 * wakes for another reason (about a second). An empty monitor command is such a reason. */
static void nudge_main_loop(struct run *r)
{
	if (write(r->mon, "\n", 1) != 1)
		return; /* only slower without it */
}

static int send_frame(struct run *r, const uint8_t *msg, size_t len)
{
	uint8_t head[2];
	store_le16(head, (uint16_t)len);
	if (write(r->uart, head, 2) != 2 || write(r->uart, msg, len) != (ssize_t)len)
		return -1;
	nudge_main_loop(r);
	return 0;
}

/* Appends two device-link frames (device_link.h): the label, then the RESPONSE. */
static void append_transcript(const struct run *r, const uint8_t *msg, size_t len)
{
	size_t label_len = strlen(r->label);
	uint8_t head[2];
	FILE *f = fopen(r->transcript, "ab");
	int ok = f != NULL;

	store_le16(head, (uint16_t)label_len);
	ok = ok && fwrite(head, 1, 2, f) == 2 && fwrite(r->label, 1, label_len, f) == label_len;
	store_le16(head, (uint16_t)len);
	ok = ok && fwrite(head, 1, 2, f) == 2 && fwrite(msg, 1, len, f) == len;
	if (f && fclose(f))
		ok = 0;
	if (!ok)
		fprintf(stderr, "pufauth mcu run: %s: %s\n", r->transcript, strerror(errno));
}

static int append_dump(const struct run *r, const uint8_t *rec, size_t len)
{
	int fd = open(r->dump, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int ok = fd >= 0 && write(fd, rec, len) == (ssize_t)len && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* Stops the CPU (Ctrl-C on the stub) and waits for it to say so. */
static int halt_cpu(struct run *r)
{
	char reply[GDB_MAX];
	if (write(r->gdb.fd, "\x03", 1) != 1)
		return -1;
	do {
		if (gdb_recv(&r->gdb, reply, sizeof(reply)))
			return -1;
	} while (!is_stop_reply(reply));
	return 0;
}

static int save_flash(struct run *r, const uint8_t *flash)
{
	if (pufproto_write_file_atomic(r->flash, flash, FLASH_BYTES)) {
		fprintf(stderr, "pufauth mcu run: %s: %s\n", r->flash, strerror(errno));
		return -1;
	}
	return 0;
}

static int set_breakpoints(struct run *r, char insert)
{
	char cmd[64], reply[64];
	for (unsigned i = 0; i < r->ncut_at; i++) {
		snprintf(cmd, sizeof(cmd), "%c0,%" PRIx32 ",2", insert ? 'Z' : 'z', r->cut_at[i]);
		if (gdb_command(&r->gdb, cmd, reply, sizeof(reply)) || strcmp(reply, "OK"))
			return -1;
	}
	return 0;
}

/* Leaves a breakpoint the CPU stopped at: out, one instruction, back in, continue. */
static int resume_from_breakpoint(struct run *r)
{
	char reply[GDB_MAX];
	if (set_breakpoints(r, 0) || gdb_command(&r->gdb, "s", reply, sizeof(reply)) ||
	    !is_stop_reply(reply) || set_breakpoints(r, 1))
		return -1;
	return gdb_send(&r->gdb, "c");
}

/* The flash of a cut during an operation that turns `before` into `after`: each bit it changes
 * has changed or not, at random. */
static void tear(uint8_t *flash, const uint8_t *before, const uint8_t *after)
{
	uint8_t mask[FLASH_BYTES];
	random_bytes(mask, sizeof(mask));
	for (size_t i = 0; i < FLASH_BYTES; i++)
		flash[i] = (uint8_t)((before[i] & ~mask[i]) | (after[i] & mask[i]));
}

static void print_report(const struct puflink_report *rep)
{
	const char *why = puflink_strerror(rep->error);
	if (rep->outcome == PUFLINK_FAILED)
		printf("device: failed: %s\n", why ? why : pufproto_device_strerror(rep->error));
	else
		printf("device: %s\n", puflink_outcome_name(rep->outcome));
	printf("device: stack high-water boot %u of %u bytes, run %u of %u bytes; static RAM %u "
	       "of %u bytes\n",
	       rep->boot_stack_used, rep->boot_stack_size, rep->run_stack_used, rep->run_stack_size,
	       rep->static_ram, rep->ram_size);
}

/* The relay loop's progress. */
struct relay {
	uint8_t before[FLASH_BYTES], flash[FLASH_BYTES]; /* around the flash operation cut in */
	unsigned long ops;                               /* flash operations so far */
	int torn_pending;                                /* --tear: operation `cut` is running */
	int warm_done;                                   /* --warm-reset: the reset is done */
};

#define RELAY_GO_ON (-1)
#define RELAY_CUT   (-2)

static int read_flash(struct run *r, uint8_t *flash)
{
	return gdb_read_memory(&r->gdb, r->dir, r->flash_addr, flash, FLASH_BYTES);
}

/* The CPU stopped at a flash operation (a breakpoint). */
static int on_flash_operation(struct run *r, struct relay *st)
{
	char reply[GDB_MAX];

	if (gdb_recv(&r->gdb, reply, sizeof(reply)) || !is_stop_reply(reply)) {
		fprintf(stderr, "pufauth mcu run: lost the debug connection\n");
		return RUN_FAILED;
	}
	st->ops++;
	if (st->torn_pending) {
		/* operation `cut` is complete: the cut lands somewhere inside it */
		if (read_flash(r, st->flash))
			return RUN_FAILED;
		tear(st->flash, st->before, st->flash);
		return RELAY_CUT;
	}
	if (st->ops == r->cut) {
		if (read_flash(r, st->before))
			return RUN_FAILED;
		if (!r->tear) {
			memcpy(st->flash, st->before, FLASH_BYTES);
			return RELAY_CUT;
		}
		st->torn_pending = 1;
	}
	return resume_from_breakpoint(r) ? RUN_FAILED : RELAY_GO_ON;
}

/* The device's last frame of a power-up. */
static int on_report(struct run *r, struct relay *st, const struct puflink_report *rep)
{
	print_report(rep);
	if (st->warm_done) {
		/* the second boot, without a power cycle: refusing is right */
		int refused =
		        rep->outcome == PUFLINK_FAILED && rep->error == PUFLINK_ERR_WARM_RESET;
		printf("device: warm reset %s\n",
		       refused ? "refused, as it must be" : "NOT refused");
		return refused ? RUN_AUTHENTICATED : RUN_FAILED;
	}
	if (st->torn_pending) {
		/* operation `cut` was the last one: the run ended behind it */
		if (halt_cpu(r) || read_flash(r, st->flash))
			return RUN_FAILED;
		tear(st->flash, st->before, st->flash);
		return RELAY_CUT;
	}
	if (r->flash && (halt_cpu(r) || read_flash(r, st->flash) || save_flash(r, st->flash)))
		return RUN_FAILED;
	if (r->cut)
		printf("device: the run made %lu flash operations; no cut\n", st->ops);
	if (r->warm_reset) {
		/* reset without a power cycle: RAM (and the canary) stay. QEMU reloads its loader
		 * images, flash included: the flash saved above is what a later power-up sees. */
		if (rep->outcome != PUFLINK_AUTHENTICATED || gdb_send(&r->gdb, "c") ||
		    write(r->mon, "system_reset\n", 13) != 13)
			return RUN_FAILED;
		st->warm_done = 1;
		return RELAY_GO_ON;
	}
	return rep->outcome == PUFLINK_AUTHENTICATED ? RUN_AUTHENTICATED
	       : rep->outcome == PUFLINK_REJECTED    ? RUN_REJECTED
	                                             : RUN_FAILED;
}

/* One frame from the device. */
static int on_frame(struct run *r, struct relay *st, const uint8_t *f, size_t len)
{
	struct puflink_report rep;
	struct sram_dump_record rec;
	struct pufproto_header h;

	if (pufproto_parse_header(f, len, &h) == 0) {
		if (h.type == PUFPROTO_MSG_RESPONSE && r->transcript)
			append_transcript(r, f, len);
		if (h.type == PUFPROTO_MSG_HELLO && len <= sizeof(r->hello)) {
			memcpy(r->hello, f, len);
			r->hello_len = len;
			r->hello_sent = pufudp_now_ms();
			r->hello_tries = 0;
		}
		if (r->udp < 0 || send(r->udp, f, len, 0) < 0) {
			fprintf(stderr, "pufauth mcu run: cannot reach the server (--server)\n");
			return RUN_FAILED;
		}
		return RELAY_GO_ON;
	}
	if (sram_dump_parse(f, len, &rec) == (long)len) {
		if (!r->dump || append_dump(r, f, len)) {
			fprintf(stderr, "pufauth mcu run: cannot keep the SRAM dump (--dump)\n");
			return RUN_FAILED;
		}
		printf("device: SRAM dump of %" PRIu32 " bytes\n", rec.data_len);
		return RUN_AUTHENTICATED;
	}
	if (puflink_report_parse(f, len, &rep) == 0)
		return on_report(r, st, &rep);
	fprintf(stderr, "pufauth mcu run: unknown frame from the device (%zu bytes)\n", len);
	return RELAY_GO_ON;
}

/* Bytes from the UART: every complete frame in them. */
static int on_uart(struct run *r, struct relay *st)
{
	uint8_t in[512];
	ssize_t n = read(r->uart, in, sizeof(in));

	if (n <= 0) {
		fprintf(stderr, "pufauth mcu run: the emulator closed the UART\n");
		return RUN_FAILED;
	}
	for (size_t off = 0; off < (size_t)n;) {
		size_t len;
		long used = puflink_reader_feed(&r->reader, in + off, (size_t)n - off, &len);
		if (used < 0) {
			fprintf(stderr, "pufauth mcu run: bad frame from the device\n");
			return RUN_FAILED;
		}
		off += (size_t)used;
		if (len) {
			int ret = on_frame(r, st, r->reader.frame, len);
			if (ret != RELAY_GO_ON)
				return ret;
		}
	}
	return RELAY_GO_ON;
}

/* The relay loop. Returns a RUN_* status. */
static int relay(struct run *r)
{
	static struct relay st;
	uint64_t deadline = pufudp_now_ms() + r->timeout_ms;
	int ret = RELAY_GO_ON;

	memset(&st, 0, sizeof(st));
	r->gdb.deadline = deadline;
	while (ret == RELAY_GO_ON) {
		struct pollfd p[4] = {{.fd = r->uart, .events = POLLIN},
		                      {.fd = r->udp, .events = POLLIN},
		                      {.fd = r->gdb.fd, .events = POLLIN},
		                      {.fd = r->mon, .events = POLLIN}};
		uint64_t now = pufudp_now_ms();
		if (now >= deadline) {
			fprintf(stderr,
			        "pufauth mcu run: no report from the device within %lu ms\n",
			        r->timeout_ms);
			return RUN_FAILED;
		}
		/* a lost HELLO or CHALLENGE (UDP) is retried: a device waits as long as it takes */
		if (r->hello_len && r->hello_tries < 5 && now - r->hello_sent > 2000) {
			if (send(r->udp, r->hello, r->hello_len, 0) < 0)
				return RUN_FAILED;
			r->hello_sent = now;
			r->hello_tries++;
		}
		if (poll(p, 4, (int)(deadline - now < 500 ? deadline - now : 500)) < 0) {
			if (errno == EINTR)
				continue;
			return RUN_FAILED;
		}
		if (p[3].revents & POLLIN) {
			char drain[512]; /* the monitor's banner, prompts and echo */
			if (read(r->mon, drain, sizeof(drain)) <= 0)
				r->mon = -1;
		}
		if (p[2].revents & (POLLIN | POLLHUP))
			ret = on_flash_operation(r, &st);
		if (ret == RELAY_GO_ON && (p[1].revents & POLLIN)) {
			uint8_t msg[PUFPROTO_MAX_MESSAGE];
			ssize_t n = recv(r->udp, msg, sizeof(msg), 0);
			if (n > 0) {
				r->hello_len = 0; /* answered */
				if (send_frame(r, msg, (size_t)n))
					return RUN_FAILED;
			}
		}
		if (ret == RELAY_GO_ON && (p[0].revents & (POLLIN | POLLHUP)))
			ret = on_uart(r, &st);
	}
	if (ret != RELAY_CUT)
		return ret;
	power_off(r);
	if (save_flash(r, st.flash))
		return RUN_FAILED;
	printf("device: power cut %s flash operation %lu\n", r->tear ? "during" : "before", r->cut);
	return RUN_CUT;
}

static void show_log(const struct run *r)
{
	char line[512];
	FILE *f = fopen(r->log, "r");
	while (f && fgets(line, sizeof(line), f))
		fprintf(stderr, "  %s", line);
	if (f)
		fclose(f);
}

static int run_device(struct run *r)
{
	char path[128], reply[GDB_MAX], err[256];
	int ret = RUN_FAILED;
	uint64_t deadline = pufudp_now_ms() + r->timeout_ms;

	r->uart = r->udp = r->gdb.fd = r->mon = -1;
	r->pid = 0;
	puflink_reader_init(&r->reader);
	const char *tmp = getenv("TMPDIR");
	/* short (socket paths), and quotable in a monitor command */
	if (!tmp || strlen(tmp) >= 40 || strpbrk(tmp, "\"\\,"))
		tmp = "/tmp";
	snprintf(r->dir, sizeof(r->dir), "%s/hwg-mcu.XXXXXX", tmp);
	if (!mkdtemp(r->dir)) {
		fprintf(stderr, "pufauth mcu run: mkdtemp: %s\n", strerror(errno));
		return RUN_FAILED;
	}
	if (r->server) {
		r->udp = pufudp_connect(r->server, err, sizeof(err));
		if (r->udp < 0) {
			fprintf(stderr, "pufauth mcu run: %s\n", err);
			goto out;
		}
	}
	snprintf(r->log, sizeof(r->log), "%s/qemu.log", r->dir);
	if (spawn_qemu(r))
		goto out;
	snprintf(path, sizeof(path), "%s/uart", r->dir);
	r->uart = connect_unix(path, deadline);
	snprintf(path, sizeof(path), "%s/gdb", r->dir);
	r->gdb.fd = r->uart < 0 ? -1 : connect_unix(path, deadline);
	r->gdb.deadline = deadline;
	snprintf(path, sizeof(path), "%s/mon", r->dir);
	r->mon = r->gdb.fd < 0 ? -1 : connect_unix(path, deadline);
	if (r->uart < 0 || r->gdb.fd < 0 || r->mon < 0) {
		fprintf(stderr, "pufauth mcu run: %s did not start:\n", r->qemu);
		show_log(r);
		goto out;
	}
	/* the CPU waits (-S) for the breakpoints to be armed */
	if (gdb_command(&r->gdb, "?", reply, sizeof(reply)) || !is_stop_reply(reply) ||
	    (r->cut && set_breakpoints(r, 1)) || gdb_send(&r->gdb, "c")) {
		fprintf(stderr, "pufauth mcu run: the emulator's debug stub did not answer\n");
		goto out;
	}
	ret = relay(r);
	if (ret == RUN_FAILED && r->pid > 0 && waitpid(r->pid, NULL, WNOHANG) == r->pid) {
		r->pid = 0;
		fprintf(stderr, "pufauth mcu run: %s stopped:\n", r->qemu);
		show_log(r);
	}
out:
	power_off(r);
	if (r->uart >= 0)
		close(r->uart);
	if (r->gdb.fd >= 0)
		close(r->gdb.fd);
	if (r->udp >= 0)
		close(r->udp);
	if (r->mon >= 0)
		close(r->mon);
	snprintf(path, sizeof(path), "%s/uart", r->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/gdb", r->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/mon", r->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/memory", r->dir);
	unlink(path);
	unlink(r->log);
	rmdir(r->dir);
	return ret;
}

/* --sram-addr, --flash-addr */
static int take_addr(const char *name, const char *value, void *to)
{
	char msg[64];

	if (!parse_addr(value, to))
		return 0;
	snprintf(msg, sizeof(msg), "--%s: not an address", name);
	return cli_usage_error("mcu run", msg, usage);
}

static int take_cut_at(const char *name, const char *value, void *to)
{
	struct run *r = to;

	(void)name;
	if (r->ncut_at == MAX_CUT_AT || parse_addr(value, &r->cut_at[r->ncut_at++]))
		return cli_usage_error("mcu run", "--cut-at: not an address (or too many)", usage);
	return 0;
}

static int take_qemu_arg(const char *name, const char *value, void *to)
{
	struct run *r = to;

	(void)name;
	if (r->nqemu_args == sizeof(r->qemu_args) / sizeof(r->qemu_args[0]))
		return cli_usage_error("mcu run", "too many --qemu-arg", usage);
	r->qemu_args[r->nqemu_args++] = value;
	return 0;
}

static int mcu_run(int argc, char **argv)
{
	static struct run r;
	const struct cli_option opts[] = {
	        {"kernel", CLI_TEXT, .to = &r.kernel},
	        {"sram", CLI_TEXT, .to = &r.sram},
	        {"sram-addr", CLI_CALL, .to = &r.sram_addr, .take = take_addr,
	         .given = &r.have_sram_addr},
	        {"flash", CLI_TEXT, .to = &r.flash},
	        {"flash-addr", CLI_CALL, .to = &r.flash_addr, .take = take_addr,
	         .given = &r.have_flash_addr},
	        {"server", CLI_TEXT, .to = &r.server},
	        {"cut", CLI_UINT, .to = &r.cut, .min = 1, .max = 1000000},
	        {"cut-at", CLI_CALL, .to = &r, .take = take_cut_at},
	        {"tear", CLI_FLAG, .to = &r.tear, .min = 1},
	        {"warm-reset", CLI_FLAG, .to = &r.warm_reset, .min = 1},
	        {"transcript", CLI_TEXT, .to = &r.transcript},
	        {"label", CLI_TEXT, .to = &r.label},
	        {"dump", CLI_TEXT, .to = &r.dump},
	        {"timeout", CLI_UINT, .to = &r.timeout_ms, .min = 100, .max = 3600000},
	        {"qemu", CLI_TEXT, .to = &r.qemu},
	        {"qemu-arg", CLI_CALL, .to = &r, .take = take_qemu_arg},
	        {0},
	};
	int status;

	memset(&r, 0, sizeof(r));
	r.label = "device";
	r.qemu = "qemu-system-arm";
	r.timeout_ms = 60000;
	status = cli_parse_options("mcu run", argc, argv, opts, usage);
	if (status >= 0)
		return status;
	if (strlen(r.label) == 0 || strlen(r.label) > 255)
		return cli_usage_error("mcu run", "--label must be 1..255 characters", usage);
	if (optind != argc || !r.kernel || !r.sram || !r.have_sram_addr)
		return cli_usage_error("mcu run", "need --kernel, --sram and --sram-addr", usage);
	if (!r.flash != !r.have_flash_addr)
		return cli_usage_error("mcu run", "--flash and --flash-addr go together", usage);
	if ((r.cut || r.tear) && (!r.cut || !r.ncut_at || !r.flash))
		return cli_usage_error("mcu run", "--cut needs --cut-at and --flash", usage);
	if (r.warm_reset && (r.cut || !r.flash))
		return cli_usage_error("mcu run", "--warm-reset needs --flash, and no --cut",
		                       usage);
	if (strchr(r.kernel, ',') || strchr(r.sram, ',') || (r.flash && strchr(r.flash, ',')))
		return cli_usage_error("mcu run", "file names must not contain ',' (QEMU options)",
		                       usage);
	signal(SIGPIPE, SIG_IGN);
	return run_device(&r);
}

int cmd_mcu(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "sram"))
		return mcu_sram(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "flash"))
		return mcu_flash(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "state"))
		return mcu_state(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return mcu_run(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	return cli_usage_error("mcu", argc < 2 ? "need an action" : "unknown action", usage);
}
