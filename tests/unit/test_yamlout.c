/*
 * Unit tests for src/base/yamlout: the exact text for a small pod (the
 * style people know from `kubectl get -o yaml`), and round trips through
 * the project's own loader (base/yaml.h) — documents, every kind of
 * awkward string as a value, a key and a sequence item, hostile strings
 * with terminal escape sequences, and a few thousand random strings —
 * checking that what reads back is the same JSON and that no raw control
 * character ever reaches the text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/yaml.h"
#include "base/yamlout.h"

/* Every byte of text is printable or a newline: no C0 control, no DEL,
 * no C1 control (UTF-8 C2 80..C2 9F), no U+2028/2029, no BOM. */
static void assert_clean(const char *text)
{
	const unsigned char *u = (const unsigned char *)text;
	for (size_t i = 0; u[i]; i++) {
		if ((u[i] < 0x20 && u[i] != '\n') || u[i] == 0x7f)
			fail_msg("raw control byte 0x%02x at %zu in:\n%s", u[i],
				 i, text);
		if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] < 0xa0)
			fail_msg("raw C1 control at %zu in:\n%s", i, text);
		if (u[i] == 0xe2 && u[i + 1] == 0x80 &&
		    (u[i + 2] == 0xa8 || u[i + 2] == 0xa9 || u[i + 2] == 0xae))
			fail_msg("raw U+2028/2029/202E at %zu in:\n%s", i,
				 text);
		if (u[i] == 0xef && u[i + 1] == 0xbb && u[i + 2] == 0xbf)
			fail_msg("raw BOM at %zu in:\n%s", i, text);
	}
}

/* Emit j, check the text is clean, load it back and compare. */
static void round_trip(const json_t *j)
{
	struct buf out = BUF_INIT;
	yaml_emit(j, &out);
	assert_clean(buf_str(&out));
	struct err e;
	json_t *back =
	    yaml_load_string("out.yaml", buf_str(&out), out.len, NULL, &e);
	if (!back) {
		char *want = json_dumps(j, JSON_ENCODE_ANY);
		fail_msg("emitted YAML does not load: %s\nfor %s\n%s", e.msg,
			 want, buf_str(&out));
	}
	if (!json_equal((json_t *)j, back)) {
		char *want = json_dumps(j, JSON_ENCODE_ANY);
		char *got = json_dumps(back, JSON_ENCODE_ANY);
		fail_msg("round trip differs:\nwant %s\ngot  %s\nYAML:\n%s",
			 want, got, buf_str(&out));
	}
	json_decref(back);
	buf_free(&out);
}

/* s as a value, a key, a sequence item and the whole document. */
static void round_trip_string(const char *s, size_t n)
{
	json_t *str = json_stringn(s, n);
	assert_non_null(str);
	json_t *doc = json_object();
	json_object_set(doc, "value", str);
	json_t *nested = json_object();
	json_object_set(nested, "k", str);
	json_object_set_new(nested, "after", json_string("x"));
	json_object_set_new(doc, "nested", nested);
	json_t *seq = json_array();
	json_array_append(seq, str);
	json_array_append_new(seq, json_integer(1));
	json_object_set_new(doc, "seq", seq);
	json_object_set_new(doc, "last", json_true());
	round_trip(doc);
	json_t *keyed = json_object();
	json_object_setn_new(keyed, s, n, json_string("v"));
	json_object_set_new(keyed, "other", json_string("w"));
	round_trip(keyed);
	json_t *items = json_array();
	json_array_append(items, str);
	json_array_append(items, str);
	round_trip(items);
	round_trip(str);
	json_decref(items);
	json_decref(keyed);
	json_decref(doc);
	json_decref(str);
}

static char *emit(const json_t *j)
{
	struct buf out = BUF_INIT;
	yaml_emit(j, &out);
	return buf_detach(&out);
}

