/*
 * Version locators: where in a YAML file a desired version lives, and how
 * to turn the value found there into a version.
 *
 * A path names one node from a document's root:
 *
 *   image.tag                                   plain keys
 *   spec.template.spec.containers[0].image      list indexes
 *   images[name=kyc-service].newTag             the list item whose key
 *                                               'name' equals the value
 *   metadata.annotations["example.com/v"]       a key written in quotes
 *                                               (for keys with '.', '[')
 *
 * Keys are [A-Za-z0-9_-/]+ unquoted; a quoted key or selector value uses
 * double quotes with \" and \\ escapes. A selector value may also be bare
 * ([name=kyc-service]), then it runs to the ']'. A selector matches the
 * first item (a mapping) whose key has that value as a string (numbers
 * compare by their text). Indexes may be negative (-1 = the last item).
 *
 * In a file of several documents, the document is chosen by kind and/or
 * name (metadata.name) or by index; a single-document file needs nothing.
 *
 * A found value becomes a version when it is a string or a number
 * (integers as written; floats in the shortest form that reads back the
 * same, as Helm would print them); null, booleans, mappings and lists are
 * not versions. With "image" set, the value is a full image reference and
 * the version is its tag, or its digest when there is no tag
 * ("registry.example.com:5000/team/app:1.4.2" -> "1.4.2",
 * "app@sha256:ab.." -> "sha256:ab..", "app:1.2@sha256:.." -> "1.2",
 * "app" -> "latest").
 */
#ifndef OPSDECK_MODEL_LOCATOR_H
#define OPSDECK_MODEL_LOCATOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"

struct locator; /* a parsed path (opaque) */

/* Parse a path. On ERR_PARSE, *offset (when not NULL) is the 0-based byte
 * offset of the problem in path and e says what is wrong. */
enum status locator_parse(const char *path, struct locator **out,
			  size_t *offset, struct err *e);
void locator_free(struct locator *l);
/* The path as given to locator_parse. */
const char *locator_text(const struct locator *l);

enum locate_result {
	LOCATE_FOUND,	  /* *node is the value */
	LOCATE_MISSING,	  /* a key, index or matching item is absent */
	LOCATE_MISMATCH,  /* a step met the wrong type (a key into a list,
			   * an index into a mapping, a scalar in the way) */
};

/*
 * Follow l from root. On LOCATE_FOUND *node is the node (borrowed from
 * root); otherwise *node is NULL. An empty document (root NULL or null)
 * is LOCATE_MISSING. node_path (when not NULL) has appended to it, in
 * every case, the yaml.h node path (see base/yaml.h: "images[2].newTag")
 * of the node found, or of the deepest node reached, so the caller can
 * report file:line:col with yaml_pos_bprintf; start it with the
 * document's "[i]" for a stream loaded with yaml_load_all. why (when not
 * NULL) has appended to it a short one-line reason on MISSING/MISMATCH
 * (user text in it is sanitised): "no key 'tag' in image", "no item with
 * name=kyc in images", "images is a mapping, not a list".
 */
enum locate_result locator_find(const struct locator *l, const json_t *root,
				const json_t **node, struct buf *node_path,
				struct buf *why);

/*
 * In an array of documents (yaml_load_all), the index of the one whose
 * kind and metadata.name match (either may be NULL = any); -1 when none
 * does, -2 when more than one does (ambiguous). Documents that are not
 * mappings (the null of an empty "---" section) never match, so with both
 * NULL this finds the only real document of a file.
 */
long locator_document(const json_t *docs, const char *kind, const char *name);

/*
 * The version a found node holds, appended to out. false (out unchanged)
 * when the node is not a version; why (when not NULL) has appended what
 * it is instead ("a mapping", "a list", "null", "a boolean", "an empty
 * string"; with image, "not an image reference", or "a number, not an
 * image reference" as an image is always a string). "An image reference
 * without a tag or digest" cannot happen: that is "latest", see above.
 */
bool locator_version(const json_t *node, bool image, struct buf *out,
		     struct buf *why);

/*
 * The version of a full image reference: its tag, else its digest, else
 * "latest". Appends to out. Also used for live container images.
 * false for a string that is not an image reference (empty, spaces,
 * control characters, a tag with characters a tag cannot have).
 */
bool image_ref_version(const char *ref, struct buf *out);

#endif
