/*
 * Templates: "{{ env.name }}"-style placeholders in opsdeck.yaml values
 * (namespaces, workload names, version file paths) and, later, in runbooks.
 *
 * The syntax is small on purpose: text with placeholders "{{ NAME }}",
 * where NAME is letters, digits, '_', '-' and '.' (e.g. env.short,
 * tenant.name, vars.BrandColor) with optional spaces inside the braces.
 * There are no expressions, filters or conditionals. A "{{" without its
 * "}}", an empty or malformed name, and a stray "}}" are errors. Names are
 * resolved by the caller's lookup function; a name it does not know is an
 * error naming it ("unknown name 'env.nmae'"), never an empty string.
 *
 * Errors carry the 0-based byte offset in the template where the problem
 * starts, so loaders can turn it into file:line:column.
 */
#ifndef OPSDECK_MODEL_TEMPLATE_H
#define OPSDECK_MODEL_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"

/* The value of name, or NULL when the name is unknown. The returned string
 * must stay valid until tmpl_render returns. */
typedef const char *(*tmpl_lookup_fn)(void *arg, const char *name);

enum {
	/* Each substituted value is written as a YAML double-quoted scalar
	 * ("a\"b", control characters escaped), so that a value landing in a
	 * YAML document can never change its structure. The template's own
	 * text is copied as it is. */
	TMPL_YAML_SCALAR = 1 << 0,
};

/*
 * Append the rendering of src to out. On failure out is left as it was,
 * e says what is wrong (ERR_PARSE for syntax, ERR_NOTFOUND for an unknown
 * name) and *offset (when not NULL) is the byte offset of the offending
 * placeholder in src (of the "{{", or of a stray "}}"). A syntax error
 * anywhere in src is reported before any unknown name.
 */
enum status tmpl_render(const char *src, tmpl_lookup_fn lookup, void *arg,
			unsigned flags, struct buf *out, size_t *offset,
			struct err *e);

/* Call fn for each placeholder name in src, in order, with the offset of
 * its "{{" (for validation and for finding which names a template uses).
 * Returns ERR_PARSE (with *offset) on a syntax error, without calling fn
 * at all, else what the last fn call returned (fn returns ST_OK to go on;
 * anything else stops the walk). */
enum status tmpl_names(const char *src,
		       enum status (*fn)(void *arg, const char *name,
					 size_t offset),
		       void *arg, size_t *offset, struct err *e);

/* True when src contains no placeholder at all (and no syntax error). */
bool tmpl_is_literal(const char *src);

#endif
