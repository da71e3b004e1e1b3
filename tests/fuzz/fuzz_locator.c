/*
 * libFuzzer target for version locators and templates.
 *
 * The input's first line is a locator path, which is also used as a
 * template, as a value substituted into YAML and as an image reference;
 * the rest is a YAML stream, loaded with every document and small limits.
 * The path is followed through every document (and through the one
 * locator_document picks), each node found is turned into a version, and
 * each string found is read as an image reference. Everything is freed.
 * Invariants the code promises are checked, and a violation traps so the
 * fuzzer reports it:
 *   - a status and its out-pointer agree (NULL exactly on failure), a
 *     failure has a message, and every message or reason is one
 *     terminal-safe line (no C0/C1 control, no DEL);
 *   - locator_text gives back the path parsed;
 *   - tmpl_names, tmpl_render and tmpl_is_literal agree on the syntax; a
 *     failed render leaves out exactly as it was;
 *   - a value rendered with TMPL_YAML_SCALAR loads back as that value
 *     (bytes that are not UTF-8 as U+00NN), and the document keeps the
 *     template's structure;
 *   - locator_document answers what counting the documents by hand does;
 *   - locator_find: FOUND exactly when a node comes back, a reason exactly
 *     when not; the node path, walked by hand, leads to the node found
 *     (or the deepest one reached), and when the stream has no alias or
 *     merge key yaml_pos_find knows where it is;
 *   - a version is appended (non-empty) or out is unchanged and there is
 *     a reason; a float's text reads back as the same double; an image
 *     version is "latest", a valid tag or a digest, and ends the
 *     reference.
 *
 *   corpus: tests/fuzz/corpus/locator/
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "base/status.h"
#include "base/yaml.h"
#include "model/locator.h"
#include "model/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define MAX_DOCS 8

static void check_line(const char *msg)
{
	const unsigned char *s = (const unsigned char *)msg;
	for (; *s; s++) {
		CHECK(*s >= 0x20 && *s != 0x7f);
		CHECK(!(s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f));
	}
}

static void check_msg(const struct err *e, enum status st)
{
	CHECK(e->code == st && e->msg[0]);
	CHECK(memchr(e->msg, '\0', sizeof e->msg));
	check_line(e->msg);
}

/* ---- templates ---- */

static const char *lookup_self(void *arg, const char *name)
{
	(void)arg;
	return name;
}

/* "v" is the hostile value; a few names are known, the rest are not. */
static const char *lookup_fixed(void *arg, const char *name)
{
	if (!strcmp(name, "v"))
		return arg;
	if (!strcmp(name, "env.name"))
		return "prod";
	if (!strcmp(name, "tenant.name"))
		return "acme: {x}\n- \"y\"";
	return NULL;
}

static enum status count_names(void *arg, const char *name, size_t offset)
{
	(void)offset;
	CHECK(name[0]);
	(*(size_t *)arg)++;
	return ST_OK;
}

/* What YAML reads back for a rendered value. */
static char *expected_value(const char *v)
{
	struct buf b = BUF_INIT;
	const unsigned char *s = (const unsigned char *)v;
	size_t len = strlen(v);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n) {
			buf_append(&b, s + i, n);
			i += n;
		} else {
			buf_putc(&b, (char)(0xc0 | (s[i] >> 6)));
			buf_putc(&b, (char)(0x80 | (s[i] & 0x3f)));
			i++;
		}
	}
	return buf_detach(&b);
}

