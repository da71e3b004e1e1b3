/*
 * Pod logs (see logs.h). A stream feeds its body through a line splitter
 * into the owner's line callback; a group keeps one source per
 * pod/container, opens a stream when the container has started (again
 * after a restart: a new container instance has a new log) and pushes every
 * line into its logbuf.
 */
#include "kube/logs.h"

#include <stdlib.h>
#include <string.h>

#include "base/map.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/vec.h"

struct kube_log_stream {
	struct kube_req *req;
	struct linesplit split;
	kube_log_line_cb line;
	kube_log_end_cb end;
	void *arg;
	bool closed;
	bool in_data;	 /* the splitter is running our callbacks */
	bool free_late;	 /* closed from inside them: on_data frees */
};

void kube_log_path(struct buf *out, const char *ns, const char *pod,
		   const struct kube_log_opts *o)
{
	buf_puts(out, "/api/v1/namespaces/");
	kube_query_escape(out, ns);
	buf_puts(out, "/pods/");
	kube_query_escape(out, pod);
	buf_puts(out, "/log?");
	if (o->container && *o->container) {
		buf_puts(out, "container=");
		kube_query_escape(out, o->container);
		buf_putc(out, '&');
	}
	if (o->follow)
		buf_puts(out, "follow=true&");
	if (o->previous)
		buf_puts(out, "previous=true&");
	if (o->timestamps)
		buf_puts(out, "timestamps=true&");
	if (o->tail_lines >= 0)
		buf_printf(out, "tailLines=%ld&", o->tail_lines);
	if (o->since_seconds > 0)
		buf_printf(out, "sinceSeconds=%ld&", o->since_seconds);
	out->data[--out->len] = '\0'; /* the last '&' or '?' */
}

static void on_line(const char *line, size_t len, unsigned flags, void *arg)
{
	struct kube_log_stream *s = arg;
	if (!s->closed)
		s->line(s->arg, line, len, flags);
}

static void stream_free(struct kube_log_stream *s)
{
	linesplit_free(&s->split);
	free(s);
}

static bool on_data(const char *data, size_t len, void *arg)
{
	struct kube_log_stream *s = arg;
	s->in_data = true;
	linesplit_feed(&s->split, data, len, on_line, s);
	s->in_data = false;
	if (s->free_late) {
		stream_free(s);
		return false;
	}
	return !s->closed;
}

static void on_done(struct kube_client *c, const struct kube_response *r,
		    void *arg)
{
	(void)c;
	struct kube_log_stream *s = arg;
	s->req = NULL;
	if (!s->closed) {
		linesplit_finish(&s->split, on_line, s);
		s->closed = true;
		s->end(s->arg, r);
	}
	stream_free(s);
}

struct kube_log_stream *kube_log_open(struct kube_client *c, const char *ns,
				      const char *pod,
				      const struct kube_log_opts *o,
				      kube_log_line_cb line, kube_log_end_cb end,
				      void *arg)
{
	struct kube_log_stream *s = xcalloc(1, sizeof *s);
	s->line = line;
	s->end = end;
	s->arg = arg;
	linesplit_init(&s->split, o->max_line);
	struct buf path = BUF_INIT;
	kube_log_path(&path, ns, pod, o);
	struct kube_request_opts ro = {
		.path = buf_str(&path),
		.accept = "text/plain, */*",
		.stream = true,
	};
	s->req = kube_request(c, &ro, on_data, on_done, s);
	buf_free(&path);
	return s;
}

void kube_log_close(struct kube_log_stream *s)
{
	if (!s || s->closed)
		return;
	s->closed = true;
	/* cancelling means on_done will not run: free here, or once the
	 * splitter has returned when we are inside its callbacks */
	kube_request_cancel(s->req);
	if (s->in_data)
		s->free_late = true;
	else
		stream_free(s);
}

/* ---- groups ------------------------------------------------------------ */

struct source {
	struct kube_log_group *g;
	uint32_t id;
	char *name;	 /* pod/container */
	char *ns, *pod, *container;
	struct kube_log_stream *stream;
	int32_t restarts_seen; /* the container instance being read */
	bool opened_once;
	bool gone;	 /* the pod was deleted */
};

struct kube_log_group {
	struct kube_watch *own; /* our consumer handle on the same reflector */
	struct kube_log_opts opts;
	char *container;
	struct logbuf *buf;
	struct kube_log_group_ops ops;
	void *arg;
	struct vec sources;  /* by id */
	struct map by_name;  /* "ns/pod/container" -> source */
	size_t running;
};

static void src_line(void *arg, const char *line, size_t len, unsigned flags)
{
	struct source *s = arg;
	logbuf_push(s->g->buf, s->id, flags, line, len);
	if (s->g->ops.lines)
		s->g->ops.lines(s->g->arg);
}

