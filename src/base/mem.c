/*
 * Allocation wrappers that never return NULL.
 */
#include "base/mem.h"

#include <stdio.h>
#include <string.h>

_Noreturn void xalloc_fail(size_t n)
{
	fprintf(stderr, "opsdeck: out of memory (%zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		xalloc_fail(n);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		xalloc_fail(count * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		xalloc_fail(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

void xfree_wiped(void *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
