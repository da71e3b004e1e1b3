/*
 * Unit tests for src/base/yaml: how scalars are typed, where nodes are
 * found, multi-document streams, anchors and merge keys, and every limit
 * against hostile input (deep nesting, alias bombs, huge input, duplicate
 * and non-scalar keys, truncated YAML, binary garbage). Each bad input
 * must give a status and a "name:line:col: message", never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_tmp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/str.h"
#include "base/sanitize.h"
#include "base/yaml.h"

static json_t *load(const char *text, struct yaml_pos **pos, struct err *e)
{
	return yaml_load_string("t.yaml", text, strlen(text), pos, e);
}

/* Load text that must fail with code; returns the message. */
static const char *load_fails(const char *text, enum status code, struct err *e)
{
	struct yaml_pos *p = (struct yaml_pos *)1;
	json_t *v = load(text, &p, e);
	assert_null(p);
	if (v) {
		char *s = json_dumps(v, JSON_ENCODE_ANY);
		fail_msg("expected an error for:\n%s\ngot %s", text, s);
	}
	assert_int_equal(e->code, code);
	return e->msg;
}

/* "name:line:col: " with line, col >= 1. */
static void assert_located(const char *msg, const char *name)
{
	size_t n = strlen(name);
	int line = 0, col = 0, used = 0;
	if (strncmp(msg, name, n) || msg[n] != ':' ||
	    sscanf(msg + n + 1, "%d:%d: %n", &line, &col, &used) != 2 ||
	    !used || line < 1 || col < 1)
		fail_msg("message without %s:line:col: \"%s\"", name, msg);
}

static void test_scalar_types(void **state)
{
	(void)state;
	struct err e;
	json_t *v = load("n1: null\nn2: ~\nn3:\nn4: NULL\n"
			 "b1: true\nb2: False\nb3: TRUE\n"
			 "s1: yes\ns2: no\ns3: on\ns4: y\n"
			 "i1: 42\ni2: -7\ni3: +3\ni4: 0x1F\ni5: 0o17\ni6: 012\n"
			 "f1: 1.5\nf2: .5\nf3: 1e3\nf4: -2.5E-1\nf5: 1.\n"
			 "big: 99999999999999999999\n"
			 "t1: 1.2.3\nt2: 0x\nt3: 0o8\nt4: -0x5\nt5: 1_000\n"
			 "q1: \"42\"\nq2: 'true'\nq3: \"\"\n"
			 "blk: |\n  two\n  lines\nfold: >-\n  a\n  b\n",
			 NULL, &e);
	assert_non_null(v);
	const char *nulls[] = {"n1", "n2", "n3", "n4"};
	for (size_t i = 0; i < 4; i++)
		assert_true(json_is_null(json_object_get(v, nulls[i])));
	assert_true(json_is_true(json_object_get(v, "b1")));
	assert_true(json_is_false(json_object_get(v, "b2")));
	assert_true(json_is_true(json_object_get(v, "b3")));
	/* YAML 1.2: no yes/no/on/y booleans */
	assert_string_equal(json_string_value(json_object_get(v, "s1")), "yes");
	assert_string_equal(json_string_value(json_object_get(v, "s2")), "no");
	assert_string_equal(json_string_value(json_object_get(v, "s3")), "on");
	assert_string_equal(json_string_value(json_object_get(v, "s4")), "y");
	struct {
		const char *key;
		json_int_t want;
	} ints[] = {{"i1", 42}, {"i2", -7}, {"i3", 3},
		    {"i4", 31}, {"i5", 15}, {"i6", 12}};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		json_t *x = json_object_get(v, ints[i].key);
		assert_true(json_is_integer(x));
		assert_int_equal(json_integer_value(x), ints[i].want);
	}
	struct {
		const char *key;
		double want;
	} reals[] = {{"f1", 1.5},   {"f2", 0.5}, {"f3", 1000},
		     {"f4", -0.25}, {"f5", 1.0}, {"big", 1e20}};
	for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
		json_t *x = json_object_get(v, reals[i].key);
		assert_true(json_is_real(x));
		assert_float_equal(json_real_value(x), reals[i].want,
				   reals[i].want * 1e-12);
	}
	const char *strs[][2] = {{"t1", "1.2.3"},	  {"t2", "0x"},
				 {"t3", "0o8"},		  {"t4", "-0x5"},
				 {"t5", "1_000"},	  {"q1", "42"},
				 {"q2", "true"},	  {"q3", ""},
				 {"blk", "two\nlines\n"}, {"fold", "a b"}};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		json_t *x = json_object_get(v, strs[i][0]);
		assert_true(json_is_string(x));
		assert_string_equal(json_string_value(x), strs[i][1]);
	}
	json_decref(v);
}

