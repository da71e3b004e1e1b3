/*
 * Unit tests for src/model/locator: every path syntax error with its
 * offset, paths through Helm values, Kustomize images lists, Deployments
 * and multi-document files (each node path is checked against the YAML
 * positions, so file:line:col reports land on the right line), the
 * MISSING/MISMATCH split and its reasons, versions from every JSON type
 * (floats as Helm prints them), image references, and hostile sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/str.h"
#include "base/yaml.h"
#include "model/locator.h"
#include "test_json.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

#define SHA_A                                                                  \
	"sha256:"                                                              \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_B                                                                  \
	"sha256:"                                                              \
	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

/* No control character and no C1 control: one line a terminal shows as
 * it is. */
static void assert_one_safe_line(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			fail_msg("unsafe byte 0x%02X in \"%s\"", *p, s);
	}
}

static struct locator *parse_ok(const char *path)
{
	struct locator *l = NULL;
	struct err e;
	size_t off = 999;
	if (locator_parse(path, &l, &off, &e) != ST_OK)
		fail_msg("\"%s\": %s at %zu", path, e.msg, off);
	assert_non_null(l);
	assert_string_equal(locator_text(l), path);
	return l;
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		size_t offset;
		const char *msg;
	} rows[] = {
	    {"", 0, "empty path"},
	    {".", 0, "empty key"},
	    {".a", 0, "empty key"},
	    {"a.", 2, "empty key"},
	    {"a..b", 2, "empty key"},
	    {"a.[0]", 2, "empty key"},
	    {"a[=x]", 2, "empty key"},
	    {"a[0", 3, "']' expected"},
	    {"a[12", 4, "']' expected"},
	    {"a[0 ]", 3, "']' expected"},
	    {"a[\"x\"", 5, "']' expected"},
	    {"a[\"x\"y]", 5, "']' expected"},
	    {"a[name=", 7, "']' expected"},
	    {"a[name=x", 8, "']' expected"},
	    {"a[name=\"x\"", 10, "']' expected"},
	    {"a[name=\"x\"y]", 10, "']' expected"},
	    {"a[na me=x]", 4, "']' expected"},
	    {"a[0]b", 4, "'.' or '[' expected"},
	    {"a[0][1]x", 7, "'.' or '[' expected"},
	    {"a[name]", 1, "selector needs key=value"},
	    {"a[0x]", 1, "selector needs key=value"},
	    {"a[1-2]", 1, "selector needs key=value"},
	    {"a[-]", 1, "selector needs key=value"},
	    {"a[name=]", 1, "selector needs key=value"},
	    {"a[]", 1, "empty '[]'"},
	    {"a[99999999999]", 2, "index out of range"},
	    {"a[-99999999999]", 2, "index out of range"},
	    {"a[99999999999999999999999999]", 2, "index out of range"},
	    {"a[1000000001]", 2, "index out of range"},
	    {"a[\"x", 2, "unterminated quote"},
	    {"a[\"x\\\"]", 2, "unterminated quote"},
	    {"a[name=\"x]", 7, "unterminated quote"},
	    {"a[\"x\\n\"]", 4, "bad escape"},
	    {"a[\"\\x41\"]", 3, "bad escape"},
	    {"a[\"x\ty\"]", 4, "bad character (byte 0x09) in a quoted key"},
	    {"a[k=\"\x1b\"]", 5, "bad character (byte 0x1B) in a selector"},
	    {"a[name=x\x01]", 8, "bad character (byte 0x01) in a selector"},
	    {"a[name=x\x7f]", 8, "bad character (byte 0x7F)"},
	    {"a b", 1, "bad character ' ' (a space) in a key"},
	    {"a.b$", 3, "bad character '$' in a key"},
	    {"a.b:c", 3, "bad character ':' in a key"},
	    {"a\n", 1, "bad character (byte 0x0A) in a key"},
	    {"\xc3\xa9", 0, "bad character (byte 0xC3) in a key"},
	    {"a.]", 2, "bad character ']' in a key"},
	    {"a]", 1, "bad character ']' in a key"},
	    {"a.*", 2, "bad character '*' in a key"},
	    {"a['x']", 2, "bad character (byte 0x27) in brackets"},
	    {"a[ 0]", 2, "bad character ' ' (a space) in brackets"},
	    {"a.\"b\"", 2, "a quoted key goes in brackets"},
	    {"\"a\"", 0, "a quoted key goes in brackets"},
	    {"images[name=kyc].newTag.", 24, "empty key"},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		struct locator *l = (struct locator *)1;
		struct err e = {0};
		size_t off = 999;
		enum status st = locator_parse(rows[i].path, &l, &off, &e);
		if (st != ST_ERR_PARSE)
			fail_msg("row %zu: status %s", i, status_name(st));
		assert_null(l);
		assert_int_equal(e.code, ST_ERR_PARSE);
		if (off != rows[i].offset || !strstr(e.msg, rows[i].msg))
			fail_msg("row %zu: offset %zu \"%s\", want %zu \"%s\"",
				 i, off, e.msg, rows[i].offset, rows[i].msg);
		assert_one_safe_line(e.msg);
	}
	/* offset and e are optional */
	struct locator *l;
	assert_int_equal(locator_parse("a..b", &l, NULL, NULL), ST_ERR_PARSE);
	assert_null(l);
	assert_int_equal(locator_parse(NULL, &l, NULL, NULL), ST_ERR_PARSE);
}

