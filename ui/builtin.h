/*
 * The keymaps and themes compiled into the binary, so that it works with
 * nothing installed. The table is generated at build time from the files
 * in keymaps/ and themes/ (scripts/embed.sh writes build/gen/builtin.c);
 * ui/looks.c is its only reader.
 */
#ifndef OPSDECK_UI_BUILTIN_H
#define OPSDECK_UI_BUILTIN_H

#include <stddef.h>

struct builtin_file { const char *name; const char *text; size_t len; };
extern const struct builtin_file builtin_keymaps[]; extern const size_t builtin_nkeymaps;
extern const struct builtin_file builtin_themes[]; extern const size_t builtin_nthemes;

#endif
