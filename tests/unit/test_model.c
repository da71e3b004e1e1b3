/*
 * Unit tests for src/model/config.c and desired.c: a full opsdeck.yaml
 * (defaults, subsets, cells in service × environment × tenant order and
 * every template rendered per cell, the lookups), every validation
 * message with its exact "opsdeck.yaml:line:col:" (table-driven), several
 * problems in one file all reported and a problem repeated across cells
 * reported once, hostile input (alias bombs, deep nesting, huge and binary
 * files, truncated YAML, a second document), and desired versions read
 * through a table-backed struct model_source: Helm fallback chains,
 * Kustomize images, multi-document manifests, values that are not
 * versions (located in the version file), problems said once, and the
 * parse cache.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/str.h"
#include "model/model.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* No control character and no C1 control: one line a terminal shows as
 * it is. */
static void assert_one_safe_line(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f ||
		    (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
		     p[i + 1] <= 0x9f))
			fail_msg("unsafe byte 0x%02X in \"%.*s\"", p[i], (int)n,
				 s);
	}
}

/* Every line of problems is "opsdeck.yaml:LINE:COL: message" and safe;
 * returns how many there are. */
static size_t assert_located_lines(const char *problems)
{
	size_t n = 0;
	for (const char *s = problems; *s; n++) {
		const char *nl = strchr(s, '\n');
		if (!nl)
			fail_msg("problems do not end with a newline: \"%s\"",
				 s);
		int line = 0, col = 0, used = 0;
		if (strncmp(s, "opsdeck.yaml:", 13) ||
		    sscanf(s + 13, "%d:%d: %n", &line, &col, &used) != 2 ||
		    !used || line < 1 || col < 1)
			fail_msg("not located: \"%.*s\"", (int)(nl - s), s);
		assert_one_safe_line(s, (size_t)(nl - s));
		s = nl + 1;
	}
	return n;
}

/* Desired-version problems: each line non-empty and safe. */
static void assert_located_desired(const char *problems)
{
	for (const char *s = problems; *s;) {
		const char *nl = strchr(s, '\n');
		if (!nl || nl == s)
			fail_msg("bad problem lines: \"%s\"", problems);
		assert_one_safe_line(s, (size_t)(nl - s));
		s = nl + 1;
	}
}

static struct model *parse_ok(const char *text)
{
	struct model *m = NULL;
	struct buf p = BUF_INIT;
	enum status st =
	    model_parse("opsdeck.yaml", text, strlen(text), &m, &p);
	if (st != ST_OK)
		fail_msg("status %s for:\n%s\nproblems:\n%s", status_name(st),
			 text, buf_str(&p));
	assert_non_null(m);
	assert_int_equal(p.len, 0);
	buf_free(&p);
	return m;
}

/* Parse text that must fail with ERR_PARSE; returns the problems (free). */
static char *parse_fails(const char *text)
{
	struct model *m = (struct model *)1;
	struct buf p = BUF_INIT;
	enum status st =
	    model_parse("opsdeck.yaml", text, strlen(text), &m, &p);
	if (st != ST_ERR_PARSE)
		fail_msg("status %s for:\n%s\nproblems:\n%s", status_name(st),
			 text, buf_str(&p));
	assert_null(m);
	assert_true(p.len > 0);
	assert_located_lines(buf_str(&p));
	return buf_detach(&p);
}

static const char *var(const struct vec *vars, const char *name)
{
	for (size_t i = 0; i < vars->len; i++) {
		const struct model_var *v = vars->items[i];
		if (!strcmp(v->name, name))
			return v->value;
	}
	return NULL;
}

/* docs/config-repo.md's example, with the tenant it names defined and a
 * container and variables used. */
static const char full_yaml[] =
    "environments:\n"
    "  - name: development\n"
    "    short: dev\n"
    "    cluster: finpay-dev\n"
    "  - name: staging\n"
    "    short: stg\n"
    "    cluster: finpay-dev\n"
    "    approval: confirm\n"
    "  - name: production\n"
    "    short: prod\n"
    "    cluster: finpay-prod\n"
    "    approval: second-person\n"
    "    protected: true\n"
    "    variables: {Region: eu-west-1, Replicas: 3}\n"
    "\n"
    "tenants:\n"
    "  - name: acme\n"
    "    title: Acme Corp\n"
    "    tags: [enterprise, us]\n"
    "    variables: {BrandColor: \"#FF6600\", Region: us-east-1}\n"
    "  - name: euroshop\n"
    "  - name: initech\n"
    "    title: Initech\n"
    "\n"
    "services:\n"
    "  - name: payments-api\n"
    "    team: payments\n"
    "    workload: deployment/payments-api\n"
    "    namespace: \"payments-{{ env.short }}\"\n"
    "    version:\n"
    "      file: \"charts/payments-api/values-{{ env.name }}.yaml\"\n"
    "      path: image.tag\n"
    "\n"
    "  - name: merchant-portal\n"
    "    team: merchants\n"
    "    tenanted: true\n"
    "    tenants: [acme, euroshop]\n"
    "    workload: \"statefulset/merchant-portal-{{ tenant.name }}\"\n"
    "    namespace: \"merchant-{{ tenant.name }}-{{ env.short }}\"\n"
    "    container: \"portal-{{ service.team }}\"\n"
    "    version:\n"
    "      - file: \"tenants/{{ tenant.name }}/merchant-portal/"
    "values-{{ env.name }}.yaml\"\n"
    "        path: image.tag\n"
    "      - file: charts/merchant-portal/values.yaml\n"
    "        path: image.tag\n"
    "      - file: charts/merchant-portal/Chart.yaml\n"
    "        path: appVersion\n"
    "\n"
    "  - name: kyc-service\n"
    "    team: merchants\n"
    "    environments: [staging, prod]\n"
    "    workload: daemonset/kyc-service\n"
    "    namespace: \"kyc-{{ env.short }}\"\n"
    "    version:\n"
    "      file: \"manifests/kyc-service/{{ env.name }}.yaml\"\n"
    "      document: {kind: Deployment, name: kyc-service}\n"
    "      path: \"spec.template.spec.containers[name=kyc-service].image\"\n"
    "      image: true\n"
    "\n"
    "  - name: region-proxy\n"
    "    tenanted: true\n"
    "    environments: [production]\n"
    "    workload: \"deployment/proxy-{{ tenant.name }}\"\n"
    "    namespace: \"proxy-{{ vars.Region }}\"\n"
    "    version:\n"
    "      file: \"proxy/{{ vars.Region }}/{{ tenant.title }}.yaml\"\n"
    "      path: tag\n"
    "      document: 1\n"
    "\n"
    "runbooks: ops/runbooks\n"
    "policy: policy.yaml\n";

