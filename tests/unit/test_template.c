/*
 * Unit tests for src/model/template: rendering with and without YAML
 * quoting, every syntax error with the offset it reports, unknown names,
 * the name walk, and hostile values that must not be able to change the
 * structure of the YAML they are substituted into (each is rendered into
 * YAML, loaded back with yaml_load_string and compared with what went
 * in).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/sanitize.h"
#include "base/status.h"
#include "base/str.h"
#include "base/yaml.h"
#include "model/template.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const vars[][2] = {
    {"env.name", "prod"},
    {"env.short", "p"},
    {"env.cluster", "eu-west-1"},
    {"tenant.name", "acme"},
    {"vars.BrandColor", "#ff0000"},
    {"service.name", "kyc-service"},
    {"empty", ""},
    {"quote", "a\"b"},
    {"a", "A"},
    {"b.c", "BC"},
    {"x-y_z.0", "dash"},
};

static const char *lookup(void *arg, const char *name)
{
	(void)arg;
	for (size_t i = 0; i < LEN(vars); i++)
		if (!strcmp(vars[i][0], name))
			return vars[i][1];
	return NULL;
}

/* The lookup for hostile values: "v" is the string passed as arg. */
static const char *lookup_v(void *arg, const char *name)
{
	return !strcmp(name, "v") ? arg : NULL;
}

/* Every name is known and is its own value. */
static const char *lookup_self(void *arg, const char *name)
{
	(void)arg;
	return name;
}

struct seen {
	char names[8][32];
	size_t offsets[8];
	size_t n;
	size_t stop_at; /* return ST_ERR_NOTFOUND for this call (1-based) */
};

static enum status collect(void *arg, const char *name, size_t offset)
{
	struct seen *s = arg;
	assert_true(s->n < 8);
	str_copy(s->names[s->n], sizeof s->names[0], name);
	s->offsets[s->n++] = offset;
	return s->n == s->stop_at ? ST_ERR_NOTFOUND : ST_OK;
}

static void test_render(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		unsigned flags;
		const char *want;
	} rows[] = {
	    {"", 0, ""},
	    {"plain text", 0, "plain text"},
	    {"{{env.name}}", 0, "prod"},
	    {"{{ env.name }}", 0, "prod"},
	    {"{{    env.name   }}", 0, "prod"},
	    {"{{\tenv.name\t}}", 0, "prod"},
	    {"ns-{{ tenant.name }}-{{ env.short }}", 0, "ns-acme-p"},
	    {"{{ a }}{{ a }}{{a}}", 0, "AAA"},
	    {"{{ b.c }}/{{ x-y_z.0 }}", 0, "BC/dash"},
	    {"{{ vars.BrandColor }}", 0, "#ff0000"},
	    {"[{{ empty }}]", 0, "[]"},
	    {"{ single } braces", 0, "{ single } braces"},
	    {"}{ and { } and {x}", 0, "}{ and { } and {x}"},
	    {"{{ a }}}", 0, "A}"},
	    {"{{ a }} }", 0, "A }"},
	    {"x{ {{ a }}", 0, "x{ A"},
	    {"{{ quote }}", 0, "a\"b"},
	    {"Zürich {{ a }} 東京", 0, "Zürich A 東京"},
	    {"tag: {{ env.name }}", TMPL_YAML_SCALAR, "tag: \"prod\""},
	    {"tag: {{ empty }}", TMPL_YAML_SCALAR, "tag: \"\""},
	    {"q: {{ quote }}", TMPL_YAML_SCALAR, "q: \"a\\\"b\""},
	    {"{{ a }}-{{ b.c }}", TMPL_YAML_SCALAR, "\"A\"-\"BC\""},
	    {"no placeholders", TMPL_YAML_SCALAR, "no placeholders"},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		struct buf out = BUF_INIT;
		struct err e = {0};
		size_t off = 999;
		buf_puts(&out, ">");
		enum status st = tmpl_render(rows[i].src, lookup, NULL,
					     rows[i].flags, &out, &off, &e);
		if (st != ST_OK)
			fail_msg("row %zu \"%s\": %s", i, rows[i].src, e.msg);
		/* appended, never replaced */
		assert_int_equal(out.data[0], '>');
		assert_string_equal(out.data + 1, rows[i].want);
		assert_int_equal(off, 999);
		buf_free(&out);
	}
}

