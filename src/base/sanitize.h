/*
 * Making untrusted text safe for a terminal.
 *
 * Everything that comes from a cluster, a log or the config repo passes
 * through here before it is drawn or printed: control characters become
 * caret notation (ESC is "^[", DEL is "^?"), C1 controls become "\u009B"
 * style, bytes that are not valid UTF-8 become "\xNN". Nothing in the output
 * can start an escape sequence.
 */
#ifndef OPSDECK_BASE_SANITIZE_H
#define OPSDECK_BASE_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum {
	SAN_ASCII = 1 << 0,     /* non-ASCII characters become '?' */
	SAN_KEEP_TAB = 1 << 1,  /* keep '\t' (otherwise it becomes ' ') */
	SAN_KEEP_NL = 1 << 2,   /* keep '\n' (otherwise "^J") */
};

/* Decode one UTF-8 sequence from s (len > 0). Returns its length and sets
 * *cp, or returns 0 when the bytes are not a valid, shortest-form sequence
 * (overlong forms, surrogates and values above U+10FFFF are invalid). */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

void sanitize_append(struct buf *out, const char *in, size_t len,
		     unsigned flags);
/* A new, sanitised copy of a NUL-terminated string. */
char *sanitize_dup(const char *in, unsigned flags);
/* User text quoted in a validation message: sanitised to ASCII into out
 * and clipped to about 60 characters ("..." marks the cut). Returns out. */
const char *sanitize_clip(char *out, size_t n, const char *s);

#endif