static void test_full_model(void **state)
{
	(void)state;
	struct model *m = parse_ok(full_yaml);
	assert_string_equal(m->name, "opsdeck.yaml");

	/* environments, in order */
	assert_int_equal(m->envs.len, 3);
	static const struct {
		const char *name, *short_, *cluster;
		enum approval approval;
		bool protected_;
	} envs[] = {
	    {"development", "dev", "finpay-dev", APPROVAL_NONE, false},
	    {"staging", "stg", "finpay-dev", APPROVAL_CONFIRM, false},
	    {"production", "prod", "finpay-prod", APPROVAL_SECOND_PERSON, true},
	};
	for (size_t i = 0; i < LEN(envs); i++) {
		struct model_env *e = m->envs.items[i];
		assert_int_equal(e->index, i);
		assert_string_equal(e->name, envs[i].name);
		assert_string_equal(e->short_, envs[i].short_);
		assert_string_equal(e->cluster, envs[i].cluster);
		assert_int_equal(e->approval, envs[i].approval);
		assert_int_equal(e->protected_, envs[i].protected_);
		assert_ptr_equal(model_env(m, envs[i].name), e);
		assert_ptr_equal(model_env(m, envs[i].short_), e);
	}
	struct model_env *prod = m->envs.items[2];
	assert_int_equal(prod->vars.len, 2);
	assert_string_equal(var(&prod->vars, "Region"), "eu-west-1");
	assert_string_equal(var(&prod->vars, "Replicas"), "3");
	assert_string_equal(approval_name(APPROVAL_SECOND_PERSON),
			    "second-person");
	assert_string_equal(approval_name(APPROVAL_NONE), "none");

	/* tenants */
	assert_int_equal(m->tenants.len, 3);
	struct model_tenant *acme = m->tenants.items[0];
	struct model_tenant *euroshop = m->tenants.items[1];
	struct model_tenant *initech = m->tenants.items[2];
	assert_string_equal(acme->name, "acme");
	assert_string_equal(acme->title, "Acme Corp");
	assert_int_equal(acme->tags.len, 2);
	assert_string_equal(acme->tags.items[0], "enterprise");
	assert_string_equal(acme->tags.items[1], "us");
	assert_string_equal(var(&acme->vars, "BrandColor"), "#FF6600");
	assert_string_equal(euroshop->title, "euroshop");
	assert_int_equal(euroshop->tags.len, 0);
	assert_int_equal(euroshop->vars.len, 0);
	assert_int_equal(initech->index, 2);
	assert_ptr_equal(model_tenant(m, "initech"), initech);
	assert_null(model_tenant(m, "Initech"));

	/* services */
	assert_int_equal(m->services.len, 4);
	struct model_service *pay = model_service(m, "payments-api");
	struct model_service *portal = model_service(m, "merchant-portal");
	struct model_service *kyc = model_service(m, "kyc-service");
	struct model_service *proxy = model_service(m, "region-proxy");
	assert_non_null(pay);
	assert_non_null(portal);
	assert_non_null(kyc);
	assert_non_null(proxy);
	assert_null(model_service(m, "nope"));
	assert_ptr_equal(m->services.items[1], portal);
	assert_int_equal(portal->index, 1);
	assert_string_equal(pay->team, "payments");
	assert_false(pay->tenanted);
	assert_true(portal->tenanted);
	assert_string_equal(proxy->team, "");
	assert_int_equal(pay->kind, KUBE_DEPLOYMENT);
	assert_int_equal(portal->kind, KUBE_STATEFULSET);
	assert_int_equal(kyc->kind, KUBE_DAEMONSET);
	assert_string_equal(pay->workload, "payments-api");
	assert_string_equal(portal->workload,
			    "merchant-portal-{{ tenant.name }}");
	assert_null(pay->container);
	assert_string_equal(portal->container, "portal-{{ service.team }}");

	/* locators as written */
	assert_int_equal(pay->locators.len, 1);
	assert_int_equal(portal->locators.len, 3);
	struct model_locator *l = portal->locators.items[2];
	assert_string_equal(l->file, "charts/merchant-portal/Chart.yaml");
	assert_string_equal(locator_text(l->path), "appVersion");
	assert_null(l->doc_kind);
	assert_int_equal(l->doc_index, -1);
	assert_false(l->image);
	l = kyc->locators.items[0];
	assert_string_equal(l->doc_kind, "Deployment");
	assert_string_equal(l->doc_name, "kyc-service");
	assert_int_equal(l->doc_index, -1);
	assert_true(l->image);
	l = proxy->locators.items[0];
	assert_int_equal(l->doc_index, 1);
	assert_null(l->doc_kind);

	/* cells: service × env × tenant */
	static const struct {
		const char *key, *workload, *ns, *container, *file;
	} cells[] = {
	    {"payments-api/development", "payments-api", "payments-dev", NULL,
	     "charts/payments-api/values-development.yaml"},
	    {"payments-api/staging", "payments-api", "payments-stg", NULL,
	     "charts/payments-api/values-staging.yaml"},
	    {"payments-api/production", "payments-api", "payments-prod", NULL,
	     "charts/payments-api/values-production.yaml"},
	    {"merchant-portal/development/acme", "merchant-portal-acme",
	     "merchant-acme-dev", "portal-merchants",
	     "tenants/acme/merchant-portal/values-development.yaml"},
	    {"merchant-portal/development/euroshop", "merchant-portal-euroshop",
	     "merchant-euroshop-dev", "portal-merchants",
	     "tenants/euroshop/merchant-portal/values-development.yaml"},
	    {"merchant-portal/staging/acme", "merchant-portal-acme",
	     "merchant-acme-stg", "portal-merchants",
	     "tenants/acme/merchant-portal/values-staging.yaml"},
	    {"merchant-portal/staging/euroshop", "merchant-portal-euroshop",
	     "merchant-euroshop-stg", "portal-merchants",
	     "tenants/euroshop/merchant-portal/values-staging.yaml"},
	    {"merchant-portal/production/acme", "merchant-portal-acme",
	     "merchant-acme-prod", "portal-merchants",
	     "tenants/acme/merchant-portal/values-production.yaml"},
	    {"merchant-portal/production/euroshop", "merchant-portal-euroshop",
	     "merchant-euroshop-prod", "portal-merchants",
	     "tenants/euroshop/merchant-portal/values-production.yaml"},
	    {"kyc-service/staging", "kyc-service", "kyc-stg", NULL,
	     "manifests/kyc-service/staging.yaml"},
	    {"kyc-service/production", "kyc-service", "kyc-prod", NULL,
	     "manifests/kyc-service/production.yaml"},
	    /* a tenant's variable wins over the environment's */
	    {"region-proxy/production/acme", "proxy-acme", "proxy-us-east-1",
	     NULL, "proxy/us-east-1/Acme Corp.yaml"},
	    {"region-proxy/production/euroshop", "proxy-euroshop",
	     "proxy-eu-west-1", NULL, "proxy/eu-west-1/euroshop.yaml"},
	    {"region-proxy/production/initech", "proxy-initech",
	     "proxy-eu-west-1", NULL, "proxy/eu-west-1/Initech.yaml"},
	};
	assert_int_equal(m->cells.len, LEN(cells));
	for (size_t i = 0; i < LEN(cells); i++) {
		struct model_cell *c = m->cells.items[i];
		assert_string_equal(c->key, cells[i].key);
		assert_string_equal(c->workload, cells[i].workload);
		assert_string_equal(c->namespace_, cells[i].ns);
		if (cells[i].container)
			assert_string_equal(c->container, cells[i].container);
		else
			assert_null(c->container);
		assert_string_equal(c->files[0], cells[i].file);
		assert_ptr_equal(model_cell(m, cells[i].key), c);
		assert_ptr_equal(
		    model_cell_of(m, c->service, c->env, c->tenant), c);
		assert_null(c->desired.version);
		assert_null(c->live);
	}
	struct model_cell *c = model_cell(m, "merchant-portal/staging/acme");
	assert_ptr_equal(c->service, portal);
	assert_ptr_equal(c->env, model_env(m, "staging"));
	assert_ptr_equal(c->tenant, acme);
	assert_string_equal(c->files[1], "charts/merchant-portal/values.yaml");
	assert_string_equal(c->files[2], "charts/merchant-portal/Chart.yaml");
	assert_null(c->files[3]);
	assert_null(model_cell(m, "payments-api/development/acme"));
	assert_null(model_cell(m, "merchant-portal/staging/initech"));
	assert_null(model_cell(m, "kyc-service/development"));
	assert_null(model_cell_of(m, kyc, model_env(m, "dev"), NULL));
	assert_null(model_cell_of(m, portal, model_env(m, "dev"), initech));
	/* per service, in env order */
	assert_int_equal(pay->cells.len, 3);
	assert_int_equal(portal->cells.len, 6);
	assert_int_equal(kyc->cells.len, 2);
	assert_int_equal(proxy->cells.len, 3);
	assert_ptr_equal(portal->cells.items[0], m->cells.items[3]);

	assert_string_equal(m->runbooks, "ops/runbooks/");
	assert_string_equal(m->policy, "policy.yaml");
	model_free(m);
	model_free(NULL);
}

static void test_defaults(void **state)
{
	(void)state;
	struct model *m = parse_ok(
	    "environments:\n"
	    "  - {name: dev, cluster: c}\n"
	    "  - {name: prod, short: p, cluster: c}\n"
	    "  - {name: live, short: production, cluster: c}\n"
	    "  - {name: qa, short: q, cluster: c, protected: false}\n"
	    "  - {name: staging, short: stg, cluster: c, protected: true}\n"
	    "services:\n"
	    "  - name: api\n"
	    "    workload: deployment/api\n"
	    "    namespace: \"api-{{ env.short }}\"\n"
	    "    container: \"\"\n"
	    "    version: {file: v.yaml, path: tag}\n");
	static const struct {
		const char *name, *short_;
		bool protected_;
	} envs[] = {
	    {"dev", "dev", false},	  {"prod", "p", true},
	    {"live", "production", true}, {"qa", "q", false},
	    {"staging", "stg", true},
	};
	assert_int_equal(m->envs.len, LEN(envs));
	for (size_t i = 0; i < LEN(envs); i++) {
		struct model_env *e = m->envs.items[i];
		assert_string_equal(e->name, envs[i].name);
		assert_string_equal(e->short_, envs[i].short_);
		assert_int_equal(e->approval, APPROVAL_NONE);
		assert_int_equal(e->protected_, envs[i].protected_);
		assert_int_equal(e->vars.len, 0);
	}
	assert_int_equal(m->tenants.len, 0);
	struct model_service *s = m->services.items[0];
	assert_string_equal(s->team, "");
	assert_false(s->tenanted);
	assert_null(s->container);
	assert_int_equal(m->cells.len, 5);
	assert_string_equal(
	    ((struct model_cell *)m->cells.items[1])->namespace_, "api-p");
	assert_string_equal(m->runbooks, "runbooks/");
	assert_null(m->policy);
	model_free(m);

	/* runbooks: given with and without the slash */
	const char *base = "environments: [{name: dev, cluster: c}]\n"
			   "services:\n"
			   "  - name: api\n"
			   "    workload: deployment/api\n"
			   "    namespace: api\n"
			   "    version: {file: v.yaml, path: tag}\n";
	static const char *const runbooks[][2] = {
	    {"runbooks: ops/rb\n", "ops/rb/"},
	    {"runbooks: ops/rb/\n", "ops/rb/"},
	    {"runbooks: \"x//\"\n", "x/"},
	    {"runbooks: \"\"\n", "runbooks/"},
	};
	for (size_t i = 0; i < LEN(runbooks); i++) {
		char *text = str_printf("%s%s", base, runbooks[i][0]);
		m = parse_ok(text);
		assert_string_equal(m->runbooks, runbooks[i][1]);
		model_free(m);
		free(text);
	}
}