static void test_syntax_errors(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		size_t offset;
		const char *msg;
	} rows[] = {
	    {"{{", 0, "unclosed '{{'"},
	    {"{{ a", 0, "unclosed '{{'"},
	    {"abc {{ x", 4, "unclosed '{{'"},
	    {"ok {{ a }} {{", 11, "unclosed '{{'"},
	    {"{{ a }", 0, "unclosed '{{'"},
	    {"\xc3\xa9{{ x", 2, "unclosed '{{'"},
	    {"}}", 0, "stray '}}'"},
	    {"a }} b", 2, "stray '}}'"},
	    {"{{ a }}}}", 7, "stray '}}'"},
	    {"{{ a }} }}", 8, "stray '}}'"},
	    {"x }}} {{ a }}", 2, "stray '}}'"},
	    {"{{}}", 0, "empty name in '{{ }}'"},
	    {"x{{   }}", 1, "empty name in '{{ }}'"},
	    {"{{\t}}", 0, "empty name in '{{ }}'"},
	    {"{{ a b }}", 0, "bad character ' ' (a space) in a placeholder"},
	    {"{{ a$ }}", 0, "bad character '$' in a placeholder name"},
	    {"{{ ok }} {{ bad! }}", 9, "bad character '!'"},
	    {"{{{ a }}", 0, "bad character '{'"},
	    {"{{ a {{ b }}", 0, "bad character ' ' (a space)"},
	    {"{{ a\n}}", 0, "bad character (byte 0x0A)"},
	    {"{{ \x1b[31m }}", 0, "bad character (byte 0x1B)"},
	    {"{{ 'a' }}", 0, "bad character (byte 0x27)"},
	    {"{{ \xc3\xa9 }}", 0, "bad character (byte 0xC3)"},
	    {"{{ a|upper }}", 0, "bad character '|'"},
	    {"{{ a }}{{ b.c }}{{ a  b }}", 16, "bad character ' '"},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		struct err e = {0};
		size_t off = 999;
		struct buf out = BUF_INIT;
		enum status st =
		    tmpl_render(rows[i].src, lookup, NULL, 0, &out, &off, &e);
		if (st != ST_ERR_PARSE)
			fail_msg("row %zu \"%s\": status %s", i, rows[i].src,
				 status_name(st));
		if (off != rows[i].offset || !strstr(e.msg, rows[i].msg))
			fail_msg("row %zu: offset %zu \"%s\", want %zu \"%s\"",
				 i, off, e.msg, rows[i].offset, rows[i].msg);
		/* one terminal-safe line */
		for (const char *s = e.msg; *s; s++)
			assert_true((unsigned char)*s >= 0x20 && *s != 0x7f);
		/* nothing appended, not even an allocation */
		assert_null(out.data);
		assert_int_equal(out.len, 0);
		/* the walk and the renderer agree */
		struct seen seen = {0};
		size_t off2 = 999;
		assert_int_equal(
		    tmpl_names(rows[i].src, collect, &seen, &off2, &e),
		    ST_ERR_PARSE);
		assert_int_equal(off2, rows[i].offset);
		assert_int_equal(seen.n, 0);
		assert_false(tmpl_is_literal(rows[i].src));
	}
}

