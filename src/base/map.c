/*
 * String-keyed hash map (FNV-1a, linear probing, tombstones, load <= 0.7).
 */
#include "base/map.h"
#include "base/mem.h"

#include <stdint.h>
#include <string.h>

static char tombstone;
#define MAP_TOMBSTONE (&tombstone)

static unsigned hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static struct map_slot *find(const struct map *m, const char *key,
			     unsigned h)
{
	if (!m->cap)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct map_slot *s = &m->slots[i];
		if (!s->key)
			return NULL;
		if (s->key != MAP_TOMBSTONE && s->hash == h &&
		    strcmp(s->key, key) == 0)
			return s;
	}
}

static void rehash(struct map *m, size_t cap)
{
	struct map_slot *old = m->slots;
	size_t oldcap = m->cap;
	m->slots = xcalloc(cap, sizeof *m->slots);
	m->cap = cap;
	m->used = m->len;
	size_t mask = cap - 1;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].key || old[i].key == MAP_TOMBSTONE)
			continue;
		size_t j = old[i].hash & mask;
		while (m->slots[j].key)
			j = (j + 1) & mask;
		m->slots[j] = old[i];
	}
	free(old);
}

void *map_get(const struct map *m, const char *key)
{
	struct map_slot *s = find(m, key, hash_str(key));
	return s ? s->value : NULL;
}

bool map_has(const struct map *m, const char *key)
{
	return find(m, key, hash_str(key)) != NULL;
}

void *map_put(struct map *m, const char *key, void *value)
{
	unsigned h = hash_str(key);
	struct map_slot *s = find(m, key, h);
	if (s) {
		void *prev = s->value;
		s->value = value;
		return prev;
	}
	if ((m->used + 1) * 10 > m->cap * 7)
		rehash(m, m->cap ? (m->len * 2 >= m->cap ? m->cap * 2 : m->cap)
				 : 16);
	size_t mask = m->cap - 1;
	size_t i = h & mask;
	while (m->slots[i].key && m->slots[i].key != MAP_TOMBSTONE)
		i = (i + 1) & mask;
	if (!m->slots[i].key)
		m->used++;
	m->slots[i].key = xstrdup(key);
	m->slots[i].value = value;
	m->slots[i].hash = h;
	m->len++;
	return NULL;
}

void *map_del(struct map *m, const char *key)
{
	struct map_slot *s = find(m, key, hash_str(key));
	if (!s)
		return NULL;
	void *v = s->value;
	free(s->key);
	s->key = MAP_TOMBSTONE;
	s->value = NULL;
	m->len--;
	return v;
}

void map_free(struct map *m, void (*destroy)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		char *k = m->slots[i].key;
		if (!k || k == MAP_TOMBSTONE)
			continue;
		if (destroy)
			destroy(m->slots[i].value);
		free(k);
	}
	free(m->slots);
	memset(m, 0, sizeof *m);
}

bool map_next(const struct map *m, size_t *pos, const char **key,
	      void **value)
{
	for (; *pos < m->cap; (*pos)++) {
		struct map_slot *s = &m->slots[*pos];
		if (s->key && s->key != MAP_TOMBSTONE) {
			if (key)
				*key = s->key;
			if (value)
				*value = s->value;
			(*pos)++;
			return true;
		}
	}
	return false;
}
