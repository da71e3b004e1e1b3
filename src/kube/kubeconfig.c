/*
 * kubeconfig files: loading, merging and resolving a context; see
 * kubeconfig.h.
 *
 * Each file is loaded with base/yaml into a JSON document whose positions
 * are kept next to it (struct kc_file), and is checked once for shape:
 * types, names, duplicates. The clusters, users and contexts then become
 * entries (struct kc_entry) that point into their file's document, so an
 * error found much later, while resolving, can still say "file:line:col".
 * Merging moves a later file's documents into the earlier kubeconfig and
 * adds only the entries whose names are new, which is kubectl's first-wins
 * rule. Resolving walks context -> cluster -> user, reads the referenced
 * files, decodes the *-data fields and rejects the contradictions; its
 * result (struct kube_target) owns copies of everything and no longer needs
 * the kubeconfig.
 *
 * Secrets: messages are built from schema words, entry names, file paths
 * and positions only, never from values. The YAML loader quotes offending
 * scalars in its own messages, so those quotes are blanked here (see
 * yaml_error).
 */
#include "kube/kubeconfig.h"

#include "base/base64.h"
#include "base/buf.h"
#include "base/map.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "base/vec.h"
#include "base/yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Certificates, keys and tokens are small; anything bigger is a mistake. */
#define KC_FILE_MAX ((size_t)1 << 20)

/* Even a kubeconfig with thousands of contexts stays far below this; an
 * alias bomb under YAML's general limit would still cost a second. */
static const struct yaml_opts kc_yaml = {.max_nodes = 200000};

enum kind { K_CLUSTER, K_USER, K_CONTEXT, K__COUNT };

enum ftype { F_STR, F_BOOL, F_STRS, F_MAP, F_SEQ };

struct field {
	const char *key;
	enum ftype type;
};

static const struct field cluster_fields[] = {
    {"server", F_STR},
    {"certificate-authority", F_STR},
    {"certificate-authority-data", F_STR},
    {"insecure-skip-tls-verify", F_BOOL},
    {"tls-server-name", F_STR},
    {"proxy-url", F_STR},
    {"disable-compression", F_BOOL},
    {NULL, F_STR},
};

static const struct field user_fields[] = {
    {"client-certificate", F_STR},
    {"client-certificate-data", F_STR},
    {"client-key", F_STR},
    {"client-key-data", F_STR},
    {"token", F_STR},
    {"tokenFile", F_STR},
    {"username", F_STR},
    {"password", F_STR},
    {"as", F_STR},
    {"as-uid", F_STR},
    {"as-groups", F_STRS},
    {"as-user-extra", F_MAP},
    {"auth-provider", F_MAP},
    {"exec", F_MAP},
    {NULL, F_STR},
};

static const struct field context_fields[] = {
    {"cluster", F_STR},
    {"user", F_STR},
    {"namespace", F_STR},
    {NULL, F_STR},
};

static const struct field exec_fields[] = {
    {"apiVersion", F_STR},	{"command", F_STR},
    {"args", F_STRS},		{"env", F_SEQ},
    {"installHint", F_STR},	{"provideClusterInfo", F_BOOL},
    {"interactiveMode", F_STR}, {NULL, F_STR},
};

/* The three lists of a kubeconfig: "clusters: [{name, cluster: {...}}]". */
static const struct section {
	const char *list;
	const char *body; /* also the word used in messages */
	const struct field *fields;
} sections[K__COUNT] = {
    [K_CLUSTER] = {"clusters", "cluster", cluster_fields},
    [K_USER] = {"users", "user", user_fields},
    [K_CONTEXT] = {"contexts", "context", context_fields},
};

struct kc_file {
	char *path;
	char *dir; /* relative paths resolve here; NULL = as written */
	json_t *doc;
	struct yaml_pos *pos;
};

struct kc_entry {
	enum kind kind;
	const char *name; /* in f->doc */
	struct kc_file *f;
	size_t index; /* in the file's list, for positions */
	json_t *body; /* the cluster/user/context mapping; NULL if absent */
};

struct kubeconfig {
	struct vec files;	     /* struct kc_file * */
	struct vec ents[K__COUNT];   /* struct kc_entry *, first-wins order */
	struct map byname[K__COUNT]; /* name -> struct kc_entry * */
	const char *current;	     /* in current_file's doc */
	struct kc_file *current_file;
	/* what kubeconfig_contexts / kubeconfig_files hand out */
	const char **ctx_names;
	const char **paths;
};

/* ---- messages ---- */

/* Every message ends here: "file:line:col: " for the node at path (at its
 * key, which is where a reader looks for a field, set or missing), then the
 * text, made safe for a terminal as a whole. */
