/*
 * `opsdeck whoami`: who each context's cluster says I am
 * (SelfSubjectReview), and `opsdeck can-i VERB RESOURCE`: whether it lets
 * me (SelfSubjectAccessReview). can-i answers yes/no like kubectl and
 * exits 0 for yes, 1 for no.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/str.h"
#include "cli/kubecli.h"
#include "kube/identity.h"
#include "kube/objects.h"

struct ask {
	struct kubecli *k;
	struct kube_client *c;
	size_t *pending;
	json_t *json;
	bool allowed;
	bool answered;
};

static void one_answered(struct ask *a)
{
	a->answered = true;
	if (!--*a->pending)
		loop_quit(a->k->loop, 0);
}

static void on_whoami(void *arg, const struct kube_identity *id,
		      const struct kube_response *r)
{
	struct ask *a = arg;
	if (!id) {
		kubecli_fail(a->k, a->c, r->code, r->message);
		one_answered(a);
		return;
	}
	struct buf groups = BUF_INIT;
	json_t *jg = json_array();
	for (size_t i = 0; i < id->ngroups; i++) {
		if (i)
			buf_putc(&groups, ',');
		buf_puts(&groups, id->groups[i]);
		json_array_append_new(jg, json_string(id->groups[i]));
	}
	a->json = json_pack("{s:s, s:s, s:s, s:o, s:b, s:s}", "context",
			    kube_client_context(a->c), "username",
			    id->username, "uid", id->uid, "groups", jg,
			    "fromServer", id->from_server, "groupList",
			    buf_str(&groups));
	buf_free(&groups);
	one_answered(a);
}

static const char whoami_usage[] =
	"opsdeck whoami [--context C ... | --all-contexts] [--json]";

int cli_whoami(int argc, char **argv)
{
	struct kubecli k = {0};
	struct vec pos = VEC_INIT;
	int rc = kubecli_parse(&k, argc, argv, NULL, NULL, &pos, whoami_usage);
	if (rc == CLI_OK && pos.len) {
		fprintf(stderr, "usage: %s\n", whoami_usage);
		rc = CLI_USAGE;
	}
	vec_free(&pos, NULL);
	if (rc == CLI_OK)
		rc = kubecli_connect(&k, NULL);
	if (rc != CLI_OK) {
		kubecli_free(&k);
		return rc;
	}
	struct table t;
	const char *headers[] = {"CONTEXT", "USERNAME", "GROUPS", "FROM"};
	table_init(&t, headers, 4);
	size_t pending = k.clients.len;
	struct ask *asks = xcalloc(pending, sizeof *asks);
	for (size_t i = 0; i < k.clients.len; i++) {
		asks[i] = (struct ask){&k, k.clients.items[i], &pending, NULL,
				       false, false};
		kube_whoami(asks[i].c, on_whoami, &asks[i]);
	}
	loop_run(k.loop);
	if (k.json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < k.clients.len; i++)
			if (asks[i].json) {
				json_object_del(asks[i].json, "groupList");
				json_array_append_new(arr, asks[i].json);
			}
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
		json_decref(arr);
	} else {
		/* rows in context order, whatever order the answers came in */
		for (size_t i = 0; i < k.clients.len; i++) {
			json_t *j = asks[i].json;
			if (!j)
				continue;
			const char *cells[] = {
				kube_client_context(asks[i].c),
				json_string_value(json_object_get(j, "username")),
				json_string_value(json_object_get(j, "groupList")),
				json_is_true(json_object_get(j, "fromServer"))
					? "cluster"
					: "kubeconfig"};
			table_add(&t, cells);
			json_decref(j);
		}
		if (t.cells.len > t.ncols)
			table_print(&t, stdout);
	}
	rc = k.exit_code;
	table_free(&t);
	free(asks);
	kubecli_free(&k);
	return rc;
}

/* ---- can-i ---------------------------------------------------------------- */

static void on_can_i(void *arg, bool allowed, const char *reason,
		     const struct kube_response *r)
{
	struct ask *a = arg;
	(void)reason;
	if (r && r->code != ST_OK) {
		kubecli_fail(a->k, a->c, r->code, r->message);
	} else {
		a->allowed = allowed;
		a->json = json_pack("{s:s, s:b}", "context",
				    kube_client_context(a->c), "allowed",
				    allowed);
	}
	one_answered(a);
}

/* "deployments", "deploy", "deployments.apps", "deployments/scale",
 * "pods/log" -> group, resource, subresource. */
static void parse_resource(const char *s, char **group, char **resource,
			   char **sub)
{
	const char *slash = strchr(s, '/');
	char *base = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
	*sub = slash && slash[1] ? xstrdup(slash + 1) : NULL;
	char *dot = strchr(base, '.');
	enum kube_kind kind;
	if (dot) {
		*dot = '\0';
		*group = xstrdup(dot + 1);
		*resource = xstrdup(base);
	} else if (kube_kind_parse(base, &kind)) {
		*group = xstrdup(kube_kind_group(kind));
		*resource = xstrdup(kube_kind_resource(kind));
	} else {
		*group = xstrdup("");
		*resource = xstrdup(base);
	}
	free(base);
}

static const char can_i_usage[] =
	"opsdeck can-i [--context C ... | --all-contexts] VERB RESOURCE "
	"[NAME] [-n NS | -A] [--json]";

int cli_can_i(int argc, char **argv)
{
	struct kubecli k = {0};
	struct vec pos = VEC_INIT;
	int rc = kubecli_parse(&k, argc, argv, NULL, NULL, &pos, can_i_usage);
	if (rc == CLI_OK && (pos.len < 2 || pos.len > 3)) {
		fprintf(stderr, "opsdeck can-i: give VERB and RESOURCE\n"
				"usage: %s\n", can_i_usage);
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK)
		rc = kubecli_connect(&k, NULL);
	if (rc != CLI_OK) {
		vec_free(&pos, NULL);
		kubecli_free(&k);
		return rc;
	}
	char *group, *resource, *sub;
	parse_resource(pos.items[1], &group, &resource, &sub);
	size_t pending = k.clients.len;
	struct ask *asks = xcalloc(pending, sizeof *asks);
	for (size_t i = 0; i < k.clients.len; i++) {
		struct kube_client *c = k.clients.items[i];
		asks[i] = (struct ask){&k, c, &pending, NULL, false, false};
		const char *ns = kubecli_namespace(&k, c);
		struct kube_access q = {
			.verb = pos.items[0],
			.group = group,
			.resource = resource,
			.subresource = sub,
			.namespace_ = *ns ? ns : NULL,
			.name = pos.len > 2 ? pos.items[2] : NULL,
		};
		kube_can_i(c, &q, on_can_i, &asks[i]);
	}
	loop_run(k.loop);
	bool all_yes = true;
	json_t *arr = json_array();
	for (size_t i = 0; i < k.clients.len; i++) {
		if (!asks[i].json)
			continue;
		all_yes &= asks[i].allowed;
		if (k.json)
			json_array_append(arr, asks[i].json);
		else if (kubecli_many(&k))
			printf("%s\t%s\n", kube_client_context(asks[i].c),
			       asks[i].allowed ? "yes" : "no");
		else
			printf("%s\n", asks[i].allowed ? "yes" : "no");
		json_decref(asks[i].json);
	}
	if (k.json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	}
	json_decref(arr);
	rc = k.exit_code ? k.exit_code : all_yes ? CLI_OK : CLI_BAD_NEWS;
	free(asks);
	free(group);
	free(resource);
	free(sub);
	vec_free(&pos, NULL);
	kubecli_free(&k);
	return rc;
}
