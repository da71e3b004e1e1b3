/*
 * A hash map from NUL-terminated string keys to pointers.
 *
 * Open addressing with linear probing and tombstones; the map owns a copy of
 * each key, never the values. Iteration order is unspecified.
 */
#ifndef OPSDECK_BASE_MAP_H
#define OPSDECK_BASE_MAP_H

#include <stdbool.h>
#include <stddef.h>

struct map_slot {
	char *key; /* NULL = empty; MAP_TOMBSTONE = deleted */
	void *value;
	unsigned hash;
};

struct map {
	struct map_slot *slots;
	size_t cap;  /* power of two, or 0 */
	size_t len;  /* live entries */
	size_t used; /* live + tombstones */
};

#define MAP_INIT {NULL, 0, 0, 0}

void *map_get(const struct map *m, const char *key);
bool map_has(const struct map *m, const char *key);
/* Insert or replace; returns the previous value or NULL. */
void *map_put(struct map *m, const char *key, void *value);
/* Remove; returns the removed value or NULL. */
void *map_del(struct map *m, const char *key);
void map_free(struct map *m, void (*destroy)(void *));
/* Iterate: start with *pos = 0; returns false at the end. */
bool map_next(const struct map *m, size_t *pos, const char **key,
	      void **value);

#endif
