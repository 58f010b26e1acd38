/* hwguard: a userspace WireGuard daemon with the command line and control socket of wireguard-go,
 * so that wg, wg-quick (WG_QUICK_USERSPACE_IMPLEMENTATION=hwguard) and systemd units drive it. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/tun.h"
#include "daemon/uapi_server.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: hwguard [-f|--foreground] INTERFACE-NAME\n"
	        "       hwguard --help | --version\n"
	        "\n"
	        "Creates the TUN interface INTERFACE-NAME and serves its WireGuard configuration "
	        "socket\n"
	        "at " UAPI_SOCKET_DIR "/INTERFACE-NAME.sock (wg(8), wg-quick(8)). Runs in the\n"
	        "background unless -f is given.\n"
	        "\n"
	        "Environment:\n"
	        "  LOG_LEVEL=verbose|debug|error|silent  logging to stderr (default: error; "
	        "without\n"
	        "                                        LOG_LEVEL the background daemon is "
	        "silent)\n"
	        "  HWGUARD_SE050_BUS=i2c:/dev/i2c-1@0x48|emu:PATH\n"
	        "                                        where SE050 key handles are served\n"
	        "  WG_PROCESS_FOREGROUND=1               same as -f\n"
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

int main(int argc, char **argv)
{
	bool foreground = false;
	const char *ifname = NULL;
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
	if (strlen(ifname) >= IFNAMSIZ || !ifname[0] || strchr(ifname, '/') ||
	    strchr(ifname, ' ') || !strcmp(ifname, ".") || !strcmp(ifname, "..")) {
		fprintf(stderr,
		        "hwguard: invalid interface name '%s': 1 to %d characters, no '/' or "
		        "spaces\n",
		        ifname, IFNAMSIZ - 1);
		return 2;
	}
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
	const char *no_offload = getenv("HWGUARD_NO_TUN_OFFLOAD");
	bool offload = !(no_offload && !strcmp(no_offload, "1"));
	p.tun_fd = tun_open(ifname, TUN_DEFAULT_MTU, offload, p.ifname, &p.tun_vnet, &why);
	if (p.tun_fd < 0) {
		uapi_listener_close(&probe);
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
			fprintf(stderr, "hwguard: %s: %s (%s)\n", p.ifname, why, strerror(-err));
			return 1;
		}
		log_setup(p.ifname, level);
	}
	p.uapi = probe;
	log_verbose("starting hwguard %s", HWGUARD_VERSION);

	if (!foreground && daemonise() != 0) {
		uapi_listener_close(&p.uapi);
		close(p.tun_fd);
		return 1;
	}
	return daemon_run(&p);
}