/* Environments and tenants named by short names and subsets. */
static void test_subsets(void **state)
{
	(void)state;
	struct model *m = parse_ok(
	    "environments:\n"
	    "  - {name: development, short: dev, cluster: c}\n"
	    "  - {name: staging, short: stg, cluster: c}\n"
	    "  - {name: production, short: prod, cluster: c}\n"
	    "tenants: [{name: a}, {name: b}, {name: c}]\n"
	    "services:\n"
	    "  - name: x\n"
	    "    tenanted: true\n"
	    "    tenants: [c, a, c]\n"
	    "    environments: [prod, development]\n"
	    "    workload: \"deployment/x-{{ tenant.name }}\"\n"
	    "    namespace: \"x-{{ env.short }}\"\n"
	    "    version: {file: \"x/{{ tenant.name }}.yaml\", path: tag}\n"
	    "  - name: y\n"
	    "    environments: [stg]\n"
	    "    workload: deployment/y\n"
	    "    namespace: y\n"
	    "    version: {file: y.yaml, path: tag}\n");
	static const char *const keys[] = {
	    "x/development/a", "x/development/c", "x/production/a",
	    "x/production/c",  "y/staging",
	};
	assert_int_equal(m->cells.len, LEN(keys));
	for (size_t i = 0; i < LEN(keys); i++)
		assert_string_equal(
		    ((struct model_cell *)m->cells.items[i])->key, keys[i]);
	model_free(m);
}

/* Rendered names are checked as Kubernetes checks them: workloads are DNS
 * subdomains, namespaces and containers DNS labels (which, unlike opsdeck's
 * own names, may start with a digit). */
static void test_kube_names(void **state)
{
	(void)state;
	static const struct {
		const char *workload, *ns, *container;
		bool ok;
	} cases[] = {
	    {"app", "ns", "c", true},
	    {"1-app", "2fa", "9c", true},
	    {"123", "123", "123", true},
	    {"app.v1.2", "a-b-c", "a-1", true},
	    {"a23456789012345678901234567890123456789012345678901234567890123."
	     "b",
	     "a23456789012345678901234567890123456789012345678901234567890123",
	     "c", true},
	    {"a..b", "ns", "c", false},
	    {".app", "ns", "c", false},
	    {"app.", "ns", "c", false},
	    {"app-", "ns", "c", false},
	    {"app.-x", "ns", "c", false},
	    {"App", "ns", "c", false},
	    {"app_1", "ns", "c", false},
	    {"app", "-ns", "c", false},
	    {"app", "ns.x", "c", false},
	    {"app", "ns", "c.d", false},
	    {"app", "ns", "C", false},
	    {"app", "ns", "c-", false},
	    {"app",
	     "a234567890123456789012345678901234567890123456789012345678901234",
	     "c", false},
	};
	for (size_t i = 0; i < LEN(cases); i++) {
		char *text = str_printf(
		    "environments: [{name: dev, cluster: c}]\n"
		    "services:\n"
		    "  - name: api\n"
		    "    workload: \"deployment/%s\"\n"
		    "    namespace: \"%s\"\n"
		    "    container: \"%s\"\n"
		    "    version: {file: v.yaml, path: tag}\n",
		    cases[i].workload, cases[i].ns, cases[i].container);
		struct model *m = NULL;
		struct buf p = BUF_INIT;
		enum status st =
		    model_parse("opsdeck.yaml", text, strlen(text), &m, &p);
		if ((st == ST_OK) != cases[i].ok)
			fail_msg("%s %s %s: %s %s", cases[i].workload,
				 cases[i].ns, cases[i].container,
				 status_name(st), buf_str(&p));
		if (m) {
			struct model_cell *c = m->cells.items[0];
			assert_string_equal(c->workload, cases[i].workload);
			assert_string_equal(c->namespace_, cases[i].ns);
			assert_string_equal(c->container, cases[i].container);
		} else
			assert_int_equal(assert_located_lines(buf_str(&p)), 1);
		model_free(m);
		buf_free(&p);
		free(text);
	}
}

/* ---- validation ---- */

#define ENVS                                                                   \
	"environments:\n"                                                      \
	"  - name: dev\n"                                                      \
	"    cluster: c1\n"                                                    \
	"  - name: prod\n"                                                     \
	"    cluster: c2\n"
#define TENANTS                                                                \
	"tenants:\n"                                                           \
	"  - name: acme\n"                                                     \
	"  - name: beta\n"
/* A service whose first key is on line 7 after ENVS ("services:" on 6). */
#define SVC_START "services:\n  - name: api\n"
#define SVC_REST                                                               \
	"    workload: deployment/api\n"                                       \
	"    namespace: \"api-{{ env.name }}\"\n"                              \
	"    version: {file: v.yaml, path: tag}\n"

