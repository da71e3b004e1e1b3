/*
 * opsdeck's entry point: parses the global options and hands the rest to a
 * subcommand in src/cli/ (or, with no subcommand, to the console in ui/).
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
