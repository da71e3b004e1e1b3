/*
 * The console (app.h): start-up and teardown, the one event loop, key
 * dispatch, the : commands, and the frame — header, the top view's body,
 * status bar, bottom line.
 *
 * Redraws are coalesced: anything that changes (a watch event, a log
 * line, a finished diff) only marks the frame dirty and arms a short
 * timer; the frame is drawn once when it fires, into ncurses' virtual
 * screen, and doupdate() sends only the cells that differ. A key is
 * answered with a frame at once.
 *
 * Runbook runs outlive the views that show them (ui/runs.h). Quitting
 * with runs still going asks first; after the loop ends, for a key, a
 * signal or a terminal that went away, those runs are aborted and the
 * loop turns a little longer (at most WIND_DOWN_MS) so that their
 * records say so before opsdeck exits.
 */
#include "ui/app.h"

#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/str.h"
#include "kube/identity.h"
#include "model/userconf.h"
#include "ui/draw.h"
#include "ui/keymap.h"
#include "ui/list.h"
#include "ui/looks.h"
#include "ui/prompt.h"
#include "ui/runs.h"
#include "ui/script.h"
#include "ui/term.h"
#include "ui/ui.h"
#include "ui/view_diff.h"

#define FRAME_MS 30 /* at most ~33 frames a second */
#define WIND_DOWN_MS 5000 /* on quit, for aborted runs to be recorded */
#define LOG_CAP_DEFAULT ((size_t)16 << 20)

struct app {
	struct loop *loop;
	struct session *session;
	struct keymap *keymap;
	struct theme theme;
	char *theme_name, *keymap_name;
	bool mono;	       /* no colours: NO_COLOR or the terminal */
	struct vec views;      /* struct view *, the stack; [0] = home */
	struct runs *runs;     /* runbook runs and the clusters' records */
	bool hangup;	       /* the terminal went away */
	bool dirty;
	struct loop_timer *frame;
	struct buf message;
	enum role message_role;
	size_t log_cap;
	struct loop_fd *keys;
	struct script *script;
	int exit_code;
	/* OPSDECK_TRACE=FILE: when the first frame and the first frame
	 * with every cluster listed were drawn (for bench/console.sh) */
	FILE *trace;
	uint64_t started_ms;
	bool traced_first, traced_full;
};

static const struct view_ops *const all_views[] = {
	&view_fleet,	&view_tenants, &view_cell,	&view_pods,
	&view_pod,	&view_logs,    &view_events,	&view_history,
	&view_diff,	&view_help,    &view_runbooks, &view_approvals,
	&view_audit,
};
#define NVIEWS (sizeof all_views / sizeof all_views[0])

/* ---- services for views ------------------------------------------------ */

struct loop *app_loop(struct app *a)
{
	return a->loop;
}

struct session *app_session(struct app *a)
{
	return a->session;
}

struct model *app_model(struct app *a)
{
	return session_model(a->session);
}

struct runs *app_runs(struct app *a)
{
	return a->runs;
}

const struct keymap *app_keymap(struct app *a)
{
	return a->keymap;
}

const char *app_keymap_name(struct app *a)
{
	return a->keymap_name;
}

size_t app_log_cap(struct app *a)
{
	return a->log_cap;
}

int64_t app_now(struct app *a)
{
	(void)a;
	return (int64_t)time(NULL);
}

static struct view *top_view(struct app *a)
{
	return a->views.len ? a->views.items[a->views.len - 1] : NULL;
}

static void frame_due(struct loop *l, void *arg);

void app_dirty(struct app *a)
{
	a->dirty = true;
	if (!a->frame)
		a->frame = loop_timer_add(a->loop, FRAME_MS, frame_due, a);
}

void app_message(struct app *a, enum role r, const char *fmt, ...)
{
	buf_clear(&a->message);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&a->message, fmt, ap);
	va_end(ap);
	a->message_role = r;
	app_dirty(a);
}

void app_prompt(struct app *a, const struct prompt_req *r)
{
	prompt_open(r);
	app_dirty(a);
}

