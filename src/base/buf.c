/*
 * Growable byte buffer. Capacity doubles, so appends are amortised O(1).
 */
#include "base/buf.h"
#include "base/mem.h"

#include <stdio.h>
#include <string.h>

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->secret = false;
}

/* Forget the storage, keeping the secret mark. */
static void reset(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_free(struct buf *b)
{
	if (b->secret && b->data)
		explicit_bzero(b->data, b->cap);
	free(b->data);
	reset(b);
}

void buf_clear(struct buf *b)
{
	if (b->secret && b->data)
		explicit_bzero(b->data, b->len);
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_reserve(struct buf *b, size_t extra)
{
	if (extra > SIZE_MAX / 2 - b->len)
		xalloc_fail(extra);
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (b->secret && b->data) {
		/* realloc could leave the old copy behind unwiped */
		char *moved = xmalloc(cap);
		memcpy(moved, b->data, b->len + 1);
		explicit_bzero(b->data, b->cap);
		free(b->data);
		b->data = moved;
	} else {
		b->data = xrealloc(b->data, cap);
	}
	b->cap = cap;
	b->data[b->len] = '\0';
}

void buf_append(struct buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		buf_append(b, small, (size_t)n);
		return;
	}
	buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_clear(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	if (b->secret)
		explicit_bzero(b->data + b->len - n, n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *buf_detach(struct buf *b)
{
	char *s = b->data ? b->data : xstrdup("");
	reset(b);
	return s;
}

const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}