static const struct {
	const char *yaml;
	const char *problems;
} bad[] = {
    /* the root */
    {"- a\n- b\n",
     "opsdeck.yaml:1:1: opsdeck.yaml must be a mapping with environments "
     "and services, not a list\n"},
    {"just text\n",
     "opsdeck.yaml:1:1: opsdeck.yaml must be a mapping with environments "
     "and services, not a string\n"},
    {"", "opsdeck.yaml:1:1: opsdeck.yaml must be a mapping with environments "
	 "and services, not empty\n"},
    {"# nothing\n",
     "opsdeck.yaml:1:1: opsdeck.yaml must be a mapping with environments "
     "and services, not empty\n"},
    {"tenants: []\n", "opsdeck.yaml:1:1: opsdeck.yaml needs 'environments'\n"
		      "opsdeck.yaml:1:1: opsdeck.yaml needs 'services'\n"},
    {"environments: []\nservices: []\n",
     "opsdeck.yaml:1:15: environments must list at least one\n"
     "opsdeck.yaml:2:11: services must list at least one\n"},
    {"environments: {dev: x}\nservices: api\n",
     "opsdeck.yaml:1:15: environments must be a list, not a mapping\n"
     "opsdeck.yaml:2:11: services must be a list, not a string\n"},
    {ENVS SVC_START SVC_REST "enviroments: []\nrunbook: x\n",
     "opsdeck.yaml:11:1: unknown key 'enviroments' in opsdeck.yaml (did "
     "you mean 'environments'?)\n"
     "opsdeck.yaml:12:1: unknown key 'runbook' in opsdeck.yaml (did you "
     "mean 'runbooks'?)\n"},
    {ENVS SVC_START SVC_REST "colour: blue\n",
     "opsdeck.yaml:11:1: unknown key 'colour' in opsdeck.yaml\n"},
    {ENVS SVC_START SVC_REST "runbooks: 5\npolicy: [a]\n",
     "opsdeck.yaml:11:11: runbooks must be a string, not a number\n"
     "opsdeck.yaml:12:9: policy must be a string, not a list\n"},
    {ENVS SVC_START SVC_REST "runbooks: ../rb\npolicy: /etc/policy.yaml\n",
     "opsdeck.yaml:11:11: runbooks must be a folder inside the repo\n"
     "opsdeck.yaml:12:9: policy must be a file inside the repo\n"},
    {ENVS SVC_START SVC_REST "runbooks: /\n",
     "opsdeck.yaml:11:11: runbooks must be a folder inside the repo\n"},

    /* environments */
    {"environments:\n"
     "  - name: dev\n"
     "    cluster: c1\n"
     "    clustr: c2\n"
     "    aproval: none\n" SVC_START SVC_REST,
     "opsdeck.yaml:4:5: unknown key 'clustr' in an environment (did you "
     "mean 'cluster'?)\n"
     "opsdeck.yaml:5:5: unknown key 'aproval' in an environment (did you "
     "mean 'approval'?)\n"},
    {"environments:\n"
     "  - cluster: c1\n"
     "  - name: dev\n"
     "  - 7\n" SVC_START SVC_REST,
     "opsdeck.yaml:2:5: an environment needs 'name'\n"
     "opsdeck.yaml:3:5: an environment needs 'cluster'\n"
     "opsdeck.yaml:4:5: an environment must be a mapping, not a number\n"},
    {"environments:\n"
     "  - name: Dev\n"
     "    cluster: c1\n"
     "  - name: 1dev\n"
     "    cluster: c1\n"
     "  - name: dev-\n"
     "    cluster: c1\n"
     "  - name: \"\"\n"
     "    cluster: \"\"\n"
     "  - name: [dev]\n"
     "    cluster: {a: b}\n"
     "  - name: d_e_v\n"
     "    cluster: c1\n"
     "  - name: "
     "a234567890123456789012345678901234567890123456789012345678901234\n"
     "    cluster: c1\n" SVC_START SVC_REST,
     "opsdeck.yaml:2:11: 'Dev' is not a valid name: lowercase letters, "
     "digits and '-', starting with a letter, at most 63\n"
     "opsdeck.yaml:4:11: '1dev' is not a valid name: lowercase letters, "
     "digits and '-', starting with a letter, at most 63\n"
     "opsdeck.yaml:6:11: 'dev-' is not a valid name: lowercase letters, "
     "digits and '-', starting with a letter, at most 63\n"
     "opsdeck.yaml:8:11: name must not be empty\n"
     "opsdeck.yaml:9:14: cluster must not be empty\n"
     "opsdeck.yaml:10:11: name must be a string, not a list\n"
     "opsdeck.yaml:11:14: cluster must be a string, not a mapping\n"
     "opsdeck.yaml:12:11: 'd_e_v' is not a valid name: lowercase letters, "
     "digits and '-', starting with a letter, at most 63\n"
     "opsdeck.yaml:14:11: "
     "'a23456789012345678901234567890123456789012345678901234567890...' "
     "is "
     "not a valid name: lowercase letters, digits and '-', starting with a "
     "letter, at most 63\n"},
    {"environments:\n"
     "  - name: dev\n"
     "    cluster: c1\n"
     "    short: D\n"
     "    approval: always\n"
     "    protected: yes\n"
     "    variables: [a]\n" SVC_START SVC_REST,
     "opsdeck.yaml:4:12: short: lowercase letters, digits and '-', "
     "starting with a letter\n"
     "opsdeck.yaml:5:15: approval 'always': use none, confirm or "
     "second-person\n"
     "opsdeck.yaml:6:16: protected must be true or false, not a string\n"
     "opsdeck.yaml:7:16: variables must be a mapping, not a list\n"},
    {"environments:\n"
     "  - name: dev\n"
     "    cluster: c1\n"
     "    approval: Confirm\n"
     "    short: 5\n" SVC_START SVC_REST,
     "opsdeck.yaml:5:12: short must be a string, not a number\n"
     "opsdeck.yaml:4:15: approval 'Confirm': use none, confirm or "
     "second-person\n"},
    /* problems after a missing name or cluster are still found */
    {"environments:\n"
     "  - name: dev\n"
     "    protected: 1\n"
     "    variables: {a b: x, C: [1], D: null, E: 1.5}\n" SVC_START SVC_REST,
     "opsdeck.yaml:2:5: an environment needs 'cluster'\n"
     "opsdeck.yaml:3:16: protected must be true or false, not a number\n"
     "opsdeck.yaml:4:17: variable names are letters, digits, '_' and '-' "
     "(at most 63)\n"
     "opsdeck.yaml:4:28: variable C must be a string, not a list (quote "
     "it)\n"
     "opsdeck.yaml:4:36: variable D must be a string, not empty (quote "
     "it)\n"
     "opsdeck.yaml:4:45: variable E must be a string, not a number (quote "
     "it)\n"},
    /* duplicates: name and short share one space */
    {"environments:\n"
     "  - {name: dev, cluster: c1}\n"
     "  - {name: dev, cluster: c2}\n"
     "  - {name: development, short: dev, cluster: c3}\n"
     "  - {name: staging, short: stg, cluster: c4}\n"
     "  - {name: stg, cluster: c5}\n"
     "  - {name: live, short: staging, cluster: c6}\n"
     "  - {name: prod, short: prod, cluster: c7}\n" SVC_START SVC_REST,
     "opsdeck.yaml:3:5: environment 'dev' is defined twice (name or short "
     "name)\n"
     "opsdeck.yaml:4:5: environment 'dev' is defined twice (name or short "
     "name)\n"
     "opsdeck.yaml:6:5: environment 'stg' is defined twice (name or short "
     "name)\n"
     "opsdeck.yaml:7:5: environment 'staging' is defined twice (name or "
     "short name)\n"},
    /* a duplicate of an entry that has problems of its own */
    {"environments:\n"
     "  - {name: dev}\n"
     "  - {name: dev, cluster: c2}\n" SVC_START SVC_REST,
     "opsdeck.yaml:2:5: an environment needs 'cluster'\n"
     "opsdeck.yaml:3:5: environment 'dev' is defined twice (name or short "
     "name)\n"},

    /* tenants */
    {ENVS "tenants:\n"
	  "  - name: acme\n"
	  "    titl: Acme\n"
	  "    tags: [a, 1, {b: c}]\n"
	  "  - name: acme\n"
	  "  - title: no name\n"
	  "    tags: x\n"
	  "    variables: {Y: [1]}\n"
	  "  - [acme]\n" SVC_START SVC_REST,
     "opsdeck.yaml:8:5: unknown key 'titl' in a tenant (did you mean "
     "'title'?)\n"
     "opsdeck.yaml:9:15: a tag must be a string, not a number\n"
     "opsdeck.yaml:9:18: a tag must be a string, not a mapping\n"
     "opsdeck.yaml:10:5: tenant 'acme' is defined twice\n"
     "opsdeck.yaml:11:5: a tenant needs 'name'\n"
     "opsdeck.yaml:12:11: tags must be a list, not a string\n"
     "opsdeck.yaml:13:20: variable Y must be a string, not a list (quote "
     "it)\n"
     "opsdeck.yaml:14:5: a tenant must be a mapping, not a list\n"},
    {ENVS "tenants:\n  - name: ACME\n    title: 5\n" SVC_START SVC_REST,
     "opsdeck.yaml:7:11: 'ACME' is not a valid name: lowercase letters, "
     "digits and '-', starting with a letter, at most 63\n"
     "opsdeck.yaml:8:12: title must be a string, not a number\n"},
    {ENVS "tenants: {acme: {}}\n" SVC_START SVC_REST,
     "opsdeck.yaml:6:10: tenants must be a list, not a mapping\n"},

    /* services: keys, names, types */
    {ENVS SVC_START SVC_REST "    enviroment: [dev]\n    tenant: true\n",
     "opsdeck.yaml:11:5: unknown key 'enviroment' in a service (did you "
     "mean 'environments'?)\n"
     "opsdeck.yaml:12:5: unknown key 'tenant' in a service (did you mean "
     "'tenants'?)\n"},
    {ENVS "services:\n  - team: x\n  - name: Api\n  - 5\n",
     "opsdeck.yaml:7:5: a service needs 'name'\n"
     "opsdeck.yaml:7:5: a service needs 'workload'\n"
     "opsdeck.yaml:7:5: a service needs 'namespace'\n"
     "opsdeck.yaml:7:5: a service needs 'version'\n"
     "opsdeck.yaml:8:11: 'Api' is not a valid name: lowercase letters, "
     "digits and '-', starting with a letter, at most 63\n"
     "opsdeck.yaml:8:5: a service needs 'workload'\n"
     "opsdeck.yaml:8:5: a service needs 'namespace'\n"
     "opsdeck.yaml:8:5: a service needs 'version'\n"
     "opsdeck.yaml:9:5: a service must be a mapping, not a number\n"},
    {ENVS SVC_START "    team: [a]\n    tenanted: \"yes\"\n"
		    "    workload: 5\n    namespace: {}\n    container: 7\n"
		    "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:8:11: team must be a string, not a list\n"
     "opsdeck.yaml:9:15: tenanted must be true or false, not a string\n"
     "opsdeck.yaml:10:15: workload must be a string, not a number\n"
     "opsdeck.yaml:11:16: namespace must be a string, not a mapping\n"
     "opsdeck.yaml:12:16: container must be a string, not a number\n"},
    {ENVS SVC_START SVC_REST "  - name: api\n" SVC_REST,
     "opsdeck.yaml:11:5: service 'api' is defined twice\n"},
    /* a duplicate of a service with problems of its own */
    {ENVS SVC_START "    workload: pod/api\n"
		    "    namespace: api\n"
		    "    version: {file: v.yaml, path: tag}\n"
		    "  - name: api\n" SVC_REST,
     "opsdeck.yaml:8:15: workload kind 'pod': use deployment, statefulset "
     "or daemonset\n"
     "opsdeck.yaml:11:5: service 'api' is defined twice\n"},

    /* workloads */
    {ENVS SVC_START "    workload: api\n"
		    "    namespace: api\n"
		    "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:8:15: workload must be KIND/NAME, e.g. deployment/api\n"},
    {ENVS SVC_START "    workload: \"deployment/\"\n"
		    "    namespace: api\n"
		    "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:8:15: workload must be KIND/NAME, e.g. "
     "deployment/deployment/\n"},
    {ENVS SVC_START "    workload: \"\"\n"
		    "    namespace: \"\"\n"
		    "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:8:15: workload must not be empty\n"
     "opsdeck.yaml:9:16: namespace must not be empty\n"},
    {ENVS SVC_START "    workload: job/api\n"
		    "    namespace: api\n"
		    "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:8:15: workload kind 'job': use deployment, statefulset "
     "or daemonset\n"},
    /* both the kind and the name's template are checked */
    {ENVS SVC_START "    workload: \"pod/{{ env.nmae }}\"\n"
		    "    namespace: api\n"
		    "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:8:15: workload kind 'pod': use deployment, statefulset "
     "or daemonset\n"
     "opsdeck.yaml:8:15: unknown name 'env.nmae' in template (env.name, "
     "env.short, env.cluster, service.name, service.team, tenant.name, "
     "tenant.title, vars.NAME)\n"},
    {ENVS SVC_START "    workload: \"deployment/API_{{ env.name }}\"\n"
		    "    namespace: api\n"
		    "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:8:15: api/dev: workload name 'API_dev' is not a valid "
     "Kubernetes name\n"
     "opsdeck.yaml:8:15: api/prod: workload name 'API_prod' is not a "
     "valid Kubernetes name\n"},

    /* templates */
    {ENVS SVC_START "    workload: deployment/api\n"
		    "    namespace: \"api-{{ env.nmae }}\"\n"
		    "    container: \"{{ service.nmae }}-{{ tenant.titel }}\"\n"
		    "    version:\n"
		    "      file: \"{{ vars }}/v.yaml\"\n"
		    "      path: tag\n",
     "opsdeck.yaml:9:16: unknown name 'env.nmae' in template (env.name, "
     "env.short, env.cluster, service.name, service.team, tenant.name, "
     "tenant.title, vars.NAME)\n"
     "opsdeck.yaml:10:16: unknown name 'service.nmae' in template "
     "(env.name, env.short, env.cluster, service.name, service.team, "
     "tenant.name, tenant.title, vars.NAME)\n"
     "opsdeck.yaml:10:16: unknown name 'tenant.titel' in template "
     "(env.name, env.short, env.cluster, service.name, service.team, "
     "tenant.name, tenant.title, vars.NAME)\n"
     "opsdeck.yaml:12:13: unknown name 'vars' in template (env.name, "
     "env.short, env.cluster, service.name, service.team, tenant.name, "
     "tenant.title, vars.NAME)\n"},
    {ENVS TENANTS SVC_START
     "    workload: \"deployment/api-{{ tenant.name }}\"\n"
     "    namespace: \"api-{{ tenant.title }}\"\n"
     "    version:\n"
     "      file: \"{{ tenant.name }}/v.yaml\"\n"
     "      path: tag\n",
     "opsdeck.yaml:11:15: 'tenant.name' in a service that is not tenanted\n"
     "opsdeck.yaml:12:16: 'tenant.title' in a service that is not "
     "tenanted\n"
     "opsdeck.yaml:14:13: 'tenant.name' in a service that is not "
     "tenanted\n"},
    {ENVS SVC_START "    workload: \"deployment/{{ env.name \"\n"
		    "    namespace: \"api }}\"\n"
		    "    container: \"{{ }}\"\n"
		    "    version:\n"
		    "      file: \"a/{{ env.name }}/{{ x y }}\"\n"
		    "      path: tag\n",
     "opsdeck.yaml:8:15: template: unclosed '{{' (at character 1)\n"
     "opsdeck.yaml:9:16: template: stray '}}' (at character 5)\n"
     "opsdeck.yaml:10:16: template: empty name in '{{ }}' (at character "
     "1)\n"
     "opsdeck.yaml:12:13: template: bad character ' ' (a space) in a "
     "placeholder name (names are letters, digits, '_', '-', '.') (at "
     "character 18)\n"},
    /* a variable a cell does not have, said once per template */
    {"environments:\n"
     "  - {name: dev, cluster: c1, variables: {Region: eu}}\n"
     "  - {name: prod, cluster: c2}\n" TENANTS SVC_START "    tenanted: true\n"
     "    workload: \"deployment/api-{{ tenant.name }}\"\n"
     "    namespace: \"api-{{ vars.Region }}\"\n"
     "    version:\n"
     "      file: \"{{ vars.Path }}/v.yaml\"\n"
     "      path: tag\n",
     "opsdeck.yaml:13:13: api/dev/acme: unknown name 'vars.Path'\n"
     "opsdeck.yaml:11:16: api/prod/acme: unknown name 'vars.Region'\n"},

    /* locators */
    {ENVS SVC_START "    workload: deployment/api\n"
		    "    namespace: api\n"
		    "    version:\n"
		    "      - fil: a.yaml\n"
		    "        path: tag\n"
		    "      - file: 5\n"
		    "        path: [tag]\n"
		    "      - a.yaml\n"
		    "      - {}\n",
     "opsdeck.yaml:11:9: unknown key 'fil' in a version locator (did you "
     "mean 'file'?)\n"
     "opsdeck.yaml:11:9: a version locator needs 'file'\n"
     "opsdeck.yaml:13:15: file must be a string, not a number\n"
     "opsdeck.yaml:14:15: path must be a string, not a list\n"
     "opsdeck.yaml:15:9: a version locator must be a mapping with file "
     "and path, not a string\n"
     "opsdeck.yaml:16:9: a version locator needs 'file'\n"
     "opsdeck.yaml:16:9: a version locator needs 'path'\n"},
    {ENVS SVC_START "    workload: deployment/api\n"
		    "    namespace: api\n"
		    "    version: []\n",
     "opsdeck.yaml:10:14: version needs at least one locator\n"},
    {ENVS SVC_START "    workload: deployment/api\n"
		    "    namespace: api\n"
		    "    version:\n"
		    "      - {file: a.yaml, path: \"images[name=kyc.newTag\"}\n"
		    "      - {file: a.yaml, path: \"image..tag\"}\n"
		    "      - {file: a.yaml, path: \"\"}\n",
     "opsdeck.yaml:11:30: path: ']' expected (at character 23)\n"
     "opsdeck.yaml:12:30: path: empty key (at character 7)\n"
     "opsdeck.yaml:13:30: path must not be empty\n"},
    {ENVS SVC_START "    workload: deployment/api\n"
		    "    namespace: api\n"
		    "    version:\n"
		    "      - {file: /abs/v.yaml, path: tag}\n"
		    "      - {file: a/../v.yaml, path: tag}\n"
		    "      - {file: \"a\\\\b.yaml\", path: tag}\n"
		    "      - {file: \"a//b.yaml\", path: tag}\n"
		    "      - {file: \"dir/\", path: tag}\n"
		    "      - {file: \"a/\\u007f.yaml\", path: tag}\n",
     "opsdeck.yaml:11:16: file must be a path inside the repo (no leading "
     "'/', no '..')\n"
     "opsdeck.yaml:12:16: file must be a path inside the repo (no leading "
     "'/', no '..')\n"
     "opsdeck.yaml:13:16: file must be a path inside the repo (no leading "
     "'/', no '..')\n"
     "opsdeck.yaml:14:16: file must be a path inside the repo (no leading "
     "'/', no '..')\n"
     "opsdeck.yaml:15:16: file must be a path inside the repo (no leading "
     "'/', no '..')\n"
     "opsdeck.yaml:16:16: file must be a path inside the repo (no leading "
     "'/', no '..')\n"},
    /* a rendered path, per cell */
    {ENVS SVC_START "    workload: deployment/api\n"
		    "    namespace: api\n"
		    "    version:\n"
		    "      file: \"{{ env.name }}/../v.yaml\"\n"
		    "      path: tag\n",
     "opsdeck.yaml:11:13: api/dev: file 'dev/../v.yaml' is not a path "
     "inside the repo\n"
     "opsdeck.yaml:11:13: api/prod: file 'prod/../v.yaml' is not a path "
     "inside the repo\n"},
    {ENVS SVC_START
     "    workload: deployment/api\n"
     "    namespace: api\n"
     "    version:\n"
     "      - {file: a.yaml, path: tag, document: -1}\n"
     "      - {file: a.yaml, path: tag, document: [Deployment]}\n"
     "      - {file: a.yaml, path: tag, document: {}}\n"
     "      - {file: a.yaml, path: tag, document: {kind: 5, nam: x}}\n"
     "      - {file: a.yaml, path: tag, image: \"yes\"}\n",
     "opsdeck.yaml:11:45: document must be {kind, name} or an index from "
     "0, not a number\n"
     "opsdeck.yaml:12:45: document must be {kind, name} or an index from "
     "0, not a list\n"
     "opsdeck.yaml:13:45: document needs kind or name\n"
     "opsdeck.yaml:14:55: unknown key 'nam' in document (did you mean "
     "'name'?)\n"
     "opsdeck.yaml:14:52: kind must be a string, not a number\n"
     "opsdeck.yaml:15:42: image must be true or false, not a string\n"},

    /* subsets */
    {ENVS TENANTS SVC_START "    tenants: [acme]\n" SVC_REST,
     "opsdeck.yaml:11:5: tenants in a service that is not tenanted\n"},
    {ENVS TENANTS SVC_START
     "    tenanted: true\n"
     "    tenants: [acme, gamma, 5]\n"
     "    environments: [dev, staging]\n"
     "    workload: \"deployment/api-{{ tenant.name }}\"\n"
     "    namespace: \"api-{{ env.name }}\"\n"
     "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:13:25: no environment named 'staging'\n"
     "opsdeck.yaml:12:21: no tenant named 'gamma'\n"
     "opsdeck.yaml:12:28: tenant names must be strings\n"},
    {ENVS TENANTS SVC_START
     "    tenanted: true\n"
     "    tenants: []\n"
     "    environments: []\n"
     "    workload: \"deployment/api-{{ tenant.name }}\"\n"
     "    namespace: \"api-{{ env.name }}\"\n"
     "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:13:19: environments lists no environment (leave it out "
     "for all)\n"
     "opsdeck.yaml:12:14: tenants lists no tenant (leave it out for "
     "all)\n"},
    {ENVS SVC_START "    environments: dev\n" SVC_REST,
     "opsdeck.yaml:8:19: environments must be a list, not a string\n"},
    {ENVS SVC_START "    tenanted: true\n"
		    "    workload: \"deployment/api-{{ tenant.name }}\"\n"
		    "    namespace: api\n"
		    "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:7:5: a tenanted service, but no tenants defined\n"},

    /* rendered names */
    {ENVS TENANTS SVC_START
     "    tenanted: true\n"
     "    workload: \"deployment/api-{{ tenant.name }}\"\n"
     "    namespace: Api\n"
     "    container: \"{{ tenant.title }}_c\"\n"
     "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:13:16: api/dev/acme: namespace 'Api' is not a valid "
     "namespace name\n"
     "opsdeck.yaml:14:16: api/dev/acme: container 'acme_c' is not a valid "
     "container name\n"
     "opsdeck.yaml:14:16: api/dev/beta: container 'beta_c' is not a valid "
     "container name\n"},
    {"environments:\n"
     "  - {name: dev, cluster: c1, variables: {Ns: \"a.b\"}}\n"
     "  - {name: prod, cluster: c2, variables: {Ns: "
     "a234567890123456789012345678901234567890123456789012345678901234}}"
     "\n" SVC_START "    workload: deployment/api\n"
     "    namespace: \"{{ vars.Ns }}\"\n"
     "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:7:16: api/dev: namespace 'a.b' is not a valid namespace "
     "name\n"
     "opsdeck.yaml:7:16: api/prod: namespace "
     "'a23456789012345678901234567890123456789012345678901234567890...' "
     "is "
     "not a valid namespace name\n"},

    /* two cells claiming one workload */
    {"environments:\n"
     "  - {name: dev, cluster: c1}\n"
     "  - {name: stg, cluster: c1}\n"
     "  - {name: prod, cluster: c2}\n"
     "services:\n"
     "  - name: api\n"
     "    workload: deployment/api\n"
     "    namespace: api\n"
     "    version: {file: v.yaml, path: tag}\n"
     "  - name: web\n"
     "    environments: [prod]\n"
     "    workload: Deployment/api\n"
     "    namespace: api\n"
     "    version: {file: v.yaml, path: tag}\n"
     "  - name: sts\n"
     "    workload: statefulset/api\n"
     "    namespace: api\n"
     "    environments: [prod]\n"
     "    version: {file: v.yaml, path: tag}\n",
     "opsdeck.yaml:7:15: api/dev and api/stg are the same workload "
     "(Deployment api/api on c1)\n"
     "opsdeck.yaml:12:15: api/prod and web/prod are the same workload "
     "(Deployment api/api on c2)\n"},
};

