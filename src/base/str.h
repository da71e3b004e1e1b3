/*
 * Small string helpers that the C library lacks.
 */
#ifndef OPSDECK_BASE_STR_H
#define OPSDECK_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>

bool str_eq(const char *a, const char *b); /* NULL-safe */
bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
/* Shell-style glob with '*' (any run, also empty) and '?' (one byte). */
bool str_glob(const char *pattern, const char *s);
/* Copy src into dst of size n, always NUL-terminating; returns strlen(src). */
size_t str_copy(char *dst, size_t n, const char *src);
/* Parse a whole decimal integer in [min, max]; false on anything else. */
bool str_to_long(const char *s, long min, long max, long *out);
/* Trim ASCII whitespace in place; returns s. */
char *str_trim(char *s);
/* A new string formatted like printf (never NULL). */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The word of a NULL-terminated list closest to word by edit distance
 * (case-insensitive), when close enough to be a likely typo; else NULL.
 * For "did you mean" messages. */
const char *str_closest(const char *word, const char *const *words);
/* "90s", "5m", "2h", "1h30m", "3d" -> seconds (at most 100 years);
 * false when malformed. */
bool str_parse_duration(const char *s, long *seconds);

#endif