static void test_small_pod_exact(void **state)
{
	(void)state;
	json_t *pod = J(
	    "{\"apiVersion\": \"v1\", \"kind\": \"Pod\","
	    " \"metadata\": {\"name\": \"web-7d9f-abcde\", \"namespace\": "
	    "\"shop\","
	    "  \"creationTimestamp\": \"2026-11-23T16:20:00Z\","
	    "  \"labels\": {\"app\": \"web\", \"canary\": \"true\", \"tier\": "
	    "\"1\"},"
	    "  \"annotations\": {\"note\": \"line one\\nline two\\n\","
	    "   \"example.com/owner\": \"team: payments\"},"
	    "  \"ownerReferences\": [{\"kind\": \"ReplicaSet\", \"name\": "
	    "\"web-7d9f\","
	    "   \"controller\": true}]},"
	    " \"spec\": {\"containers\": [{\"name\": \"web\","
	    "   \"image\": \"registry.example/web:1.9.0\","
	    "   \"args\": [\"-Xmx512m\", \"--port\", \"8080\"],"
	    "   \"ports\": [{\"containerPort\": 8080, \"protocol\": \"TCP\"}],"
	    "   \"env\": [{\"name\": \"GREETING\", \"value\": "
	    "\"\\u001b]0;pwned\\u0007\"},"
	    "    {\"name\": \"EMPTY\", \"value\": \"\"}],"
	    "   \"resources\": {}}], \"volumes\": [], \"priority\": 0},"
	    " \"status\": {\"phase\": \"Running\", \"podIP\": \"10.0.0.7\","
	    "  \"hostIPs\": [[\"10.0.0.1\"]], \"nominatedNodeName\": null,"
	    "  \"conditions\": [{\"type\": \"Ready\", \"status\": \"False\","
	    "   \"message\": \"containers with unready status: [web]\"}]}}");
	char *y = emit(pod);
	const char *want =
	    "apiVersion: v1\n"
	    "kind: Pod\n"
	    "metadata:\n"
	    "  name: web-7d9f-abcde\n"
	    "  namespace: shop\n"
	    "  creationTimestamp: \"2026-11-23T16:20:00Z\"\n"
	    "  labels:\n"
	    "    app: web\n"
	    "    canary: \"true\"\n"
	    "    tier: \"1\"\n"
	    "  annotations:\n"
	    "    note: |\n"
	    "      line one\n"
	    "      line two\n"
	    "    example.com/owner: \"team: payments\"\n"
	    "  ownerReferences:\n"
	    "  - kind: ReplicaSet\n"
	    "    name: web-7d9f\n"
	    "    controller: true\n"
	    "spec:\n"
	    "  containers:\n"
	    "  - name: web\n"
	    "    image: registry.example/web:1.9.0\n"
	    "    args:\n"
	    "    - -Xmx512m\n"
	    "    - --port\n"
	    "    - \"8080\"\n"
	    "    ports:\n"
	    "    - containerPort: 8080\n"
	    "      protocol: TCP\n"
	    "    env:\n"
	    "    - name: GREETING\n"
	    "      value: \"\\e]0;pwned\\a\"\n"
	    "    - name: EMPTY\n"
	    "      value: \"\"\n"
	    "    resources: {}\n"
	    "  volumes: []\n"
	    "  priority: 0\n"
	    "status:\n"
	    "  phase: Running\n"
	    "  podIP: 10.0.0.7\n"
	    "  hostIPs:\n"
	    "  - - 10.0.0.1\n"
	    "  nominatedNodeName: null\n"
	    "  conditions:\n"
	    "  - type: Ready\n"
	    "    status: \"False\"\n"
	    "    message: \"containers with unready status: [web]\"\n";
	assert_string_equal(y, want);
	round_trip(pod);
	free(y);
	json_decref(pod);
}