void app_prompt_with(struct app *a, const struct prompt_req *r,
		     const struct prompt_extra *x)
{
	prompt_open_with(r, x);
	app_dirty(a);
}

static void view_close(struct view *v)
{
	if (v->ops->close)
		v->ops->close(v);
	view_free_state(v);
	free(v->t.run_id);
	free(v);
}

bool app_push(struct app *a, const struct view_ops *ops,
	      const struct view_target *t)
{
	struct view *v = xcalloc(1, sizeof *v);
	v->ops = ops;
	v->app = a;
	if (t)
		v->t = *t;
	v->t.pod = t && t->pod ? xstrdup(t->pod) : NULL;
	v->t.container = t && t->container ? xstrdup(t->container) : NULL;
	v->t.run_id = t && t->run_id ? xstrdup(t->run_id) : NULL;
	if (ops->open && !ops->open(v)) {
		view_free_state(v);
		free(v->t.run_id);
		free(v);
		app_dirty(a);
		return false;
	}
	vec_push(&a->views, v);
	app_dirty(a);
	return true;
}

void app_pop(struct app *a)
{
	if (a->views.len > 1)
		view_close(vec_pop(&a->views));
	app_dirty(a);
}

/* ---- the frame ----------------------------------------------------------- */

static const char *conn_glyph(enum kube_conn c)
{
	bool u = draw_utf8();
	switch (c) {
	case KUBE_CONN_CONNECTED:
		return u ? "●" : "+";
	case KUBE_CONN_CONNECTING:
		return u ? "◌" : "~";
	case KUBE_CONN_RECONNECTING:
		return u ? "↻" : "~";
	default:
		return u ? "✖" : "x";
	}
}

static void draw_header(struct app *a, int w)
{
	struct view *v = top_view(a);
	const struct model_env *env =
		v && v->ops->focus ? v->ops->focus(v) : NULL;
	bool loud = env && (env->protected_ || !strcmp(env->name, "production"));
	enum role r = loud ? ROLE_PRODUCTION : ROLE_HEADER;
	draw_fill(0, 0, w, r);
	int x = draw_str(0, 0, w, r, " opsdeck ");
	x += draw_str(0, x, w - x, r, draw_utf8() ? "› " : "> ");
	/* the production mark wins over the end of a long title */
	char mark[96] = "";
	int mw = 0;
	if (loud) {
		snprintf(mark, sizeof mark, " %s %s%s ",
			 draw_utf8() ? "▲" : "!!", env->name,
			 env->protected_ ? " (protected)" : "");
		for (char *p = mark; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 32);
		mw = draw_width(mark, strlen(mark), w);
	}
	struct buf title = BUF_INIT;
	if (v && v->ops->title)
		v->ops->title(v, &title);
	else if (v)
		buf_puts(&title, v->ops->name);
	draw_str(0, x, w - x - mw - 1, r, buf_str(&title));
	buf_free(&title);
	if (loud)
		draw_str_right(0, 0, w, r, mark);
}

