/*
 * Shared by the unit tests: a private temporary folder under $TMPDIR (or
 * /tmp), its removal with everything in it, and reading a whole file.
 * Include after <cmocka.h>.
 */
#ifndef OPSDECK_TEST_TMP_H
#define OPSDECK_TEST_TMP_H

#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"

/* Create "$TMPDIR/opsdeck-NAME.XXXXXX" into out; 0 on success. */
static int tmpdir_make(char *out, size_t n, const char *name)
    __attribute__((unused));
static int tmpdir_make(char *out, size_t n, const char *name)
{
	const char *base = getenv("TMPDIR");
	int len = snprintf(out, n, "%s/opsdeck-%s.XXXXXX",
			   base && *base ? base : "/tmp", name);
	if (len < 0 || (size_t)len >= n)
		return -1;
	return mkdtemp(out) ? 0 : -1;
}

static int tmpdir_remove_one(const char *p, const struct stat *sb, int flag,
			     struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

/* rm -r dir; 0 on success. */
static int tmpdir_remove(const char *dir) __attribute__((unused));
static int tmpdir_remove(const char *dir)
{
	return nftw(dir, tmpdir_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p for the folders of path (not its last part); fails the test
 * on an error. */
static void tmpdir_make_parents(const char *path) __attribute__((unused));
static void tmpdir_make_parents(const char *path)
{
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", tmp, strerror(errno));
		*s = '/';
	}
}

/* The whole file (len may be NULL), or NULL when it cannot be opened. */
static char *test_read_file(const char *path, size_t *len)
	__attribute__((unused));
static char *test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

#endif