static void test_tags(void **state)
{
	(void)state;
	struct err e;
	json_t *v = load("a: !!str 5\nb: !!int \"7\"\nc: !!float 3\n"
			 "d: !!bool 'true'\ne: !!null ''\nf: !local 5\n"
			 "g: ! 5\nh: !!binary aGk=\n",
			 NULL, &e);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "a")), "5");
	assert_int_equal(json_integer_value(json_object_get(v, "b")), 7);
	assert_true(json_is_real(json_object_get(v, "c")));
	assert_true(json_is_true(json_object_get(v, "d")));
	assert_true(json_is_null(json_object_get(v, "e")));
	assert_int_equal(json_integer_value(json_object_get(v, "f")), 5);
	assert_string_equal(json_string_value(json_object_get(v, "g")), "5");
	assert_string_equal(json_string_value(json_object_get(v, "h")), "aGk=");
	json_decref(v);

	const char *bad[] = {"x: !!int abc\n",
			     "x: !!bool yes\n",
			     "x: !!null 0\n",
			     "x: !!float one\n",
			     "x: !!str [1]\n",
			     "x: !!map 5\n",
			     "x: !!int 0x1FFFFFFFFFFFFFFFF\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *msg = load_fails(bad[i], ST_ERR_PARSE, &e);
		assert_located(msg, "t.yaml");
		assert_true(str_has_prefix(msg, "t.yaml:1:4: "));
	}
}

static void test_not_json_numbers(void **state)
{
	(void)state;
	struct err e;
	const char *msg = load_fails("x: .inf\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:1:4: "));
	assert_non_null(strstr(msg, "quote it"));
	load_fails("x: -.Inf\n", ST_ERR_PARSE, &e);
	load_fails("x: .nan\n", ST_ERR_PARSE, &e);
	msg = load_fails("x: 1e999\n", ST_ERR_PARSE, &e);
	assert_non_null(strstr(msg, "out of range"));
	json_t *v = load("x: '.inf'\n", NULL, &e);
	assert_string_equal(json_string_value(json_object_get(v, "x")), ".inf");
	json_decref(v);
}

static void test_strings_are_checked(void **state)
{
	(void)state;
	struct err e;
	/* NUL would silently cut C strings later */
	const char *msg = load_fails("x: \"a\\0b\"\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:1:4: "));
	load_fails("\"a\\0\": 1\n", ST_ERR_PARSE, &e);
	msg = load_fails("x: \"\\ud800\"\n", ST_ERR_PARSE, &e);
	assert_located(msg, "t.yaml");
	msg = load_fails("a: 1\nb: \xc3\x28\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:2:5: "));
	msg = load_fails("a: \x01\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:1:4: "));
	/* a UTF-8 byte order mark is fine, UTF-16 is not taken */
	json_t *v = load("\xef\xbb\xbf"
			 "a: 1\n",
			 NULL, &e);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);
	msg = load_fails("\xff\xfe"
			 "a\0:\0",
			 ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:1:1: "));
	/* non-ASCII text survives */
	v = load("name: \"Zürich – 東京\"\n", NULL, &e);
	assert_string_equal(json_string_value(json_object_get(v, "name")),
			    "Zürich – 東京");
	json_decref(v);
}