static void src_end(void *arg, const struct kube_response *r)
{
	struct source *s = arg;
	s->stream = NULL;
	s->g->running--;
	if (s->g->ops.source)
		s->g->ops.source(s->g->arg, s->id, false,
				 r->code == ST_OK ? NULL : r->message);
}

static void src_open(struct source *s, int32_t restarts)
{
	struct kube_log_group *g = s->g;
	struct kube_log_opts o = g->opts;
	o.container = s->container;
	if (s->opened_once)
		o.tail_lines = -1; /* a new container instance: all of it */
	s->opened_once = true;
	s->restarts_seen = restarts;
	s->stream = kube_log_open(kube_watch_client(g->own), s->ns, s->pod, &o,
				  src_line, src_end, s);
	g->running++;
	if (g->ops.source)
		g->ops.source(g->arg, s->id, true, NULL);
}

static void consider(struct kube_log_group *g, const struct kube_obj *pod)
{
	struct buf key = BUF_INIT;
	for (uint32_t i = 0; i < pod->u.pod.ncontainers; i++) {
		const struct kube_container *k = &pod->u.pod.containers[i];
		if (k->init || (g->container && !str_eq(g->container, k->name)))
			continue;
		buf_clear(&key);
		buf_printf(&key, "%s/%s/%s", pod->namespace_, pod->name,
			   k->name);
		struct source *s = map_get(&g->by_name, buf_str(&key));
		if (!s) {
			s = xcalloc(1, sizeof *s);
			s->g = g;
			s->id = (uint32_t)g->sources.len;
			s->ns = xstrdup(pod->namespace_);
			s->pod = xstrdup(pod->name);
			s->container = xstrdup(k->name);
			struct buf n = BUF_INIT;
			buf_printf(&n, "%s/%s", pod->name, k->name);
			s->name = buf_detach(&n);
			s->restarts_seen = -1;
			vec_push(&g->sources, s);
			map_put(&g->by_name, buf_str(&key), s);
		}
		bool started = k->state == KUBE_CSTATE_RUNNING ||
			       k->state == KUBE_CSTATE_TERMINATED;
		if (s->stream || s->gone || !started)
			continue;
		/* open once, and again for each new instance when following */
		if (!s->opened_once ||
		    (g->opts.follow && k->restarts > s->restarts_seen &&
		     k->state == KUBE_CSTATE_RUNNING))
			src_open(s, k->restarts);
	}
	buf_free(&key);
}

static void on_pod(void *arg, enum watch_type type, const struct kube_obj *old,
		   const struct kube_obj *obj)
{
	(void)old;
	struct kube_log_group *g = arg;
	if (type != WATCH_DELETED) {
		consider(g, obj);
		return;
	}
	/* the pod is gone: its streams end by themselves; do not reopen */
	struct buf prefix = BUF_INIT;
	buf_printf(&prefix, "%s/%s/", obj->namespace_, obj->name);
	size_t pos = 0;
	const char *k;
	void *v;
	while (map_next(&g->by_name, &pos, &k, &v))
		if (str_has_prefix(k, buf_str(&prefix)))
			((struct source *)v)->gone = true;
	buf_free(&prefix);
}

struct kube_log_group *kube_log_group_new(struct kube_watch *pods,
					  const struct kube_log_opts *o,
					  size_t cap_bytes,
					  const struct kube_log_group_ops *ops,
					  void *arg)
{
	struct kube_log_group *g = xcalloc(1, sizeof *g);
	g->opts = *o;
	g->container = o->container ? xstrdup(o->container) : NULL;
	g->opts.container = NULL;
	g->buf = logbuf_new(cap_bytes);
	if (ops)
		g->ops = *ops;
	g->arg = arg;
	/* A second consumer on the caller's reflector: shares its list and
	 * watch, and delivers every pod it holds to us. */
	struct kube_watch_ops wops = {.changed = on_pod};
	g->own = kube_watch_join(pods, &wops, g);
	return g;
}

static void source_free(void *p)
{
	struct source *s = p;
	kube_log_close(s->stream);
	free(s->name);
	free(s->ns);
	free(s->pod);
	free(s->container);
	free(s);
}

void kube_log_group_free(struct kube_log_group *g)
{
	if (!g)
		return;
	kube_unwatch(g->own);
	map_free(&g->by_name, NULL);
	vec_free(&g->sources, source_free);
	logbuf_free(g->buf);
	free(g->container);
	free(g);
}

struct logbuf *kube_log_group_buf(struct kube_log_group *g)
{
	return g->buf;
}

const char *kube_log_group_source(const struct kube_log_group *g,
				  uint32_t source)
{
	if (source >= g->sources.len)
		return "?";
	return ((struct source *)g->sources.items[source])->name;
}

size_t kube_log_group_running(const struct kube_log_group *g)
{
	return g->running;
}
