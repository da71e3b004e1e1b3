/*
 * A growable byte buffer that is always NUL-terminated.
 *
 * Used for building strings, JSON bodies and output lines. Allocation failure
 * is fatal (xalloc aborts with a message): a console that cannot allocate a
 * few bytes has nothing useful left to do, and threading ENOMEM through every
 * append would hide the real logic.
 */
#ifndef OPSDECK_BASE_BUF_H
#define OPSDECK_BASE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
	/* Holds a secret: memory it lets go of (when growing, clearing,
	 * consuming or freeing) is zeroed first, so no copy of the secret
	 * is left behind in freed memory. Kept across buf_free/detach. */
	bool secret;
};

#define BUF_INIT   {NULL, 0, 0, false}
#define BUF_SECRET {NULL, 0, 0, true}

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_clear(struct buf *b);
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Remove the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
/* Hand the storage to the caller (never NULL) and reset b. */
char *buf_detach(struct buf *b);
/* The contents as a C string ("" when empty). */
const char *buf_str(const struct buf *b);

#endif