static void test_positions(void **state)
{
	(void)state;
	struct err e;
	struct yaml_pos *p;
	json_t *v = load("# comment\n"
			 "namespaces:\n"
			 "  - name: demo\n"
			 "    deployments:\n"
			 "      - name: web\n"
			 "        replicas: 3\n"
			 "      - {name: api, replicas: 1}\n"
			 "\"a.b\": {\"c[0]\": x, \"back\\\\slash\": y}\n"
			 "list: [1, [2, 3]]\n",
			 &p, &e);
	assert_non_null(v);
	assert_non_null(p);
	assert_string_equal(yaml_pos_name(p), "t.yaml");
	int line, col;
	assert_true(yaml_pos_find(p, "", &line, &col));
	assert_int_equal(line, 2);
	assert_true(yaml_pos_find(p, "namespaces[0].deployments[0].replicas",
				  &line, &col));
	assert_int_equal(line, 6);
	assert_int_equal(col, 19);
	assert_true(yaml_pos_find_key(
	    p, "namespaces[0].deployments[0].replicas", &line, &col));
	assert_int_equal(line, 6);
	assert_int_equal(col, 9);
	assert_true(
	    yaml_pos_find(p, "namespaces[0].deployments[1]", &line, &col));
	assert_int_equal(line, 7);
	assert_int_equal(col, 9);
	assert_true(yaml_pos_find(p, "namespaces[0].deployments[1].replicas",
				  &line, &col));
	assert_int_equal(line, 7);
	assert_int_equal(col, 31);
	assert_true(yaml_pos_find(p, "list[1][1]", &line, &col));
	assert_int_equal(line, 9);
	assert_int_equal(col, 15);
	/* a sequence item's key position is the item */
	assert_true(yaml_pos_find_key(p, "list[1]", &line, &col));
	assert_int_equal(col, 11);

	/* escaped keys, built with the path helpers */
	struct buf path = BUF_INIT;
	yaml_path_key(&path, "a.b");
	yaml_path_key(&path, "c[0]");
	assert_string_equal(buf_str(&path), "a\\.b.c\\[0\\]");
	assert_true(yaml_pos_find(p, buf_str(&path), &line, &col));
	assert_int_equal(line, 8);
	assert_int_equal(col, 17);
	buf_clear(&path);
	yaml_path_key(&path, "a.b");
	yaml_path_key(&path, "back\\slash");
	assert_true(yaml_pos_find(p, buf_str(&path), &line, &col));
	assert_int_equal(col, 35);
	buf_clear(&path);
	yaml_path_key(&path, "list");
	yaml_path_index(&path, 1);
	yaml_path_index(&path, 0);
	assert_string_equal(buf_str(&path), "list[1][0]");
	assert_true(yaml_pos_find(p, buf_str(&path), &line, &col));
	buf_clear(&path);

	/* the empty key */
	struct yaml_pos *p2;
	json_t *v2 = load("\"\": {\"\": 1}\n", &p2, &e);
	assert_non_null(v2);
	yaml_path_key(&path, "");
	yaml_path_key(&path, "");
	assert_string_equal(buf_str(&path), "..");
	assert_true(yaml_pos_find(p2, buf_str(&path), &line, &col));
	assert_int_equal(col, 10);
	buf_free(&path);
	yaml_pos_free(p2);
	json_decref(v2);

	/* missing paths */
	assert_false(yaml_pos_find(p, "namespaces[0].nope", &line, &col));
	assert_false(yaml_pos_find(p, "namespaces[5]", &line, &col));
	assert_false(yaml_pos_find(p, "list[x]", &line, &col));
	assert_false(yaml_pos_find(NULL, "", &line, &col));

	/* messages fall back to the nearest parent */
	struct buf b = BUF_INIT;
	yaml_pos_bprintf(&b, p, "namespaces[0].deployments[0].replicas", false,
			 "bad %s", "count");
	assert_string_equal(buf_str(&b), "t.yaml:6:19: bad count");
	buf_clear(&b);
	yaml_pos_bprintf(&b, p, "namespaces[0].deployments[0].replicas", true,
			 "key");
	assert_string_equal(buf_str(&b), "t.yaml:6:9: key");
	buf_clear(&b);
	yaml_pos_bprintf(&b, p, "namespaces[0].deployments[0].image", true,
			 "missing image");
	assert_string_equal(buf_str(&b), "t.yaml:5:9: missing image");
	buf_clear(&b);
	yaml_pos_bprintf(&b, NULL, "x", false, "plain");
	assert_string_equal(buf_str(&b), "plain");
	buf_free(&b);
	yaml_pos_err(&e, ST_ERR_INVALID, p, "namespaces[0].name", "no %d", 7);
	assert_int_equal(e.code, ST_ERR_INVALID);
	assert_string_equal(e.msg, "t.yaml:3:11: no 7");
	yaml_pos_free(p);
	json_decref(v);
}