/* Each row: a path, a document (JSON) and what the path finds there. */
static void test_parse_ok(void **state)
{
	(void)state;
	static const struct {
		const char *path, *doc, *want;
	} rows[] = {
	    {"a", "{'a': 'x'}", "x"},
	    {"a/b.c-d_e", "{'a/b': {'c-d_e': 'x'}}", "x"},
	    {"A.Z.0.9", "{'A': {'Z': {'0': {'9': 'x'}}}}", "x"},
	    {"[0]", "['x', 'y']", "x"},
	    {"[-1]", "['x', 'y']", "y"},
	    {"[0][1]", "[['x', 'y']]", "y"},
	    {"a[-0]", "{'a': ['x', 'y']}", "x"},
	    {"a[007]", "{'a': [0,1,2,3,4,5,6,'x']}", "x"},
	    {"a[1000000000]", "{'a': ['x']}", NULL},
	    {"a[-1000000000]", "{'a': ['x']}", NULL},
	    {"a[\"b.c\"]", "{'a': {'b.c': 'x'}}", "x"},
	    {"[\"a.b\"].c", "{'a.b': {'c': 'x'}}", "x"},
	    {"[\"\"]", "{'': 'x'}", "x"},
	    {"a[\"q\\\"b\\\\s\"]", "{'a': {'q\\\"b\\\\s': 'x'}}", "x"},
	    {"a[\"[0]\"]", "{'a': {'[0]': 'x'}}", "x"},
	    {"a[\"Zürich\"]", "{'a': {'Zürich': 'x'}}", "x"},
	    {"a[k=v].r", "{'a': [{'k': 'w'}, {'k': 'v', 'r': 'x'}]}", "x"},
	    {"a[\"k.k\"=v].r", "{'a': [{'k.k': 'v', 'r': 'x'}]}", "x"},
	    {"a[k=\"x]y\"].r", "{'a': [{'k': 'x]y', 'r': 'x'}]}", "x"},
	    {"a[k=v w=u].r", "{'a': [{'k': 'v w=u', 'r': 'x'}]}", "x"},
	    {"a[k=\"\"].r", "{'a': [{'k': '', 'r': 'x'}]}", "x"},
	    {"a[k=[x].r", "{'a': [{'k': '[x', 'r': 'x'}]}", "x"},
	    {"a[k=-1].r", "{'a': [{'k': -1, 'r': 'x'}]}", "x"},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		struct locator *l = parse_ok(rows[i].path);
		char *text = strdup(rows[i].doc);
		for (char *p = text; *p; p++)
			if (*p == '\'')
				*p = '"';
		json_t *doc = J("%s", text);
		const json_t *node;
		struct buf why = BUF_INIT;
		enum locate_result r = locator_find(l, doc, &node, NULL, &why);
		if (!rows[i].want) {
			/* the largest indexes parse, and find nothing */
			assert_int_equal(r, LOCATE_MISSING);
		} else if (r != LOCATE_FOUND) {
			fail_msg("row %zu \"%s\": %s", i, rows[i].path,
				 buf_str(&why));
		} else {
			assert_string_equal(json_string_value(node),
					    rows[i].want);
		}
		buf_free(&why);
		json_decref(doc);
		free(text);
		locator_free(l);
	}
	locator_free(NULL);
}

struct find_row {
	const char *path;
	bool image;
	enum locate_result result;
	const char *node_path;
	const char *text; /* the version, or why */
	bool version;	  /* text is a version (else why) */
	int line, col;	  /* where node_path is; 0 = not checked */
};

/* Run rows over a YAML text loaded with positions. */
static void run_rows(const char *name, const char *yaml,
		     const struct find_row *rows, size_t n)
{
	struct err e;
	struct yaml_pos *pos;
	json_t *doc = yaml_load_string(name, yaml, strlen(yaml), &pos, &e);
	if (!doc)
		fail_msg("%s: %s", name, e.msg);
	for (size_t i = 0; i < n; i++) {
		const struct find_row *r = &rows[i];
		struct locator *l = parse_ok(r->path);
		const json_t *node = (const json_t *)1;
		struct buf np = BUF_INIT, why = BUF_INIT, out = BUF_INIT;
		enum locate_result got = locator_find(l, doc, &node, &np, &why);
		if (got != r->result)
			fail_msg("%s row %zu \"%s\": result %d, want %d (%s)",
				 name, i, r->path, got, r->result,
				 buf_str(&why));
		if (strcmp(buf_str(&np), r->node_path))
			fail_msg("%s row %zu \"%s\": node path \"%s\", want "
				 "\"%s\"",
				 name, i, r->path, buf_str(&np), r->node_path);
		/* the node path always names a node that has a position */
		int line, col;
		if (!yaml_pos_find(pos, buf_str(&np), &line, &col))
			fail_msg("%s row %zu: no position for \"%s\"", name, i,
				 buf_str(&np));
		if (r->line && (line != r->line || col != r->col))
			fail_msg("%s row %zu \"%s\": at %d:%d, want %d:%d",
				 name, i, buf_str(&np), line, col, r->line,
				 r->col);
		if (got != LOCATE_FOUND) {
			assert_null(node);
			if (strcmp(buf_str(&why), r->text))
				fail_msg("%s row %zu: why \"%s\", want \"%s\"",
					 name, i, buf_str(&why), r->text);
			assert_one_safe_line(buf_str(&why));
		} else {
			assert_non_null(node);
			assert_int_equal(why.len, 0);
			bool ok = locator_version(node, r->image, &out, &why);
			if (ok != r->version ||
			    strcmp(ok ? buf_str(&out) : buf_str(&why), r->text))
				fail_msg(
				    "%s row %zu \"%s\": %s \"%s\" / \"%s\", "
				    "want \"%s\"",
				    name, i, r->path,
				    ok ? "version" : "no version",
				    buf_str(&out), buf_str(&why), r->text);
		}
		buf_free(&np);
		buf_free(&why);
		buf_free(&out);
		locator_free(l);
	}
	yaml_pos_free(pos);
	json_decref(doc);
}

static const char helm_values[] =
    "image:\n"				       /* 1 */
    "  repository: registry.example.com/kyc\n" /* 2 */
    "  tag: \"1.4.2\"\n"		       /* 3 */
    "  pullPolicy: IfNotPresent\n"	       /* 4 */
    "floatTag: 1.10\n"			       /* 5 */
    "intTag: 42\n"			       /* 6 */
    "nullTag:\n"			       /* 7 */
    "boolTag: true\n"			       /* 8 */
    "emptyTag: \"\"\n"			       /* 9 */
    "resources: {limits: {cpu: 1}}\n"	       /* 10 */
    "list: [a, b, c]\n"			       /* 11 */
    "metadata:\n"			       /* 12 */
    "  annotations:\n"			       /* 13 */
    "    example.com/version: \"7.1\"\n"       /* 14 */
    "    \"a[b]\": x\n"			       /* 15 */
    "    'a\\b': y\n"			       /* 16 */
    "\"\": empty key\n"			       /* 17 */
    "bigInt: 9223372036854775807\n"	       /* 18 */
    "negFloat: -0.5\n"			       /* 19 */
    "sci: 1e6\n"			       /* 20 */
    "hexTag: 0x1F\n";			       /* 21 */