static void draw_status(struct app *a, int y, int w)
{
	struct session *s = a->session;
	draw_fill(y, 0, w, ROLE_STATUS);
	/* right: branch@commit and the time of the last update */
	struct buf right = BUF_INIT;
	const struct repo_tip *tip = session_tip(s);
	if (tip)
		buf_printf(&right, " %s@%.8s", tip->branch, tip->hex);
	int64_t upd = session_updated(s);
	if (upd) {
		time_t t = (time_t)upd;
		struct tm tm;
		localtime_r(&t, &tm);
		buf_printf(&right, "  %02d:%02d:%02d ", tm.tm_hour, tm.tm_min,
			   tm.tm_sec);
	}
	int rw = draw_width(right.data ? right.data : "", right.len, w / 2);
	draw_str_right(y, 0, w, ROLE_STATUS, buf_str(&right));
	buf_free(&right);
	int room = w - rw - 1, x = 1;
	if (session_state(s) != SESSION_LIVE) {
		draw_str(y, x, room - x,
			 session_state(s) == SESSION_FAILED ? ROLE_STATUS_BAD
							    : ROLE_STATUS,
			 session_message(s));
		return;
	}
	for (size_t i = 0; i < session_nclusters(s) && x < room; i++) {
		const struct session_cluster *c = session_cluster(s, i);
		const struct kube_conn_state *st =
			c->client ? kube_client_state(c->client) : NULL;
		bool ok = st && st->state == KUBE_CONN_CONNECTED;
		enum role r = ok ? ROLE_STATUS_OK : ROLE_STATUS_BAD;
		if (st && st->state == KUBE_CONN_CONNECTING)
			r = ROLE_STATUS;
		if (i)
			x += draw_str(y, x, room - x, ROLE_STATUS, "  ");
		x += draw_str(y, x, room - x, r,
			      conn_glyph(st ? st->state : KUBE_CONN_DOWN));
		x += draw_str(y, x, room - x, ROLE_STATUS, " ");
		x += draw_str(y, x, room - x, ROLE_STATUS, c->context);
		const struct kube_identity *id =
			c->client ? kube_identity_known(c->client) : NULL;
		if (ok && id)
			x += draw_fmt(y, x, room - x, ROLE_STATUS, " as %s",
				      id->username);
		if (!ok && st && st->state != KUBE_CONN_CONNECTING)
			x += draw_fmt(y, x, room - x, r, " %s: %s",
				      kube_conn_name(st->state), st->error);
		else if (!c->client)
			x += draw_fmt(y, x, room - x, r, " %s", c->error);
	}
}

static void draw_bottom(struct app *a, int y, int w, int *cy, int *cx)
{
	draw_fill(y, 0, w, ROLE_NORMAL);
	*cy = -1;
	if (prompt_active()) {
		prompt_draw(y, w);
		term_cursor(cy, cx);
		const char *cand = prompt_candidates();
		if (*cand && y > 1) {
			draw_fill(y - 1, 0, w, ROLE_MESSAGE);
			draw_str(y - 1, 1, w - 1, ROLE_MESSAGE, cand);
		}
		return;
	}
	if (a->message.len) {
		draw_str(y, 1, w - 1, a->message_role, buf_str(&a->message));
		return;
	}
	struct view *v = top_view(a);
	struct buf hint = BUF_INIT;
	static const enum action hints[] = {ACT_HELP, ACT_COMMAND, ACT_BACK,
					    ACT_QUIT};
	for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
		for (int32_t k = 1; k < UK__END; k++) {
			/* the first key bound to it, cheaply: scan the
			 * printable range and the named keys only */
			if (k == 0x80)
				k = KEY_CODE_BASE;
			if (keymap_lookup(a->keymap, v->ops->keys, k) != hints[i])
				continue;
			if (hint.len)
				buf_puts(&hint, "  ");
			keymap_key_name(k, &hint);
			buf_printf(&hint, " %s", action_name(hints[i]));
			break;
		}
	}
	draw_str(y, 1, w - 1, ROLE_DIM, buf_str(&hint));
	buf_free(&hint);
}

static void trace_frame(struct app *a)
{
	uint64_t ms = loop_now_ms() - a->started_ms;
	if (!a->traced_first) {
		a->traced_first = true;
		fprintf(a->trace, "first-frame %llu\n", (unsigned long long)ms);
	}
	struct fleet *f = session_fleet(a->session);
	if (!a->traced_full && f && fleet_settled(f)) {
		a->traced_full = true;
		fprintf(a->trace, "fleet-populated %llu\n",
			(unsigned long long)ms);
	}
	fflush(a->trace);
}

static void draw_frame(struct app *a)
{
	a->dirty = false;
	int w = term_cols(), h = term_rows();
	term_clear();
	struct view *v = top_view(a);
	draw_header(a, w);
	if (v && h > 3)
		view_draw(v, 1, h - 3, w);
	draw_status(a, h - 2, w);
	int cy, cx;
	draw_bottom(a, h - 1, w, &cy, &cx);
	term_flush(cy, cx);
	if (a->trace)
		trace_frame(a);
}

static void frame_due(struct loop *l, void *arg)
{
	(void)l;
	struct app *a = arg;
	a->frame = NULL;
	if (a->dirty)
		draw_frame(a);
}