static void test_multi_document(void **state)
{
	(void)state;
	struct err e;
	struct yaml_pos *p;
	const char *text = "a: 1\n---\nb: 2\n---\n- x\n- y\n";
	json_t *v = yaml_load_all("m.yaml", text, strlen(text), &p, &e);
	assert_non_null(v);
	assert_int_equal(json_array_size(v), 3);
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(v, 1), "b")), 2);
	int line, col;
	assert_true(yaml_pos_find(p, "[1].b", &line, &col));
	assert_int_equal(line, 3);
	assert_int_equal(col, 4);
	assert_true(yaml_pos_find(p, "[2][1]", &line, &col));
	assert_int_equal(line, 6);
	assert_true(yaml_pos_find(p, "", &line, &col));
	yaml_pos_free(p);
	json_decref(v);

	/* the first document only; the rest is not even read */
	v = load("a: 1\n---\n[broken\n", &p, &e);
	assert_non_null(v);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
	yaml_pos_free(p);
	json_decref(v);

	struct yaml_opts one = {.flags = YAML_ONE_DOC};
	v = yaml_load_ex("o.yaml", text, strlen(text), &one, NULL, &e);
	assert_null(v);
	assert_int_equal(e.code, ST_ERR_PARSE);
	assert_true(str_has_prefix(e.msg, "o.yaml:2:1: "));

	/* empty streams */
	v = load("", NULL, &e);
	assert_true(json_is_null(v));
	json_decref(v);
	v = load("# only a comment\n", NULL, &e);
	assert_true(json_is_null(v));
	json_decref(v);
	v = yaml_load_all("m.yaml", "", 0, NULL, &e);
	assert_true(json_is_array(v));
	assert_int_equal(json_array_size(v), 0);
	json_decref(v);
	v = yaml_load_all("m.yaml", "---\n---\n", 8, NULL, &e);
	assert_int_equal(json_array_size(v), 2);
	assert_true(json_is_null(json_array_get(v, 0)));
	json_decref(v);
}

static void test_anchors_and_merge(void **state)
{
	(void)state;
	struct err e;
	struct yaml_pos *p;
	json_t *v = load("base: &b {x: 1, y: [1, 2]}\n"
			 "copy: *b\n"
			 "over:\n"
			 "  <<: *b\n"
			 "  x: 2\n"
			 "multi:\n"
			 "  <<: [{a: 1}, {a: 2, c: 3}]\n"
			 "quoted: {\"<<\": 5}\n"
			 "&k key: 1\n"
			 "again: {*k : 2}\n",
			 &p, &e);
	assert_non_null(v);
	json_t *copy = json_object_get(v, "copy");
	assert_true(json_equal(copy, json_object_get(v, "base")));
	/* copies are independent */
	json_array_append_new(json_object_get(copy, "y"), json_integer(3));
	assert_int_equal(
	    json_array_size(json_object_get(json_object_get(v, "base"), "y")),
	    2);
	json_t *over = json_object_get(v, "over");
	assert_int_equal(json_integer_value(json_object_get(over, "x")), 2);
	assert_non_null(json_object_get(over, "y"));
	json_t *multi = json_object_get(v, "multi");
	assert_int_equal(json_integer_value(json_object_get(multi, "a")), 1);
	assert_int_equal(json_integer_value(json_object_get(multi, "c")), 3);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(v, "quoted"), "<<")),
			 5);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(v, "again"), "key")),
			 2);
	/* a node inside an alias copy is reported at the alias */
	int line, col;
	assert_true(yaml_pos_find(p, "copy", &line, &col));
	assert_int_equal(line, 2);
	assert_false(yaml_pos_find(p, "copy.x", &line, &col));
	struct buf b = BUF_INIT;
	yaml_pos_bprintf(&b, p, "copy.x", false, "m");
	assert_string_equal(buf_str(&b), "t.yaml:2:7: m");
	buf_free(&b);
	yaml_pos_free(p);
	json_decref(v);

	const char *msg = load_fails("x: *nope\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:1:4: "));
	/* an alias inside its own anchor would be a cycle */
	msg = load_fails("a: &a [1, *a]\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:1:11: "));
	msg = load_fails("a: {<<: 5}\n", ST_ERR_PARSE, &e);
	assert_located(msg, "t.yaml");
	msg = load_fails("a: {<<: [{x: 1}, 2]}\n", ST_ERR_PARSE, &e);
	assert_located(msg, "t.yaml");
	msg = load_fails("a: {<<: {x: 1}, <<: {y: 1}}\n", ST_ERR_PARSE, &e);
	assert_located(msg, "t.yaml");
}