static void test_helm_values(void **state)
{
	(void)state;
	static const struct find_row rows[] = {
	    {"image.tag", false, LOCATE_FOUND, "image.tag", "1.4.2", true, 3,
	     8},
	    {"image[\"tag\"]", false, LOCATE_FOUND, "image.tag", "1.4.2", true,
	     3, 8},
	    {"floatTag", false, LOCATE_FOUND, "floatTag", "1.1", true, 5, 11},
	    {"intTag", false, LOCATE_FOUND, "intTag", "42", true, 6, 9},
	    {"bigInt", false, LOCATE_FOUND, "bigInt", "9223372036854775807",
	     true, 18, 9},
	    {"negFloat", false, LOCATE_FOUND, "negFloat", "-0.5", true, 19, 11},
	    {"sci", false, LOCATE_FOUND, "sci", "1e+06", true, 20, 6},
	    {"hexTag", false, LOCATE_FOUND, "hexTag", "31", true, 21, 9},
	    {"list[0]", false, LOCATE_FOUND, "list[0]", "a", true, 11, 8},
	    {"list[1]", false, LOCATE_FOUND, "list[1]", "b", true, 11, 11},
	    {"list[-1]", false, LOCATE_FOUND, "list[2]", "c", true, 11, 14},
	    {"list[-3]", false, LOCATE_FOUND, "list[0]", "a", true, 11, 8},
	    {"[\"list\"][1]", false, LOCATE_FOUND, "list[1]", "b", true, 11,
	     11},
	    {"metadata.annotations[\"example.com/version\"]", false,
	     LOCATE_FOUND, "metadata.annotations.example\\.com/version", "7.1",
	     true, 14, 26},
	    {"metadata.annotations[\"a[b]\"]", false, LOCATE_FOUND,
	     "metadata.annotations.a\\[b\\]", "x", true, 15, 13},
	    {"metadata.annotations[\"a\\\\b\"]", false, LOCATE_FOUND,
	     "metadata.annotations.a\\\\b", "y", true, 16, 12},
	    {"[\"\"]", false, LOCATE_FOUND, ".", "empty key", true, 17, 5},
	    {"image.repository", true, LOCATE_FOUND, "image.repository",
	     "latest", true, 2, 15},
	    /* found, but not a version */
	    {"nullTag", false, LOCATE_FOUND, "nullTag", "null", false, 0, 0},
	    {"boolTag", false, LOCATE_FOUND, "boolTag", "a boolean", false, 8,
	     10},
	    {"emptyTag", false, LOCATE_FOUND, "emptyTag", "an empty string",
	     false, 9, 11},
	    {"resources", false, LOCATE_FOUND, "resources", "a mapping", false,
	     10, 12},
	    {"resources.limits", false, LOCATE_FOUND, "resources.limits",
	     "a mapping", false, 10, 21},
	    {"list", false, LOCATE_FOUND, "list", "a list", false, 11, 7},
	    {"image", false, LOCATE_FOUND, "image", "a mapping", false, 2, 3},
	    {"intTag", true, LOCATE_FOUND, "intTag",
	     "a number, not an image reference", false, 6, 9},
	    {"floatTag", true, LOCATE_FOUND, "floatTag",
	     "a number, not an image reference", false, 5, 11},
	    {"metadata.annotations[\"a[b]\"]", true, LOCATE_FOUND,
	     "metadata.annotations.a\\[b\\]", "latest", true, 15, 13},
	    /* missing */
	    {"image.missing", false, LOCATE_MISSING, "image",
	     "no key 'missing' in image", false, 2, 3},
	    {"nope.tag", false, LOCATE_MISSING, "",
	     "no key 'nope' in the document", false, 1, 1},
	    {"list[3]", false, LOCATE_MISSING, "list",
	     "no item [3] in list (3 items)", false, 11, 7},
	    {"list[-4]", false, LOCATE_MISSING, "list",
	     "no item [-4] in list (3 items)", false, 11, 7},
	    {"resources.limits.memory", false, LOCATE_MISSING,
	     "resources.limits", "no key 'memory' in resources.limits", false,
	     10, 21},
	    {"list[name=a]", false, LOCATE_MISSING, "list",
	     "no item with name=a in list", false, 11, 7},
	    {"metadata.annotations[\"example.com/other\"].x", false,
	     LOCATE_MISSING, "metadata.annotations",
	     "no key 'example.com/other' in metadata.annotations", false, 14,
	     5},
	    {"[\"\"].x", false, LOCATE_MISMATCH, ".",
	     "[\"\"] is a string, not a mapping", false, 17, 5},
	    /* something of the wrong type in the way */
	    {"image.tag.x", false, LOCATE_MISMATCH, "image.tag",
	     "image.tag is a string, not a mapping", false, 3, 8},
	    {"list.x", false, LOCATE_MISMATCH, "list",
	     "list is a list, not a mapping", false, 11, 7},
	    {"list[0].x", false, LOCATE_MISMATCH, "list[0]",
	     "list[0] is a string, not a mapping", false, 11, 8},
	    {"list[-1][0]", false, LOCATE_MISMATCH, "list[2]",
	     "list[-1] is a string, not a list", false, 11, 14},
	    {"image[0]", false, LOCATE_MISMATCH, "image",
	     "image is a mapping, not a list", false, 2, 3},
	    {"image[name=x]", false, LOCATE_MISMATCH, "image",
	     "image is a mapping, not a list", false, 2, 3},
	    {"nullTag.x", false, LOCATE_MISMATCH, "nullTag",
	     "nullTag is null, not a mapping", false, 0, 0},
	    {"intTag[0]", false, LOCATE_MISMATCH, "intTag",
	     "intTag is a number, not a list", false, 6, 9},
	    {"boolTag.x", false, LOCATE_MISMATCH, "boolTag",
	     "boolTag is a boolean, not a mapping", false, 8, 10},
	    {"[0]", false, LOCATE_MISMATCH, "",
	     "the document is a mapping, not a list", false, 1, 1},
	};
	run_rows("values.yaml", helm_values, rows, LEN(rows));
}

