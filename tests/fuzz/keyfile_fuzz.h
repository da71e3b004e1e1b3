/*
 * What the keymap and theme fuzz targets share (both files use one line
 * reader, ui/keymap.c's keyfile_*): the trap on a broken invariant, an
 * include resolver that knows a few names, and the check of the problems
 * a load reports.
 *
 * The resolver: "self" is the input itself (a loop), "half" its second
 * half, "loop" a file including itself, "deep" a chain of distinct files
 * that never ends (the depth limit), "default" a small good file of the
 * target's kind; any other name is missing.
 */
#ifndef OPSDECK_FUZZ_KEYFILE_FUZZ_H
#define OPSDECK_FUZZ_KEYFILE_FUZZ_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "ui/keymap.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

struct input {
	const char *text;
	size_t len;
	const char *good_line; /* one valid line of the target's kind */
	const char *good_file; /* the "default" file */
};

static bool resolve(void *arg, const char *name, struct buf *text)
{
	const struct input *in = arg;
	if (!strcmp(name, "self")) {
		buf_append(text, in->text, in->len);
	} else if (!strcmp(name, "half")) {
		buf_append(text, in->text + in->len / 2, in->len - in->len / 2);
	} else if (!strcmp(name, "loop")) {
		buf_printf(text, "# loops\ninclude loop\n%s\n", in->good_line);
	} else if (!strncmp(name, "deep", 4)) {
		/* deep, deep1, deep2, ...: each a different text */
		buf_printf(text, "include deep%d\n%s\n", atoi(name + 4) + 1,
			   in->good_line);
	} else if (!strcmp(name, "default")) {
		buf_puts(text, in->good_file);
	} else {
		return false;
	}
	return true;
}

static bool known_file(const char *s, size_t n)
{
	static const char *const names[] = {"f", "self", "half", "loop",
					    "default"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && !memcmp(s, names[i], n))
			return true;
	if (n < 4 || memcmp(s, "deep", 4))
		return false;
	for (size_t i = 4; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* At most KEYFILE_MAX_PROBLEMS + 1 lines, each bounded, terminal-safe
 * (no C0/C1 control, no DEL) and naming the input or a resolved file. */
static void check_problems(const struct buf *p)
{
	const char *s = buf_str(p);
	size_t lines = 0;
	while (*s) {
		const char *nl = strchr(s, '\n');
		CHECK(nl);
		size_t n = (size_t)(nl - s);
		CHECK(n > 0 && n < 1024);
		const char *colon = memchr(s, ':', n);
		CHECK(colon && known_file(s, (size_t)(colon - s)));
		for (const unsigned char *c = (const unsigned char *)s;
		     c < (const unsigned char *)nl; c++) {
			CHECK(*c >= 0x20 && *c != 0x7f);
			CHECK(!(c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f));
		}
		lines++;
		s = nl + 1;
	}
	CHECK(lines <= KEYFILE_MAX_PROBLEMS + 1);
	CHECK((p->len == 0) == (lines == 0));
}

#endif
