/*
 * The action vocabulary's names and help texts, generated from ACTION_LIST
 * in ui/action.h. Keymap files name actions by these names, and the help
 * view shows the help texts; the enum is what the dispatcher switches on.
 */
#include "ui/action.h"

#include <string.h>

/* Index 0 is ACT_NONE: "none" is also what a keymap file writes to unbind
 * a key, so it is a name like the others. */
static const char *const names[ACT__COUNT] = {[ACT_NONE] = "none",
#define ACTION_NAME(e, name, help) [ACT_##e] = name,
					      ACTION_LIST(ACTION_NAME)
#undef ACTION_NAME
};

static const char *const helps[ACT__COUNT] = {[ACT_NONE] = "do nothing",
#define ACTION_HELP(e, name, help) [ACT_##e] = help,
					      ACTION_LIST(ACTION_HELP)
#undef ACTION_HELP
};

enum action action_parse(const char *name)
{
	if (!name)
		return ACT_NONE;
	/* Called only while a keymap file is read, never per key press, so
	 * a scan of a few dozen names is cheaper than keeping an index. */
	for (int a = ACT_NONE + 1; a < ACT__COUNT; a++)
		if (!strcmp(names[a], name))
			return (enum action)a;
	return ACT_NONE;
}

const char *action_name(enum action a)
{
	if ((int)a <= ACT_NONE || (int)a >= ACT__COUNT)
		return names[ACT_NONE];
	return names[a];
}

const char *action_help(enum action a)
{
	if ((int)a <= ACT_NONE || (int)a >= ACT__COUNT)
		return helps[ACT_NONE];
	return helps[a];
}
