/*
 * A vector of pointers. Typed collections of structs are kept as vectors of
 * pointers to them, which keeps element addresses stable while growing.
 */
#ifndef OPSDECK_BASE_VEC_H
#define OPSDECK_BASE_VEC_H

#include <stddef.h>

struct vec {
	void **items;
	size_t len;
	size_t cap;
};

#define VEC_INIT {NULL, 0, 0}

void vec_push(struct vec *v, void *item);
void *vec_pop(struct vec *v);
/* Remove item i keeping order; returns it. */
void *vec_remove(struct vec *v, size_t i);
void vec_insert(struct vec *v, size_t i, void *item);
/* Free the array; items are the caller's (pass a destructor or NULL). */
void vec_free(struct vec *v, void (*destroy)(void *));
void vec_sort(struct vec *v, int (*cmp)(const void *a, const void *b));

#endif
