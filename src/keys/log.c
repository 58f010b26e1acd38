#include "keys/log.h"

#include <stdarg.h>
#include <stdio.h>

static key_log_hook hook;

void key_log_set_hook(key_log_hook h)
{
	__atomic_store_n(&hook, h, __ATOMIC_RELEASE);
}

void key_log(enum key_log_level level, const char *fmt, ...)
{
	char line[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	key_log_hook h = __atomic_load_n(&hook, __ATOMIC_ACQUIRE);
	if (h)
		h(level, line);
	else
		fprintf(stderr, "%s: %s\n", level == KEY_LOG_ERROR ? "ERROR" : "NOTICE", line);
}
