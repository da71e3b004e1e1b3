/*
 * Finding keymaps and themes by name: the user's folder first, then the
 * table compiled into the binary (ui/builtin.h). Both loaders get the
 * same include resolver, so an include line finds files exactly as a
 * name given on the command line does.
 *
 * Files are read whole (at most KEYFILE_MAX_BYTES, the loaders' own
 * limit), opened without blocking so that a FIFO or a device someone put
 * in the folder cannot hang the start, and only regular files count.
 * Any problem means the built-in "default", read with built-ins only, so
 * that a broken user file can never break the fallback.
 */
#include "ui/looks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "ui/builtin.h"

#define FALLBACK "default"

static const char *kind_name(bool themes)
{
	return themes ? "theme" : "keymap";
}

bool looks_valid_name(const char *name)
{
	size_t n = 0;
	if (!name)
		return false;
	for (; name[n]; n++) {
		char c = name[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return n >= 1 && n <= 63;
}

void looks_user_dir(bool themes, struct buf *out)
{
	/* As the XDG rules say, a relative XDG_CONFIG_HOME is ignored. */
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	const char *sub = themes ? "themes" : "keymaps";
	if (xdg && *xdg == '/')
		buf_printf(out, "%s/opsdeck/%s", xdg, sub);
	else if (home && *home)
		buf_printf(out, "%s/.config/opsdeck/%s", home, sub);
}

/* One problem line of our own (not from a file's line), made safe. */
static void problem(struct buf *problems, const char *file, const char *msg)
{
	if (!problems)
		return;
	struct buf line = BUF_INIT;
	buf_printf(&line, "%s: %s", file, msg);
	sanitize_append(problems, buf_str(&line), line.len, 0);
	buf_putc(problems, '\n');
	buf_free(&line);
}

static const struct builtin_file *builtin_find(bool themes, const char *name)
{
	const struct builtin_file *t =
	    themes ? builtin_themes : builtin_keymaps;
	size_t n = themes ? builtin_nthemes : builtin_nkeymaps;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

enum user_file { USER_MISSING, USER_READ, USER_FAILED };

/* Read the user's file name into text (path gets its path). */
static enum user_file user_read(bool themes, const char *name, struct buf *path,
				struct buf *text, struct buf *problems)
{
	buf_clear(path);
	looks_user_dir(themes, path);
	if (!path->len)
		return USER_MISSING;
	buf_printf(path, "/%s", name);
	int fd =
	    open(buf_str(path), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return USER_MISSING;
		struct buf m = BUF_INIT;
		buf_printf(&m, "cannot open (%s)", strerror(errno));
		problem(problems, buf_str(path), buf_str(&m));
		buf_free(&m);
		return USER_FAILED;
	}
	enum user_file res = USER_READ;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		problem(problems, buf_str(path), "not a regular file");
		res = USER_FAILED;
		goto out;
	}
	buf_clear(text);
	/* One byte past the limit is enough for the loader to refuse it. */
	while (text->len <= KEYFILE_MAX_BYTES) {
		size_t room = KEYFILE_MAX_BYTES + 1 - text->len;
		buf_reserve(text, room < 65536 ? room : 65536);
		ssize_t got = read(fd, text->data + text->len,
				   room < 65536 ? room : 65536);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			struct buf m = BUF_INIT;
			buf_printf(&m, "cannot read (%s)", strerror(errno));
			problem(problems, buf_str(path), buf_str(&m));
			buf_free(&m);
			res = USER_FAILED;
			goto out;
		}
		if (got == 0)
			break;
		text->len += (size_t)got;
		text->data[text->len] = '\0';
	}
out:
	close(fd);
	return res;
}

/* The include resolver's state for one load. */
struct resolver {
	bool themes;
	bool builtin_only;
	struct vec users; /* names read from the user's folder so far */
	struct buf path;
	struct buf *problems;
};

static bool read_as_user(const struct resolver *r, const char *name)
{
	for (size_t i = 0; i < r->users.len; i++)
		if (!strcmp(r->users.items[i], name))
			return true;
	return false;
}

static bool resolve(void *arg, const char *name, struct buf *text)
{
	struct resolver *r = arg;
	if (!looks_valid_name(name))
		return false;
	const struct builtin_file *b = builtin_find(r->themes, name);
	/* Includes form a chain (one include per file, on its first line),
	 * so a user's file seen before is the one including this: its own
	 * name then means the built-in it starts from. */
	bool user = !r->builtin_only && (!b || !read_as_user(r, name));
	if (user) {
		switch (
		    user_read(r->themes, name, &r->path, text, r->problems)) {
		case USER_READ:
			vec_push(&r->users, xstrdup(name));
			return true;
		case USER_FAILED:
			return false;
		case USER_MISSING:
			break;
		}
	}
	if (!b)
		return false;
	buf_clear(text);
	buf_append(text, b->text, b->len);
	return true;
}

static void resolver_free(struct resolver *r)
{
	vec_free(&r->users, free);
	buf_free(&r->path);
}

/* Load name (a user's file or a built-in) with loader; false on any
 * problem, which is then in problems. */
typedef bool (*load_fn)(void *target, const char *file, const char *text,
			size_t len,
			bool (*include)(void *, const char *, struct buf *),
			void *arg, struct buf *problems);

static bool load_named(bool themes, const char *name, bool builtin_only,
		       load_fn load, void *target, struct buf *problems)
{
	const char *kind = kind_name(themes);
	struct resolver r = {.themes = themes,
			     .builtin_only = builtin_only,
			     .problems = problems};
	struct buf text = BUF_INIT;
	bool ok = false;
	enum user_file uf = USER_MISSING;
	if (!builtin_only)
		uf = user_read(themes, name, &r.path, &text, problems);
	if (uf == USER_READ) {
		vec_push(&r.users, xstrdup(name));
		char *path = buf_detach(&r.path);
		ok = load(target, path, buf_str(&text), text.len, resolve, &r,
			  problems);
		free(path);
	} else if (uf == USER_MISSING) {
		const struct builtin_file *b = builtin_find(themes, name);
		if (b) {
			ok = load(target, name, b->text, b->len, resolve, &r,
				  problems);
		} else {
			struct vec names = VEC_INIT;
			looks_names(themes, &names);
			vec_push(&names, NULL);
			const char *m =
			    str_closest(name, (const char *const *)names.items);
			/* Named after the file the user could create. */
			struct buf msg = BUF_INIT, file = BUF_INIT;
			looks_user_dir(themes, &file);
			if (file.len)
				buf_putc(&file, '/');
			buf_puts(&file, name);
			buf_printf(
			    &msg, "no such file, and no built-in %s '%s'%s%s%s",
			    kind, name, m ? " (did you mean '" : "", m ? m : "",
			    m ? "'?)" : "");
			problem(problems, buf_str(&file), buf_str(&msg));
			buf_free(&msg);
			buf_free(&file);
			vec_free(&names, free);
		}
	}
	buf_free(&text);
	resolver_free(&r);
	return ok;
}

static void fallback_note(bool themes, const char *name, struct buf *problems)
{
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "using the built-in %s '%s' instead of '%s'",
		   kind_name(themes), FALLBACK, name);
	problem(problems, "opsdeck", buf_str(&msg));
	buf_free(&msg);
}