/* ---- commands ------------------------------------------------------------ */

static void set_theme(struct app *a, const char *name)
{
	struct buf problems = BUF_INIT;
	looks_theme(a->mono ? "mono" : name, &a->theme, &problems);
	term_theme(&a->theme);
	free(a->theme_name);
	a->theme_name = xstrdup(name);
	if (problems.len)
		app_message(a, ROLE_ERROR, "%.*s", (int)strcspn(buf_str(&problems), "\n"),
			    buf_str(&problems));
	else if (a->mono && strcmp(name, "mono"))
		app_message(a, ROLE_MESSAGE,
			    "no colours here (NO_COLOR or the terminal): "
			    "mono is used");
	buf_free(&problems);
	term_redraw_all();
	app_dirty(a);
}

static void set_keymap(struct app *a, const char *name)
{
	struct buf problems = BUF_INIT;
	struct keymap *k = looks_keymap(name, &problems);
	keymap_free(a->keymap);
	a->keymap = k;
	free(a->keymap_name);
	a->keymap_name = xstrdup(name);
	if (problems.len)
		app_message(a, ROLE_ERROR, "%.*s", (int)strcspn(buf_str(&problems), "\n"),
			    buf_str(&problems));
	buf_free(&problems);
	app_dirty(a);
}

static const struct view_ops *view_named(const char *name)
{
	for (size_t i = 0; i < NVIEWS; i++)
		if (!strcmp(all_views[i]->name, name))
			return all_views[i];
	return NULL;
}

/* The target of a new view opened by name from the current one. */
static struct view_target here(struct app *a)
{
	struct view *v = top_view(a);
	struct view_target t = {0};
	if (v && v->ops->target) {
		v->ops->target(v, &t);
		t.help_for = v->ops->keys;
	} else if (v) {
		t.cell = v->t.cell;
		t.service = v->t.service ? v->t.service
					 : (v->t.cell ? v->t.cell->service
						      : NULL);
		t.env = v->t.env ? v->t.env : (v->t.cell ? v->t.cell->env : NULL);
		t.help_for = v->ops->keys;
	}
	return t;
}

static void split_words(char *line, char **w, size_t max, size_t *n)
{
	*n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(line, " \t", &save); tok && *n < max;
	     tok = strtok_r(NULL, " \t", &save))
		w[(*n)++] = tok;
}

static void quit_answer(void *arg, const char *line)
{
	struct app *a = arg;
	if (line && (!strcmp(line, "y") || !strcmp(line, "yes")))
		loop_quit(a->loop, 0);
}

/* Quit, asking first when runs are still going (quitting aborts them;
 * ui_main then waits for their records). */
static void quit(struct app *a)
{
	size_t n = runs_active(a->runs);
	if (!n || a->script) {
		loop_quit(a->loop, 0);
		return;
	}
	struct buf q = BUF_INIT;
	buf_printf(&q, "%zu run%s still going: quitting aborts %s. Quit? "
		       "(y/n): ",
		   n, n == 1 ? " is" : "s are", n == 1 ? "it" : "them");
	app_prompt(a, &(struct prompt_req){buf_str(&q), NULL, quit_answer,
					   NULL, a});
	buf_free(&q);
}