static void test_validation(void **state)
{
	(void)state;
	size_t failed = 0;
	for (size_t i = 0; i < LEN(bad); i++) {
		char *got = parse_fails(bad[i].yaml);
		if (strcmp(got, bad[i].problems)) {
			fprintf(stderr, "case %zu:\n%s\nwant:\n%s\ngot:\n%s\n",
				i, bad[i].yaml, bad[i].problems, got);
			failed++;
		}
		free(got);
	}
	if (failed)
		fail_msg("%zu of %zu cases differ", failed, LEN(bad));
}

/* One file with a problem in each part: every one is reported. */
static void test_all_problems_reported(void **state)
{
	(void)state;
	char *got = parse_fails(
	    "environments:\n"
	    "  - name: dev\n"  /* 2: no cluster */
	    "  - name: Prod\n" /* 4: bad name */
	    "    cluster: c\n"
	    "    approval: maybe\n" /* 5: bad approval */
	    "tenants:\n"
	    "  - name: acme\n"
	    "    tags: [1]\n" /* 8: bad tag */
	    "services:\n"
	    "  - name: api\n"
	    "    workload: deployment/api\n"
	    "    namespace: \"api-{{ env.nmae }}\"\n"	/* 12: unknown name */
	    "    version: {file: /v.yaml, path: tag}\n" /* 13: bad path */
	    "  - name: web\n"
	    "    workload: web\n" /* 15: not KIND/NAME */
	    "    namespace: web\n"
	    "    tenants: [acme]\n"			  /* 17: not tenanted */
	    "    version: {file: v.yaml, path: \"a[\"}\n" /* 18: bad path */
	    "polcy: p.yaml\n");				  /* 19: unknown key */
	size_t n = assert_located_lines(got);
	assert_int_equal(n, 10);
	static const char *const lines[] = {
	    "opsdeck.yaml:2:5: ",   "opsdeck.yaml:3:11: ",
	    "opsdeck.yaml:5:15: ",  "opsdeck.yaml:8:12: ",
	    "opsdeck.yaml:12:16: ", "opsdeck.yaml:13:21: ",
	    "opsdeck.yaml:15:15: ", "opsdeck.yaml:17:5: ",
	    "opsdeck.yaml:18:35: ", "opsdeck.yaml:19:1: ",
	};
	for (size_t i = 0; i < LEN(lines); i++)
		if (!strstr(got, lines[i]))
			fail_msg("no %s in:\n%s", lines[i], got);
	free(got);
}