__attribute__((format(printf, 5, 0))) static enum status
vfail(struct err *e, enum status code, const struct kc_file *f,
      const char *path, const char *fmt, va_list ap)
{
	struct buf raw = BUF_INIT, clean = BUF_INIT;
	yaml_pos_vbprintf(&raw, f ? f->pos : NULL, path ? path : "", true, fmt,
			  ap);
	sanitize_append(&clean, buf_str(&raw), raw.len, 0);
	err_set(e, code, "%s", buf_str(&clean));
	buf_free(&raw);
	buf_free(&clean);
	return code;
}

__attribute__((format(printf, 5, 6))) static enum status
fail_at(struct err *e, enum status code, const struct kc_file *f,
	const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(e, code, f, path, fmt, ap);
	va_end(ap);
	return code;
}

/* The path of an entry's item ("users[3]") or of a field in its body
 * ("users[3].user.exec.apiVersion"; field may hold several segments). */
static void entry_path(struct buf *p, const struct kc_entry *en,
		       const char *field)
{
	const struct section *s = &sections[en->kind];
	buf_puts(p, s->list);
	yaml_path_index(p, en->index);
	if (field)
		buf_printf(p, ".%s%s%s", s->body, *field ? "." : "", field);
}

/* `user "admin": message`, positioned at field of the entry. */
__attribute__((format(printf, 5, 6))) static enum status
fail_entry(struct err *e, enum status code, const struct kc_entry *en,
	   const char *field, const char *fmt, ...)
{
	struct buf path = BUF_INIT, msg = BUF_INIT;
	entry_path(&path, en, field);
	buf_printf(&msg, "%s \"%s\": ", sections[en->kind].body, en->name);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	fail_at(e, code, en->f, buf_str(&path), "%s", buf_str(&msg));
	buf_free(&path);
	buf_free(&msg);
	return code;
}

/*
 * The YAML loader shows the scalar it stumbled over in quotes ("integer
 * '0x...' is out of range"), which in a kubeconfig may be a token. Blank
 * the quoted part to '***', except a duplicate key's name: keys are schema
 * words. The "name:line:col: " prefix is skipped, as a path may hold a
 * quote too.
 */
static enum status yaml_error(struct err *e, const char *name,
			      const struct err *ye)
{
	char msg[ERR_MSG_MAX];
	str_copy(msg, sizeof msg, ye->msg);
	size_t skip = str_has_prefix(msg, name) ? strlen(name) : 0;
	char *open = strchr(msg + skip, '\'');
	char *close = open ? strrchr(open, '\'') : NULL;
	if (close > open &&
	    !(open - msg >= 4 && !strncmp(open - 4, "key ", 4))) {
		char rest[ERR_MSG_MAX];
		str_copy(rest, sizeof rest, close);
		snprintf(open + 1, sizeof msg - (size_t)(open + 1 - msg),
			 "***%s", rest);
	}
	return fail_at(e, ye->code, NULL, NULL, "%s", msg);
}

/* ---- the shape of one file ---- */

static const char *type_words(enum ftype t)
{
	switch (t) {
	case F_STR:
		return "a string";
	case F_BOOL:
		return "true or false";
	case F_STRS:
		return "a list of strings";
	case F_MAP:
		return "a mapping";
	case F_SEQ:
		return "a list";
	}
	return "?";
}

static bool type_ok(const json_t *v, enum ftype t)
{
	switch (t) {
	case F_STR:
		return json_is_string(v);
	case F_BOOL:
		return json_is_boolean(v);
	case F_MAP:
		return json_is_object(v);
	case F_SEQ:
		return json_is_array(v);
	case F_STRS: {
		if (!json_is_array(v))
			return false;
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			if (!json_is_string(x))
				return false;
		}
		return true;
	}
	}
	return false;
}

/* Fields that kubectl reads must have its types; null means unset and
 * unknown fields are ignored, as kubectl does. prefix is "" or "exec.". */
static enum status check_fields(const struct kc_entry *en, const json_t *obj,
				const struct field *fields, const char *prefix,
				struct err *e)
{
	for (const struct field *fl = fields; fl->key; fl++) {
		json_t *v = json_object_get(obj, fl->key);
		if (!v || json_is_null(v) || type_ok(v, fl->type))
			continue;
		struct buf f = BUF_INIT;
		buf_printf(&f, "%s%s", prefix, fl->key);
		fail_entry(e, ST_ERR_PARSE, en, buf_str(&f), "%s%s must be %s",
			   prefix, fl->key, type_words(fl->type));
		buf_free(&f);
		return ST_ERR_PARSE;
	}
	return ST_OK;
}

