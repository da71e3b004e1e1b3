/*
 * libFuzzer target for kubeconfig files.
 *
 * The input is one kubeconfig. It is parsed (relative paths resolve in a
 * folder that does not exist, so only absolute paths reach real files),
 * merged with a second parse of itself, and every context, then the
 * current one, is resolved; each target's token is asked for. Everything
 * is freed. Invariants the code promises are checked, and a violation
 * traps so the fuzzer reports it:
 *   - a status and its out-pointer agree (NULL exactly on failure), and a
 *     failure has a message;
 *   - every message is one terminal-safe line (no C0/C1 control, no DEL);
 *   - merging a file with itself adds no context;
 *   - a resolved target has an http(s) server without a trailing '/', a
 *     namespace, a certificate with its key, and none of the
 *     contradictions resolving rejects.
 *
 *   corpus: tests/fuzz/corpus/kubeconfig/
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/status.h"
#include "kube/kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define NOWHERE "/nonexistent-opsdeck-fuzz"

static void check_msg(const struct err *e, enum status st)
{
	CHECK(e->code == st && e->msg[0]);
	const unsigned char *s = (const unsigned char *)e->msg;
	CHECK(memchr(s, '\0', sizeof e->msg));
	for (; *s; s++) {
		CHECK(*s >= 0x20 && *s != 0x7f);
		CHECK(!(s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f));
	}
}

static void check_target(const struct kube_target *t)
{
	size_t n = strlen(t->server);
	CHECK(!strncasecmp(t->server, "http://", 7) ||
	      !strncasecmp(t->server, "https://", 8));
	CHECK(n && t->server[n - 1] != '/');
	CHECK(t->namespace_ && t->namespace_[0]);
	CHECK(t->context && t->cluster_name && t->user_name && t->source);
	CHECK(!t->cert_pem == !t->key_pem);
	CHECK(!(t->insecure && t->ca_pem));
	CHECK(!(t->token && t->token_file));
	CHECK(!((t->token || t->token_file) && (t->username || t->password)));
	CHECK(!(t->exec && (t->token || t->token_file || t->username)));
	CHECK(!t->token_file || t->token_file[0] == '/');
}

static void resolve(struct kubeconfig *kc, const char *name)
{
	struct kube_target *t = NULL;
	struct err e;
	enum status st = kubeconfig_resolve(kc, name, &t, &e);
	if (st) {
		CHECK(!t);
		check_msg(&e, st);
		return;
	}
	CHECK(t);
	check_target(t);
	const char *tok;
	st = kube_target_token(t, &tok, &e);
	if (st)
		check_msg(&e, st);
	else
		CHECK(!t->token_file || tok);
	kube_target_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kubeconfig *kc = NULL, *again = NULL;
	struct err e;
	const char *text = (const char *)data;
	enum status st =
	    kubeconfig_parse("fuzz.yaml", text, size, NOWHERE, &kc, &e);
	if (st) {
		CHECK(!kc);
		check_msg(&e, st);
		return 0;
	}
	CHECK(kc);
	const char **names;
	size_t n = kubeconfig_contexts(kc, &names);
	CHECK(kubeconfig_parse("again.yaml", text, size, NOWHERE, &again, &e) ==
	      ST_OK);
	kubeconfig_merge(kc, again);
	CHECK(kubeconfig_contexts(kc, &names) == n);
	const char **files;
	CHECK(kubeconfig_files(kc, &files) == 2);
	for (size_t i = 0; i < n; i++)
		resolve(kc, names[i]);
	resolve(kc, NULL);
	kubeconfig_free(kc);
	return 0;
}
