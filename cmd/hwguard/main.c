/* hwguard: a userspace WireGuard daemon with the command line and control socket of wireguard-go,
 * so that wg, wg-quick (WG_QUICK_USERSPACE_IMPLEMENTATION=hwguard) and systemd units drive it. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/tai64n_mark.h"
#include "daemon/tun.h"
#include "daemon/uapi_server.h"
#include "keys/select.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: hwguard [-f|--foreground] [--key se050:OBJECT_ID] [--state-dir DIR] "
	        "INTERFACE-NAME\n"
	        "       hwguard --help | --version\n"
	        "\n"
	        "Creates the TUN interface INTERFACE-NAME and serves its WireGuard configuration "
	        "socket\n"
	        "at " UAPI_SOCKET_DIR "/INTERFACE-NAME.sock (wg(8), wg-quick(8)). Runs in the\n"
	        "background unless -f is given.\n"
	        "\n"
	        "Options:\n"
	        "  -f, --foreground         stay in the foreground\n"
	        "  --key se050:OBJECT_ID    bind the interface key to this SE050 object (id in "
	        "decimal\n"
	        "                           or 0x-hex): a config without PrivateKey keeps it, and "
	        "any\n"
	        "                           other private key is refused (Operation not "
	        "permitted)\n"
	        "  --state-dir DIR          where the handshake timestamp mark is kept, so that "
	        "peers\n"
	        "                           accept our handshakes after a reboot with the clock "
	        "behind\n"
	        "                           (default " TAI64N_MARK_DEFAULT_DIR ")\n"
	        "\n"
	        "Environment:\n"
	        "  HWGUARD_KEY=se050:OBJECT_ID           same as --key (wg-quick passes no "
	        "flags)\n"
	        "  LOG_LEVEL=verbose|debug|error|silent  logging to stderr (default: error; "
	        "without\n"
	        "                                        LOG_LEVEL the background daemon is "
	        "silent)\n"
	        "  HWGUARD_SE050_BUS=i2c:/dev/i2c-1@0x48|emu:PATH\n"
	        "                                        where SE050 key handles are served\n"
	        "  WG_PROCESS_FOREGROUND=1               same as -f\n"
	        "  HWGUARD_STATE_DIR=DIR                 same as --state-dir\n"
	        "  HWGUARD_NO_TUN_OFFLOAD=1              no TUN vnet headers / TSO\n"
	        "  HWGUARD_NO_UDP_GSO=1                  no UDP GSO/GRO\n"
	        "\n"
	        "See docs/daemon.md.\n");
}

static int daemonise(void)
{
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "hwguard: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0)
		_exit(0); /* the interface and the socket exist: wg-quick may go on */
	setsid();
	if (chdir("/") < 0) {
		/* nothing depends on the working directory; stay where we are */
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		/* wireguard-go keeps stdout/stderr only when LOG_LEVEL asks for output */
		if (!getenv("LOG_LEVEL") || log_current_level() == LOG_LEVEL_SILENT) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		if (null > STDERR_FILENO)
			close(null);
	}
	return 0;
}

/* The kernel's own rule (dev_valid_name): the kernel would refuse anything else with EINVAL, which
 * is better caught here with the reason than reported as a TUN failure. */
static bool valid_interface_name(const char *name)
{
	if (!name[0] || strlen(name) >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *c = name; *c; c++)
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
			return false;
	return true;
}

/* Keeps keys out of core dumps (docs/daemon.md "Keys in memory"): the software provider keeps the
 * private key on MADV_DONTDUMP pages (src/keys/soft.c), and the process is made non-dumpable: no
 * core file at all, and no ptrace by other users. That changes the owner of the /proc/PID/ entries
 * to root and nothing else: `wg` reaches the daemon through the socket file, whose owner and mode
 * (srwx------) stay as they were. */