static void test_duplicate_and_complex_keys(void **state)
{
	(void)state;
	struct err e;
	const char *msg = load_fails("a: 1\nb: 2\na: 3\n", ST_ERR_PARSE, &e);
	assert_string_equal(msg, "t.yaml:3:1: duplicate key 'a' (first at "
				 "line 1 column 1)");
	msg = load_fails("x:\n  - {k: 1, k: 2}\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:2:12: duplicate key 'k'"));
	/* 1 and "1" are the same key once keys are strings */
	load_fails("1: a\n\"1\": b\n", ST_ERR_PARSE, &e);
	msg = load_fails("? [a, b]\n: 1\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:1:3: "));
	assert_non_null(strstr(msg, "must be a scalar"));
	msg = load_fails("{a: 1}: 2\n", ST_ERR_PARSE, &e);
	assert_located(msg, "t.yaml");
	msg = load_fails("m: &m {a: 1}\n*m : 2\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:2:1: "));
	/* scalar keys of other types become strings */
	json_t *v = load("1: a\ntrue: b\nnull: c\n", NULL, &e);
	assert_string_equal(json_string_value(json_object_get(v, "1")), "a");
	assert_string_equal(json_string_value(json_object_get(v, "true")), "b");
	assert_string_equal(json_string_value(json_object_get(v, "null")), "c");
	json_decref(v);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	struct err e;
	const char *msg = load_fails("a: [1, 2\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:2:1: "));
	assert_non_null(strstr(msg, "line 1 column 4"));
	msg = load_fails("a:\n  b: 1\n c: 2\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:3:2: "));
	msg = load_fails("a: 'open\n", ST_ERR_PARSE, &e);
	assert_located(msg, "t.yaml");
	msg = load_fails("\ta: 1\n", ST_ERR_PARSE, &e);
	assert_located(msg, "t.yaml");
	msg = load_fails("a: @x\n", ST_ERR_PARSE, &e);
	assert_true(str_has_prefix(msg, "t.yaml:1:4: "));
}

static void test_deep_nesting(void **state)
{
	(void)state;
	struct err e;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, '[');
	const char *msg = load_fails(buf_str(&b), ST_ERR_TOOBIG, &e);
	assert_string_equal(msg, "t.yaml:1:65: nesting is deeper than 64 "
				 "levels; refusing to load it");
	/* block style, one level too deep */
	buf_clear(&b);
	for (int i = 0; i < 65; i++)
		buf_printf(&b, "%*sk:\n", i, "");
	buf_printf(&b, "%*sleaf\n", 65, "");
	msg = load_fails(buf_str(&b), ST_ERR_TOOBIG, &e);
	assert_true(str_has_prefix(msg, "t.yaml:65:65: nesting"));
	/* exactly 64 levels is fine */
	buf_clear(&b);
	for (int i = 0; i < 64; i++)
		buf_putc(&b, '[');
	for (int i = 0; i < 64; i++)
		buf_putc(&b, ']');
	json_t *v = load(buf_str(&b), NULL, &e);
	assert_non_null(v);
	json_decref(v);
	/* the limit is configurable */
	struct yaml_opts o = {.max_depth = 3};
	v = yaml_load_ex("t.yaml", "[[[[1]]]]", 9, &o, NULL, &e);
	assert_null(v);
	assert_int_equal(e.code, ST_ERR_TOOBIG);
	assert_true(str_has_prefix(e.msg, "t.yaml:1:4: "));
	/* an alias cannot smuggle depth in */
	buf_clear(&b);
	buf_puts(&b, "a: &a ");
	for (int i = 0; i < 40; i++)
		buf_putc(&b, '[');
	for (int i = 0; i < 40; i++)
		buf_putc(&b, ']');
	buf_puts(&b, "\nb: ");
	for (int i = 0; i < 30; i++)
		buf_putc(&b, '[');
	buf_puts(&b, "*a");
	for (int i = 0; i < 30; i++)
		buf_putc(&b, ']');
	buf_putc(&b, '\n');
	msg = load_fails(buf_str(&b), ST_ERR_TOOBIG, &e);
	assert_true(str_has_prefix(msg, "t.yaml:2:34: alias *a nests deeper"));
	buf_free(&b);
}

