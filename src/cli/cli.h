/*
 * The command line: one entry point that dispatches to one function per
 * subcommand. Exit codes follow PRODUCT.md: 0 answered, 1 bad news, 2 usage
 * or config error, 3 a cluster or Git could not be reached.
 */
#ifndef OPSDECK_CLI_H
#define OPSDECK_CLI_H

#include <stdio.h>

enum cli_exit {
	CLI_OK = 0,
	CLI_BAD_NEWS = 1,
	CLI_USAGE = 2,
	CLI_UNREACHABLE = 3,
};

int cli_main(int argc, char **argv);
int cli_version(int argc, char **argv);
int cli_pods(int argc, char **argv);
int cli_events(int argc, char **argv);
int cli_logs(int argc, char **argv);
int cli_whoami(int argc, char **argv);
int cli_can_i(int argc, char **argv);
int cli_matrix(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_history(int argc, char **argv);
int cli_diff(int argc, char **argv);
int cli_lint(int argc, char **argv);
int cli_runbook(int argc, char **argv);
int cli_approve(int argc, char **argv);
int cli_audit(int argc, char **argv);

#endif