static const char kustomization[] =
    "apiVersion: kustomize.config.k8s.io/v1beta1\n" /* 1 */
    "kind: Kustomization\n"			    /* 2 */
    "resources:\n"				    /* 3 */
    "  - ../../base\n"				    /* 4 */
    "images:\n"					    /* 5 */
    "  - name: kyc-service\n"			    /* 6 */
    "    newName: registry.example.com/kyc\n"	    /* 7 */
    "    newTag: \"2.3.1\"\n"			    /* 8 */
    "  - just a string\n"			    /* 9 */
    "  - name: 42\n"				    /* 10 */
    "    newTag: 1.10\n"			    /* 11 */
    "  - name: app.kubernetes.io/x\n"		    /* 12 */
    "    digest: " SHA_A "\n"			    /* 13 */
    "  - name: kyc-service\n"			    /* 14 */
    "    newTag: \"shadowed\"\n"		    /* 15 */
    "  - name: \"a]b\"\n"			    /* 16 */
    "    newTag: q\n"				    /* 17 */
    "  - name: with space\n"			    /* 18 */
    "    newTag: s\n"				    /* 19 */
    "  - [not, a, mapping]\n"			    /* 20 */
    "  - name: true\n"				    /* 21 */
    "    newTag: t\n"				    /* 22 */
    "  - name: ~\n"				    /* 23 */
    "    newTag: n\n";				    /* 24 */

static void test_kustomize_images(void **state)
{
	(void)state;
	static const struct find_row rows[] = {
	    {"images[name=kyc-service].newTag", false, LOCATE_FOUND,
	     "images[0].newTag", "2.3.1", true, 8, 13},
	    {"images[name=\"kyc-service\"].newTag", false, LOCATE_FOUND,
	     "images[0].newTag", "2.3.1", true, 8, 13},
	    {"images[\"name\"=kyc-service].newName", false, LOCATE_FOUND,
	     "images[0].newName", "registry.example.com/kyc", true, 7, 14},
	    /* numbers compare by their text */
	    {"images[name=42].newTag", false, LOCATE_FOUND, "images[2].newTag",
	     "1.1", true, 11, 13},
	    {"images[newTag=1.1].name", false, LOCATE_FOUND, "images[2].name",
	     "42", true, 10, 11},
	    {"images[name=app.kubernetes.io/x].digest", false, LOCATE_FOUND,
	     "images[3].digest", SHA_A, true, 13, 13},
	    {"images[name=\"a]b\"].newTag", false, LOCATE_FOUND,
	     "images[5].newTag", "q", true, 17, 13},
	    {"images[name=with space].newTag", false, LOCATE_FOUND,
	     "images[6].newTag", "s", true, 19, 13},
	    {"images[1]", false, LOCATE_FOUND, "images[1]", "just a string",
	     true, 9, 5},
	    {"images[2].newTag", false, LOCATE_FOUND, "images[2].newTag", "1.1",
	     true, 11, 13},
	    {"images[-1].newTag", false, LOCATE_FOUND, "images[9].newTag", "n",
	     true, 24, 13},
	    {"resources[0]", false, LOCATE_FOUND, "resources[0]", "../../base",
	     true, 4, 5},
	    /* as written: 1.10 is the float 1.1 */
	    {"images[newTag=1.10].name", false, LOCATE_MISSING, "images",
	     "no item with newTag=1.10 in images", false, 6, 3},
	    {"images[name=nope].newTag", false, LOCATE_MISSING, "images",
	     "no item with name=nope in images", false, 6, 3},
	    {"images[nokey=x]", false, LOCATE_MISSING, "images",
	     "no item with nokey=x in images", false, 6, 3},
	    /* booleans and null are not compared */
	    {"images[name=true].newTag", false, LOCATE_MISSING, "images",
	     "no item with name=true in images", false, 6, 3},
	    {"images[name=~].newTag", false, LOCATE_MISSING, "images",
	     "no item with name=~ in images", false, 6, 3},
	    {"images[name=kyc-service].tag", false, LOCATE_MISSING, "images[0]",
	     "no key 'tag' in images[name=kyc-service]", false, 6, 5},
	    {"kind[name=x]", false, LOCATE_MISMATCH, "kind",
	     "kind is a string, not a list", false, 2, 7},
	};
	run_rows("kustomization.yaml", kustomization, rows, LEN(rows));
}

static const char deployment[] =
    "apiVersion: apps/v1\n"					  /* 1 */
    "kind: Deployment\n"					  /* 2 */
    "metadata:\n"						  /* 3 */
    "  name: kyc\n"						  /* 4 */
    "spec:\n"							  /* 5 */
    "  template:\n"						  /* 6 */
    "    spec:\n"						  /* 7 */
    "      containers:\n"					  /* 8 */
    "        - name: sidecar\n"					  /* 9 */
    "          image: envoyproxy/envoy:v1.29.1\n"		  /* 10 */
    "        - name: app\n"					  /* 11 */
    "          image: registry.example.com:5000/team/app:1.4.2\n" /* 12 */
    "        - name: pinned\n"					  /* 13 */
    "          image: app@" SHA_A "\n"				  /* 14 */
    "        - name: both\n"					  /* 15 */
    "          image: app:1.2@" SHA_B "\n"			  /* 16 */
    "        - name: bare\n"					  /* 17 */
    "          image: app\n"					  /* 18 */
    "        - name: bad\n"					  /* 19 */
    "          image: \"app:bad tag\"\n";			  /* 20 */

