/*
 * Subcommand dispatch. Each subcommand lives in its own file and takes
 * (argc, argv) starting at its own name.
 */
#include "cli/cli.h"

#include <string.h>

#include "ui/ui.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"matrix", cli_matrix, "services x environments: version, health, sync"},
	{"status", cli_status, "one cell in detail: desired, live, releases"},
	{"history", cli_history, "releases of cells from the config repo"},
	{"diff", cli_diff, "what differs between environments or revisions"},
	{"lint", cli_lint, "validate opsdeck.yaml, version files, runbooks, policy"},
	{"runbook", cli_runbook, "list, show and run the approved runbooks"},
	{"approve", cli_approve, "approve or reject a run waiting for a second person"},
	{"audit", cli_audit, "runs recorded in the clusters (or this machine's log)"},
	{"pods", cli_pods, "pods of one or more clusters (-w: live)"},
	{"events", cli_events, "events of one or more clusters (-w: live)"},
	{"logs", cli_logs, "a pod's log, or every matching pod's (-f: follow)"},
	{"whoami", cli_whoami, "who each cluster says I am"},
	{"can-i", cli_can_i, "whether a cluster lets me do something"},
	{"version", cli_version, "print the version and the linked libraries"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: opsdeck [console options]   the console (opsdeck --help)\n"
		     "       opsdeck <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int cli_main(int argc, char **argv)
{
	/* No command: the console (its options start with '-'). */
	if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "-h") &&
			 strcmp(argv[1], "--help")))
		return ui_main(argc, argv);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "opsdeck: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
