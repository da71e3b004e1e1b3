/*
 * Unit tests for src/base: buffers, strings, vectors, the hash map, status
 * messages, base64 and terminal sanitising.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/buf.h"
#include "base/map.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "base/status.h"
#include "base/str.h"
#include "base/vec.h"

static void test_buf_grows_and_formats(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	assert_string_equal(buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	assert_int_equal(b.len, strlen(b.data));
	assert_true(str_has_prefix(b.data, "0,1,2,"));
	assert_true(str_has_suffix(b.data, "998,999,"));
	/* A formatted piece larger than the stack scratch space. */
	char big[1000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_clear(&b);
	buf_printf(&b, "<%s>", big);
	assert_int_equal(b.len, 1001);
	assert_int_equal(b.data[1000], '>');
	buf_consume(&b, 1000);
	assert_string_equal(b.data, ">");
	buf_consume(&b, 5);
	assert_int_equal(b.len, 0);
	buf_putc(&b, 'a');
	char *s = buf_detach(&b);
	assert_string_equal(s, "a");
	assert_null(b.data);
	free(s);
	s = buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
}

/* A secret buffer zeroes what it lets go of, and stays secret. */
static void test_buf_secret(void **state)
{
	(void)state;
	struct buf b = BUF_SECRET;
	buf_puts(&b, "hunter2-hunter2");
	char *mem = b.data;
	size_t cap = b.cap;
	buf_consume(&b, 8); /* "hunter2" moves down; its old tail is zeroed */
	assert_string_equal(buf_str(&b), "hunter2");
	for (size_t i = b.len; i < 15; i++)
		assert_int_equal(mem[i], '\0');
	buf_clear(&b);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(mem[i], '\0');
	/* growing past the first block keeps the contents */
	for (int i = 0; i < 100; i++)
		buf_puts(&b, "0123456789");
	assert_true(b.cap > cap);
	assert_int_equal(b.len, 1000);
	assert_int_equal(strspn(buf_str(&b), "0123456789"), 1000);
	buf_free(&b);
	assert_true(b.secret);
	assert_null(b.data);
	buf_puts(&b, "x");
	free(buf_detach(&b));
	assert_true(b.secret);
	/* and xfree_wiped takes NULL */
	xfree_wiped(NULL);
	xfree_wiped(xstrdup("pw"));
}

