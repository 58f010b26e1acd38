#include "daemon/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"

void strbuf_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void strbuf_free(struct strbuf *sb)
{
	if (sb->data)
		secure_wipe(sb->data, sb->cap);
	free(sb->data);
	strbuf_init(sb);
}

static bool strbuf_reserve(struct strbuf *sb, size_t extra)
{
	if (sb->failed)
		return false;
	if (extra > (size_t)-1 / 2 - sb->len) {
		sb->failed = true;
		return false;
	}
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	/* Not realloc: the old block may hold key material and must be wiped before release. */
	char *n = malloc(cap);
	if (!n) {
		sb->failed = true;
		return false;
	}
	if (sb->data) {
		memcpy(n, sb->data, sb->len);
		secure_wipe(sb->data, sb->cap);
		free(sb->data);
	}
	sb->data = n;
	sb->cap = cap;
	return true;
}

void strbuf_append(struct strbuf *sb, const void *data, size_t len)
{
	if (!strbuf_reserve(sb, len))
		return;
	memcpy(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		strbuf_append(sb, small, (size_t)n);
		secure_wipe(small, sizeof(small));
		return;
	}
	if (!strbuf_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void strbuf_consume(struct strbuf *sb, size_t n)
{
	if (n >= sb->len) {
		if (sb->data)
			secure_wipe(sb->data, sb->len);
		sb->len = 0;
		if (sb->data)
			sb->data[0] = '\0';
		return;
	}
	memmove(sb->data, sb->data + n, sb->len - n);
	sb->len -= n;
	secure_wipe(sb->data + sb->len, n);
	sb->data[sb->len] = '\0';
}