static void fuzz_template(const char *line)
{
	struct err e;
	size_t names = 0, off = SIZE_MAX;
	enum status syn = tmpl_names(line, count_names, &names, &off, &e);
	CHECK(syn == ST_OK || syn == ST_ERR_PARSE);
	if (syn) {
		check_msg(&e, syn);
		CHECK(off < strlen(line));
		CHECK(names == 0);
	}
	CHECK(tmpl_is_literal(line) == (syn == ST_OK && names == 0));

	for (unsigned flags = 0; flags <= TMPL_YAML_SCALAR; flags++) {
		struct buf out = BUF_INIT;
		buf_puts(&out, "kept");
		char *before = out.data;
		size_t roff = SIZE_MAX;
		enum status st = tmpl_render(line, lookup_self, NULL, flags,
					     &out, &roff, &e);
		CHECK(st == syn);
		if (st) {
			check_msg(&e, st);
			CHECK(roff == off);
			CHECK(out.data == before && out.len == 4);
			CHECK(!strcmp(out.data, "kept"));
		} else if (!flags) {
			CHECK(out.len >= 4);
		}
		buf_clear(&out);
		st = tmpl_render(line, lookup_fixed, (void *)line, flags, &out,
				 &roff, &e);
		CHECK(st == syn || (syn == ST_OK && st == ST_ERR_NOTFOUND));
		if (st)
			check_msg(&e, st);
		buf_free(&out);
	}

	/* the line as a hostile value in a YAML document */
	static const char *const shapes[] = {
	    "v: {{ v }}\nw: 1\n",
	    "- {{ v }}\n- 1\n",
	    "{a: [{{ v }}, 1], w: 1}\n",
	};
	char *want = expected_value(line);
	for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
		struct buf out = BUF_INIT;
		CHECK(tmpl_render(shapes[k], lookup_fixed, (void *)line,
				  TMPL_YAML_SCALAR, &out, NULL, &e) == ST_OK);
		json_t *doc = yaml_load_string("t.yaml", buf_str(&out), out.len,
					       NULL, &e);
		CHECK(doc);
		const json_t *v;
		if (k == 0) {
			CHECK(json_object_size(doc) == 2);
			v = json_object_get(doc, "v");
		} else if (k == 1) {
			CHECK(json_array_size(doc) == 2);
			v = json_array_get(doc, 0);
		} else {
			CHECK(json_object_size(doc) == 2);
			const json_t *a = json_object_get(doc, "a");
			CHECK(json_array_size(a) == 2);
			v = json_array_get(a, 0);
		}
		CHECK(json_is_string(v));
		CHECK(json_string_length(v) == strlen(want));
		CHECK(!memcmp(json_string_value(v), want, strlen(want)));
		json_decref(doc);
		buf_free(&out);
	}
	free(want);
}

/* ---- image references ---- */

static bool tag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static void fuzz_image(const char *ref)
{
	struct buf out = BUF_INIT;
	buf_puts(&out, "=");
	if (!image_ref_version(ref, &out)) {
		CHECK(out.len == 1);
		buf_free(&out);
		return;
	}
	const char *v = out.data + 1;
	size_t n = out.len - 1;
	for (size_t i = 0; i < n; i++)
		CHECK(v[i] > 0x20 && v[i] < 0x7f);
	/* The tag follows the last ':' after the last '/' of the name (the
	 * part before '@'), else the digest is what follows '@'. */
	const char *at = strchr(ref, '@');
	size_t end = at ? (size_t)(at - ref) : strlen(ref);
	const char *tag = NULL;
	for (size_t i = end; i-- > 0 && ref[i] != '/';)
		if (ref[i] == ':') {
			tag = ref + i + 1;
			break;
		}
	if (tag) {
		CHECK(n == end - (size_t)(tag - ref) && !memcmp(tag, v, n));
		CHECK(n <= 128 && v[0] != '.' && v[0] != '-');
		for (size_t i = 0; i < n; i++)
			CHECK(tag_char(v[i]));
	} else if (at) {
		CHECK(!strcmp(at + 1, v) && strchr(v, ':'));
	} else {
		CHECK(!strcmp(v, "latest"));
	}
	buf_free(&out);
}

/* ---- locators ---- */

/* Follow a yaml.h node path by hand. */
static const json_t *walk(const json_t *root, const char *path)
{
	const json_t *cur = root;
	const char *s = path;
	struct buf key = BUF_INIT;
	while (cur && *s) {
		if (*s == '[') {
			char *end;
			unsigned long i = strtoul(s + 1, &end, 10);
			CHECK(end > s + 1 && *end == ']');
			cur = json_array_get(cur, i);
			s = end + 1;
			continue;
		}
		if (*s == '.')
			s++;
		buf_clear(&key);
		while (*s && *s != '.' && *s != '[') {
			if (*s == '\\' && s[1])
				s++;
			buf_putc(&key, *s++);
		}
		cur = json_object_get(cur, buf_str(&key));
	}
	buf_free(&key);
	return cur;
}

static bool str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && !strcmp(json_string_value(v), s);
}

static void fuzz_document(const json_t *docs, const char *kind,
			  const char *name)
{
	size_t count = 0, at = 0;
	for (size_t i = 0; i < json_array_size(docs); i++) {
		const json_t *d = json_array_get(docs, i);
		if (!json_is_object(d))
			continue;
		if (kind && !str_is(json_object_get(d, "kind"), kind))
			continue;
		if (name && !str_is(json_object_get(
					json_object_get(d, "metadata"), "name"),
				    name))
			continue;
		if (!count++)
			at = i;
	}
	long got = locator_document(docs, kind, name);
	CHECK(count == 0   ? got == -1
	      : count == 1 ? got == (long)at
			   : got == -2);
}

