/*
 * The watch stream: a chunked HTTP body carrying one JSON object per event
 * ({"type":...,"object":{...}} followed by '\n' on real servers). The framer
 * cuts complete JSON values out of arbitrary chunks — an event split over
 * many chunks, many events in one chunk — without trusting the newlines
 * (it tracks nesting and strings), and the decoder turns one value into an
 * event with a compact object.
 */
#ifndef OPSDECK_KUBE_WATCHSTREAM_H
#define OPSDECK_KUBE_WATCHSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"
#include "kube/objects.h"

#define WATCH_MAX_EVENT_DEFAULT ((size_t)16 << 20) /* 16 MiB */

struct watch_framer {
	struct buf pending; /* bytes of the value being assembled */
	size_t scanned;	    /* bytes of pending already scanned */
	size_t max_event;
	int depth;
	bool in_string, escaped, started;
	bool broken; /* after an error: everything is ignored */
};

/* json is not NUL-terminated and is valid only during the call. */
typedef void (*watch_value_cb)(const char *json, size_t len, void *arg);

void watch_framer_init(struct watch_framer *f, size_t max_event /*0=default*/);
void watch_framer_free(struct watch_framer *f);
/*
 * Feed a chunk; cb runs for each complete top-level JSON object, in order.
 * Whitespace between values is skipped. Anything else outside a value
 * (garbage), or a value larger than max_event, is an error: ERR_PARSE or
 * ERR_TOOBIG, the framer is broken from then on (the stream must be
 * restarted): every later feed returns ERR_PARSE and delivers nothing.
 */
enum status watch_framer_feed(struct watch_framer *f, const char *data,
			      size_t len, watch_value_cb cb, void *arg,
			      struct err *e);
/* At the end of the stream: true when a value was cut off (a truncated
 * stream; its bytes are discarded). */
bool watch_framer_truncated(const struct watch_framer *f);

enum watch_type {
	WATCH_ADDED,
	WATCH_MODIFIED,
	WATCH_DELETED,
	WATCH_BOOKMARK,
	WATCH_ERROR,
};

const char *watch_type_name(enum watch_type t); /* "ADDED", ... */

struct watch_event {
	enum watch_type type;
	struct kube_obj *obj; /* ADDED/MODIFIED/DELETED; the caller's to free */
	char *resource_version; /* the object's or the bookmark's; malloc'd */
	/* ERROR: the Status inside */
	int code;	     /* e.g. 410 */
	char reason[64];     /* e.g. "Expired" */
	char message[256];   /* sanitised */
};

/*
 * Decode one framed value for a watch of kind k. ERR_PARSE for invalid
 * JSON, an unknown type, a missing or non-object "object", an object of
 * another kind, or one kobj_decode rejects. On success free with
 * watch_event_clear.
 */
enum status watch_event_decode(const char *json, size_t len, enum kube_kind k,
			       struct watch_event *ev, struct err *e);
void watch_event_clear(struct watch_event *ev);

#endif
