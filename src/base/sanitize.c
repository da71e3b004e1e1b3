/*
 * Terminal-safe rendering of untrusted bytes; see sanitize.h.
 */
#include "base/sanitize.h"

#include <string.h>

#include "base/str.h"

size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2, v = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, v = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

void sanitize_append(struct buf *out, const char *in, size_t len,
		     unsigned flags)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0;
	buf_reserve(out, len);
	while (i < len) {
		size_t run = i;
		/* Fast path: copy runs of printable ASCII at once. */
		while (run < len && s[run] >= 0x20 && s[run] < 0x7f)
			run++;
		if (run > i) {
			buf_append(out, s + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];
		if (c == '\t') {
			buf_putc(out, (flags & SAN_KEEP_TAB) ? '\t' : ' ');
			i++;
		} else if (c == '\n' && (flags & SAN_KEEP_NL)) {
			buf_putc(out, '\n');
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			buf_putc(out, '^');
			buf_putc(out, c == 0x7f ? '?' : (char)(c + 0x40));
			i++;
		} else {
			uint32_t cp;
			size_t n = utf8_decode(s + i, len - i, &cp);
			if (!n) {
				buf_printf(out, "\\x%02X", c);
				i++;
			} else if (cp >= 0x80 && cp < 0xa0) {
				buf_printf(out, "\\u%04X", (unsigned)cp);
				i += n;
			} else if (flags & SAN_ASCII) {
				buf_putc(out, '?');
				i += n;
			} else {
				buf_append(out, s + i, n);
				i += n;
			}
		}
	}
}

char *sanitize_dup(const char *in, unsigned flags)
{
	struct buf b = BUF_INIT;
	sanitize_append(&b, in, strlen(in), flags);
	return buf_detach(&b);
}

const char *sanitize_clip(char *out, size_t n, const char *s)
{
	struct buf b = BUF_INIT;
	sanitize_append(&b, s, strnlen(s, 200), SAN_ASCII);
	str_copy(out, n, buf_str(&b));
	if (strlen(s) > 60 && n > 4)
		memcpy(out + (n < 64 ? n : 64) - 4, "...", 4);
	buf_free(&b);
	return out;
}