static void fuzz_version(const json_t *node)
{
	for (int image = 0; image < 2; image++) {
		struct buf out = BUF_INIT, why = BUF_INIT;
		buf_puts(&out, "=");
		if (!locator_version(node, image, &out, &why)) {
			CHECK(out.len == 1);
			CHECK(why.len > 0);
			check_line(buf_str(&why));
		} else {
			const char *v = out.data + 1;
			CHECK(out.len > 1 && why.len == 0);
			if (json_is_string(node) && !image)
				CHECK(!strcmp(v, json_string_value(node)));
			if (json_is_real(node))
				CHECK(strtod(v, NULL) == json_real_value(node));
			if (json_is_integer(node))
				CHECK(strtoll(v, NULL, 10) ==
				      json_integer_value(node));
			if (image) {
				struct buf again = BUF_INIT;
				CHECK(image_ref_version(json_string_value(node),
							&again));
				CHECK(!strcmp(buf_str(&again), v));
				buf_free(&again);
			}
		}
		buf_free(&out);
		buf_free(&why);
	}
	if (json_is_string(node))
		fuzz_image(json_string_value(node));
}

static void fuzz_find(const struct locator *l, const json_t *docs, size_t i,
		      const struct yaml_pos *pos, bool plain)
{
	struct buf np = BUF_INIT, why = BUF_INIT;
	const json_t *node = (const json_t *)1;
	yaml_path_index(&np, i);
	enum locate_result r =
	    locator_find(l, json_array_get(docs, i), &node, &np, &why);
	CHECK(r == LOCATE_FOUND || r == LOCATE_MISSING || r == LOCATE_MISMATCH);
	const json_t *reached = walk(docs, buf_str(&np));
	CHECK(reached);
	if (r == LOCATE_FOUND) {
		CHECK(node && node == reached);
		CHECK(why.len == 0);
		fuzz_version(node);
	} else {
		CHECK(!node);
		CHECK(why.len > 0);
		check_line(buf_str(&why));
	}
	if (plain) {
		int line = 0, col = 0;
		CHECK(yaml_pos_find(pos, buf_str(&np), &line, &col));
		CHECK(line >= 1 && col >= 1);
	}
	/* without the optional outputs, the same answer */
	CHECK(locator_find(l, json_array_get(docs, i), NULL, NULL, NULL) == r);
	buf_free(&np);
	buf_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	size_t plen = nl ? (size_t)(nl - text) : size;
	char *line = xstrndup(text, plen);
	const char *yaml = nl ? nl + 1 : text + size;
	size_t ylen = size - (size_t)(yaml - text);

	fuzz_template(line);
	fuzz_image(line);

	struct locator *l = (struct locator *)1;
	struct err e;
	size_t off = SIZE_MAX;
	enum status st = locator_parse(line, &l, &off, &e);
	if (st) {
		CHECK(st == ST_ERR_PARSE && !l);
		check_msg(&e, st);
		CHECK(off <= strlen(line));
	} else {
		CHECK(l && !strcmp(locator_text(l), line));
	}

	struct yaml_opts opts = {.max_bytes = 1 << 16,
				 .max_nodes = 5000,
				 .max_depth = 32,
				 .flags = YAML_ALL};
	struct yaml_pos *pos = (struct yaml_pos *)1;
	json_t *docs = yaml_load_ex("f.yaml", yaml, ylen, &opts, &pos, &e);
	if (!docs) {
		CHECK(!pos);
		check_msg(&e, e.code);
		goto out;
	}
	CHECK(json_is_array(docs) && pos);
	/* Nodes copied from an alias or a merge have no position of their
	 * own. */
	bool plain =
	    !memmem(yaml, ylen, "*", 1) && !memmem(yaml, ylen, "<<", 2);

	size_t n = json_array_size(docs);
	const char *kind = NULL, *name = NULL;
	for (size_t i = 0; i < n && !(kind && name); i++) {
		const json_t *d = json_array_get(docs, i);
		if (!kind)
			kind = json_string_value(json_object_get(d, "kind"));
		if (!name)
			name = json_string_value(json_object_get(
			    json_object_get(d, "metadata"), "name"));
	}
	fuzz_document(docs, kind, name);
	fuzz_document(docs, kind, NULL);
	fuzz_document(docs, NULL, name);
	fuzz_document(docs, NULL, NULL);
	fuzz_document(docs, line, NULL);

	if (l) {
		for (size_t i = 0; i < n && i < MAX_DOCS; i++)
			fuzz_find(l, docs, i, pos, plain);
		long d = locator_document(docs, kind, NULL);
		if (d >= 0)
			fuzz_find(l, docs, (size_t)d, pos, plain);
	}
	yaml_pos_free(pos);
	json_decref(docs);
out:
	locator_free(l);
	free(line);
	return 0;
}
