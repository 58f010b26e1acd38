#include "daemon/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keys/log.h"

static enum log_level current = LOG_LEVEL_ERROR;
static char ifname_tag[32] = "hwguard";

int log_level_parse(const char *s, enum log_level *out)
{
	if (!strcmp(s, "verbose") || !strcmp(s, "debug"))
		*out = LOG_LEVEL_VERBOSE;
	else if (!strcmp(s, "error"))
		*out = LOG_LEVEL_ERROR;
	else if (!strcmp(s, "silent"))
		*out = LOG_LEVEL_SILENT;
	else
		return -1;
	return 0;
}

__attribute__((format(printf, 2, 0))) static void emit(const char *prefix, const char *fmt,
                                                       va_list ap);

static void emit_line(const char *prefix, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void emit_line(const char *prefix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(prefix, fmt, ap);
	va_end(ap);
}

/* Key providers report failures and recoveries from whichever thread calls them. A recovery is
 * shown wherever the failure was (INFO at the error level), so an operator sees both. */
static void key_provider_line(enum key_log_level level, const char *line)
{
	if (current < LOG_LEVEL_ERROR)
		return;
	emit_line(level == KEY_LOG_ERROR ? "ERROR" : "INFO", "%s", line);
}

void log_setup(const char *ifname, enum log_level level)
{
	snprintf(ifname_tag, sizeof(ifname_tag), "%s", ifname);
	current = level;
	key_log_set_hook(key_provider_line);
}

enum log_level log_current_level(void)
{
	return current;
}

__attribute__((format(printf, 2, 0))) static void emit(const char *prefix, const char *fmt,
                                                       va_list ap)
{
	char when[32] = "";
	time_t t = time(NULL);
	struct tm tm;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);
	flockfile(stderr); /* one line at a time when several threads log */
	fprintf(stderr, "%s: (%s) %s ", prefix, ifname_tag, when);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
	funlockfile(stderr);
}

void log_at(enum log_level level, const char *fmt, ...)
{
	if (current < level)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit(level == LOG_LEVEL_ERROR ? "ERROR" : "DEBUG", fmt, ap);
	va_end(ap);
}