static void test_alias_bomb(void **state)
{
	(void)state;
	struct err e;
	/* "billion laughs": 10^9 nodes if expanded */
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
			   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
			   "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	struct yaml_opts o = {.max_nodes = 100000};
	json_t *v = yaml_load_ex("bomb.yaml", bomb, strlen(bomb), &o, NULL, &e);
	assert_null(v);
	assert_int_equal(e.code, ST_ERR_TOOBIG);
	assert_true(str_has_prefix(e.msg, "bomb.yaml:5:"));
	assert_non_null(strstr(e.msg, "100000 nodes"));
	/* with the default limit too (stops at a million) */
	v = yaml_load_string("bomb.yaml", bomb, strlen(bomb), NULL, &e);
	assert_null(v);
	assert_int_equal(e.code, ST_ERR_TOOBIG);
	assert_true(str_has_prefix(e.msg, "bomb.yaml:6:"));
	/* aliases as such are fine: the first two lines */
	const char *two = strchr(strchr(bomb, '\n') + 1, '\n') + 1;
	v = yaml_load_ex("ok.yaml", bomb, (size_t)(two - bomb), &o, NULL, &e);
	assert_non_null(v);
	assert_int_equal(json_array_size(json_object_get(v, "b")), 10);
	json_decref(v);
	/* plain node counts are bounded too */
	o.max_nodes = 10;
	v = yaml_load_ex("n.yaml", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", 31, &o,
			 NULL, &e);
	assert_null(v);
	assert_string_equal(e.msg, "n.yaml:1:29: document has more than 10 "
				   "nodes (counting alias expansions); "
				   "refusing to load it");
}

static void test_huge_input(void **state)
{
	(void)state;
	struct err e;
	size_t n = YAML_DEFAULT_MAX_BYTES + 10;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	big[10] = '\n';
	json_t *v = yaml_load_string("big.yaml", big, n, NULL, &e);
	assert_null(v);
	assert_int_equal(e.code, ST_ERR_TOOBIG);
	char want[128];
	snprintf(want, sizeof want, "big.yaml:2:%zu: input is larger than %zu",
		 YAML_DEFAULT_MAX_BYTES - 11 + 1, YAML_DEFAULT_MAX_BYTES);
	assert_true(str_has_prefix(e.msg, want));
	free(big);
	struct yaml_opts o = {.max_bytes = 8};
	v = yaml_load_ex("s.yaml", "a: 12345678", 11, &o, NULL, &e);
	assert_null(v);
	assert_true(str_has_prefix(e.msg, "s.yaml:1:9: input is larger"));
	v = yaml_load_ex("s.yaml", "a: 1234", 7, &o, NULL, &e);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 1234);
	json_decref(v);
}

/* Every prefix of a valid document: loads or fails cleanly. */
static void test_truncated_input(void **state)
{
	(void)state;
	const char *doc = "users:\n"
			  "  - name: \"admin\"\n"
			  "    rules: [{verbs: ['*'], resources: [\"*\"]}]\n"
			  "base: &b {x: 1}\n"
			  "over: {<<: *b, y: |\n    text\n  }\n"
			  "list:\n  - 0x1f\n  - !!str 5\n  - ? k\n    : v\n";
	size_t n = strlen(doc);
	for (size_t i = 0; i <= n; i++) {
		struct err e = {0};
		struct yaml_pos *p = NULL;
		json_t *v = yaml_load_string("cut.yaml", doc, i, &p, &e);
		if (v) {
			assert_non_null(p);
			json_decref(v);
			yaml_pos_free(p);
		} else {
			assert_null(p);
			assert_located(e.msg, "cut.yaml");
		}
	}
}

