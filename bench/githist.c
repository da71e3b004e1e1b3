/*
 * Benchmark of the history-by-path walk (src/git/history).
 *
 *   githist REPO PATHS-FILE [MAX-COMMITS]
 *
 * Walks REPO's HEAD along first parents for the paths listed in
 * PATHS-FILE (one a line; blank lines and lines starting with '#' are
 * skipped) and prints the commits visited, the commits and changes
 * reported, the trees looked up, the renames followed and the elapsed
 * time. It builds no repository itself: point it at a generated one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "base/status.h"
#include "base/str.h"
#include "base/vec.h"
#include "git/history.h"
#include "git/repo.h"

struct count {
	size_t steps, changes, renamed;
};

static bool count_step(void *arg, const struct githist_step *s)
{
	struct count *c = arg;
	c->steps++;
	c->changes += s->nchanges;
	for (size_t i = 0; i < s->nchanges; i++)
		c->renamed += s->changes[i].old_path != NULL;
	return true;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int read_paths(const char *file, struct vec *out)
{
	FILE *f = fopen(file, "r");
	if (!f) {
		perror(file);
		return -1;
	}
	char line[4096];
	while (fgets(line, sizeof line, f)) {
		str_trim(line);
		if (line[0] && line[0] != '#')
			vec_push(out, xstrdup(line));
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s REPO PATHS-FILE [MAX-COMMITS]\n",
			argv[0]);
		return 2;
	}
	long max = 0;
	if (argc == 4 && !str_to_long(argv[3], 0, 1L << 30, &max)) {
		fprintf(stderr, "bad MAX-COMMITS: %s\n", argv[3]);
		return 2;
	}
	struct vec paths = VEC_INIT;
	if (read_paths(argv[2], &paths))
		return 1;

	struct err e;
	struct repo *r = NULL;
	if (repo_open(argv[1], &r, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	git_oid head;
	if (git_reference_name_to_id(&head, repo_git(r), "HEAD")) {
		fprintf(stderr, "%s: no HEAD commit\n", argv[1]);
		repo_free(r);
		return 1;
	}

	struct count c = {0};
	struct githist_stats st;
	double t0 = now_ms();
	enum status rc =
	    githist_walk(r, &head, (const char *const *)paths.items, paths.len,
			 0, (size_t)max, count_step, &c, &st, &e);
	double ms = now_ms() - t0;
	if (rc)
		fprintf(stderr, "githist_walk: %s\n", e.msg);
	printf("paths %zu\ncommits visited %zu\ncommits reported %zu\n"
	       "changes %zu\nrenamed changes %zu\ntrees looked up %zu\n"
	       "renames followed %zu\nelapsed ms %.1f\n",
	       paths.len, st.commits, c.steps, c.changes, c.renamed, st.trees,
	       st.renames, ms);
	repo_free(r);
	vec_free(&paths, free);
	return rc ? 1 : 0;
}
