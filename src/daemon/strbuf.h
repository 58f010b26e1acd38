/* A growable byte buffer for UAPI replies and request accumulation. Allocation failure is sticky:
 * the buffer remembers it and the caller checks once at the end. */
#ifndef HWG_DAEMON_STRBUF_H
#define HWG_DAEMON_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

void strbuf_init(struct strbuf *sb);
/* Wipes the contents (they may hold keys) and frees the memory. */
void strbuf_free(struct strbuf *sb);
void strbuf_append(struct strbuf *sb, const void *data, size_t len);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes. */
void strbuf_consume(struct strbuf *sb, size_t n);

#endif
