/*
 * libFuzzer target for keymap files.
 *
 * The input is one keymap file, loaded into a fresh keymap with the
 * include resolver of keyfile_fuzz.h. Its first line is also read as
 * a key name. Everything is freed. Invariants the code promises are
 * checked, and a violation traps so the fuzzer reports it:
 *   - keymap_load returns false exactly when it reported a problem, and
 *     the same with no problems buffer;
 *   - problems are at most KEYFILE_MAX_PROBLEMS + 1 lines, each a bounded,
 *     terminal-safe line (no C0/C1 control, no DEL) naming the input or a
 *     file the resolver gave;
 *   - every binding listed has a valid key whose name parses back to it,
 *     a real action and the section it claims, and keymap_lookup agrees;
 *     counting (out NULL) and a short out agree with the full list;
 *   - loading the same text again changes no binding and reports the
 *     same problems;
 *   - a key name that parses names the key it parsed to.
 *
 *   corpus: tests/fuzz/corpus/keymap/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "keyfile_fuzz.h"
#include "ui/keymap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BINDINGS 4096

static void check_key(int32_t key)
{
	struct buf name = BUF_INIT;
	keymap_key_name(key, &name);
	CHECK(name.len > 0);
	CHECK(keymap_key_parse(buf_str(&name)) == key);
	buf_free(&name);
}

/* Every section's bindings, checked, into out (one row per section). */
static size_t snapshot(const struct keymap *k,
		       struct key_binding out[KEYCTX__COUNT][MAX_BINDINGS],
		       size_t n[KEYCTX__COUNT])
{
	size_t total = 0;
	for (int c = 0; c < KEYCTX__COUNT; c++) {
		n[c] = keymap_bindings(k, (enum keyctx)c, out[c], MAX_BINDINGS);
		size_t all = keymap_bindings(k, (enum keyctx)c, NULL, 0);
		CHECK(n[c] == (all < MAX_BINDINGS ? all : MAX_BINDINGS));
		if (n[c] > 1) {
			struct key_binding two[2];
			CHECK(keymap_bindings(k, (enum keyctx)c, two, 1) == 1);
			CHECK(!memcmp(&two[0], &out[c][0], sizeof two[0]));
		}
		bool generic_part = c == KEYCTX_GENERIC;
		for (size_t i = 0; i < n[c]; i++) {
			const struct key_binding *b = &out[c][i];
			CHECK(b->action > ACT_NONE && b->action < ACT__COUNT);
			CHECK(b->ctx == (enum keyctx)c ||
			      b->ctx == KEYCTX_GENERIC);
			/* the view's own bindings come first */
			if (b->ctx != (enum keyctx)c)
				generic_part = true;
			CHECK(b->ctx == (enum keyctx)c || generic_part);
			CHECK(keymap_lookup(k, (enum keyctx)c, b->key) ==
			      b->action);
			for (size_t j = 0; j < i; j++)
				CHECK(out[c][j].key != b->key);
			check_key(b->key);
		}
		total += n[c];
	}
	return total;
}

static struct key_binding snap1[KEYCTX__COUNT][MAX_BINDINGS];
static struct key_binding snap2[KEYCTX__COUNT][MAX_BINDINGS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {(const char *)data, size, "j down",
			   "[generic]\nj down\nk up\nq back\n[logs]\nf follow\n"};

	struct keymap *k = keymap_new("f");
	CHECK(!strcmp(keymap_name(k), "f"));
	struct buf problems = BUF_INIT;
	bool ok = keymap_load(k, "f", in.text, in.len, resolve, &in, &problems);
	CHECK(ok == (problems.len == 0));
	check_problems(&problems);

	size_t n1[KEYCTX__COUNT], n2[KEYCTX__COUNT];
	snapshot(k, snap1, n1);

	/* Again on top: every line sets what it set before. */
	struct buf again = BUF_INIT;
	CHECK(keymap_load(k, "f", in.text, in.len, resolve, &in, &again) == ok);
	CHECK(again.len == problems.len &&
	      !memcmp(buf_str(&again), buf_str(&problems), again.len));
	snapshot(k, snap2, n2);
	for (int c = 0; c < KEYCTX__COUNT; c++) {
		CHECK(n1[c] == n2[c]);
		CHECK(!memcmp(snap1[c], snap2[c], n1[c] * sizeof snap1[c][0]));
	}
	keymap_free(k);

	/* No problems buffer: the same answer. */
	struct keymap *k2 = keymap_new("g");
	CHECK(keymap_load(k2, "f", in.text, in.len, resolve, &in, NULL) == ok);
	keymap_free(k2);

	/* The first line as a key name. */
	const char *nl = memchr(in.text, '\n', in.len);
	char *line = xstrndup(in.text, nl ? (size_t)(nl - in.text) : in.len);
	int32_t key = keymap_key_parse(line);
	if (key >= 0)
		check_key(key);
	free(line);

	buf_free(&problems);
	buf_free(&again);
	return 0;
}