static void run_command(void *arg, const char *line)
{
	struct app *a = arg;
	if (!line)
		return;
	char *copy = xstrdup(line);
	char *w[6];
	size_t n;
	split_words(copy, w, 6, &n);
	struct model *m = app_model(a);
	const struct view_ops *ops = n ? view_named(w[0]) : NULL;
	if (!n) {
	} else if (!strcmp(w[0], "q") || !strcmp(w[0], "quit")) {
		quit(a);
	} else if (!strcmp(w[0], "theme") && n == 2) {
		set_theme(a, w[1]);
	} else if (!strcmp(w[0], "keymap") && n == 2) {
		set_keymap(a, w[1]);
	} else if (!strcmp(w[0], "cell") || (ops && n > 1)) {
		/* :cell SERVICE ENV [TENANT], :logs SERVICE ENV [TENANT] */
		size_t b = 1;
		struct model_service *s = m && n > b ? model_service(m, w[b]) : NULL;
		struct model_env *e = m && n > b + 1 ? model_env(m, w[b + 1]) : NULL;
		struct model_tenant *t = m && n > b + 2 ? model_tenant(m, w[b + 2]) : NULL;
		struct view_target tg = here(a);
		if (!m)
			app_message(a, ROLE_ERROR, "the config repo is not loaded");
		else if (!s)
			app_message(a, ROLE_ERROR, "no service '%s'",
				    n > b ? w[b] : "");
		else if (ops == &view_tenants) {
			tg.service = s;
			tg.cell = NULL;
			app_push(a, ops, &tg);
		} else if (!e)
			app_message(a, ROLE_ERROR, "no environment '%s'",
				    n > b + 1 ? w[b + 1] : "");
		else if (!(tg.cell = model_cell_of(m, s, e, s->tenanted ? t : NULL)))
			app_message(a, ROLE_ERROR, "%s", s->tenanted && !t
				    ? "a tenanted service: name the tenant too"
				    : "no such cell");
		else {
			tg.service = s;
			tg.env = e;
			app_push(a, ops ? ops : &view_cell, &tg);
		}
	} else if (ops) {
		struct view_target tg = here(a);
		if (ops == &view_fleet) {
			while (a->views.len > 1)
				app_pop(a);
		} else
			app_push(a, ops, &tg);
	} else {
		app_message(a, ROLE_ERROR, "unknown command '%s' (try :help)",
			    w[0]);
	}
	free(copy);
	app_dirty(a);
}

static void push_names(struct vec *out, const char *word, const char *name)
{
	if (str_has_prefix(name, word))
		vec_push(out, xstrdup(name));
}

static void complete_command(void *arg, const char *line, const char *word,
			     struct vec *out)
{
	struct app *a = arg;
	/* which word is being completed */
	size_t nth = 0;
	const char *p = line;
	size_t wl = strlen(word);
	size_t upto = strlen(line) >= wl ? strlen(line) - wl : 0;
	for (size_t i = 0; i < upto; i++)
		if ((p[i] == ' ') && (i + 1 < upto ? p[i + 1] != ' ' : true))
			nth++;
	char first[32] = "";
	sscanf(line, "%31s", first);
	struct model *m = app_model(a);
	if (nth == 0) {
		static const char *const cmds[] = {"quit", "theme", "keymap", "cell"};
		for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
			push_names(out, word, cmds[i]);
		for (size_t i = 0; i < NVIEWS; i++)
			push_names(out, word, all_views[i]->name);
		return;
	}
	if (!strcmp(first, "theme") || !strcmp(first, "keymap")) {
		struct vec names = VEC_INIT;
		looks_names(!strcmp(first, "theme"), &names);
		for (size_t i = 0; nth == 1 && i < names.len; i++)
			push_names(out, word, names.items[i]);
		vec_free(&names, free);
		return;
	}
	if (!m)
		return;
	const struct vec *list = nth == 1 ? &m->services
				 : nth == 2 ? &m->envs
				 : nth == 3 ? &m->tenants : NULL;
	for (size_t i = 0; list && i < list->len; i++) {
		const char *name =
			nth == 1 ? ((struct model_service *)list->items[i])->name
			: nth == 2 ? ((struct model_env *)list->items[i])->name
				   : ((struct model_tenant *)list->items[i])->name;
		push_names(out, word, name);
	}
}

static void search_done(void *arg, const char *line, bool backward)
{
	struct app *a = arg;
	struct view *v = top_view(a);
	if (!line || !v)
		return;
	if (*line)
		view_set_search(v, line);
	if (v->search && !view_find(v, backward))
		app_message(a, ROLE_ERROR, "not found: %s", v->search);
	app_dirty(a);
}

static void search_fwd(void *arg, const char *line)
{
	search_done(arg, line, false);
}

static void search_back(void *arg, const char *line)
{
	search_done(arg, line, true);
}