static void test_str_helpers(void **state)
{
	(void)state;
	assert_true(str_eq(NULL, NULL));
	assert_false(str_eq("a", NULL));
	assert_true(str_glob("*-prod", "payments-prod"));
	assert_false(str_glob("*-prod", "payments-prod2"));
	assert_true(str_glob("*", ""));
	assert_true(str_glob("a*b*c", "aXXbYYc"));
	assert_false(str_glob("a*b*c", "aXXbYY"));
	assert_true(str_glob("p?ds", "pods"));
	assert_true(str_glob("**a", "a"));
	/* Pathological pattern stays fast (no exponential backtracking). */
	char s[4001];
	memset(s, 'a', 4000);
	s[4000] = '\0';
	assert_false(str_glob("*a*a*a*a*a*a*a*b", s));
	long v;
	assert_true(str_to_long("42", 0, 100, &v));
	assert_int_equal(v, 42);
	assert_false(str_to_long("101", 0, 100, &v));
	assert_false(str_to_long("4x", 0, 100, &v));
	assert_false(str_to_long("", 0, 100, &v));
	assert_false(str_to_long(" 4", 0, 100, &v));
	assert_false(str_to_long("99999999999999999999999", 0, 100, &v));
	char t[] = "  hi there \n";
	assert_string_equal(str_trim(t), "hi there");
	char small[4];
	assert_int_equal(str_copy(small, sizeof small, "abcdef"), 6);
	assert_string_equal(small, "abc");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_vec(void **state)
{
	(void)state;
	struct vec v = VEC_INIT;
	vec_push(&v, "c");
	vec_push(&v, "a");
	vec_insert(&v, 1, "b");
	assert_int_equal(v.len, 3);
	assert_string_equal(v.items[1], "b");
	vec_sort(&v, cmp_str);
	assert_string_equal(v.items[0], "a");
	assert_string_equal(v.items[2], "c");
	assert_string_equal(vec_remove(&v, 0), "a");
	assert_null(vec_remove(&v, 9));
	assert_string_equal(vec_pop(&v), "c");
	assert_int_equal(v.len, 1);
	vec_free(&v, NULL);
	assert_null(vec_pop(&v));
}

static void test_map(void **state)
{
	(void)state;
	struct map m = MAP_INIT;
	char key[32];
	for (long i = 0; i < 10000; i++) {
		snprintf(key, sizeof key, "k%ld", i);
		assert_null(map_put(&m, key, (void *)(i + 1)));
	}
	assert_int_equal(m.len, 10000);
	for (long i = 0; i < 10000; i += 2) {
		snprintf(key, sizeof key, "k%ld", i);
		assert_ptr_equal(map_del(&m, key), (void *)(i + 1));
	}
	assert_int_equal(m.len, 5000);
	for (long i = 0; i < 10000; i++) {
		snprintf(key, sizeof key, "k%ld", i);
		if (i % 2)
			assert_ptr_equal(map_get(&m, key), (void *)(i + 1));
		else
			assert_false(map_has(&m, key));
	}
	/* Reinsert over tombstones; replacement returns the old value. */
	for (long i = 0; i < 10000; i += 2) {
		snprintf(key, sizeof key, "k%ld", i);
		map_put(&m, key, (void *)1);
	}
	assert_ptr_equal(map_put(&m, "k1", (void *)7), (void *)2);
	size_t pos = 0, seen = 0;
	const char *k;
	void *val;
	while (map_next(&m, &pos, &k, &val))
		seen++;
	assert_int_equal(seen, 10000);
	map_free(&m, NULL);
	assert_null(map_get(&m, "k1"));
}

static void test_status(void **state)
{
	(void)state;
	struct err e;
	assert_int_equal(err_set(&e, ST_ERR_PARSE, "%s:%d: bad", "f", 3), ST_ERR_PARSE);
	assert_string_equal(e.msg, "f:3: bad");
	assert_string_equal(status_name(ST_ERR_PARSE), "ERR_PARSE");
	assert_string_equal(status_message(ST_ERR_NOTFOUND), "not found");
	assert_string_equal(status_name((enum status)999), "UNKNOWN");
	assert_int_equal(err_set(NULL, ST_ERR_IO, "x"), ST_ERR_IO);
	char longmsg[2000];
	memset(longmsg, 'm', sizeof longmsg - 1);
	longmsg[sizeof longmsg - 1] = '\0';
	err_set(&e, ST_ERR_IO, "%s", longmsg);
	assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
}

static void test_base64(void **state)
{
	(void)state;
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (size_t i = 0; i < 7; i++) {
		struct buf b = BUF_INIT, d = BUF_INIT;
		base64_encode(&b, plain[i], strlen(plain[i]));
		assert_string_equal(buf_str(&b), enc[i]);
		assert_true(base64_decode(&d, enc[i], strlen(enc[i])));
		assert_string_equal(buf_str(&d), plain[i]);
		buf_free(&b);
		buf_free(&d);
	}
	struct buf d = BUF_INIT;
	assert_true(base64_decode(&d, "Zm9v\nYmFy\n", 10));
	assert_string_equal(buf_str(&d), "foobar");
	static const char *const bad[] = {"Zm9", "Zm=v", "Z!==", "Zh==", "====="};
	for (size_t i = 0; i < 5; i++) {
		buf_clear(&d);
		assert_false(base64_decode(&d, bad[i], strlen(bad[i])));
	}
	buf_free(&d);
}

static void check_san(const char *in, size_t len, unsigned flags, const char *want)
{
	struct buf b = BUF_INIT;
	sanitize_append(&b, in, len, flags);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_sanitize(void **state)
{
	(void)state;
	check_san("plain text", 10, 0, "plain text");
	/* An escape sequence that would clear the screen is shown, not sent. */
	check_san("\x1b[2Jhi", 6, 0, "^[[2Jhi");
	check_san("a\tb\nc\r\x7f", 7, 0, "a b^Jc^M^?");
	check_san("a\tb\nc", 5, SAN_KEEP_TAB | SAN_KEEP_NL, "a\tb\nc");
	check_san("nul\0x", 5, 0, "nul^@x");
	/* UTF-8 passes; C1 controls (CSI U+009B) and bad bytes are visible. */
	check_san("caf\xc3\xa9", 5, 0, "caf\xc3\xa9");
	check_san("caf\xc3\xa9", 5, SAN_ASCII, "caf?");
	check_san("\xc2\x9b" "31m", 5, 0, "\\u009B31m");
	check_san("\xff\xfe", 2, 0, "\\xFF\\xFE");
	check_san("\xc0\xaf", 2, 0, "\\xC0\\xAF");         /* overlong */
	check_san("\xed\xa0\x80", 3, 0, "\\xED\\xA0\\x80"); /* surrogate */
	check_san("\xe2\x82", 2, 0, "\\xE2\\x82");         /* truncated */
	check_san("\xf0\x9f\x9a\x80", 4, 0, "\xf0\x9f\x9a\x80");
	/* No output byte of hostile input is a control character. */
	char hostile[512];
	for (size_t i = 0; i < sizeof hostile; i++)
		hostile[i] = (char)(i * 7 + 3);
	struct buf b = BUF_INIT;
	sanitize_append(&b, hostile, sizeof hostile, 0);
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.data[i];
		assert_true(c >= 0x20 && c != 0x7f);
	}
	buf_free(&b);
	char *d = sanitize_dup("x\x1b", 0);
	assert_string_equal(d, "x^[");
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_formats),
		cmocka_unit_test(test_str_helpers),
		cmocka_unit_test(test_vec),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_buf_secret),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_sanitize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