/* The same problem in many cells is one line. */
static void test_reported_once(void **state)
{
	(void)state;
	struct buf y = BUF_INIT;
	buf_puts(&y, "environments:\n");
	for (int i = 0; i < 5; i++)
		buf_printf(&y, "  - {name: e%d, cluster: c%d}\n", i, i);
	buf_puts(&y, "tenants:\n");
	for (int i = 0; i < 20; i++)
		buf_printf(&y, "  - {name: t%d}\n", i);
	/* lines 28.. */
	buf_puts(&y, "services:\n"
		     "  - name: api\n"
		     "    tenanted: true\n"
		     "    workload: \"deployment/api-{{ tenant.name }}\"\n"
		     "    namespace: API\n"
		     "    container: \"{{ vars.C }}\"\n"
		     "    version: {file: \"{{ vars.F }}\", path: tag}\n");
	char *got = parse_fails(buf_str(&y));
	assert_string_equal(
	    got, "opsdeck.yaml:33:16: api/e0/t0: unknown name 'vars.C'\n"
		 "opsdeck.yaml:34:21: api/e0/t0: unknown name 'vars.F'\n"
		 "opsdeck.yaml:32:16: api/e0/t0: namespace 'API' is not a "
		 "valid namespace name\n");
	free(got);
	buf_free(&y);
}

/* ---- hostile input ---- */

static void parse_hostile(const char *what, const char *text, size_t len,
			  enum status want, const char *prefix)
{
	struct model *m = (struct model *)1;
	struct buf p = BUF_INIT;
	enum status st = model_parse("opsdeck.yaml", text, len, &m, &p);
	if (st != want)
		fail_msg("%s: status %s, want %s: %s", what, status_name(st),
			 status_name(want), buf_str(&p));
	assert_null(m);
	assert_located_lines(buf_str(&p));
	if (!str_has_prefix(buf_str(&p), prefix))
		fail_msg("%s: \"%s\" does not start with \"%s\"", what,
			 buf_str(&p), prefix);
	buf_free(&p);
}

static void test_hostile(void **state)
{
	(void)state;
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
			   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n";
	parse_hostile("alias bomb", bomb, strlen(bomb), ST_ERR_TOOBIG,
		      "opsdeck.yaml:6:");

	struct buf b = BUF_INIT;
	buf_puts(&b, "environments:\n");
	for (int i = 0; i < 100; i++)
		buf_puts(&b, "- ");
	buf_puts(&b, "x\n");
	parse_hostile("100 deep", buf_str(&b), b.len, ST_ERR_TOOBIG,
		      "opsdeck.yaml:2:");
	buf_clear(&b);
	buf_puts(&b, "environments: ");
	for (int i = 0; i < 100; i++)
		buf_puts(&b, "{a: ");
	for (int i = 0; i < 100; i++)
		buf_putc(&b, '}');
	buf_putc(&b, '\n');
	parse_hostile("100 deep flow", buf_str(&b), b.len, ST_ERR_TOOBIG,
		      "opsdeck.yaml:1:");

	/* 5 MB: a comment line repeated */
	buf_clear(&b);
	while (b.len < 5 << 20)
		buf_puts(&b, "# a long comment line to fill opsdeck.yaml up\n");
	parse_hostile("5 MB", buf_str(&b), b.len, ST_ERR_TOOBIG,
		      "opsdeck.yaml:");

	/* binary garbage */
	unsigned char junk[4096];
	unsigned x = 12345;
	for (size_t i = 0; i < sizeof junk; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 16);
	}
	parse_hostile("garbage", (const char *)junk, sizeof junk, ST_ERR_PARSE,
		      "opsdeck.yaml:1:");
	parse_hostile("NUL", "environments:\0", 14, ST_ERR_PARSE,
		      "opsdeck.yaml:1:");

	/* truncated at every byte: a status and located lines, never more */
	size_t n = strlen(full_yaml);
	for (size_t cut = 0; cut < n; cut += 7) {
		struct model *m = (struct model *)1;
		struct buf p = BUF_INIT;
		enum status st =
		    model_parse("opsdeck.yaml", full_yaml, cut, &m, &p);
		if (st == ST_OK) {
			assert_non_null(m);
			model_free(m);
		} else {
			assert_null(m);
			assert_true(p.len > 0);
			assert_located_lines(buf_str(&p));
		}
		buf_free(&p);
	}
	/* in the middle of a quoted string */
	const char *q = strstr(full_yaml, "\"payments-{{");
	parse_hostile("truncated", full_yaml, (size_t)(q - full_yaml) + 5,
		      ST_ERR_PARSE, "opsdeck.yaml:29:");
	parse_hostile("unclosed flow", "environments: [{name: dev",
		      strlen("environments: [{name: dev"), ST_ERR_PARSE,
		      "opsdeck.yaml:2:1: did not find expected ','");

	/* a second document */
	buf_clear(&b);
	buf_printf(&b, "%s---\nservices: []\n", full_yaml);
	parse_hostile("two documents", buf_str(&b), b.len, ST_ERR_PARSE,
		      "opsdeck.yaml:72:1: expected a single YAML document");

	/* control characters in values come back sanitised */
	const char *esc = "environments:\n"
			  "  - {name: dev, cluster: \"c\\e[31m\"}\n"
			  "services:\n"
			  "  - name: a\n"
			  "    workload: deployment/a\n"
			  "    namespace: \"a\\e[2J\"\n"
			  "    version: {file: \"v\\u0085{{ env.name }}\", "
			  "path: tag}\n"
			  "  - name: b\n"
			  "    workload: \"deployment/a\\x1b]0;x\\x07\"\n"
			  "    namespace: a\n"
			  "    version: {file: v.yaml, path: tag}\n"
			  "  - name: c\n"
			  "    workload: deployment/a\n"
			  "    namespace: a\n"
			  "    version: {file: v.yaml, path: tag}\n"
			  "  - name: d\n"
			  "    workload: deployment/a\n"
			  "    namespace: a\n"
			  "    version: {file: v.yaml, path: tag}\n";
	char *got = parse_fails(esc);
	assert_int_equal(assert_located_lines(got), 4);
	assert_non_null(strstr(got, "c^[[31m"));
	free(got);
	buf_free(&b);
}

/* ---- desired versions ---- */

struct file {
	const char *path, *text;
};

struct table {
	const struct file *files;
	size_t n;
	size_t blob_calls, id_calls;
	bool fail_ids; /* blob_id fails with ERR_IO */
};

static enum status t_blob_id(void *arg, const char *path, git_oid *out,
			     struct err *e)
{
	struct table *t = arg;
	t->id_calls++;
	if (t->fail_ids)
		return err_set(e, ST_ERR_IO, "%s: cannot read the tree", path);
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->files[i].path, path)) {
			assert_int_equal(git_odb_hash(out, t->files[i].text,
						      strlen(t->files[i].text),
						      GIT_OBJECT_BLOB),
					 0);
			return ST_OK;
		}
	return err_set(e, ST_ERR_NOTFOUND, "%s: no such file", path);
}

