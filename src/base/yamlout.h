/*
 * JSON -> YAML text, in the block style `kubectl get -o yaml` prints, for
 * showing a live object (the pod view's manifest) the way people are used
 * to reading it.
 *
 * Mappings keep the object's key order; a sequence inside a mapping is not
 * indented ("key:\n- item", as kubectl does); empty collections are {} and
 * []. Strings are plain whenever a YAML reader would read them back as the
 * same string, and double-quoted otherwise: anything that would read as
 * null, a boolean, a number or a timestamp (YAML 1.2 core, and the YAML 1.1
 * forms older readers still use: yes/no/on/off, 0b101, 1_000, 1:30),
 * the empty string, a leading indicator character, ": " or " #", leading or
 * trailing blanks. Every character that is not printable (C0 and C1
 * controls, DEL, U+2028/2029, U+FEFF...) is written as an escape ("\e",
 * "\x7f", "\u2028"), so the text never carries a raw control byte. A
 * multi-line string of printable characters is a literal block ("|-",
 * "|" or "|+" by its trailing newlines); other multi-line strings are
 * double-quoted with "\n".
 *
 * The result reads back (base/yaml.h) as the same JSON, which the unit
 * tests check.
 */
#ifndef OPSDECK_BASE_YAMLOUT_H
#define OPSDECK_BASE_YAMLOUT_H

#include <jansson.h>

#include "base/buf.h"

/* Append j as a YAML document (no "---"; ends with a newline). */
void yaml_emit(const json_t *j, struct buf *out);

#endif