static void test_unknown_names(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		size_t offset;
		const char *msg;
	} rows[] = {
	    {"{{ env.nmae }}", 0, "unknown name 'env.nmae'"},
	    {"{{ env.name }}-{{ nope }}", 15, "unknown name 'nope'"},
	    {"x{{tenant.title}}", 1, "unknown name 'tenant.title'"},
	    {"{{ ENV.NAME }}", 0, "unknown name 'ENV.NAME'"},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		struct err e = {0};
		size_t off = 999;
		struct buf out = BUF_INIT;
		buf_puts(&out, "kept");
		char *before = out.data;
		assert_int_equal(tmpl_render(rows[i].src, lookup, NULL,
					     TMPL_YAML_SCALAR, &out, &off, &e),
				 ST_ERR_NOTFOUND);
		assert_int_equal(e.code, ST_ERR_NOTFOUND);
		assert_int_equal(off, rows[i].offset);
		assert_string_equal(e.msg, rows[i].msg);
		/* out left exactly as it was */
		assert_ptr_equal(out.data, before);
		assert_int_equal(out.len, 4);
		assert_string_equal(out.data, "kept");
		buf_free(&out);
	}

	/* a long unknown name is shortened in the message */
	struct buf src = BUF_INIT;
	buf_puts(&src, "{{ ");
	for (int i = 0; i < 1000; i++)
		buf_putc(&src, 'n');
	buf_puts(&src, " }}");
	struct err e;
	struct buf out = BUF_INIT;
	assert_int_equal(
	    tmpl_render(buf_str(&src), lookup, NULL, 0, &out, NULL, &e),
	    ST_ERR_NOTFOUND);
	assert_true(strlen(e.msg) < 120);
	assert_true(str_has_suffix(e.msg, "...'"));
	assert_null(out.data);
	buf_free(&src);
}

static void test_names(void **state)
{
	(void)state;
	struct seen s = {0};
	struct err e;
	size_t off = 999;
	const char *src = "{{ a }}x{{b.c}} {{ env.nmae }}";
	assert_int_equal(tmpl_names(src, collect, &s, &off, &e), ST_OK);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], "a");
	assert_int_equal(s.offsets[0], 0);
	assert_string_equal(s.names[1], "b.c");
	assert_int_equal(s.offsets[1], 8);
	assert_string_equal(s.names[2], "env.nmae");
	assert_int_equal(s.offsets[2], 16);
	assert_int_equal(off, 999);

	/* fn stops the walk and its status comes back */
	memset(&s, 0, sizeof s);
	s.stop_at = 2;
	assert_int_equal(tmpl_names(src, collect, &s, &off, &e),
			 ST_ERR_NOTFOUND);
	assert_int_equal(s.n, 2);

	/* no names */
	memset(&s, 0, sizeof s);
	assert_int_equal(tmpl_names("plain", collect, &s, &off, &e), ST_OK);
	assert_int_equal(s.n, 0);

	/* a syntax error after some names: ERR_PARSE with the offset, and
	 * fn is not called for the names before it */
	memset(&s, 0, sizeof s);
	assert_int_equal(tmpl_names("{{ a }} {{ b", collect, &s, &off, &e),
			 ST_ERR_PARSE);
	assert_int_equal(s.n, 0);
	assert_int_equal(off, 8);
	assert_string_equal(e.msg, "unclosed '{{'");
}

static void test_is_literal(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		bool literal;
	} rows[] = {
	    {"", true},	     {"plain", true},	 {"{ } { x }", true},
	    {"}{", true},    {"{{ a }}", false}, {"x {{", false},
	    {"x }}", false}, {"{{}}", false},	 {"a{{b}}c", false},
	    {"{\n{", true},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		assert_int_equal(tmpl_is_literal(rows[i].src), rows[i].literal);
		/* consistent with the walk: literal means no name and no
		 * error */
		struct seen s = {0};
		struct err e;
		enum status st = tmpl_names(rows[i].src, collect, &s, NULL, &e);
		assert_int_equal(rows[i].literal, st == ST_OK && s.n == 0);
	}
}

/* What YAML reads back for a value: the value, except that each byte that
 * is not part of valid UTF-8 becomes the character U+00NN. */
static char *expected(const char *v)
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

/* Render v into each shape of document, load it back and check that the
 * structure is the template's and the value is v. */