static void test_deployment_images(void **state)
{
	(void)state;
	static const struct find_row rows[] = {
	    {"spec.template.spec.containers[name=app].image", true,
	     LOCATE_FOUND, "spec.template.spec.containers[1].image", "1.4.2",
	     true, 12, 18},
	    {"spec.template.spec.containers[name=app].image", false,
	     LOCATE_FOUND, "spec.template.spec.containers[1].image",
	     "registry.example.com:5000/team/app:1.4.2", true, 12, 18},
	    {"spec.template.spec.containers[0].image", true, LOCATE_FOUND,
	     "spec.template.spec.containers[0].image", "v1.29.1", true, 10, 18},
	    {"spec.template.spec.containers[name=pinned].image", true,
	     LOCATE_FOUND, "spec.template.spec.containers[2].image", SHA_A,
	     true, 14, 18},
	    {"spec.template.spec.containers[name=both].image", true,
	     LOCATE_FOUND, "spec.template.spec.containers[3].image", "1.2",
	     true, 16, 18},
	    {"spec.template.spec.containers[-2].image", true, LOCATE_FOUND,
	     "spec.template.spec.containers[4].image", "latest", true, 18, 18},
	    {"spec.template.spec.containers[name=bad].image", true,
	     LOCATE_FOUND, "spec.template.spec.containers[5].image",
	     "not an image reference", false, 20, 18},
	    {"spec.template.spec.containers[name=app]", true, LOCATE_FOUND,
	     "spec.template.spec.containers[1]", "a mapping", false, 11, 11},
	    {"spec.template.spec.containers[name=web].image", true,
	     LOCATE_MISSING, "spec.template.spec.containers",
	     "no item with name=web in spec.template.spec.containers", false, 9,
	     9},
	    {"spec.template.spec.initContainers[0].image", true, LOCATE_MISSING,
	     "spec.template.spec",
	     "no key 'initContainers' in spec.template.spec", false, 8, 7},
	    {"spec.template.spec.containers.app.image", true, LOCATE_MISMATCH,
	     "spec.template.spec.containers",
	     "spec.template.spec.containers is a list, not a mapping", false, 9,
	     9},
	};
	run_rows("deployment.yaml", deployment, rows, LEN(rows));
}

static const char stream[] =
    "---\n"			   /* 1 */
    "# an empty section\n"	   /* 2 */
    "---\n"			   /* 3 */
    "apiVersion: v1\n"		   /* 4 */
    "kind: Service\n"		   /* 5 */
    "metadata: {name: kyc}\n"	   /* 6 */
    "---\n"			   /* 7 */
    "apiVersion: apps/v1\n"	   /* 8 */
    "kind: Deployment\n"	   /* 9 */
    "metadata:\n"		   /* 10 */
    "  name: kyc\n"		   /* 11 */
    "spec:\n"			   /* 12 */
    "  template:\n"		   /* 13 */
    "    spec:\n"		   /* 14 */
    "      containers:\n"	   /* 15 */
    "        - name: app\n"	   /* 16 */
    "          image: kyc:2.0.1\n" /* 17 */
    "---\n"			   /* 18 */
    "apiVersion: apps/v1\n"	   /* 19 */
    "kind: Deployment\n"	   /* 20 */
    "metadata:\n"		   /* 21 */
    "  name: worker\n"		   /* 22 */
    "spec: {template: {spec: {containers: [{name: app, image: "
    "\"worker:3.1\"}]}}}\n"    /* 23 */
    "---\n"		       /* 24 */
    "- a list document\n"      /* 25 */
    "---\n"		       /* 26 */
    "just a string\n"	       /* 27 */
    "---\n"		       /* 28 */
    "kind: 5\n"		       /* 29 */
    "metadata: {name: [x]}\n"; /* 30 */

static void test_documents(void **state)
{
	(void)state;
	struct err e;
	struct yaml_pos *pos;
	json_t *docs =
	    yaml_load_all("all.yaml", stream, strlen(stream), &pos, &e);
	if (!docs)
		fail_msg("%s", e.msg);
	assert_int_equal(json_array_size(docs), 7);
	assert_true(json_is_null(json_array_get(docs, 0)));
	static const struct {
		const char *kind, *name;
		long want;
	} rows[] = {
	    {"Deployment", "kyc", 2},
	    {"Deployment", "worker", 3},
	    {"Service", NULL, 1},
	    {"Service", "kyc", 1},
	    {NULL, "worker", 3},
	    {"Deployment", NULL, -2},
	    {NULL, "kyc", -2},
	    {NULL, NULL, -2},
	    {"ConfigMap", NULL, -1},
	    {NULL, "nope", -1},
	    {"Service", "worker", -1},
	    {"", NULL, -1},
	    {NULL, "", -1},
	    {"5", NULL, -1},
	    {"deployment", "kyc", -1},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		long got = locator_document(docs, rows[i].kind, rows[i].name);
		if (got != rows[i].want)
			fail_msg("row %zu (%s, %s): %ld, want %ld", i,
				 rows[i].kind ? rows[i].kind : "NULL",
				 rows[i].name ? rows[i].name : "NULL", got,
				 rows[i].want);
	}

	/* the document's index starts the node path, so positions in a
	 * stream are found */
	static const struct {
		const char *kind, *name, *version, *node_path;
		int line, col;
	} finds[] = {
	    {"Deployment", "kyc", "2.0.1",
	     "[2].spec.template.spec.containers[0].image", 17, 18},
	    {"Deployment", "worker", "3.1",
	     "[3].spec.template.spec.containers[0].image", 23, 58},
	};
	struct locator *l =
	    parse_ok("spec.template.spec.containers[name=app].image");
	for (size_t i = 0; i < LEN(finds); i++) {
		long d = locator_document(docs, finds[i].kind, finds[i].name);
		assert_true(d >= 0);
		struct buf np = BUF_INIT, out = BUF_INIT;
		yaml_path_index(&np, (size_t)d);
		const json_t *node;
		assert_int_equal(locator_find(l,
					      json_array_get(docs, (size_t)d),
					      &node, &np, NULL),
				 LOCATE_FOUND);
		assert_string_equal(buf_str(&np), finds[i].node_path);
		int line, col;
		assert_true(yaml_pos_find(pos, buf_str(&np), &line, &col));
		assert_int_equal(line, finds[i].line);
		assert_int_equal(col, finds[i].col);
		assert_true(locator_version(node, true, &out, NULL));
		assert_string_equal(buf_str(&out), finds[i].version);
		/* and a report lands there */
		struct buf msg = BUF_INIT;
		yaml_pos_bprintf(&msg, pos, buf_str(&np), false, "here");
		char want[64];
		snprintf(want, sizeof want, "all.yaml:%d:%d: here",
			 finds[i].line, finds[i].col);
		assert_string_equal(buf_str(&msg), want);
		buf_free(&msg);
		buf_free(&np);
		buf_free(&out);
	}
	/* the empty document is missing, not a mismatch */
	struct buf why = BUF_INIT;
	assert_int_equal(
	    locator_find(l, json_array_get(docs, 0), NULL, NULL, &why),
	    LOCATE_MISSING);
	assert_string_equal(buf_str(&why), "the document is empty");
	buf_clear(&why);
	assert_int_equal(locator_find(l, NULL, NULL, NULL, &why),
			 LOCATE_MISSING);
	buf_free(&why);
	locator_free(l);
	yaml_pos_free(pos);
	json_decref(docs);

	/* a file with one real document and empty sections around it */
	const char *one = "---\n---\nimage: {tag: 1}\n---\n";
	docs = yaml_load_all("one.yaml", one, strlen(one), NULL, &e);
	assert_int_equal(json_array_size(docs), 3);
	assert_int_equal(locator_document(docs, NULL, NULL), 1);
	json_decref(docs);
	/* not a stream */
	json_t *obj = J("{\"kind\": \"Service\"}");
	assert_int_equal(locator_document(obj, NULL, NULL), -1);
	assert_int_equal(locator_document(NULL, "Service", NULL), -1);
	json_decref(obj);
	json_t *empty = J("[]");
	assert_int_equal(locator_document(empty, NULL, NULL), -1);
	json_decref(empty);
}