static enum status check_exec(const struct kc_entry *en, const json_t *ex,
			      struct err *e)
{
	enum status st = check_fields(en, ex, exec_fields, "exec.", e);
	if (st)
		return st;
	json_t *env = json_object_get(ex, "env");
	size_t i;
	json_t *item;
	json_array_foreach(env, i, item)
	{
		char field[64];
		snprintf(field, sizeof field, "exec.env[%zu]", i);
		if (!json_is_object(item))
			return fail_entry(
			    e, ST_ERR_PARSE, en, field,
			    "exec.env[%zu] must be a mapping with "
			    "name and value",
			    i);
		json_t *name = json_object_get(item, "name");
		json_t *value = json_object_get(item, "value");
		if (!json_is_string(name) || !*json_string_value(name))
			return fail_entry(e, ST_ERR_PARSE, en, field,
					  "exec.env[%zu] has no name", i);
		if (strchr(json_string_value(name), '='))
			return fail_entry(e, ST_ERR_PARSE, en, field,
					  "exec.env[%zu].name contains '='", i);
		if (value && !json_is_null(value) && !json_is_string(value))
			return fail_entry(
			    e, ST_ERR_PARSE, en, field,
			    "exec.env[%zu].value must be a string", i);
	}
	return ST_OK;
}

static struct kc_entry *find(const struct kubeconfig *kc, enum kind k,
			     const char *name)
{
	return map_get(&kc->byname[k], name);
}

static void add_entry(struct kubeconfig *kc, struct kc_entry *en)
{
	vec_push(&kc->ents[en->kind], en);
	map_put(&kc->byname[en->kind], en->name, en);
}

static enum status check_item(struct kubeconfig *kc, struct kc_file *f,
			      enum kind k, size_t i, json_t *item,
			      struct err *e)
{
	const struct section *s = &sections[k];
	struct buf path = BUF_INIT;
	buf_puts(&path, s->list);
	yaml_path_index(&path, i);
	enum status st = ST_OK;
	json_t *name = json_object_get(item, "name");
	if (!json_is_object(item)) {
		st = fail_at(e, ST_ERR_PARSE, f, buf_str(&path),
			     "%s[%zu] must be a mapping with name and %s",
			     s->list, i, s->body);
		goto out;
	}
	if (!json_is_string(name) || !*json_string_value(name)) {
		yaml_path_key(&path, "name");
		st = fail_at(e, ST_ERR_PARSE, f, buf_str(&path),
			     "%s[%zu] has no name", s->list, i);
		goto out;
	}
	struct kc_entry tmp = {k, json_string_value(name), f, i,
			       json_object_get(item, s->body)};
	const struct kc_entry *first = find(kc, k, tmp.name);
	if (first) {
		int line = 0, col = 0;
		buf_clear(&path);
		entry_path(&path, first, NULL);
		yaml_pos_find(f->pos, buf_str(&path), &line, &col);
		buf_clear(&path);
		entry_path(&path, &tmp, NULL);
		yaml_path_key(&path, "name");
		st = fail_at(e, ST_ERR_PARSE, f, buf_str(&path),
			     "%s \"%s\" is defined twice (first at line %d)",
			     s->body, tmp.name, line);
		goto out;
	}
	if (json_is_null(tmp.body))
		tmp.body = NULL;
	if (tmp.body && !json_is_object(tmp.body)) {
		st = fail_entry(e, ST_ERR_PARSE, &tmp, "",
				"%s must be a mapping", s->body);
		goto out;
	}
	st = check_fields(&tmp, tmp.body, s->fields, "", e);
	json_t *ex = k == K_USER ? json_object_get(tmp.body, "exec") : NULL;
	if (!st && json_is_object(ex))
		st = check_exec(&tmp, ex, e);
	if (!st) {
		struct kc_entry *en = xmalloc(sizeof *en);
		*en = tmp;
		add_entry(kc, en);
	}
out:
	buf_free(&path);
	return st;
}

static enum status check_doc(struct kubeconfig *kc, struct kc_file *f,
			     struct err *e)
{
	json_t *root = f->doc;
	if (json_is_null(root))
		return ST_OK; /* an empty file is an empty config */
	if (!json_is_object(root))
		return fail_at(e, ST_ERR_PARSE, f, "",
			       "a kubeconfig must be a mapping");
	json_t *kind = json_object_get(root, "kind");
	json_t *api = json_object_get(root, "apiVersion");
	if (kind && !json_is_null(kind) &&
	    !str_eq(json_string_value(kind), "Config"))
		return fail_at(e, ST_ERR_PARSE, f, "kind",
			       "kind must be Config in a kubeconfig");
	if (api && !json_is_null(api) && !str_eq(json_string_value(api), "v1"))
		return fail_at(e, ST_ERR_PARSE, f, "apiVersion",
			       "apiVersion must be v1 in a kubeconfig");
	json_t *cur = json_object_get(root, "current-context");
	if (cur && !json_is_null(cur) && !json_is_string(cur))
		return fail_at(e, ST_ERR_PARSE, f, "current-context",
			       "current-context must be a string");
	if (json_string_length(cur)) {
		kc->current = json_string_value(cur);
		kc->current_file = f;
	}
	for (int k = 0; k < K__COUNT; k++) {
		const char *list = sections[k].list;
		json_t *items = json_object_get(root, list);
		if (!items || json_is_null(items))
			continue;
		if (!json_is_array(items))
			return fail_at(e, ST_ERR_PARSE, f, list,
				       "%s must be a list", list);
		size_t i;
		json_t *item;
		json_array_foreach(items, i, item)
		{
			enum status st = check_item(kc, f, k, i, item, e);
			if (st)
				return st;
		}
	}
	return ST_OK;
}

