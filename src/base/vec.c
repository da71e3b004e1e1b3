/*
 * Pointer vector.
 */
#include "base/vec.h"
#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

static void grow(struct vec *v)
{
	if (v->len < v->cap)
		return;
	size_t cap = v->cap ? v->cap * 2 : 8;
	v->items = xrealloc(v->items, cap * sizeof *v->items);
	v->cap = cap;
}

void vec_push(struct vec *v, void *item)
{
	grow(v);
	v->items[v->len++] = item;
}

void *vec_pop(struct vec *v)
{
	return v->len ? v->items[--v->len] : NULL;
}

void *vec_remove(struct vec *v, size_t i)
{
	if (i >= v->len)
		return NULL;
	void *item = v->items[i];
	memmove(v->items + i, v->items + i + 1,
		(v->len - i - 1) * sizeof *v->items);
	v->len--;
	return item;
}

void vec_insert(struct vec *v, size_t i, void *item)
{
	if (i > v->len)
		i = v->len;
	grow(v);
	memmove(v->items + i + 1, v->items + i,
		(v->len - i) * sizeof *v->items);
	v->items[i] = item;
	v->len++;
}

void vec_free(struct vec *v, void (*destroy)(void *))
{
	if (destroy)
		for (size_t i = 0; i < v->len; i++)
			destroy(v->items[i]);
	free(v->items);
	v->items = NULL;
	v->len = v->cap = 0;
}

void vec_sort(struct vec *v, int (*cmp)(const void *a, const void *b))
{
	if (v->len > 1)
		qsort(v->items, v->len, sizeof *v->items, cmp);
}
