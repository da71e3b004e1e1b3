/*
 * Shared by the unit tests: J() builds a jansson value from printf-style
 * JSON text and fails the running test when the text is not JSON. Include
 * after <cmocka.h>.
 */
#ifndef OPSDECK_TEST_JSON_H
#define OPSDECK_TEST_JSON_H

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>

static json_t *J(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));

static json_t *J(const char *fmt, ...)
{
	char text[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	if (!v)
		fail_msg("bad test JSON %s: %s", text, je.text);
	return v;
}

#endif