static void test_find_details(void **state)
{
	(void)state;
	json_t *doc = J("{\"a\": {\"b\": [1, {\"c\": \"x\"}]}}");
	struct locator *l = parse_ok("a.b[1].c");
	/* every out-pointer is optional */
	assert_int_equal(locator_find(l, doc, NULL, NULL, NULL), LOCATE_FOUND);
	/* node_path and why are appended to */
	struct buf np = BUF_INIT, why = BUF_INIT;
	buf_puts(&np, "[4]");
	buf_puts(&why, "values.yaml: ");
	const json_t *node;
	assert_int_equal(locator_find(l, doc, &node, &np, &why), LOCATE_FOUND);
	assert_string_equal(buf_str(&np), "[4].a.b[1].c");
	assert_string_equal(buf_str(&why), "values.yaml: ");
	locator_free(l);
	l = parse_ok("a.b[2]");
	buf_clear(&np);
	assert_int_equal(locator_find(l, doc, &node, &np, &why),
			 LOCATE_MISSING);
	assert_null(node);
	assert_string_equal(buf_str(&why),
			    "values.yaml: no item [2] in a.b (2 items)");
	locator_free(l);

	/* user text in a reason is made safe: C1 controls, invalid UTF-8 */
	l = parse_ok("a[\"\xc2\x9b"
		     "1m\xff\"]");
	buf_clear(&why);
	assert_int_equal(locator_find(l, doc, &node, NULL, &why),
			 LOCATE_MISSING);
	assert_one_safe_line(buf_str(&why));
	assert_string_equal(buf_str(&why), "no key '\\u009B1m\\xFF' in a");
	locator_free(l);
	l = parse_ok("a.b[k=\xe2\x80\xa8\xc2\x85]");
	buf_clear(&why);
	assert_int_equal(locator_find(l, doc, &node, NULL, &why),
			 LOCATE_MISSING);
	assert_one_safe_line(buf_str(&why));
	locator_free(l);
	buf_free(&np);
	buf_free(&why);
	json_decref(doc);
}

