/* Where key providers report what goes wrong at run time (a chip that stops answering, its memory
 * full, a key deleted under a running interface) and when it is right again. The daemon installs
 * a hook that writes through its own logger; without one, lines go to stderr. Callable from any
 * thread. Never pass key material. */
#ifndef HWG_KEYS_LOG_H
#define HWG_KEYS_LOG_H

enum key_log_level {
	KEY_LOG_ERROR,  /* a provider failed */
	KEY_LOG_NOTICE, /* it works again; worth seeing wherever the failure was seen */
};

typedef void (*key_log_hook)(enum key_log_level level, const char *line);

/* NULL restores the default (stderr). */
void key_log_set_hook(key_log_hook hook);

void key_log(enum key_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
