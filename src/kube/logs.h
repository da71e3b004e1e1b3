/*
 * Pod logs: one stream per pod/container, and groups of streams merged
 * into one bounded buffer.
 *
 * A stream is a GET .../pods/NAME/log whose body is cut into lines as it
 * arrives (loglines.h: partial lines across chunks, over-long lines cut,
 * bytes passed on unchanged for the presenter to sanitise). A group follows
 * every pod a pod watch delivers (all pods of a deployment, say): a stream
 * per pod and container, new pods joining as they appear, every line pushed
 * into one logbuf tagged with its source, whose name ("web-7d9f/app") is
 * the prefix a presenter shows. Memory is bounded by the logbuf's cap.
 */
#ifndef OPSDECK_KUBE_LOGS_H
#define OPSDECK_KUBE_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/client.h"
#include "kube/loglines.h"
#include "kube/reflector.h"

struct kube_log_opts {
	const char *container; /* NULL = the pod's default container */
	bool follow;
	bool previous;
	bool timestamps;
	long tail_lines;    /* < 0 = all */
	long since_seconds; /* 0 = unset */
	size_t max_line;    /* 0 = LOG_MAX_LINE_DEFAULT */
};

typedef void (*kube_log_line_cb)(void *arg, const char *line, size_t len,
				 unsigned flags);
/* The stream ended: r->code ST_OK when the server closed it normally
 * (the container stopped, or not following). */
typedef void (*kube_log_end_cb)(void *arg, const struct kube_response *r);

struct kube_log_stream;

/* The path of a pod's log with these options (exposed for tests). */
void kube_log_path(struct buf *out, const char *ns, const char *pod,
		   const struct kube_log_opts *o);
struct kube_log_stream *kube_log_open(struct kube_client *c, const char *ns,
				      const char *pod,
				      const struct kube_log_opts *o,
				      kube_log_line_cb line, kube_log_end_cb end,
				      void *arg);
/* Stop; no more callbacks. Safe from the stream's own callbacks. */
void kube_log_close(struct kube_log_stream *s);

/* ---- groups ----------------------------------------------------------- */

struct kube_log_group;

struct kube_log_group_ops {
	/* New lines were pushed into the buffer (coalesce redraws here). */
	void (*lines)(void *arg);
	/* A source started or ended (message says why when it failed). */
	void (*source)(void *arg, uint32_t source, bool running,
		       const char *message);
};

/*
 * Follow the logs of every pod pods delivers (which stays the caller's and
 * must outlive the group). container NULL: every regular container of each
 * pod. cap_bytes 0 = the logbuf default.
 */
struct kube_log_group *kube_log_group_new(struct kube_watch *pods,
					  const struct kube_log_opts *o,
					  size_t cap_bytes,
					  const struct kube_log_group_ops *ops,
					  void *arg);
void kube_log_group_free(struct kube_log_group *g);
struct logbuf *kube_log_group_buf(struct kube_log_group *g);
/* "pod/container" of a source. */
const char *kube_log_group_source(const struct kube_log_group *g,
				  uint32_t source);
size_t kube_log_group_running(const struct kube_log_group *g);

#endif