static void filter_done(void *arg, const char *line)
{
	struct app *a = arg;
	struct view *v = top_view(a);
	if (line && v)
		view_set_filter(v, line);
	app_dirty(a);
}

/* The central dispatcher: what no view took. */
static void app_request(struct app *a, enum action act)
{
	struct view *v = top_view(a);
	struct view_target t = here(a);
	switch (act) {
	case ACT_QUIT:
		quit(a);
		break;
	case ACT_BACK:
		if (v && (v->filter || v->search) && a->views.len == 1) {
			view_set_filter(v, NULL);
			view_set_search(v, NULL);
		} else if (a->views.len > 1)
			app_pop(a);
		else
			quit(a);
		break;
	case ACT_HELP:
		if (v && v->ops != &view_help)
			app_push(a, &view_help, &t);
		break;
	case ACT_REDRAW:
		term_redraw_all();
		break;
	case ACT_COMMAND:
		app_prompt(a, &(struct prompt_req){":", "command", run_command,
						   complete_command, a});
		break;
	case ACT_SEARCH:
	case ACT_SEARCH_BACK:
		if (v && v->ops->text)
			app_prompt(a, &(struct prompt_req){
					      act == ACT_SEARCH ? "/" : "?",
					      "search",
					      act == ACT_SEARCH ? search_fwd
								: search_back,
					      NULL, a});
		break;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		if (v && v->search && !view_find(v, act == ACT_SEARCH_PREV))
			app_message(a, ROLE_ERROR, "not found: %s", v->search);
		else if (v && !v->search)
			app_message(a, ROLE_MESSAGE, "no search yet: / searches");
		break;
	case ACT_FILTER:
		if (v && v->ops->text)
			app_prompt(a, &(struct prompt_req){"filter: ", "filter",
							   filter_done, NULL, a});
		break;
	case ACT_VIEW_FLEET:
		while (a->views.len > 1)
			app_pop(a);
		break;
	case ACT_THEME_NEXT: {
		struct vec names = VEC_INIT;
		looks_names(true, &names);
		size_t i = 0;
		while (i < names.len && strcmp(names.items[i], a->theme_name))
			i++;
		if (names.len)
			set_theme(a, names.items[(i + 1) % names.len]);
		app_message(a, ROLE_MESSAGE, "theme %s", a->theme_name);
		vec_free(&names, free);
		break;
	}
	case ACT_VIEW_TENANTS:
	case ACT_VIEW_PODS:
	case ACT_VIEW_LOGS:
	case ACT_VIEW_EVENTS:
	case ACT_VIEW_HISTORY:
	case ACT_VIEW_DIFF: {
		static const struct {
			enum action act;
			const struct view_ops *ops;
		} jumps[] = {
			{ACT_VIEW_TENANTS, &view_tenants},
			{ACT_VIEW_PODS, &view_pods},
			{ACT_VIEW_LOGS, &view_logs},
			{ACT_VIEW_EVENTS, &view_events},
			{ACT_VIEW_HISTORY, &view_history},
			{ACT_VIEW_DIFF, &view_diff},
		};
		for (size_t i = 0; i < sizeof jumps / sizeof jumps[0]; i++)
			if (jumps[i].act == act)
				app_push(a, jumps[i].ops, &t);
		break;
	}
	case ACT_VIEW_DIFF_ENV:
		if (t.cell)
			view_diff_ask_env(a, t.cell);
		else
			app_message(a, ROLE_MESSAGE, "choose a cell first");
		break;
	case ACT_VIEW_RUNBOOKS:
		app_push(a, &view_runbooks, &t);
		break;
	case ACT_VIEW_APPROVALS:
		if (v && v->ops != &view_approvals)
			app_push(a, &view_approvals, &t);
		break;
	case ACT_VIEW_AUDIT:
		if (v && v->ops != &view_audit)
			app_push(a, &view_audit, &t);
		break;
	default:
		break;
	}
}

