/*
 * The test-mode script runner (script.h). Commands run one at a time from
 * a loop timer, so watch events, log lines and Git work keep flowing
 * between them exactly as they do between real keystrokes.
 */
#include "ui/script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "base/vec.h"
#include "ui/app.h"
#include "ui/keymap.h"
#include "ui/term.h"

#define WAIT_MS 60000
#define POLL_MS 10

struct script {
	struct vec lines; /* char * */
	char *path;
	size_t next;
	struct app *a;
	uint64_t wait_since;
};

enum status script_load(const char *path, struct script **out, struct err *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, ST_ERR_IO, "cannot read %s", path);
	struct script *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		char *t = str_trim(line);
		if (*t && *t != '#')
			vec_push(&s->lines, xstrdup(t));
	}
	free(line);
	fclose(f);
	*out = s;
	return ST_OK;
}

void script_free(struct script *s)
{
	if (!s)
		return;
	vec_free(&s->lines, free);
	free(s->path);
	free(s);
}

static void fail(struct script *s, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", s->path);
	fprintf(stderr, fmt, arg);
	fputs("\n--- the screen ---\n", stderr);
	term_dump(stderr);
	app_finish(s->a, 1);
}

static void step(struct loop *l, void *arg);

static void again(struct script *s, uint64_t ms)
{
	loop_timer_add(app_loop(s->a), ms, step, s);
}

/* One command; true when the next may follow at once. */
static bool run(struct script *s, const char *cmd)
{
	const char *rest = cmd + strcspn(cmd, " ");
	rest += strspn(rest, " ");
	size_t verb = strcspn(cmd, " ");
	if (!strncmp(cmd, "key", verb) && verb == 3) {
		char *copy = xstrdup(rest), *save = NULL;
		for (char *k = strtok_r(copy, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
			int32_t code = keymap_key_parse(k);
			if (code < 0) {
				fail(s, "not a key: %s", k);
				free(copy);
				return false;
			}
			app_key(s->a, code);
		}
		free(copy);
	} else if (!strncmp(cmd, "type", verb) && verb == 4) {
		const unsigned char *u = (const unsigned char *)rest;
		size_t len = strlen(rest);
		for (size_t i = 0; i < len;) {
			uint32_t cp;
			size_t n = utf8_decode(u + i, len - i, &cp);
			if (!n) {
				cp = u[i];
				n = 1;
			}
			app_key(s->a, (int32_t)cp);
			i += n;
		}
	} else if (!strncmp(cmd, "wait", verb) && verb == 4) {
		app_frame_now(s->a);
		if (!term_screen_has(rest)) {
			if (loop_now_ms() - s->wait_since > WAIT_MS) {
				fail(s, "waited 60 s for: %s", rest);
				return false;
			}
			s->next--; /* the same command again */
			again(s, POLL_MS);
			return false;
		}
	} else if (!strcmp(cmd, "idle")) {
		if (!app_idle(s->a)) {
			if (loop_now_ms() - s->wait_since > WAIT_MS) {
				fail(s, "%s", "waited 60 s for loading to end");
				return false;
			}
			s->next--;
			again(s, POLL_MS);
			return false;
		}
	} else if (!strncmp(cmd, "resize", verb) && verb == 6) {
		int c, r;
		if (sscanf(rest, "%dx%d", &c, &r) != 2 || c < 20 || r < 5) {
			fail(s, "resize: COLSxROWS, not %s", rest);
			return false;
		}
		term_resize(c, r);
		app_key(s->a, UK_RESIZE);
	} else if (!strncmp(cmd, "dump", verb) && verb == 4) {
		app_frame_now(s->a);
		FILE *f = fopen(rest, "w");
		if (!f) {
			fail(s, "cannot write %s", rest);
			return false;
		}
		term_dump(f);
		fclose(f);
	} else if (!strcmp(cmd, "quit")) {
		app_finish(s->a, 0);
		return false;
	} else {
		fail(s, "unknown command: %s", cmd);
		return false;
	}
	app_frame_now(s->a);
	return true;
}

static void step(struct loop *l, void *arg)
{
	(void)l;
	struct script *s = arg;
	while (s->next < s->lines.len) {
		const char *cmd = s->lines.items[s->next];
		bool waiting = !strncmp(cmd, "wait", 4) || !strcmp(cmd, "idle");
		if (!waiting)
			s->wait_since = 0;
		else if (!s->wait_since)
			s->wait_since = loop_now_ms();
		s->next++;
		if (!run(s, cmd))
			return;
		s->wait_since = 0;
	}
	app_finish(s->a, 0);
}

void script_start(struct script *s, struct app *a)
{
	s->a = a;
	again(s, 0);
}