static void test_versions(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		bool image;
		bool ok;
		const char *text;
	} rows[] = {
	    {"\"1.4.2\"", false, true, "1.4.2"},
	    {"\"v1\"", false, true, "v1"},
	    {"\" spaced \"", false, true, " spaced "},
	    {"42", false, true, "42"},
	    {"-7", false, true, "-7"},
	    {"0", false, true, "0"},
	    {"9223372036854775807", false, true, "9223372036854775807"},
	    {"-9223372036854775808", false, true, "-9223372036854775808"},
	    /* floats as Go's %v (Helm) prints them */
	    {"1.1", false, true, "1.1"},
	    {"1.10", false, true, "1.1"},
	    {"2.0", false, true, "2"},
	    {"0.1", false, true, "0.1"},
	    {"100.5", false, true, "100.5"},
	    {"3.14159", false, true, "3.14159"},
	    {"-0.5", false, true, "-0.5"},
	    {"-0.0", false, true, "-0"},
	    {"0.0", false, true, "0"},
	    {"123456.0", false, true, "123456"},
	    {"999999.0", false, true, "999999"},
	    {"1e6", false, true, "1e+06"},
	    {"1234567.0", false, true, "1.234567e+06"},
	    {"0.0001", false, true, "0.0001"},
	    {"0.00012", false, true, "0.00012"},
	    {"0.00001", false, true, "1e-05"},
	    {"1.5e300", false, true, "1.5e+300"},
	    {"1e100", false, true, "1e+100"},
	    {"0.30000000000000004", false, true, "0.30000000000000004"},
	    {"5e-324", false, true, "5e-324"},
	    {"1.7976931348623157e308", false, true, "1.7976931348623157e+308"},
	    {"2.5e-7", false, true, "2.5e-07"},
	    /* not versions */
	    {"null", false, false, "null"},
	    {"true", false, false, "a boolean"},
	    {"false", true, false, "a boolean"},
	    {"{}", false, false, "a mapping"},
	    {"{\"tag\": \"1\"}", true, false, "a mapping"},
	    {"[]", false, false, "a list"},
	    {"[\"1.2\"]", false, false, "a list"},
	    {"\"\"", false, false, "an empty string"},
	    {"\"\"", true, false, "an empty string"},
	    {"\"a\\u0000b\"", false, false, "a string with a NUL byte"},
	    /* images */
	    {"\"app\"", true, true, "latest"},
	    {"\"app:1.2\"", true, true, "1.2"},
	    {"\"app:bad tag\"", true, false, "not an image reference"},
	    {"\"app:\"", true, false, "not an image reference"},
	    {"42", true, false, "a number, not an image reference"},
	    {"1.5", true, false, "a number, not an image reference"},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		json_error_t je;
		json_t *v = json_loads(rows[i].json,
				       JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (!v)
			fail_msg("row %zu: %s", i, je.text);
		struct buf out = BUF_INIT, why = BUF_INIT;
		buf_puts(&out, "v=");
		buf_puts(&why, "w=");
		bool ok = locator_version(v, rows[i].image, &out, &why);
		const char *got = ok ? buf_str(&out) + 2 : buf_str(&why) + 2;
		if (ok != rows[i].ok || strcmp(got, rows[i].text))
			fail_msg("row %zu %s: %s \"%s\", want \"%s\"", i,
				 rows[i].json, ok ? "ok" : "not", got,
				 rows[i].text);
		/* the other buffer is untouched */
		assert_string_equal(ok ? buf_str(&why) : buf_str(&out),
				    ok ? "w=" : "v=");
		buf_free(&out);
		buf_free(&why);
		json_decref(v);
	}
	assert_false(locator_version(NULL, false, &(struct buf)BUF_INIT, NULL));

	/* float tags in YAML, unquoted */
	struct err e;
	const char *y = "a: 1.10\nb: 1.0\nc: 2.50\nd: 10.0\ne: 0.010\n";
	json_t *doc = yaml_load_string("f.yaml", y, strlen(y), NULL, &e);
	const char *want[][2] = {
	    {"a", "1.1"}, {"b", "1"}, {"c", "2.5"}, {"d", "10"}, {"e", "0.01"}};
	for (size_t i = 0; i < LEN(want); i++) {
		struct buf out = BUF_INIT;
		assert_true(locator_version(json_object_get(doc, want[i][0]),
					    false, &out, NULL));
		assert_string_equal(buf_str(&out), want[i][1]);
		buf_free(&out);
	}
	json_decref(doc);
}

/* Random doubles: the text reads back as the same double, and is never
 * longer than 17 significant digits need. */
static void test_float_round_trip(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double d;
		memcpy(&d, &x, sizeof d);
		if (i % 2)
			d = (double)(x % 100000) / 1000.0; /* tag-like */
		if (!isfinite(d))
			continue;
		json_t *v = json_real(d);
		struct buf out = BUF_INIT;
		assert_true(locator_version(v, false, &out, NULL));
		double back = strtod(buf_str(&out), NULL);
		if (back != d || signbit(back) != signbit(d))
			fail_msg("%.17g printed as %s", d, buf_str(&out));
		assert_true(out.len <= 24);
		buf_free(&out);
		json_decref(v);
	}
}