void app_key(struct app *a, int32_t key)
{
	if (key == UK_RESIZE) {
		term_resize(0, 0);
		app_dirty(a);
		return;
	}
	if (prompt_active()) {
		prompt_key(key);
		app_dirty(a);
		return;
	}
	buf_clear(&a->message);
	struct view *v = top_view(a);
	enum action act = keymap_lookup(a->keymap, v->ops->keys, key);
	if (act == ACT_NONE) {
		struct buf name = BUF_INIT;
		keymap_key_name(key, &name);
		app_message(a, ROLE_DIM, "%s: not bound here (? lists the keys)",
			    buf_str(&name));
		buf_free(&name);
		return;
	}
	unsigned r = v->ops->request ? v->ops->request(v, act) : VIEW_UNHANDLED;
	if (r == VIEW_UNHANDLED)
		r = view_list_request(v, act);
	if (r == VIEW_UNHANDLED)
		app_request(a, act);
	app_dirty(a);
}

/* A key is answered with a frame at once. */
static void on_keys(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)l;
	(void)fd;
	struct app *a = arg;
	if (ev & LOOP_ERR) { /* the terminal went away */
		a->hangup = true;
		loop_quit(a->loop, 1);
		return;
	}
	int32_t k;
	bool any = false;
	while ((k = term_key()) >= 0) {
		app_key(a, k);
		any = true;
	}
	if (any && a->dirty)
		draw_frame(a);
}

static void on_session(void *arg, unsigned what, struct model_cell *cell)
{
	struct app *a = arg;
	struct view *v = top_view(a);
	if (what & SESSION_CHANGED_STATE) {
		const char *p = session_problems(a->session);
		if (session_state(a->session) == SESSION_FAILED)
			app_message(a, ROLE_ERROR, "%s", session_message(a->session));
		else if (*p)
			app_message(a, ROLE_WARNING, "%.*s", (int)strcspn(p, "\n"), p);
	}
	if (what & (SESSION_CHANGED_CLUSTER | SESSION_CHANGED_STATE)) {
		app_dirty(a); /* the status bar */
		if (v && v->ops->changed)
			v->ops->changed(v, what, cell);
		return;
	}
	if (!v || !v->ops->changed || v->ops->changed(v, what, cell))
		app_dirty(a);
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	struct app *a = arg;
	if (signo == SIGWINCH) {
		term_resize(0, 0);
		draw_frame(a);
		return;
	}
	a->exit_code = 128 + signo;
	loop_quit(l, 128 + signo);
}

void app_frame_now(struct app *a)
{
	draw_frame(a);
}

void app_finish(struct app *a, int code)
{
	a->exit_code = code;
	loop_quit(a->loop, code);
}

bool app_idle(struct app *a)
{
	return session_state(a->session) != SESSION_FETCHING &&
	       session_state(a->session) != SESSION_LOADING &&
	       (!session_fleet(a->session) ||
		fleet_settled(session_fleet(a->session))) &&
	       !session_busy(a->session);
}

/* ---- start and end -------------------------------------------------------- */

static const char usage[] =
	"usage: opsdeck [--repo PATH|URL] [--branch B] [--kubeconfig FILE]\n"
	"               [--theme NAME] [--keymap NAME] [--log-buffer MIB]\n"
	"               [--test-script FILE --test-size COLSxROWS]\n"
	"       opsdeck <command> ... (opsdeck help lists them)\n";