static bool keymap_loader(void *target, const char *file, const char *text,
			  size_t len,
			  bool (*include)(void *, const char *, struct buf *),
			  void *arg, struct buf *problems)
{
	return keymap_load(target, file, text, len, include, arg, problems);
}

static bool theme_loader(void *target, const char *file, const char *text,
			 size_t len,
			 bool (*include)(void *, const char *, struct buf *),
			 void *arg, struct buf *problems)
{
	return theme_load(target, file, text, len, include, arg, problems);
}

struct keymap *looks_keymap(const char *name, struct buf *problems)
{
	if (!name || !*name)
		name = FALLBACK;
	if (!looks_valid_name(name)) {
		struct buf msg = BUF_INIT;
		buf_printf(&msg,
			   "bad keymap name '%.64s' (letters, digits, "
			   "'-' and '_')",
			   name);
		problem(problems, "opsdeck", buf_str(&msg));
		buf_free(&msg);
	} else {
		struct keymap *k = keymap_new(name);
		if (load_named(false, name, false, keymap_loader, k, problems))
			return k;
		keymap_free(k);
	}
	fallback_note(false, name, problems);
	struct keymap *k = keymap_new(FALLBACK);
	load_named(false, FALLBACK, true, keymap_loader, k, problems);
	return k;
}

void looks_theme(const char *name, struct theme *out, struct buf *problems)
{
	if (!name || !*name)
		name = FALLBACK;
	if (!looks_valid_name(name)) {
		struct buf msg = BUF_INIT;
		buf_printf(&msg,
			   "bad theme name '%.64s' (letters, digits, "
			   "'-' and '_')",
			   name);
		problem(problems, "opsdeck", buf_str(&msg));
		buf_free(&msg);
	} else {
		theme_init(out, name);
		if (load_named(true, name, false, theme_loader, out, problems))
			return;
	}
	fallback_note(true, name, problems);
	theme_init(out, FALLBACK);
	load_named(true, FALLBACK, true, theme_loader, out, problems);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void looks_names(bool themes, struct vec *out)
{
	struct vec all = VEC_INIT;
	const struct builtin_file *t =
	    themes ? builtin_themes : builtin_keymaps;
	size_t n = themes ? builtin_nthemes : builtin_nkeymaps;
	for (size_t i = 0; i < n; i++)
		if (looks_valid_name(t[i].name))
			vec_push(&all, xstrdup(t[i].name));
	struct buf dir = BUF_INIT;
	looks_user_dir(themes, &dir);
	DIR *d = dir.len ? opendir(buf_str(&dir)) : NULL;
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!looks_valid_name(e->d_name))
				continue;
			struct stat st;
			if (fstatat(dirfd(d), e->d_name, &st, 0) ||
			    !S_ISREG(st.st_mode))
				continue;
			vec_push(&all, xstrdup(e->d_name));
		}
		closedir(d);
	}
	buf_free(&dir);
	vec_sort(&all, cmp_str);
	const char *prev = NULL;
	for (size_t i = 0; i < all.len; i++) {
		if (prev && !strcmp(all.items[i], prev)) {
			free(all.items[i]);
			continue;
		}
		vec_push(out, all.items[i]);
		prev = all.items[i];
	}
	vec_free(&all, NULL);
}