static enum status t_blob(void *arg, const git_oid *id, struct buf *content,
			  struct err *e)
{
	struct table *t = arg;
	t->blob_calls++;
	for (size_t i = 0; i < t->n; i++) {
		git_oid o;
		git_odb_hash(&o, t->files[i].text, strlen(t->files[i].text),
			     GIT_OBJECT_BLOB);
		if (git_oid_equal(&o, id)) {
			buf_puts(content, t->files[i].text);
			return ST_OK;
		}
	}
	return err_set(e, ST_ERR_NOTFOUND, "no such blob");
}

static struct model_source table_source(struct table *t)
{
	struct model_source s = {t_blob_id, t_blob, t};
	return s;
}

static const char platform[] =
    "environments:\n"
    "  - {name: development, short: dev, cluster: c1}\n"
    "  - {name: staging, short: stg, cluster: c1}\n"
    "  - {name: production, short: prod, cluster: c2}\n"
    "tenants: [{name: acme}, {name: euroshop}]\n"
    "services:\n"
    "  - name: payments-api\n"
    "    workload: deployment/payments-api\n"
    "    namespace: \"payments-{{ env.short }}\"\n"
    "    version:\n"
    "      - file: \"charts/payments-api/values-{{ env.name }}.yaml\"\n"
    "        path: image.tag\n"
    "      - file: charts/payments-api/values.yaml\n"
    "        path: image.tag\n"
    "      - file: charts/payments-api/Chart.yaml\n"
    "        path: appVersion\n"
    "  - name: portal\n"
    "    tenanted: true\n"
    "    workload: \"deployment/portal-{{ tenant.name }}\"\n"
    "    namespace: \"portal-{{ env.short }}\"\n"
    "    version:\n"
    "      - file: \"tenants/{{ tenant.name }}/values-{{ env.name }}.yaml\"\n"
    "        path: image.tag\n"
    "      - file: charts/portal/values.yaml\n"
    "        path: image.tag\n"
    "  - name: fraud\n"
    "    workload: deployment/fraud\n"
    "    namespace: \"fraud-{{ env.short }}\"\n"
    "    version:\n"
    "      file: \"apps/fraud/{{ env.name }}/kustomization.yaml\"\n"
    "      path: \"images[name=registry.example/fraud].newTag\"\n"
    "  - name: kyc\n"
    "    workload: deployment/kyc\n"
    "    namespace: \"kyc-{{ env.short }}\"\n"
    "    version:\n"
    "      file: \"manifests/kyc/{{ env.name }}.yaml\"\n"
    "      document: {kind: Deployment, name: kyc}\n"
    "      path: \"spec.template.spec.containers[name=kyc].image\"\n"
    "      image: true\n";

static const char kyc_doc[] = "apiVersion: v1\n"
			      "kind: Service\n"
			      "metadata: {name: kyc}\n"
			      "---\n"
			      "apiVersion: apps/v1\n"
			      "kind: Deployment\n"
			      "metadata: {name: kyc}\n"
			      "spec:\n"
			      "  template:\n"
			      "    spec:\n"
			      "      containers:\n"
			      "        - name: sidecar\n"
			      "          image: envoy:1.29\n"
			      "        - name: kyc\n"
			      "          image: %s\n";

static const char *desired(const struct model *m, const char *key)
{
	const struct model_cell *c = model_cell(m, key);
	if (!c)
		fail_msg("no cell %s", key);
	return c->desired.version;
}

static const char *desired_error(const struct model *m, const char *key)
{
	const struct model_cell *c = model_cell(m, key);
	if (!c)
		fail_msg("no cell %s", key);
	return c->desired.error;
}