static void round_trip(const char *v, size_t row)
{
	static const struct {
		const char *tmpl;
		const char *path; /* where v lands; "" = see below */
	} shapes[] = {
	    {"key: {{ v }}\nnext: 1\n", "key"},
	    {"top:\n  key: {{ v }}\n  next: 1\n", "top.key"},
	    {"list:\n  - {{ v }}\n  - 1\n", "list[0]"},
	    {"flow: {key: {{ v }}, next: 1}\n", "flow.key"},
	    {"flow: [{{ v }}, 1]\n", "flow[0]"},
	    {"{{ v }}: 1\nnext: 1\n", ""},
	};
	char *want = expected(v);
	for (size_t k = 0; k < LEN(shapes); k++) {
		struct buf out = BUF_INIT;
		struct err e;
		if (tmpl_render(shapes[k].tmpl, lookup_v, (void *)v,
				TMPL_YAML_SCALAR, &out, NULL, &e) != ST_OK)
			fail_msg("value %zu: %s", row, e.msg);
		struct yaml_pos *pos = NULL;
		json_t *doc = yaml_load_string("r.yaml", buf_str(&out), out.len,
					       &pos, &e);
		if (!doc) {
			char *shown = sanitize_dup(buf_str(&out), 0);
			fail_msg("value %zu shape %zu: %s\n%s", row, k, e.msg,
				 shown);
		}
		const json_t *got;
		if (!shapes[k].path[0]) {
			/* as a key: exactly two keys, one of them v */
			assert_int_equal(json_object_size(doc), 2);
			got = json_object_get(doc, want);
			assert_non_null(got);
			assert_int_equal(json_integer_value(got), 1);
		} else {
			json_t *parent = doc;
			if (!strcmp(shapes[k].path, "key")) {
				assert_int_equal(json_object_size(doc), 2);
				got = json_object_get(doc, "key");
			} else if (!strcmp(shapes[k].path, "top.key")) {
				assert_int_equal(json_object_size(doc), 1);
				parent = json_object_get(doc, "top");
				assert_int_equal(json_object_size(parent), 2);
				got = json_object_get(parent, "key");
			} else if (!strcmp(shapes[k].path, "flow.key")) {
				parent = json_object_get(doc, "flow");
				assert_int_equal(json_object_size(parent), 2);
				got = json_object_get(parent, "key");
			} else {
				parent = json_object_get(
				    doc, str_has_prefix(shapes[k].path, "list")
					     ? "list"
					     : "flow");
				assert_int_equal(json_array_size(parent), 2);
				got = json_array_get(parent, 0);
				assert_int_equal(json_integer_value(
						     json_array_get(parent, 1)),
						 1);
			}
			if (!json_is_string(got))
				fail_msg("value %zu shape %zu: not a string",
					 row, k);
			assert_int_equal(json_string_length(got), strlen(want));
			assert_memory_equal(json_string_value(got), want,
					    strlen(want));
			int line, col;
			assert_true(
			    yaml_pos_find(pos, shapes[k].path, &line, &col));
		}
		yaml_pos_free(pos);
		json_decref(doc);
		buf_free(&out);
	}
	free(want);
}

static void test_yaml_round_trip(void **state)
{
	(void)state;
	static const char *const values[] = {
	    "",
	    "plain",
	    "a\"b\n: c",
	    "x: y",
	    "key: value\nother: injected",
	    "# not a comment",
	    "value # comment",
	    "{",
	    "}",
	    "[",
	    "]",
	    "{a: 1}",
	    "[1, 2]",
	    "---",
	    "...",
	    "--- !!str\n...",
	    "- item",
	    "'single'",
	    "\"",
	    "\"\"",
	    "\\",
	    "\\n is not a newline",
	    "\\\"",
	    "trailing\\",
	    "\t tab \t",
	    "\r\n",
	    "line1\nline2\n",
	    "\n\n\n",
	    " leading and trailing ",
	    "&anchor",
	    "*alias",
	    "<<",
	    "!!int 5",
	    "!local",
	    "%YAML 1.2",
	    "@at",
	    "`tick`",
	    "| block",
	    "> folded",
	    "? complex",
	    ", comma",
	    "null",
	    "~",
	    "true",
	    "1.10",
	    "0x1F",
	    "\x01\x02\x03\x07\x08\x0b\x0c\x0e\x1b[31mred\x1b[0m\x7f",
	    "Zürich – 東京",
	    "\xc2\x85 next line",
	    "\xc2\x9b csi",
	    "\xc2\xa0 nbsp",
	    "\xe2\x80\xa8 line separator",
	    "\xe2\x80\xa9 paragraph separator",
	    "\xef\xbb\xbf bom",
	    "\xef\xbf\xbe \xef\xbf\xbf nonchars",
	    "\xef\xbf\xbd replacement",
	    "\xf0\x9f\x9a\x80 rocket",
	    "\xf4\x8f\xbf\xbf max",
	    /* not UTF-8: each bad byte reads back as U+00NN */
	    "\xff",
	    "\xfe\xff",
	    "a\x80z",
	    "\xc3\x28",
	    "\xc0\xaf overlong",
	    "\xed\xa0\x80 surrogate",
	    "\xf4\x90\x80\x80 too big",
	    "\xe2\x82 truncated",
	    "\xf0\x9f\x9a",
	};
	for (size_t i = 0; i < LEN(values); i++)
		round_trip(values[i], i);

	/* every byte 1..255, in order and backwards */
	char all[256], rev[256];
	for (int i = 1; i < 256; i++) {
		all[i - 1] = (char)i;
		rev[i - 1] = (char)(256 - i);
	}
	all[255] = rev[255] = '\0';
	round_trip(all, 1000);
	round_trip(rev, 1001);

	/* random NUL-free binary, fixed seed */
	srand(12345);
	for (int r = 0; r < 300; r++) {
		char v[64];
		size_t n = (size_t)(rand() % 63);
		for (size_t k = 0; k < n; k++)
			v[k] = (char)(1 + rand() % 255);
		v[n] = '\0';
		round_trip(v, 2000 + (size_t)r);
	}
}

