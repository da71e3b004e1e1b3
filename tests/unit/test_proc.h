/*
 * Shared by the unit tests that kill processes: whether one still runs.
 */
#ifndef OPSDECK_TEST_PROC_H
#define OPSDECK_TEST_PROC_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

/* True while a process exists and is not a zombie (from /proc). */
static bool proc_alive(pid_t pid) __attribute__((unused));
static bool proc_alive(pid_t pid)
{
	char path[64], stat[256];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return false;
	size_t n = fread(stat, 1, sizeof stat - 1, fp);
	fclose(fp);
	stat[n] = '\0';
	/* "pid (comm) S ...": the state follows the last parenthesis */
	const char *paren = strrchr(stat, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z';
}

#endif
