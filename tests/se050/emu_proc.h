/* Runs se050-emu as a separate process for tests: start with options, stop (SIGTERM, or SIGKILL
 * for a power cut), pause (SIGSTOP: a chip that falls silent), and read its counters from the
 * stats file it rewrites after every command. */
#ifndef HWG_TEST_SE050_EMU_PROC_H
#define HWG_TEST_SE050_EMU_PROC_H

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "se050/bus.h"

struct emu_proc {
	char dir[64];
	char sock[96];
	char store[96];
	char stats[96];
	char bus[128];
	pid_t pid;
};

static inline void emu_proc_init(struct emu_proc *e)
{
	memset(e, 0, sizeof(*e));
	strcpy(e->dir, "/tmp/se-emu-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->sock, sizeof(e->sock), "%s/emu.sock", e->dir);
	snprintf(e->store, sizeof(e->store), "%s/store", e->dir);
	snprintf(e->stats, sizeof(e->stats), "%s/stats", e->dir);
	snprintf(e->bus, sizeof(e->bus), "emu:%s", e->sock);
}

static inline void emu_proc_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Starts the emulator with the store, the stats file and extra options (NULL-terminated). */
static inline void emu_proc_start(struct emu_proc *e, const char *const *extra)
{
	const char *argv[48] = {SE050_EMU_PATH, "--socket",     e->sock, "--store",
	                        e->store,       "--stats-file", e->stats};
	int n = 7;
	for (int i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	unlink(e->stats);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	e->pid = pid;
	for (int i = 0; i < 500; i++) {
		struct se050_bus *bus;
		if (access(e->stats, F_OK) == 0 && se050_bus_emu_open(e->sock, &bus, NULL) == 0) {
			se050_bus_close(bus);
			return;
		}
		emu_proc_sleep_ms(10);
	}
	fail_msg("se050-emu did not start");
}

/* SIGTERM and a clean exit; the stats file then holds the final counters. */
static inline void emu_proc_stop(struct emu_proc *e)
{
	if (e->pid <= 0)
		return;
	int status;
	kill(e->pid, SIGCONT);
	kill(e->pid, SIGTERM);
	waitpid(e->pid, &status, 0);
	e->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A power cut: no chance to answer anything. */
static inline void emu_proc_kill(struct emu_proc *e)
{
	if (e->pid <= 0)
		return;
	kill(e->pid, SIGKILL);
	waitpid(e->pid, NULL, 0);
	e->pid = 0;
}

static inline void emu_proc_cleanup(struct emu_proc *e)
{
	char path[160];
	if (e->pid > 0)
		emu_proc_kill(e);
	const char *names[] = {"store",         "store.tmp", "emu.sock",
	                       "emu.sock.lock", "stats",     "stats.tmp"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", e->dir, names[i]);
		unlink(path);
	}
	rmdir(e->dir);
}

/* One counter from the stats file (fails the test when it is missing). */
static inline unsigned long long emu_proc_stat(const struct emu_proc *e, const char *key)
{
	char line[128];
	size_t klen = strlen(key);
	FILE *f = fopen(e->stats, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
			fclose(f);
			return strtoull(line + klen + 1, NULL, 10);
		}
	}
	fclose(f);
	fail_msg("no counter %s in %s", key, e->stats);
	return 0;
}

#endif