static void test_hostile_sizes(void **state)
{
	(void)state;
	clock_t t0 = clock();
	struct buf src = BUF_INIT, out = BUF_INIT;
	struct err e;
	size_t off;

	/* many placeholders render in linear time */
	for (int i = 0; i < 100000; i++)
		buf_puts(&src, "{{ a }}-");
	assert_int_equal(
	    tmpl_render(buf_str(&src), lookup, NULL, 0, &out, &off, &e), ST_OK);
	assert_int_equal(out.len, 200000);
	buf_clear(&out);
	assert_int_equal(tmpl_render(buf_str(&src), lookup, NULL,
				     TMPL_YAML_SCALAR, &out, &off, &e),
			 ST_OK);
	assert_int_equal(out.len, 400000);

	/* a long run of "{{" without a close: one scan, error at 0 */
	buf_clear(&src);
	for (int i = 0; i < 500000; i++)
		buf_puts(&src, "{{");
	buf_clear(&out);
	assert_int_equal(
	    tmpl_render(buf_str(&src), lookup, NULL, 0, &out, &off, &e),
	    ST_ERR_PARSE);
	assert_int_equal(off, 0);
	assert_int_equal(out.len, 0);

	/* the error at the very end of a long template */
	buf_clear(&src);
	for (int i = 0; i < 100000; i++)
		buf_puts(&src, "{{a}}{ }");
	buf_puts(&src, " }}");
	assert_int_equal(
	    tmpl_render(buf_str(&src), lookup, NULL, 0, &out, &off, &e),
	    ST_ERR_PARSE);
	assert_int_equal(off, 800001);

	/* a huge value with everything that needs escaping */
	struct buf v = BUF_INIT;
	for (int i = 0; i < 200000; i++)
		buf_puts(&v, "\"\\\n\x01");
	buf_clear(&out);
	assert_int_equal(tmpl_render("k: {{ v }}", lookup_v, v.data,
				     TMPL_YAML_SCALAR, &out, &off, &e),
			 ST_OK);
	json_t *doc =
	    yaml_load_string("big.yaml", buf_str(&out), out.len, NULL, &e);
	if (!doc)
		fail_msg("%s", e.msg);
	assert_string_equal(json_string_value(json_object_get(doc, "k")),
			    v.data);
	json_decref(doc);

	/* names can be anything the lookup knows, however long */
	buf_clear(&src);
	buf_puts(&src, "{{");
	for (int i = 0; i < 100000; i++)
		buf_puts(&src, "a.");
	buf_puts(&src, "}}");
	buf_clear(&out);
	assert_int_equal(
	    tmpl_render(buf_str(&src), lookup_self, NULL, 0, &out, &off, &e),
	    ST_OK);
	assert_int_equal(out.len, 200000);

	buf_free(&v);
	buf_free(&src);
	buf_free(&out);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	if (secs > 5)
		fail_msg("hostile sizes took %.1f s", secs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_render),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_unknown_names),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_is_literal),
	    cmocka_unit_test(test_yaml_round_trip),
	    cmocka_unit_test(test_hostile_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