/* ---- the kubeconfig ---- */

static void file_free(void *p)
{
	struct kc_file *f = p;
	free(f->path);
	free(f->dir);
	json_decref(f->doc);
	yaml_pos_free(f->pos);
	free(f);
}

/* The arrays handed out by kubeconfig_contexts and kubeconfig_files. */
static void reindex(struct kubeconfig *kc)
{
	struct vec *cx = &kc->ents[K_CONTEXT];
	kc->ctx_names = xrealloc(kc->ctx_names, (cx->len + 1) * sizeof(char *));
	for (size_t i = 0; i < cx->len; i++)
		kc->ctx_names[i] = ((struct kc_entry *)cx->items[i])->name;
	kc->paths = xrealloc(kc->paths, (kc->files.len + 1) * sizeof(char *));
	for (size_t i = 0; i < kc->files.len; i++)
		kc->paths[i] = ((struct kc_file *)kc->files.items[i])->path;
}

static struct kubeconfig *kc_new(void)
{
	struct kubeconfig *kc = xcalloc(1, sizeof *kc);
	reindex(kc);
	return kc;
}

void kubeconfig_free(struct kubeconfig *kc)
{
	if (!kc)
		return;
	for (int k = 0; k < K__COUNT; k++) {
		vec_free(&kc->ents[k], free);
		map_free(&kc->byname[k], NULL);
	}
	vec_free(&kc->files, file_free);
	free(kc->ctx_names);
	free(kc->paths);
	free(kc);
}

/* Takes doc and pos. */
static enum status parse_doc(const char *name, json_t *doc,
			     struct yaml_pos *pos, const char *dir,
			     struct kubeconfig **out, struct err *e)
{
	struct kc_file *f = xcalloc(1, sizeof *f);
	f->path = xstrdup(name);
	f->dir = dir ? xstrdup(dir) : NULL;
	f->doc = doc;
	f->pos = pos;
	struct kubeconfig *kc = kc_new();
	vec_push(&kc->files, f);
	enum status st = check_doc(kc, f, e);
	if (st) {
		kubeconfig_free(kc);
		return st;
	}
	reindex(kc);
	*out = kc;
	return ST_OK;
}

enum status kubeconfig_parse(const char *name, const char *text, size_t len,
			     const char *dir, struct kubeconfig **out,
			     struct err *e)
{
	*out = NULL;
	if (!name)
		name = "<string>";
	struct err ye;
	struct yaml_pos *pos = NULL;
	json_t *doc = yaml_load_ex(name, text, len, &kc_yaml, &pos, &ye);
	if (!doc)
		return yaml_error(e, name, &ye);
	return parse_doc(name, doc, pos, dir, out, e);
}

void kubeconfig_merge(struct kubeconfig *dst, struct kubeconfig *src)
{
	for (size_t i = 0; i < src->files.len; i++)
		vec_push(&dst->files, src->files.items[i]);
	src->files.len = 0;
	for (int k = 0; k < K__COUNT; k++) {
		struct vec *v = &src->ents[k];
		for (size_t i = 0; i < v->len; i++) {
			struct kc_entry *en = v->items[i];
			if (find(dst, k, en->name))
				free(en);
			else
				add_entry(dst, en);
		}
		v->len = 0;
	}
	if (!dst->current && src->current) {
		dst->current = src->current;
		dst->current_file = src->current_file;
	}
	kubeconfig_free(src);
	reindex(dst);
}

/* The folder of path, made absolute so that a target's paths stay valid
 * whatever the working directory becomes. */
