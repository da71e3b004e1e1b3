/*
 * The console's vocabulary of actions: one X-macro list that makes the
 * enum, the names keymap files use and the help text the help view shows.
 * Adding an action is one line here and a binding in keymaps/.
 *
 * X(ENUM, "name", "help")
 */
#ifndef OPSDECK_UI_ACTION_H
#define OPSDECK_UI_ACTION_H

#define ACTION_LIST(X)                                                        \
	/* moving */                                                          \
	X(UP, "up", "move up one line")                                      \
	X(DOWN, "down", "move down one line")                                \
	X(LEFT, "left", "move left (previous column)")                       \
	X(RIGHT, "right", "move right (next column)")                        \
	X(PAGE_UP, "page-up", "move up one page")                            \
	X(PAGE_DOWN, "page-down", "move down one page")                      \
	X(HALF_UP, "half-page-up", "move up half a page")                    \
	X(HALF_DOWN, "half-page-down", "move down half a page")              \
	X(TOP, "top", "go to the first line")                                \
	X(BOTTOM, "bottom", "go to the last line")                           \
	/* the view stack */                                                  \
	X(ENTER, "enter", "open what is under the cursor")                   \
	X(BACK, "back", "back to the previous view")                         \
	X(QUIT, "quit", "quit opsdeck")                                      \
	X(HELP, "help", "show the keys of this view")                        \
	X(COMMAND, "command", "open the : command line")                     \
	X(REDRAW, "redraw", "redraw the whole screen")                       \
	/* searching */                                                       \
	X(SEARCH, "search", "search forward (highlights, hides nothing)")    \
	X(SEARCH_BACK, "search-back", "search backward")                     \
	X(SEARCH_NEXT, "search-next", "next match")                          \
	X(SEARCH_PREV, "search-prev", "previous match")                      \
	X(FILTER, "filter", "show only lines that match (empty: all)")       \
	/* views */                                                           \
	X(VIEW_FLEET, "view-fleet", "the fleet: services x environments")    \
	X(VIEW_TENANTS, "view-tenants", "tenants x environments of the service") \
	X(VIEW_PODS, "view-pods", "pods of the cell")                        \
	X(VIEW_LOGS, "view-logs", "logs of the cell or pod")                 \
	X(VIEW_EVENTS, "view-events", "events of the cell")                  \
	X(VIEW_HISTORY, "view-history", "releases of the cell from Git")     \
	X(VIEW_DIFF, "view-diff", "diff of the release or cell")             \
	X(VIEW_DIFF_ENV, "diff-env", "diff this environment against another") \
	X(VIEW_RUNBOOKS, "view-runbooks", "runbooks that apply here; run one") \
	X(VIEW_APPROVALS, "view-approvals", "runs waiting for my approval")  \
	X(VIEW_AUDIT, "view-audit", "every runbook run on every cluster")    \
	/* logs */                                                            \
	X(FOLLOW, "follow", "follow new lines (or pause)")                   \
	X(WRAP, "wrap", "wrap long lines (or cut them)")                     \
	X(TIMESTAMPS, "timestamps", "show the server's timestamps")          \
	X(PREVIOUS, "previous", "the previous container's log")              \
	X(CONTAINER, "container", "switch to the next container")            \
	X(SAVE, "save", "save the lines to a file")                          \
	/* history and diff */                                                \
	X(MARK, "mark", "mark a release to diff two marked releases")        \
	/* runs */                                                            \
	X(RUN_ABORT, "run-abort", "abort the run (asks first)")              \
	X(APPROVE, "approve", "approve the run under the cursor")            \
	X(REJECT, "reject", "reject the run under the cursor, with a reason") \
	X(AUDIT_SOURCE, "audit-source",                                      \
	  "switch between the clusters' runs and this machine's log")        \
	/* look */                                                            \
	X(THEME_NEXT, "theme-next", "switch to the next theme")

enum action {
	ACT_NONE = 0,
#define ACTION_ENUM(e, name, help) ACT_##e,
	ACTION_LIST(ACTION_ENUM)
#undef ACTION_ENUM
	ACT__COUNT
};

/* "page-down" -> ACT_PAGE_DOWN; ACT_NONE when unknown. */
enum action action_parse(const char *name);
const char *action_name(enum action a);
const char *action_help(enum action a);

#endif