int ui_main(int argc, char **argv)
{
	struct session_opts so = {0};
	const char *theme = NULL, *keymap = NULL, *script = NULL;
	int cols = 80, rows = 24;
	long log_mib = 0;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = !strcmp(o, "--repo")	? &so.repo_spec
				    : !strcmp(o, "--branch")	? &so.branch
				    : !strcmp(o, "--kubeconfig") ? &so.kubeconfig
				    : !strcmp(o, "--theme")	? &theme
				    : !strcmp(o, "--keymap")	? &keymap
				    : !strcmp(o, "--test-script") ? &script
								: NULL;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!v) {
			fprintf(stderr, "opsdeck: %s needs a value\n%s", o, usage);
			return 2;
		}
		if (slot)
			*slot = v;
		else if (!strcmp(o, "--test-size")) {
			if (sscanf(v, "%dx%d", &cols, &rows) != 2 || cols < 20 ||
			    rows < 5 || cols > 1000 || rows > 500) {
				fprintf(stderr, "opsdeck: --test-size: COLSxROWS, "
						"e.g. 80x24\n");
				return 2;
			}
		} else if (!strcmp(o, "--log-buffer")) {
			if (!str_to_long(v, 1, 4096, &log_mib)) {
				fprintf(stderr, "opsdeck: --log-buffer: MiB, "
						"1..4096\n");
				return 2;
			}
		} else {
			fprintf(stderr, "opsdeck: unknown option '%s'\n%s", o,
				usage);
			return 2;
		}
		i++;
	}
	setlocale(LC_ALL, "");
	struct app *a = xcalloc(1, sizeof *a);
	a->started_ms = loop_now_ms();
	const char *trace = getenv("OPSDECK_TRACE");
	if (trace && *trace)
		a->trace = fopen(trace, "a");
	a->loop = loop_new();
	a->log_cap = log_mib ? (size_t)log_mib << 20 : LOG_CAP_DEFAULT;
	signal(SIGPIPE, SIG_IGN);
	static const int sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGWINCH};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		loop_signal(a->loop, sigs[i], on_signal, a);
	const char *nc = getenv("NO_COLOR");
	struct term_opts to = {.test = script != NULL, .cols = cols,
			       .rows = rows, .no_color = nc && *nc};
	struct script *sc = NULL;
	struct err e;
	if (script && script_load(script, &sc, &e) != ST_OK) {
		fprintf(stderr, "opsdeck: %s\n", e.msg);
		loop_free(a->loop);
		free(a);
		return 2;
	}
	if (term_start(&to, &e) != ST_OK) {
		fprintf(stderr, "opsdeck: %s\n", e.msg);
		script_free(sc);
		loop_free(a->loop);
		free(a);
		return 2;
	}
	a->mono = !term_colors();
	prompt_setup();
	struct userconf conf = {0};
	struct err ce;
	bool have_conf = userconf_load(&conf, &ce) == ST_OK;
	set_keymap(a, keymap ? keymap : have_conf && conf.keymap ? conf.keymap : "default");
	set_theme(a, theme ? theme : have_conf && conf.theme ? conf.theme : "default");
	userconf_free(&conf);
	so.kube.interactive = false;
	a->session = session_new(a->loop, &so,
				 &(struct session_ops){on_session}, a);
	a->runs = runs_new(a);
	app_push(a, &view_fleet, NULL);
	draw_frame(a);
	if (sc) {
		a->script = sc;
		script_start(sc, a);
	} else {
		a->keys = loop_fd_add(a->loop, STDIN_FILENO, LOOP_IN, on_keys, a);
	}
	loop_run(a->loop);
	if (runs_active(a->runs)) {
		/* Runs still going are aborted and recorded as such before
		 * opsdeck exits; a terminal that is gone (SIGHUP) no longer
		 * gives keys, so it is not listened to meanwhile. */
		if ((a->hangup || a->exit_code) && a->keys) {
			loop_fd_del(a->keys);
			a->keys = NULL;
		}
		prompt_open(NULL);
		runs_wind_down(a->runs, a->exit_code ? "opsdeck got a signal"
						     : "opsdeck was closed",
			       WIND_DOWN_MS);
	}
	while (a->views.len)
		view_close(vec_pop(&a->views));
	runs_free(a->runs);
	vec_free(&a->views, NULL);
	if (a->frame)
		loop_timer_cancel(a->frame);
	prompt_teardown();
	term_stop();
	int code = a->exit_code;
	if (session_state(a->session) == SESSION_FAILED) {
		fprintf(stderr, "opsdeck: %s\n%s", session_message(a->session),
			session_problems(a->session));
		if (!code)
			code = 2;
	}
	session_free(a->session);
	script_free(a->script);
	keymap_free(a->keymap);
	free(a->theme_name);
	free(a->keymap_name);
	buf_free(&a->message);
	if (a->trace)
		fclose(a->trace);
	if (a->keys)
		loop_fd_del(a->keys);
	loop_free(a->loop);
	free(a);
	return code;
}