static void protect_key_memory(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		log_error("cannot make the process non-dumpable: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	bool foreground = false;
	const char *ifname = NULL;
	const char *key_spec = NULL;
	const char *state_dir = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("hwguard %s\n", HWGUARD_VERSION);
			return 0;
		} else if (!strcmp(a, "-f") || !strcmp(a, "--foreground")) {
			foreground = true;
		} else if (!strcmp(a, "--key")) {
			if (i + 1 == argc) {
				fprintf(stderr, "hwguard: --key needs a value (se050:OBJECT_ID)\n");
				return 2;
			}
			key_spec = argv[++i];
		} else if (!strncmp(a, "--key=", 6)) {
			key_spec = a + 6;
		} else if (!strcmp(a, "--state-dir")) {
			if (i + 1 == argc || !argv[i + 1][0]) {
				fprintf(stderr, "hwguard: --state-dir needs a directory\n");
				return 2;
			}
			state_dir = argv[++i];
		} else if (!strncmp(a, "--state-dir=", 12)) {
			if (!a[12]) {
				fprintf(stderr, "hwguard: --state-dir needs a directory\n");
				return 2;
			}
			state_dir = a + 12;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "hwguard: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		} else if (!ifname) {
			ifname = a;
		} else {
			fprintf(stderr, "hwguard: more than one interface name given\n");
			usage(stderr);
			return 2;
		}
	}
	if (!ifname) {
		usage(stderr);
		return 2;
	}
	if (!valid_interface_name(ifname)) {
		fprintf(stderr,
		        "hwguard: invalid interface name '%s': 1 to %d characters, none of them "
		        "'/', "
		        "':' or white space, and not '.' or '..'\n",
		        ifname, IFNAMSIZ - 1);
		return 2;
	}
	const char *key_env = getenv("HWGUARD_KEY");
	if (!key_spec && key_env && key_env[0])
		key_spec = key_env;
	uint8_t bound_handle[KEY_LEN];
	if (key_spec) {
		const char *kwhy = "";
		if (key_spec_parse(key_spec, bound_handle, &kwhy) != 0) {
			fprintf(stderr, "hwguard: bad key '%s': %s\n", key_spec, kwhy);
			return 2;
		}
	}
	const char *state_env = getenv("HWGUARD_STATE_DIR");
	if (!state_dir && state_env && state_env[0])
		state_dir = state_env;
	const char *fg_env = getenv("WG_PROCESS_FOREGROUND");
	if (fg_env && !strcmp(fg_env, "1"))
		foreground = true;

	enum log_level level = LOG_LEVEL_ERROR;
	const char *lvl = getenv("LOG_LEVEL");
	if (lvl && log_level_parse(lvl, &level) != 0) {
		fprintf(stderr, "hwguard: LOG_LEVEL must be verbose, debug, error or silent\n");
		return 2;
	}
	log_setup(ifname, level);

	if (geteuid() != 0)
		fprintf(stderr, "hwguard: warning: not running as root; creating the interface "
		                "needs CAP_NET_ADMIN\n");

	struct daemon_params p;
	memset(&p, 0, sizeof(p));
	p.keys.se050_bus = getenv("HWGUARD_SE050_BUS");
	p.state_dir = state_dir;
	const char *why = "";

	/* The socket check comes first: a live daemon owns the interface, and its name tells why.
	 */
	struct uapi_listener probe;
	int err = uapi_listen(ifname, &probe, &why);
	if (err) {
		fprintf(stderr, "hwguard: %s: %s (%s)%s\n", ifname, why, strerror(-err),
		        err == -EACCES || err == -EPERM ? ": hwguard must run as root" : "");
		return 1;
	}
	if (key_spec) {
		/* Before daemonising, so that wg-quick sees a missing chip or object as a failure.
		 */
		err = key_provider_from_config(bound_handle, &p.keys, &p.bound_key, &why);
		if (err) {
			uapi_listener_close(&probe);
			fprintf(stderr, "hwguard: %s: key %s: %s (%s)\n", ifname, key_spec, why,
			        strerror(-err));
			return 1;
		}
	}
	const char *no_offload = getenv("HWGUARD_NO_TUN_OFFLOAD");
	bool offload = !(no_offload && !strcmp(no_offload, "1"));
	p.tun_fd = tun_open(ifname, TUN_DEFAULT_MTU, offload, p.ifname, &p.tun_vnet, &why);
	if (p.tun_fd < 0) {
		uapi_listener_close(&probe);
		key_provider_destroy(p.bound_key);
		fprintf(stderr, "hwguard: %s: %s (%s)\n", ifname, why, strerror(-p.tun_fd));
		return 1;
	}
	if (strcmp(p.ifname, ifname) != 0) {
		/* The kernel chose another name (a pattern such as "wg%d"): the socket follows it.
		 */
		uapi_listener_close(&probe);
		err = uapi_listen(p.ifname, &probe, &why);
		if (err) {
			close(p.tun_fd);
			key_provider_destroy(p.bound_key);
			fprintf(stderr, "hwguard: %s: %s (%s)\n", p.ifname, why, strerror(-err));
			return 1;
		}
		log_setup(p.ifname, level);
	}
	p.uapi = probe;
	log_verbose("starting hwguard %s", HWGUARD_VERSION);
	if (p.bound_key)
		log_verbose("interface key bound to %s (provider %s)", key_spec,
		            p.bound_key->ops->name);

	if (!foreground && daemonise() != 0) {
		uapi_listener_close(&p.uapi);
		key_provider_destroy(p.bound_key);
		close(p.tun_fd);
		return 1;
	}
	protect_key_memory();
	return daemon_run(&p);
}