static void test_documents_round_trip(void **state)
{
	(void)state;
	static const char *const docs[] = {
	    "{}",
	    "[]",
	    "{\"a\": {}, \"b\": [], \"c\": [{}], \"d\": [[]], \"e\": null}",
	    "[[1, [2, [3, {\"x\": [4]}]]], {\"y\": {\"z\": [[{\"w\": 1}]]}}]",
	    "{\"list\": [{\"a\": 1, \"b\": [1, 2], \"c\": {\"d\": [\"e\"]}}, "
	    "{\"multi\": \"one\\ntwo\", \"k\": \"v\"}]}",
	    "{\"n\": -12, \"big\": 9223372036854775807, \"r\": 0.1,"
	    " \"r2\": 1e300, \"r3\": -2.5e-8, \"r4\": 3.0, \"t\": true, \"f\": "
	    "false}",
	    "{\"nested\": {\"seq\": [\"a\\n\", \"b\\n\\n\", \"\\nc\"]}}",
	    "\"just a string\"",
	    "42",
	    "null",
	    "{\"a\": {\"b\": {\"c\": {\"d\": {\"e\": {\"f\": [1, {\"g\": "
	    "\"h\"}]}}}}}}",
	};
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		json_error_t je;
		json_t *j = json_loads(docs[i], JSON_DECODE_ANY, &je);
		if (!j)
			fail_msg("bad test JSON %s: %s", docs[i], je.text);
		round_trip(j);
		json_decref(j);
	}
	/* the literal block keeps every trailing newline */
	json_t *j = J("{\"keep\": \"a\\n\\n\\n\", \"clip\": \"a\\nb\\n\", "
		      "\"strip\": \"a\\nb\"}");
	char *y = emit(j);
	assert_string_equal(y, "keep: |+\n  a\n\n\nclip: |\n  a\n  b\n"
			       "strip: |-\n  a\n  b\n");
	free(y);
	json_decref(j);
}

static void test_plain_when_possible(void **state)
{
	(void)state;
	static const char *const plain[] = {
	    "1.9.0", "nginx:1.9.0", "-Xmx512m", "a:b",		"http://x/y",
	    "café",  "日本語",	    "a#b",	"v1.2",		"10.244.0.11",
	    "x,y",   "a - b",	    "yes-no",	"truex",	"0xZZ",
	    "1e",    "a'b",	    "a\"b",	"Back-off 10s", "?x",
	};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		json_t *j = json_pack("{s:s}", "k", plain[i]);
		char *y = emit(j);
		char want[128];
		snprintf(want, sizeof want, "k: %s\n", plain[i]);
		assert_string_equal(y, want);
		free(y);
		round_trip(j);
		json_decref(j);
	}
	static const char *const quoted[] = {
	    "",	      "true",	    "False",
	    "yes",    "No",	    "on",
	    "OFF",    "y",	    "~",
	    "null",   "NULL",	    "12",
	    "-3",     "+4",	    "0x1f",
	    "0o17",   "0b101",	    "1_000",
	    "1.5",    ".5",	    "1e3",
	    "1:30",   ".inf",	    "-.Inf",
	    ".NaN",   "<<",	    "=",
	    "- x",    "-",	    "?",
	    ":",      "a: b",	    "a #b",
	    "#c",     " lead",	    "trail ",
	    "trail:", "---",	    "...",
	    "'q'",    "\"q\"",	    "|",
	    ">",      "*alias",	    "&anchor",
	    "!tag",   "%dir",	    "@at",
	    "`tick",  "{}",	    "[x]",
	    ",",      "2026-11-23", "2026-1-2T3:04:05Z",
	};
	for (size_t i = 0; i < sizeof quoted / sizeof quoted[0]; i++) {
		json_t *j = json_pack("{s:s}", "k", quoted[i]);
		char *y = emit(j);
		if (strncmp(y, "k: \"", 4))
			fail_msg("'%s' should be quoted: %s", quoted[i], y);
		free(y);
		round_trip_string(quoted[i], strlen(quoted[i]));
		json_decref(j);
	}
}

