/*
 * `opsdeck version`: the program's version and the versions of the libraries
 * it is linked with, read from the libraries themselves at run time.
 */
#include "cli/cli.h"
#include "ui/ui.h"

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <readline/readline.h>
#include <yaml.h>

int cli_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: opsdeck version\n");
		return CLI_USAGE;
	}
	int gmaj, gmin, grev;
	git_libgit2_version(&gmaj, &gmin, &grev);
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	printf("opsdeck %s\n", OPSDECK_VERSION);
	printf("  ncurses  %s\n", ui_curses_version());
	printf("  libcurl  %s (%s)\n", cv->version,
	       cv->ssl_version ? cv->ssl_version : "no TLS");
	printf("  jansson  %s\n", jansson_version_str());
	printf("  libyaml  %s\n", yaml_get_version_string());
	printf("  libgit2  %d.%d.%d\n", gmaj, gmin, grev);
	printf("  readline %d.%d\n", rl_readline_version >> 8,
	       rl_readline_version & 0xff);
	return CLI_OK;
}
