/*
 * YAML -> jansson, with positions, for every YAML file opsdeck reads
 * (opsdeck.yaml, runbooks, kubeconfig, kubesim scenarios).
 *
 * libyaml's event parser feeds a small builder that turns each document
 * into a json_t the way Kubernetes' sigs.k8s.io/yaml does, but with YAML
 * 1.2 core-schema types: plain scalars become null (null, Null, NULL, ~,
 * empty), booleans (true/True/TRUE/false/...), integers (123, -4, 0x1f,
 * 0o17) or floats (1.5, 1e3, .5); everything quoted or written as a block
 * scalar is a string; the tags !!str, !!int, !!float, !!bool, !!null are
 * respected (a value that does not fit its tag is an error). "yes", "on"
 * and friends are strings, as in YAML 1.2. Aliases are expanded into deep
 * copies and "<<" merge keys are applied (explicit keys win). Mapping keys
 * must be scalars and are always strings; duplicate keys are errors.
 *
 * While building, the loader records where each node starts, so that a
 * validator walking the JSON afterwards can say "file:line:col: message"
 * about any node (struct yaml_pos). Nodes copied from an alias are known by
 * the alias's position.
 *
 * Input is untrusted: size, nesting depth and node count are bounded (the
 * node count includes every alias expansion, so "billion laughs" documents
 * stop early), and every failure is a status with a "file:line:col:
 * message" in struct err, never a crash.
 *
 * Node paths name a node from the document root: mapping keys joined by
 * '.', sequence items as "[i]", e.g. "namespaces[0].deployments[1].replicas".
 * The root is "". In a key, '.', '[', ']' and '\' are escaped with a
 * backslash ("metadata.annotations.example\.com/owner"); build paths with
 * yaml_path_key/yaml_path_index to get this right. A key that is the empty
 * string is an empty segment ("a..b"; at the root, "."). When all documents
 * of a stream are loaded (YAML_ALL), the result is an array and paths start
 * with the document's index: "[1].metadata.name".
 */
#ifndef OPSDECK_BASE_YAML_H
#define OPSDECK_BASE_YAML_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"

#define YAML_DEFAULT_MAX_BYTES ((size_t)16 << 20) /* 16 MiB */
#define YAML_DEFAULT_MAX_NODES ((size_t)1000000)
#define YAML_DEFAULT_MAX_DEPTH 64

enum {
	/* Load every document of the stream into an array (an empty stream
	 * is []). Without it only the first document is loaded (an empty
	 * stream is null) and the rest of the stream is not read. */
	YAML_ALL = 1 << 0,
	/* With the first-document mode: a second document is an error
	 * rather than ignored. */
	YAML_ONE_DOC = 1 << 1,
};

struct yaml_opts {
	size_t max_bytes; /* input size; 0 = YAML_DEFAULT_MAX_BYTES */
	size_t max_nodes; /* nodes incl. keys and alias copies; 0 = default */
	int max_depth;	  /* nested collections; 0 = default */
	unsigned flags;	  /* YAML_ALL, YAML_ONE_DOC */
};

/* Where the nodes of a loaded stream start (opaque; free with
 * yaml_pos_free). */
struct yaml_pos;

/*
 * Load the first document of a file or a string. name is used in error
 * messages (NULL: "<string>"). When pos is not NULL it receives the
 * positions (also NULL on failure). Returns a new reference, or NULL with
 * e filled: ERR_PARSE for bad YAML, ERR_TOOBIG for a limit, ERR_IO or
 * ERR_NOTFOUND for a file that cannot be read, ERR_NOMEM.
 */
json_t *yaml_load_file(const char *path, struct yaml_pos **pos, struct err *e);
json_t *yaml_load_string(const char *name, const char *text, size_t len,
			 struct yaml_pos **pos, struct err *e);
/* Every document of a stream, as an array. */
json_t *yaml_load_all(const char *name, const char *text, size_t len,
		      struct yaml_pos **pos, struct err *e);
json_t *yaml_load_all_file(const char *path, struct yaml_pos **pos,
			   struct err *e);
/* The general form: opts may be NULL for the defaults. */
json_t *yaml_load_ex(const char *name, const char *text, size_t len,
		     const struct yaml_opts *opts, struct yaml_pos **pos,
		     struct err *e);
json_t *yaml_load_file_ex(const char *path, const struct yaml_opts *opts,
			  struct yaml_pos **pos, struct err *e);

void yaml_pos_free(struct yaml_pos *p);
/* The name the positions were loaded under (a file path). */
const char *yaml_pos_name(const struct yaml_pos *p);
/* The 1-based line and column where the node at path starts; false when
 * no node has that path (or p is NULL). */
bool yaml_pos_find(const struct yaml_pos *p, const char *path, int *line,
		   int *col);
/* The same for the key of a mapping entry (a sequence item's or the
 * root's "key" is the node itself). */
bool yaml_pos_find_key(const struct yaml_pos *p, const char *path, int *line,
		       int *col);
/*
 * Append "name:line:col: message" about the node at path to out; at_key
 * points at the entry's key rather than its value. A path that does not
 * exist (a missing key, a node inside an alias copy) is reported at its
 * nearest existing parent. With p NULL only the message is appended.
 */
void yaml_pos_bprintf(struct buf *out, const struct yaml_pos *p,
		      const char *path, bool at_key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void yaml_pos_vbprintf(struct buf *out, const struct yaml_pos *p,
		       const char *path, bool at_key, const char *fmt,
		       va_list ap) __attribute__((format(printf, 5, 0)));
/* The same into e; returns code. */
enum status yaml_pos_err(struct err *e, enum status code,
			 const struct yaml_pos *p, const char *path,
			 const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Append a mapping key (escaped, with the '.' separator when needed) or
 * a sequence index to a path being built. */
void yaml_path_key(struct buf *path, const char *key);
void yaml_path_index(struct buf *path, size_t i);
/* The same for validators walking down and back up: each returns the
 * mark that yaml_path_leave() cuts the path back to. */
size_t yaml_path_enter_key(struct buf *path, const char *key);
size_t yaml_path_enter_index(struct buf *path, size_t i);
void yaml_path_leave(struct buf *path, size_t mark);

/* What a node is, for messages: "a mapping", "a list", "a string", "a
 * number", "a boolean", "empty". */
const char *yaml_json_what(const json_t *v);

#endif