static void test_hostile_strings(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t n;
		const char *want; /* the value as emitted, NULL: not checked */
	} cases[] = {
#define C(lit, want) {lit, sizeof lit - 1, want}
	    C("\x1b]0;pwned\x07", "\"\\e]0;pwned\\a\""),
	    C("\x1b[2J\x1b[H", "\"\\e[2J\\e[H\""),
	    C("a\rb", "\"a\\rb\""),
	    C("tab\there", "\"tab\\there\""),
	    C("del\x7f", "\"del\\x7f\""),
	    C("nel\xc2\x85", "\"nel\\x85\""),
	    C("csi\xc2\x9b"
	      "2J",
	      "\"csi\\x9b2J\""),
	    C("ls\xe2\x80\xa8ps\xe2\x80\xa9", "\"ls\\u2028ps\\u2029\""),
	    C("\xef\xbb\xbf"
	      "bom",
	      "\"\\ufeffbom\""),
	    C("rlo\xe2\x80\xae"
	      "txt",
	      "\"rlo\\u202etxt\""),
	    C("zw\xe2\x80\x8bsp", "\"zw\\u200bsp\""),
	    C("back\\slash \"quoted\"", NULL),
	    C("multi\x1b\nline", "\"multi\\e\\nline\""),
	    C("\x01\x02\x03\x04\x05\x06\x0e\x0f\x10\x1f", NULL),
	    C("\n", NULL),
	    C("\n\n", NULL),
	    C("\nlead", NULL),
	    C("  \nx", NULL),
	    C("x\n  \n", NULL),
	    C("x\n  y\n\n", NULL),
	    C(" a\nb", NULL),
	    C("a\n b", NULL),
	    C("\ta\nb", NULL),
	    C("a\n\tb", NULL),
	    C("a\n# not a comment\n--- not a document\n...", NULL),
	    C("key: value\n- item\n? q", NULL),
	    C("trailing \nspaces  ", NULL),
	    C("\r\n", NULL),
	    C("emoji 😀 and 日本", NULL),
#undef C
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		round_trip_string(cases[i].s, cases[i].n);
		if (!cases[i].want)
			continue;
		json_t *j = json_object();
		json_object_set_new(j, "k",
				    json_stringn(cases[i].s, cases[i].n));
		char *y = emit(j);
		char want[256];
		snprintf(want, sizeof want, "k: %s\n", cases[i].want);
		assert_string_equal(y, want);
		free(y);
		json_decref(j);
	}
	/* NUL cannot be loaded back (the loader refuses it), but it is
	 * escaped, not written raw */
	json_t *j = json_object();
	json_object_set_new(j, "k", json_stringn("a\0b", 3));
	char *y = emit(j);
	assert_string_equal(y, "k: \"a\\0b\"\n");
	free(y);
	json_decref(j);
}

static void test_long_keys(void **state)
{
	(void)state;
	/* a reader takes at most 1024 characters as an implicit key */
	char key[3000];
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	json_t *j = json_object();
	json_object_set_new(j, key, json_string("v"));
	json_object_set_new(j, "map", json_pack("{s:i}", key, 1));
	json_t *seq = json_pack("[s,s]", "a", "b");
	json_object_set_new(j, "deep", json_pack("{s:o}", key, seq));
	json_object_set_new(j, "obj", json_pack("{s:{s:s}}", key, "x", "y"));
	round_trip(j);
	/* escapes count: 400 ESC characters are 800 bytes of key */
	char hostile[401];
	memset(hostile, 0x1b, 400);
	hostile[400] = '\0';
	json_object_set_new(j, hostile, json_string("v"));
	round_trip(j);
	json_decref(j);
}

/* Random strings over an alphabet of the characters that matter. */
static void test_random_strings(void **state)
{
	(void)state;
	static const char *const alphabet[] = {
	    "a",
	    "Z",
	    "0",
	    "1",
	    " ",
	    "  ",
	    "\n",
	    "\t",
	    ":",
	    "#",
	    "-",
	    "?",
	    "'",
	    "\"",
	    "\\",
	    "[",
	    "]",
	    "{",
	    "}",
	    ",",
	    "&",
	    "*",
	    "!",
	    "|",
	    ">",
	    "%",
	    "@",
	    "`",
	    ".",
	    "_",
	    "e",
	    "x",
	    "~",
	    "\x1b",
	    "\x07",
	    "\r",
	    "\x7f",
	    "\xc2\x85",
	    "\xe2\x80\xa8",
	    "\xc3\xa9",
	    "\xf0\x9f\x98\x80",
	    "true",
	    "null",
	    "---",
	    "...",
	    "<<",
	    "0x",
	    "2026-",
	    "\xef\xbb\xbf",
	};
	size_t na = sizeof alphabet / sizeof alphabet[0];
	uint32_t seed = 12345;
	struct buf s = BUF_INIT;
	for (int round = 0; round < 3000; round++) {
		buf_clear(&s);
		seed = seed * 1103515245u + 12345u;
		int len = (int)((seed >> 16) % 10);
		for (int k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			buf_puts(&s, alphabet[(seed >> 16) % na]);
		}
		round_trip_string(buf_str(&s), s.len);
	}
	buf_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_small_pod_exact),
	    cmocka_unit_test(test_documents_round_trip),
	    cmocka_unit_test(test_plain_when_possible),
	    cmocka_unit_test(test_hostile_strings),
	    cmocka_unit_test(test_long_keys),
	    cmocka_unit_test(test_random_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
