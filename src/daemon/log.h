/* Daemon logging, as wireguard-go does it: LOG_LEVEL=verbose|debug|error|silent (default error),
 * lines "LEVEL: (IFNAME) YYYY/MM/DD hh:mm:ss message" on stderr. Never pass key material here. */
#ifndef HWG_DAEMON_LOG_H
#define HWG_DAEMON_LOG_H

enum log_level {
	LOG_LEVEL_SILENT,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_VERBOSE,
};

/* Parses a LOG_LEVEL value ("debug" is an alias of "verbose"). Returns 0 or -1. */
int log_level_parse(const char *s, enum log_level *out);
void log_setup(const char *ifname, enum log_level level);
enum log_level log_current_level(void);

/* One line if LOG_LEVEL lets level through: log_error for failures, log_verbose for the verbose
 * trace (shown as "DEBUG", as wireguard-go does). */
void log_at(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...)   log_at(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_verbose(...) log_at(LOG_LEVEL_VERBOSE, __VA_ARGS__)

#endif