static void test_image_refs(void **state)
{
	(void)state;
	static const struct {
		const char *ref, *want; /* want NULL: not a reference */
	} rows[] = {
	    {"app", "latest"},
	    {"app:1.2", "1.2"},
	    {"nginx:latest", "latest"},
	    {"docker.io/library/nginx:1.25", "1.25"},
	    {"registry.example.com:5000/team/app:1.4.2", "1.4.2"},
	    {"registry.example.com:5000/team/app", "latest"},
	    {"localhost:5000/app", "latest"},
	    {"localhost:5000/app:dev", "dev"},
	    {"ghcr.io/org/app:v1.0.0-rc.1_build", "v1.0.0-rc.1_build"},
	    {"a/b/c/d:tag", "tag"},
	    {"app:_x", "_x"},
	    {"app:X.Y-Z_", "X.Y-Z_"},
	    {"registry:5000", "5000"},
	    {"app@" SHA_A, SHA_A},
	    {"registry.example.com:5000/team/app@" SHA_A, SHA_A},
	    {"app:1.2@" SHA_B, "1.2"},
	    {"localhost:5000/app:3@" SHA_B, "3"},
	    {"app@sha512:"
	     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	     "sha512:"
	     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
	     "f"},
	    {"app@multihash+base58:0123456789abcdef0123456789abcdef",
	     "multihash+base58:0123456789abcdef0123456789abcdef"},
	    {"", NULL},
	    {" ", NULL},
	    {"app ", NULL},
	    {" app", NULL},
	    {"app :1", NULL},
	    {"app:1 ", NULL},
	    {"app\t", NULL},
	    {"app\n", NULL},
	    {"\x1b[31mapp", NULL},
	    {"app\x7f", NULL},
	    {"app:\xc3\xbc", NULL},
	    {"app:", NULL},
	    {"app:.x", NULL},
	    {"app:-x", NULL},
	    {"app:a+b", NULL},
	    {"app:1.2:3", NULL},
	    {"host:port/app", NULL},
	    {"host:123456/app", NULL},
	    {"host:/app", NULL},
	    {":5000/app", NULL},
	    {"a/b:1/c", NULL},
	    {"/app", NULL},
	    {"app/", NULL},
	    {"app/:1", NULL},
	    {"a//b", NULL},
	    {":1", NULL},
	    {"@" SHA_A, NULL},
	    {"app@", NULL},
	    {"app@sha256", NULL},
	    {"app@sha256:", NULL},
	    {"app@sha256:abc", NULL},
	    {"app@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef"
	     "0123456789abcdef",
	     NULL},
	    {"app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef"
	     "0123456789abcdef0",
	     NULL},
	    {"app@:0123456789abcdef0123456789abcdef", NULL},
	    {"app@-sha:0123456789abcdef0123456789abcdef", NULL},
	    {"app@SHA256:0123456789abcdef0123456789abcdef", NULL},
	    {"app@sha256+b64u:0123456789abcdef0123456789abcdef",
	     "sha256+b64u:0123456789abcdef0123456789abcdef"},
	    {"app@sha-:0123456789abcdef0123456789abcdef", NULL},
	    {"app@" SHA_A "@" SHA_B, NULL},
	    {"app@" SHA_A ":1", NULL},
	    {"app:1@", NULL},
	    {"app:1@bad", NULL},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		struct buf out = BUF_INIT;
		buf_puts(&out, "=");
		bool ok = image_ref_version(rows[i].ref, &out);
		if (ok != (rows[i].want != NULL) ||
		    (ok && strcmp(out.data + 1, rows[i].want)))
			fail_msg("row %zu: %s -> %s \"%s\"", i, rows[i].ref,
				 ok ? "ok" : "not", out.data + 1);
		if (!ok)
			assert_string_equal(out.data, "=");
		buf_free(&out);
	}
	assert_false(image_ref_version(NULL, &(struct buf)BUF_INIT));

	/* tags up to 128 characters */
	char ref[200] = "app:";
	memset(ref + 4, 'a', 128);
	ref[132] = '\0';
	struct buf out = BUF_INIT;
	assert_true(image_ref_version(ref, &out));
	assert_int_equal(out.len, 128);
	ref[132] = 'a';
	ref[133] = '\0';
	buf_clear(&out);
	assert_false(image_ref_version(ref, &out));
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void test_hostile(void **state)
{
	(void)state;
	clock_t t0 = clock();
	struct locator *l;
	struct err e;
	size_t off;

	/* a 100k-step path is refused at the length limit, unread */
	struct buf p = BUF_INIT;
	for (int i = 0; i < 100000; i++)
		buf_puts(&p, "a.");
	buf_puts(&p, "a");
	assert_int_equal(locator_parse(buf_str(&p), &l, &off, &e),
			 ST_ERR_PARSE);
	assert_null(l);
	assert_int_equal(off, 4096);
	assert_string_equal(e.msg, "path longer than 4096 bytes");

	/* 4096 bytes are fine, 4097 are not */
	buf_clear(&p);
	for (int i = 0; i < 4096; i++)
		buf_putc(&p, 'k');
	l = parse_ok(buf_str(&p));
	locator_free(l);
	buf_putc(&p, 'k');
	assert_int_equal(locator_parse(buf_str(&p), &l, &off, &e),
			 ST_ERR_PARSE);

	/* 256 steps are fine, the 257th is refused where it starts */
	buf_clear(&p);
	for (int i = 0; i < 257; i++)
		buf_puts(&p, i ? ".a" : "a");
	assert_int_equal(locator_parse(buf_str(&p), &l, &off, &e),
			 ST_ERR_PARSE);
	assert_int_equal(off, 512);
	assert_true(strstr(e.msg, "256") != NULL);
	buf_clear(&p);
	for (int i = 0; i < 255; i++)
		buf_puts(&p, "[0]");
	buf_puts(&p, "[-1]");
	l = parse_ok(buf_str(&p));
	/* ...and lead through 256 nested lists */
	json_t *deep = json_string("bottom");
	for (int i = 0; i < 256; i++) {
		json_t *a = json_array();
		json_array_append_new(a, deep);
		deep = a;
	}
	const json_t *node;
	struct buf np = BUF_INIT;
	assert_int_equal(locator_find(l, deep, &node, &np, NULL), LOCATE_FOUND);
	assert_string_equal(json_string_value(node), "bottom");
	assert_int_equal(np.len, 256 * 3);
	locator_free(l);
	json_decref(deep);

	/* a long list searched with a selector */
	json_t *big = json_object(), *items = json_array();
	for (int i = 0; i < 200000; i++) {
		json_t *it = json_object();
		json_object_set_new(it, "name", json_integer(i));
		json_array_append_new(items, it);
	}
	json_object_set_new(big, "images", items);
	l = parse_ok("images[name=199999]");
	buf_clear(&np);
	assert_int_equal(locator_find(l, big, &node, &np, NULL), LOCATE_FOUND);
	assert_string_equal(buf_str(&np), "images[199999]");
	locator_free(l);
	l = parse_ok("images[name=200000]");
	assert_int_equal(locator_find(l, big, &node, NULL, NULL),
			 LOCATE_MISSING);
	locator_free(l);
	l = parse_ok("images[-200001]");
	assert_int_equal(locator_find(l, big, &node, NULL, NULL),
			 LOCATE_MISSING);
	locator_free(l);
	l = parse_ok("images[-200000]");
	assert_int_equal(locator_find(l, big, &node, NULL, NULL), LOCATE_FOUND);
	assert_int_equal(json_integer_value(json_object_get(node, "name")), 0);
	locator_free(l);
	json_decref(big);

	/* the longest possible reason is still one safe line */
	buf_clear(&p);
	buf_puts(&p, "x[\"");
	for (int i = 0; i < 2000; i++)
		buf_puts(&p, "\xc2\x9b");
	buf_puts(&p, "\"]");
	l = parse_ok(buf_str(&p));
	json_t *doc = J("{\"x\": {}}");
	struct buf why = BUF_INIT;
	assert_int_equal(locator_find(l, doc, NULL, NULL, &why),
			 LOCATE_MISSING);
	assert_one_safe_line(buf_str(&why));
	buf_free(&why);
	json_decref(doc);
	locator_free(l);

	/* a huge image reference */
	buf_clear(&p);
	for (int i = 0; i < 1000000; i++)
		buf_puts(&p, "a/");
	buf_puts(&p, "a:1");
	struct buf out = BUF_INIT;
	assert_true(image_ref_version(buf_str(&p), &out));
	assert_string_equal(buf_str(&out), "1");
	buf_free(&out);

	buf_free(&np);
	buf_free(&p);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	if (secs > 5)
		fail_msg("hostile inputs took %.1f s", secs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_parse_ok),
	    cmocka_unit_test(test_helm_values),
	    cmocka_unit_test(test_kustomize_images),
	    cmocka_unit_test(test_deployment_images),
	    cmocka_unit_test(test_documents),
	    cmocka_unit_test(test_find_details),
	    cmocka_unit_test(test_versions),
	    cmocka_unit_test(test_float_round_trip),
	    cmocka_unit_test(test_image_refs),
	    cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