static char *dir_of(const char *path)
{
	struct buf b = BUF_INIT;
	if (path[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		if (cwd) {
			buf_printf(&b, "%s/", cwd);
			free(cwd);
		}
	}
	buf_puts(&b, path);
	char *d = buf_detach(&b);
	char *slash = strrchr(d, '/');
	if (!slash)
		strcpy(d, ".");
	else if (slash == d)
		d[1] = '\0';
	else
		*slash = '\0';
	return d;
}

/* Load one file into *kc (merging); a missing file is skipped unless
 * required. */
static enum status load_one(struct kubeconfig **kc, const char *path,
			    bool required, struct err *e)
{
	struct err ye;
	struct yaml_pos *pos = NULL;
	json_t *doc = yaml_load_file_ex(path, &kc_yaml, &pos, &ye);
	if (!doc) {
		if (ye.code == ST_ERR_NOTFOUND && !required)
			return ST_OK;
		return yaml_error(e, path, &ye);
	}
	char *dir = dir_of(path);
	struct kubeconfig *one;
	enum status st = parse_doc(path, doc, pos, dir, &one, e);
	free(dir);
	if (st)
		return st;
	if (*kc)
		kubeconfig_merge(*kc, one);
	else
		*kc = one;
	return ST_OK;
}

enum status kubeconfig_load(const char *explicit_path, struct kubeconfig **out,
			    struct err *e)
{
	*out = NULL;
	struct kubeconfig *kc = NULL;
	enum status st = ST_OK;
	const char *env = getenv("KUBECONFIG");
	if (explicit_path && *explicit_path) {
		st = load_one(&kc, explicit_path, true, e);
	} else if (env && *env) {
		char *list = xstrdup(env), *save = NULL;
		struct map seen = MAP_INIT;
		for (char *p = strtok_r(list, ":", &save); p && !st;
		     p = strtok_r(NULL, ":", &save)) {
			if (map_has(&seen, p))
				continue; /* kubectl reads each file once */
			map_put(&seen, p, p);
			st = load_one(&kc, p, false, e);
		}
		map_free(&seen, NULL);
		free(list);
	} else if (getenv("HOME") && *getenv("HOME")) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s/.kube/config", getenv("HOME"));
		st = load_one(&kc, buf_str(&p), false, e);
		buf_free(&p);
	}
	if (st) {
		kubeconfig_free(kc);
		return st;
	}
	*out = kc ? kc : kc_new();
	return ST_OK;
}

const char *kubeconfig_current(const struct kubeconfig *kc)
{
	return kc->current;
}

size_t kubeconfig_contexts(const struct kubeconfig *kc, const char ***names)
{
	*names = kc->ctx_names;
	return kc->ents[K_CONTEXT].len;
}

size_t kubeconfig_files(const struct kubeconfig *kc, const char ***paths)
{
	*paths = kc->paths;
	return kc->files.len;
}

/* ---- resolving a context ---- */

/* A string field: NULL when absent, null or empty (kubectl treats all
 * three alike). The shape check made sure it is a string if present. */