static void test_desired(void **state)
{
	(void)state;
	char *kyc_stg = str_printf(kyc_doc, "registry.example/kyc:2.0.1");
	char *kyc_prod = str_printf(
	    kyc_doc,
	    "registry.example:5000/kyc@sha256:"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	const struct file files[] = {
	    /* payments: staging pins; development has no values file and
	     * production's has no tag, and neither has values.yaml: both
	     * fall to Chart.yaml */
	    {"charts/payments-api/values-staging.yaml",
	     "replicas: 2\nimage:\n  repository: payments\n  tag: \"1.4.2\"\n"},
	    {"charts/payments-api/values-production.yaml",
	     "image:\n  repository: payments\n"},
	    {"charts/payments-api/values.yaml", "image: {repository: x}\n"},
	    {"charts/payments-api/Chart.yaml",
	     "apiVersion: v2\nname: payments-api\nappVersion: \"1.10\"\n"},
	    /* portal: a tenant file for acme in production only */
	    {"tenants/acme/values-production.yaml", "image: {tag: 7.1.0}\n"},
	    {"charts/portal/values.yaml", "image:\n  tag: 7.0.0\n"},
	    /* fraud: Kustomize */
	    {"apps/fraud/development/kustomization.yaml",
	     "resources: [../base]\n"
	     "images:\n"
	     "  - name: registry.example/other\n"
	     "    newTag: \"9\"\n"
	     "  - name: registry.example/fraud\n"
	     "    newTag: 3.2.1\n"},
	    {"apps/fraud/staging/kustomization.yaml",
	     "images:\n  - name: registry.example/fraud\n    newTag: 3.3\n"},
	    {"apps/fraud/production/kustomization.yaml",
	     "images:\n  - name: registry.example/fraud\n    newTag: 10\n"},
	    /* kyc: multi-document manifests */
	    {"manifests/kyc/development.yaml", "---\n# empty\n"},
	    {"manifests/kyc/staging.yaml", kyc_stg},
	    {"manifests/kyc/production.yaml", kyc_prod},
	};
	struct table t = {files, LEN(files), 0, 0, false};
	struct model_source src = table_source(&t);
	struct model *m = parse_ok(platform);
	struct buf problems = BUF_INIT;
	model_read_desired(m, &src, &problems);

	static const struct {
		const char *key, *version;
		int source;
	} want[] = {
	    {"payments-api/development", "1.10", 2},
	    {"payments-api/staging", "1.4.2", 0},
	    {"payments-api/production", "1.10", 2},
	    {"portal/development/acme", "7.0.0", 1},
	    {"portal/production/acme", "7.1.0", 0},
	    {"portal/production/euroshop", "7.0.0", 1},
	    {"fraud/development", "3.2.1", 0},
	    {"fraud/staging", "3.3", 0},
	    {"fraud/production", "10", 0},
	    {"kyc/staging", "2.0.1", 0},
	    {"kyc/production",
	     "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
	     "abcdef",
	     0},
	};
	for (size_t i = 0; i < LEN(want); i++) {
		const struct model_cell *c = model_cell(m, want[i].key);
		if (!c->desired.version ||
		    strcmp(c->desired.version, want[i].version))
			fail_msg("%s: %s, want %s (%s)", want[i].key,
				 c->desired.version ? c->desired.version
						    : "none",
				 want[i].version,
				 c->desired.error ? c->desired.error : "");
		assert_null(c->desired.error);
		assert_int_equal(c->desired.source, want[i].source);
	}
	/* an empty manifest file: no version, and why */
	assert_null(desired(m, "kyc/development"));
	assert_string_equal(desired_error(m, "kyc/development"),
			    "kyc/development: no version "
			    "(manifests/kyc/development.yaml has no such "
			    "document)");
	assert_int_equal(model_cell(m, "kyc/development")->desired.source, -1);
	assert_string_equal(buf_str(&problems),
			    "kyc/development: no version "
			    "(manifests/kyc/development.yaml has no such "
			    "document)\n");
	/* every file read once, though values.yaml serves many cells */
	assert_int_equal(t.blob_calls, LEN(files));
	buf_free(&problems);

	/* model_eval directly: a zero id is a missing file */
	struct model_files *f = model_files_new(&src);
	const struct model_cell *c = model_cell(m, "payments-api/staging");
	git_oid blobs[3];
	memset(blobs, 0, sizeof blobs);
	struct model_desired d = {NULL, NULL, -1};
	model_eval(f, c, blobs, &d);
	assert_null(d.version);
	assert_string_equal(
	    d.error, "payments-api/staging: no version "
		     "(charts/payments-api/values-staging.yaml does not exist, "
		     "charts/payments-api/values.yaml does not exist, "
		     "charts/payments-api/Chart.yaml does not exist)");
	assert_int_equal(d.source, -1);
	git_odb_hash(&blobs[2], files[3].text, strlen(files[3].text),
		     GIT_OBJECT_BLOB);
	t.blob_calls = 0;
	model_eval(f, c, blobs, &d);
	assert_string_equal(d.version, "1.10");
	assert_null(d.error);
	assert_int_equal(d.source, 2);
	model_eval(f, c, blobs, &d); /* cached */
	assert_string_equal(d.version, "1.10");
	assert_int_equal(t.blob_calls, 1);
	/* a file with the key missing moves on, with the reason */
	git_odb_hash(&blobs[0], files[1].text, strlen(files[1].text),
		     GIT_OBJECT_BLOB);
	memset(&blobs[2], 0, sizeof blobs[2]);
	model_eval(f, c, blobs, &d);
	assert_null(d.version);
	assert_string_equal(
	    d.error, "payments-api/staging: no version "
		     "(charts/payments-api/values-staging.yaml: no key 'tag' "
		     "in image, charts/payments-api/values.yaml does not "
		     "exist, charts/payments-api/Chart.yaml does not exist)");
	model_desired_clear(&d);
	model_desired_clear(&d);
	model_files_free(f);
	model_files_free(NULL);
	model_free(m);
	free(kyc_stg);
	free(kyc_prod);
}

/* Values that are there but are not versions are errors in the cell,
 * located in the version file, and each is said once. */
static void test_desired_errors(void **state)
{
	(void)state;
	char *ambiguous = str_printf("%s---\n%s", kyc_doc, kyc_doc);
	char *amb = str_printf(ambiguous, "kyc:1", "kyc:2");
	const struct file files[] = {
	    /* 3:5: a mapping where the tag should be */
	    {"charts/payments-api/values-staging.yaml",
	     "image:\n  tag:\n    value: 1.4.2\n"},
	    /* not YAML */
	    {"charts/payments-api/values-production.yaml",
	     "image:\n  tag: [1.4\n"},
	    /* shared by every cell that gets this far: null, said once */
	    {"charts/payments-api/values.yaml", "image:\n  tag: ~\n"},
	    {"charts/portal/values.yaml", "image:\n  tag:\n    - 1\n"},
	    /* a step into a scalar: a mismatch, not a missing key */
	    {"apps/fraud/development/kustomization.yaml", "images: oops\n"},
	    {"apps/fraud/staging/kustomization.yaml",
	     "images:\n  - name: registry.example/fraud\n    newTag: true\n"},
	    {"manifests/kyc/development.yaml", amb},
	    {"manifests/kyc/staging.yaml",
	     "kind: Deployment\nmetadata: {name: kyc}\nspec: {template: "
	     "{spec: {containers: [{name: kyc, image: \"has space:1\"}]}}}\n"},
	};
	struct table t = {files, LEN(files), 0, 0, false};
	struct model_source src = table_source(&t);
	struct model *m = parse_ok(platform);
	struct buf problems = BUF_INIT;
	model_read_desired(m, &src, &problems);

	static const struct {
		const char *key, *error;
	} want[] = {
	    /* an empty tag means "the chart's default": on to Chart.yaml,
	     * which is not there */
	    {"payments-api/development",
	     "payments-api/development: no version "
	     "(charts/payments-api/values-development.yaml does not exist, "
	     "charts/payments-api/values.yaml: image.tag is empty, "
	     "charts/payments-api/Chart.yaml does not exist)"},
	    {"payments-api/staging",
	     "charts/payments-api/values-staging.yaml:3:5: "
	     "payments-api/staging: image.tag is a mapping, not a version"},
	    {"payments-api/production",
	     "charts/payments-api/values-production.yaml:3:1: did not find "
	     "expected ',' or ']' (while parsing a flow sequence at line 2 "
	     "column 8)"},
	    {"portal/development/acme",
	     "charts/portal/values.yaml:3:5: portal/development/acme: "
	     "image.tag is a list, not a version"},
	    {"portal/production/euroshop",
	     "charts/portal/values.yaml:3:5: portal/production/euroshop: "
	     "image.tag is a list, not a version"},
	    {"fraud/development",
	     "apps/fraud/development/kustomization.yaml:1:9: "
	     "fraud/development: images[name=registry.example/fraud].newTag: "
	     "images is a string, not a list"},
	    {"fraud/staging",
	     "apps/fraud/staging/kustomization.yaml:3:13: fraud/staging: "
	     "images[name=registry.example/fraud].newTag is a boolean, not a "
	     "version"},
	    {"fraud/production",
	     "fraud/production: no version "
	     "(apps/fraud/production/kustomization.yaml does not exist)"},
	    {"kyc/development",
	     "manifests/kyc/development.yaml: kyc/development: more than one "
	     "document is Deployment kyc; name it in document:"},
	    {"kyc/staging",
	     "manifests/kyc/staging.yaml:3:58: kyc/staging: "
	     "spec.template.spec.containers[name=kyc].image is not an image "
	     "reference, not a version"},
	};
	for (size_t i = 0; i < LEN(want); i++) {
		const char *got = desired_error(m, want[i].key);
		if (!got || strcmp(got, want[i].error))
			fail_msg("%s:\n  %s\nwant\n  %s", want[i].key,
				 got ? got : "(none)", want[i].error);
		assert_null(desired(m, want[i].key));
	}
	/* Each problem once: the shared values.yaml problems name the first
	 * cell only; the parse error is said once for the file. */
	assert_string_equal(
	    buf_str(&problems),
	    "payments-api/development: no version "
	    "(charts/payments-api/values-development.yaml does not exist, "
	    "charts/payments-api/values.yaml: image.tag is empty, "
	    "charts/payments-api/Chart.yaml does not exist)\n"
	    "charts/payments-api/values-staging.yaml:3:5: "
	    "payments-api/staging: "
	    "image.tag is a mapping, not a version\n"
	    "charts/payments-api/values-production.yaml:3:1: did not find "
	    "expected ',' or ']' (while parsing a flow sequence at line 2 "
	    "column 8)\n"
	    "charts/portal/values.yaml:3:5: portal/development/acme: image.tag "
	    "is a list, not a version\n"
	    "apps/fraud/development/kustomization.yaml:1:9: fraud/development: "
	    "images[name=registry.example/fraud].newTag: images is a string, "
	    "not a list\n"
	    "apps/fraud/staging/kustomization.yaml:3:13: fraud/staging: "
	    "images[name=registry.example/fraud].newTag is a boolean, not a "
	    "version\n"
	    "fraud/production: no version "
	    "(apps/fraud/production/kustomization.yaml does not exist)\n"
	    "manifests/kyc/development.yaml: kyc/development: more than one "
	    "document is Deployment kyc; name it in document:\n"
	    "manifests/kyc/staging.yaml:3:58: kyc/staging: "
	    "spec.template.spec.containers[name=kyc].image is not an image "
	    "reference, not a version\n"
	    "kyc/production: no version (manifests/kyc/production.yaml does "
	    "not exist)\n");
	/* Each file is read once, plus once more for each of the five
	 * messages that need line:col (positions are loaded only then). */
	assert_int_equal(t.blob_calls, LEN(files) + 5);
	buf_free(&problems);
	model_free(m);

	/* A source that cannot list files: said once, and every cell has
	 * no version. */
	t.fail_ids = true;
	t.blob_calls = t.id_calls = 0;
	m = parse_ok(platform);
	model_read_desired(m, &src, &problems);
	assert_int_equal(t.blob_calls, 0);
	/* one lookup per distinct path */
	assert_int_equal(t.id_calls, 5 + 7 + 3 + 3);
	assert_non_null(
	    strstr(buf_str(&problems),
		   "charts/payments-api/values.yaml: cannot read the "
		   "tree\n"));
	for (size_t i = 0; i < m->cells.len; i++) {
		const struct model_cell *c = m->cells.items[i];
		assert_null(c->desired.version);
		assert_non_null(c->desired.error);
	}
	assert_located_desired(buf_str(&problems));
	buf_free(&problems);
	model_free(m);
	free(ambiguous);
	free(amb);
}

/* A document picked by index, the only document of a stream, and
 * documents that are not mappings. */
static void test_documents(void **state)
{
	(void)state;
	const char *yaml =
	    "environments: [{name: dev, cluster: c}, {name: stg, cluster: c},"
	    " {name: prod, cluster: c}]\n"
	    "services:\n"
	    "  - name: by-index\n"
	    "    workload: deployment/a\n"
	    "    namespace: \"a-{{ env.name }}\"\n"
	    "    version: {file: \"i/{{ env.name }}.yaml\", path: image, "
	    "document: 1, image: true}\n"
	    "  - name: only\n"
	    "    workload: deployment/b\n"
	    "    namespace: \"b-{{ env.name }}\"\n"
	    "    version: {file: \"o/{{ env.name }}.yaml\", path: a.b}\n";
	const struct file files[] = {
	    {"i/dev.yaml", "image: a:1\n---\nimage: b:2\n"},
	    /* index 1 is a scalar document like index 0 */
	    {"i/stg.yaml", "true\n---\ntrue\n"},
	    {"i/prod.yaml", "image: a:1\n"},
	    {"o/dev.yaml", "---\n---\na: {b: 5}\n---\n"},
	    {"o/stg.yaml", "a: {b: 1}\n---\na: {b: 2}\n"},
	    {"o/prod.yaml", "---\nnull\n---\n- a\n"},
	};
	struct table t = {files, LEN(files), 0, 0, false};
	struct model_source src = table_source(&t);
	struct model *m = parse_ok(yaml);
	struct buf problems = BUF_INIT;
	model_read_desired(m, &src, &problems);
	assert_string_equal(desired(m, "by-index/dev"), "2");
	assert_string_equal(desired(m, "only/dev"), "5");
	/* the second document, not the first that looks the same */
	assert_string_equal(desired_error(m, "by-index/stg"),
			    "i/stg.yaml:3:1: by-index/stg: image: the "
			    "document is a boolean, not a mapping");
	assert_string_equal(desired_error(m, "by-index/prod"),
			    "by-index/prod: no version (i/prod.yaml has no "
			    "such document)");
	assert_string_equal(desired_error(m, "only/stg"),
			    "o/stg.yaml: only/stg: the file has 2 documents; "
			    "say which with document: {kind, name}");
	assert_string_equal(desired_error(m, "only/prod"),
			    "o/prod.yaml:4:1: only/prod: a.b: the document is "
			    "a list, not a mapping");
	assert_located_desired(buf_str(&problems));
	buf_free(&problems);
	model_free(m);
}

int main(void)
{
	git_libgit2_init();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_model),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_subsets),
	    cmocka_unit_test(test_kube_names),
	    cmocka_unit_test(test_validation),
	    cmocka_unit_test(test_all_problems_reported),
	    cmocka_unit_test(test_reported_once),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_desired),
	    cmocka_unit_test(test_desired_errors),
	    cmocka_unit_test(test_documents),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return rc;
}