static void test_binary_garbage(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15u;
	unsigned char buf[4096];
	/* random bytes, and random picks from YAML's own punctuation (which
	 * gets much further into the parser) */
	static const char alphabet[] = "[]{}:,-?&*!|>'\"#%@`\n \t.0aZ<=\\";
	for (int round = 0; round < 400; round++) {
		size_t n = 1 + (size_t)(round * 37) % sizeof buf;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = round % 2
				     ? (unsigned char)x
				     : (unsigned char)
					   alphabet[x % (sizeof alphabet - 1)];
		}
		struct err e = {0};
		struct yaml_pos *p = NULL;
		json_t *v =
		    yaml_load_all("junk.yaml", (const char *)buf, n, &p, &e);
		if (v) {
			json_decref(v);
			yaml_pos_free(p);
		} else {
			assert_located(e.msg, "junk.yaml");
		}
	}
}

static void test_files(void **state)
{
	(void)state;
	char dir[64];
	assert_int_equal(tmpdir_make(dir, sizeof dir, "yaml"), 0);
	char path[256];
	snprintf(path, sizeof path, "%s/a.yaml", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("a: 1\nb: [x]\n---\nc: 2\n", f);
	fclose(f);

	struct err e;
	struct yaml_pos *p;
	json_t *v = yaml_load_file(path, &p, &e);
	assert_non_null(v);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
	assert_string_equal(yaml_pos_name(p), path);
	yaml_pos_free(p);
	json_decref(v);
	v = yaml_load_all_file(path, NULL, &e);
	assert_int_equal(json_array_size(v), 2);
	json_decref(v);

	char missing[300];
	snprintf(missing, sizeof missing, "%s/nope.yaml", dir);
	assert_null(yaml_load_file(missing, &p, &e));
	assert_null(p);
	assert_int_equal(e.code, ST_ERR_NOTFOUND);
	assert_true(str_has_prefix(e.msg, missing));
	assert_null(yaml_load_file(dir, NULL, &e));
	assert_int_equal(e.code, ST_ERR_IO);

	struct yaml_opts o = {.max_bytes = 10};
	assert_null(yaml_load_file_ex(path, &o, NULL, &e));
	assert_int_equal(e.code, ST_ERR_TOOBIG);
	char want[300];
	snprintf(want, sizeof want, "%s:2:6: ", path);
	assert_true(str_has_prefix(e.msg, want));

	assert_int_equal(tmpdir_remove(dir), 0);
}

/* The helpers validators share: walking a path down and back, naming a
 * node's type, quoting user text in a message. */
static void test_validator_helpers(void **state)
{
	(void)state;
	struct buf p = BUF_INIT;
	size_t a = yaml_path_enter_key(&p, "steps");
	size_t b = yaml_path_enter_index(&p, 2);
	size_t c = yaml_path_enter_key(&p, "a.b");
	assert_string_equal(buf_str(&p), "steps[2].a\\.b");
	yaml_path_leave(&p, c);
	assert_string_equal(buf_str(&p), "steps[2]");
	yaml_path_leave(&p, b);
	yaml_path_leave(&p, a);
	assert_string_equal(buf_str(&p), "");
	buf_free(&p);
	json_t *l = json_array(), *n = json_null();
	assert_string_equal(yaml_json_what(l), "a list");
	assert_string_equal(yaml_json_what(n), "empty");
	json_decref(l);
	json_decref(n);
	char out[64];
	assert_string_equal(sanitize_clip(out, sizeof out, "a\033[2Jb"), "a^[[2Jb");
	char long_[100];
	memset(long_, 'x', 99);
	long_[99] = '\0';
	sanitize_clip(out, sizeof out, long_);
	assert_int_equal(strlen(out), 63);
	assert_string_equal(out + 60, "...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalar_types),
	    cmocka_unit_test(test_tags),
	    cmocka_unit_test(test_not_json_numbers),
	    cmocka_unit_test(test_strings_are_checked),
	    cmocka_unit_test(test_positions),
	    cmocka_unit_test(test_multi_document),
	    cmocka_unit_test(test_anchors_and_merge),
	    cmocka_unit_test(test_duplicate_and_complex_keys),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_alias_bomb),
	    cmocka_unit_test(test_huge_input),
	    cmocka_unit_test(test_truncated_input),
	    cmocka_unit_test(test_binary_garbage),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_validator_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