static const char *str_field(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s && *s ? s : NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static char *join_dir(const struct kc_file *f, const char *p)
{
	if (p[0] == '/' || !f->dir)
		return xstrdup(p);
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	struct buf b = BUF_INIT;
	buf_puts(&b, f->dir);
	if (!str_has_suffix(f->dir, "/"))
		buf_putc(&b, '/');
	buf_puts(&b, p);
	return buf_detach(&b);
}

/*
 * Read a small regular file into out. Returns NULL, or why it failed.
 * O_NONBLOCK and the regular-file check keep a FIFO or a device named in
 * a kubeconfig from blocking the console.
 */
static const char *read_small(const char *path, struct buf *out,
			      struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return strerror(errno);
	const char *why = NULL;
	if (fstat(fd, st) < 0) {
		why = strerror(errno);
	} else if (S_ISDIR(st->st_mode)) {
		why = strerror(EISDIR);
	} else if (!S_ISREG(st->st_mode)) {
		why = "not a regular file";
	} else {
		buf_clear(out);
		for (;;) {
			char chunk[8192];
			ssize_t n = read(fd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				why = strerror(errno);
				break;
			}
			if (n == 0)
				break;
			if (out->len + (size_t)n > KC_FILE_MAX) {
				why = "larger than 1 MiB";
				break;
			}
			buf_append(out, chunk, (size_t)n);
		}
	}
	close(fd);
	return why;
}

/*
 * PEM bytes from "<key>-data" (base64) or, failing that, from the file
 * "<key>". *pem stays NULL when neither is set.
 */
static enum status load_pem(const struct kc_entry *en, const char *key,
			    char **pem, size_t *len, struct err *e)
{
	char data_key[64];
	snprintf(data_key, sizeof data_key, "%s-data", key);
	const char *data = str_field(en->body, data_key);
	const char *file = str_field(en->body, key);
	struct buf b = BUF_INIT;
	if (data) {
		if (!base64_decode(&b, data, strlen(data)) || !b.len) {
			buf_free(&b);
			return fail_entry(e, ST_ERR_INVALID, en, data_key,
					  "%s is not valid base64", data_key);
		}
	} else if (file) {
		char *path = join_dir(en->f, file);
		struct stat st;
		const char *why = read_small(path, &b, &st);
		if (!why && !b.len)
			why = "empty";
		if (why)
			fail_entry(e, ST_ERR_IO, en, key, "%s %s: %s", key,
				   path, why);
		free(path);
		if (why) {
			buf_free(&b);
			return ST_ERR_IO;
		}
	} else {
		return ST_OK;
	}
	*len = b.len;
	*pem = buf_detach(&b);
	return ST_OK;
}

/* A token goes into an HTTP header: a control character there would end
 * the header early (or start a new one). */
static bool token_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

/*
 * Bring t->file_token up to date with t->token_file, reading it only when
 * its mtime, size or inode changed. Returns NULL, or why it failed.
 */
static const char *token_reload(struct kube_target *t)
{
	struct stat st;
	if (t->file_token && stat(t->token_file, &st) == 0 &&
	    st.st_mtim.tv_sec == t->file_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == t->file_mtime.tv_nsec &&
	    st.st_size == t->file_size && st.st_ino == t->file_ino)
		return NULL;
	struct buf b = BUF_INIT;
	const char *why = read_small(t->token_file, &b, &st);
	if (!why && memchr(buf_str(&b), '\0', b.len))
		why = "contains a NUL byte";
	if (!why && (!b.len || !*str_trim(b.data)))
		why = "empty";
	if (!why && !token_ok(b.data))
		why = "the token contains a control character";
	if (why) {
		buf_free(&b);
		return why;
	}
	free(t->file_token);
	t->file_token = buf_detach(&b);
	t->file_mtime = st.st_mtim;
	t->file_size = st.st_size;
	t->file_ino = st.st_ino;
	return NULL;
}

/* http(s)://host[...]: a host must follow the scheme, and nothing in the
 * URL may be blank or a control character. */
static bool url_ok(const char *url, const char *const *schemes)
{
	const char *rest = NULL;
	for (const char *const *s = schemes; *s && !rest; s++) {
		size_t n = strlen(*s);
		if (!strncasecmp(url, *s, n) && !strncmp(url + n, "://", 3))
			rest = url + n + 3;
	}
	if (!rest || !*rest || strchr("/?#", *rest))
		return false;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static enum status resolve_cluster(const struct kc_entry *cl,
				   struct kube_target *t, struct err *e)
{
	static const char *const http[] = {"http", "https", NULL};
	static const char *const proxy[] = {"http", "https", "socks5", NULL};
	const json_t *b = cl->body;
	const char *server = str_field(b, "server");
	if (!server)
		return fail_entry(e, ST_ERR_INVALID, cl, "", "has no server");
	/* the URL itself is not shown: it may carry user:password@ */
	if (!url_ok(server, http))
		return fail_entry(e, ST_ERR_INVALID, cl, "server",
				  "server must be an http:// or https:// URL "
				  "with a host");
	t->server = xstrdup(server);
	for (size_t n = strlen(t->server); n && t->server[n - 1] == '/'; n--)
		t->server[n - 1] = '\0';

	t->insecure =
	    json_is_true(json_object_get(b, "insecure-skip-tls-verify"));
	enum status st =
	    load_pem(cl, "certificate-authority", &t->ca_pem, &t->ca_len, e);
	if (st)
		return st;
	if (t->insecure && t->ca_pem)
		return fail_entry(e, ST_ERR_INVALID, cl,
				  "insecure-skip-tls-verify",
				  "insecure-skip-tls-verify cannot be used "
				  "together with a certificate authority");
	t->tls_server_name = dup_or_null(str_field(b, "tls-server-name"));
	const char *px = str_field(b, "proxy-url");
	if (px && !url_ok(px, proxy))
		return fail_entry(e, ST_ERR_INVALID, cl, "proxy-url",
				  "proxy-url must be an http://, https:// or "
				  "socks5:// URL");
	t->proxy_url = dup_or_null(px);
	return ST_OK;
}

static enum status resolve_exec(const struct kc_entry *us, const json_t *ex,
				struct kube_target *t, struct err *e)
{
	const char *api = str_field(ex, "apiVersion");
	const char *cmd = str_field(ex, "command");
	const char *mode = str_field(ex, "interactiveMode");
	if (!cmd)
		return fail_entry(e, ST_ERR_INVALID, us, "exec",
				  "exec has no command");
	if (!api)
		return fail_entry(e, ST_ERR_INVALID, us, "exec",
				  "exec has no apiVersion (use "
				  "client.authentication.k8s.io/v1)");
	bool v1 = !strcmp(api, "client.authentication.k8s.io/v1");
	if (!v1 && strcmp(api, "client.authentication.k8s.io/v1beta1"))
		return fail_entry(e, ST_ERR_INVALID, us, "exec.apiVersion",
				  "exec apiVersion \"%s\" is not supported "
				  "(client.authentication.k8s.io/v1 or "
				  "v1beta1)",
				  api);
	if (!mode && v1)
		return fail_entry(e, ST_ERR_INVALID, us, "exec",
				  "exec needs interactiveMode (Never, "
				  "IfAvailable or Always) with %s",
				  api);
	if (mode && strcmp(mode, "Never") && strcmp(mode, "IfAvailable") &&
	    strcmp(mode, "Always"))
		return fail_entry(e, ST_ERR_INVALID, us, "exec.interactiveMode",
				  "exec interactiveMode \"%s\" is not Never, "
				  "IfAvailable or Always",
				  mode);

	struct kube_exec_cfg *x = xcalloc(1, sizeof *x);
	t->exec = x;
	x->api_version = xstrdup(api);
	/* like kubectl: "./bin/get-token" is relative to the kubeconfig, a
	 * bare name is looked up in PATH */
	x->command = strchr(cmd, '/') ? join_dir(us->f, cmd) : xstrdup(cmd);
	x->install_hint = dup_or_null(str_field(ex, "installHint"));
	x->provide_cluster_info =
	    json_is_true(json_object_get(ex, "provideClusterInfo"));
	x->interactive_mode = dup_or_null(mode);
	json_t *args = json_object_get(ex, "args");
	json_t *env = json_object_get(ex, "env");
	size_t i;
	json_t *v;
	x->args = xcalloc(json_array_size(args) + 1, sizeof *x->args);
	json_array_foreach(args, i, v)
	{
		x->args[x->nargs++] = xstrdup(json_string_value(v));
	}
	x->env = xcalloc(json_array_size(env) + 1, sizeof *x->env);
	json_array_foreach(env, i, v)
	{
		const char *val =
		    json_string_value(json_object_get(v, "value"));
		x->env[x->nenv].name =
		    xstrdup(json_string_value(json_object_get(v, "name")));
		x->env[x->nenv++].value = xstrdup(val ? val : "");
	}
	return ST_OK;
}

static enum status resolve_user(const struct kc_entry *us,
				struct kube_target *t, struct err *e)
{
	const json_t *b = us->body;
	/* Impersonation silently dropped would act as someone else, and an
	 * auth-provider dropped would send no credentials at all. */
	static const struct {
		const char *key, *hint;
	} unsupported[] = {
	    {"auth-provider", "; use an exec plugin (e.g. kubelogin)"},
	    {"as", " (impersonation)"},
	    {"as-uid", " (impersonation)"},
	    {"as-groups", " (impersonation)"},
	    {"as-user-extra", " (impersonation)"},
	};
	for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++) {
		const char *k = unsupported[i].key;
		json_t *v = json_object_get(b, k);
		bool set = json_is_string(v) ? json_string_length(v) > 0
					     : v && !json_is_null(v);
		if (set)
			return fail_entry(e, ST_ERR_UNSUPPORTED, us, k,
					  "%s is not supported%s", k,
					  unsupported[i].hint);
	}
	enum status st =
	    load_pem(us, "client-certificate", &t->cert_pem, &t->cert_len, e);
	if (!st)
		st = load_pem(us, "client-key", &t->key_pem, &t->key_len, e);
	if (st)
		return st;
	if (!t->cert_pem != !t->key_pem) {
		const char *has =
		    t->cert_pem ? "client-certificate" : "client-key";
		const char *lacks =
		    t->cert_pem ? "client-key" : "client-certificate";
		char data[64];
		snprintf(data, sizeof data, "%s-data", has);
		return fail_entry(e, ST_ERR_INVALID, us,
				  str_field(b, data) ? data : has,
				  "%s is set without %s", has, lacks);
	}

	const char *token = str_field(b, "token");
	const char *token_file = str_field(b, "tokenFile");
	const char *user = str_field(b, "username");
	const char *pass = str_field(b, "password");
	json_t *ex = json_object_get(b, "exec");
	bool has_token = token || token_file, has_basic = user || pass;
	if (has_token && has_basic)
		return fail_entry(e, ST_ERR_INVALID, us,
				  token ? "token" : "tokenFile",
				  "%s and username/password are both set; "
				  "use one",
				  token ? "token" : "tokenFile");
	if (json_is_object(ex) && (has_token || has_basic))
		return fail_entry(e, ST_ERR_INVALID, us, "exec",
				  "exec and %s are both set; use one",
				  has_token ? "a token" : "username/password");
	if (token && !token_ok(token))
		return fail_entry(e, ST_ERR_INVALID, us, "token",
				  "the token contains a control character");
	t->token = dup_or_null(token);
	if (!token && token_file) {
		t->token_file = join_dir(us->f, token_file);
		/* read it now, so that a missing file shows up here */
		const char *why = token_reload(t);
		if (why)
			return fail_entry(e, ST_ERR_IO, us, "tokenFile",
					  "tokenFile %s: %s", t->token_file,
					  why);
	}
	t->username = dup_or_null(user);
	t->password = dup_or_null(pass);
	if (json_is_object(ex))
		return resolve_exec(us, ex, t, e);
	return ST_OK;
}

static enum status resolve_context(const struct kubeconfig *kc,
				   const struct kc_entry *cx,
				   struct kube_target *t, struct err *e)
{
	const char *cname = str_field(cx->body, "cluster");
	const char *uname = str_field(cx->body, "user");
	const char *ns = str_field(cx->body, "namespace");
	t->namespace_ = xstrdup(ns ? ns : "default");
	if (!cname)
		return fail_entry(e, ST_ERR_INVALID, cx, "", "has no cluster");
	const struct kc_entry *cl = find(kc, K_CLUSTER, cname);
	if (!cl)
		return fail_entry(e, ST_ERR_INVALID, cx, "cluster",
				  "cluster \"%s\" is not defined", cname);
	t->cluster_name = xstrdup(cname);
	/* no user is anonymous access, as with kubectl */
	t->user_name = xstrdup(uname ? uname : "");
	const struct kc_entry *us = uname ? find(kc, K_USER, uname) : NULL;
	if (uname && !us)
		return fail_entry(e, ST_ERR_INVALID, cx, "user",
				  "user \"%s\" is not defined", uname);
	enum status st = resolve_cluster(cl, t, e);
	if (!st && us)
		st = resolve_user(us, t, e);
	return st;
}

/* "a.yaml, b.yaml" for a message about the whole kubeconfig. */
static void files_list(struct buf *b, const struct kubeconfig *kc)
{
	for (size_t i = 0; i < kc->files.len; i++)
		buf_printf(b, "%s%s", i ? ", " : "",
			   ((struct kc_file *)kc->files.items[i])->path);
	if (!kc->files.len)
		buf_puts(b, "no kubeconfig file found");
}

enum status kubeconfig_resolve(const struct kubeconfig *kc, const char *context,
			       struct kube_target **out, struct err *e)
{
	*out = NULL;
	const char *name = context && *context ? context : kc->current;
	struct buf files = BUF_INIT;
	files_list(&files, kc);
	enum status st = ST_OK;
	const struct kc_entry *cx = name ? find(kc, K_CONTEXT, name) : NULL;
	if (!name)
		st = fail_at(e, ST_ERR_NOTFOUND, NULL, NULL,
			     "no context given and no current-context set "
			     "(%s)",
			     buf_str(&files));
	else if (!cx && name == kc->current)
		st = fail_at(
		    e, ST_ERR_NOTFOUND, kc->current_file, "current-context",
		    "current-context \"%s\" is not a defined context", name);
	else if (!cx)
		st = fail_at(e, ST_ERR_NOTFOUND, NULL, NULL,
			     "context \"%s\" not found (%s)", name,
			     buf_str(&files));
	buf_free(&files);
	if (st)
		return st;

	struct kube_target *t = xcalloc(1, sizeof *t);
	t->context = xstrdup(name);
	t->source = xstrdup(cx->f->path);
	st = resolve_context(kc, cx, t, e);
	if (st) {
		kube_target_free(t);
		return st;
	}
	*out = t;
	return ST_OK;
}

static void exec_free(struct kube_exec_cfg *x)
{
	if (!x)
		return;
	free(x->api_version);
	free(x->command);
	for (size_t i = 0; i < x->nargs; i++)
		free(x->args[i]);
	free(x->args);
	for (size_t i = 0; i < x->nenv; i++) {
		free(x->env[i].name);
		free(x->env[i].value);
	}
	free(x->env);
	free(x->install_hint);
	free(x->interactive_mode);
	free(x);
}

void kube_target_free(struct kube_target *t)
{
	if (!t)
		return;
	free(t->context);
	free(t->cluster_name);
	free(t->user_name);
	free(t->namespace_);
	free(t->server);
	free(t->source);
	free(t->ca_pem);
	free(t->tls_server_name);
	free(t->proxy_url);
	free(t->cert_pem);
	free(t->key_pem);
	free(t->token);
	free(t->token_file);
	free(t->username);
	free(t->password);
	exec_free(t->exec);
	free(t->file_token);
	free(t);
}

enum status kube_target_token(struct kube_target *t, const char **token,
			      struct err *e)
{
	*token = t->token;
	if (t->token || !t->token_file)
		return ST_OK;
	const char *why = token_reload(t);
	if (why)
		return fail_at(e, ST_ERR_IO, NULL, NULL,
			       "user \"%s\": tokenFile %s: %s", t->user_name,
			       t->token_file, why);
	*token = t->file_token;
	return ST_OK;
}
