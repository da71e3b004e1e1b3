/*
 * Status names and messages generated from STATUS_LIST, and the helpers that
 * fill a struct err.
 */
#include "base/status.h"

#include <stdio.h>
#include <string.h>

static const char *const names[] = {
#define STATUS_NAME(name, msg) #name,
	STATUS_LIST(STATUS_NAME)
#undef STATUS_NAME
};

static const char *const messages[] = {
#define STATUS_MSG(name, msg) msg,
	STATUS_LIST(STATUS_MSG)
#undef STATUS_MSG
};

const char *status_name(enum status s)
{
	return (unsigned)s < ST__COUNT ? names[s] : "UNKNOWN";
}

const char *status_message(enum status s)
{
	return (unsigned)s < ST__COUNT ? messages[s] : "unknown status";
}

enum status err_setv(struct err *e, enum status code, const char *fmt,
		     va_list ap)
{
	if (!e)
		return code;
	e->code = code;
	if (fmt)
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	else
		snprintf(e->msg, sizeof e->msg, "%s", status_message(code));
	return code;
}

enum status err_set(struct err *e, enum status code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_setv(e, code, fmt, ap);
	va_end(ap);
	return code;
}

void err_clear(struct err *e)
{
	if (e) {
		e->code = ST_OK;
		e->msg[0] = '\0';
	}
}
