/*
 * Allocation wrappers. Out of memory is reported on stderr and aborts: there
 * is no sensible recovery for an interactive console or a test server.
 */
#ifndef OPSDECK_BASE_MEM_H
#define OPSDECK_BASE_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
_Noreturn void xalloc_fail(size_t n);
/* Zero a NUL-terminated string, then free it (NULL is fine): for values
 * that may be secrets. Fits vec_free. */
void xfree_wiped(void *s);

#endif
