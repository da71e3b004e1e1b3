/*
 * The user's settings file: a flat YAML mapping of strings, every key
 * known (a typo is reported with the file and line, never ignored).
 */
#include "model/userconf.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "base/yaml.h"

void userconf_path(struct buf *out)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg == '/')
		buf_printf(out, "%s/opsdeck/config.yaml", xdg);
	else
		buf_printf(out, "%s/.config/opsdeck/config.yaml",
			   home && *home ? home : ".");
}

enum status userconf_load(struct userconf *u, struct err *e)
{
	memset(u, 0, sizeof *u);
	struct buf path = BUF_INIT;
	userconf_path(&path);
	struct yaml_pos *pos = NULL;
	struct yaml_opts opts = {.max_bytes = 1 << 20, .flags = YAML_ONE_DOC};
	struct err le;
	json_t *root = yaml_load_file_ex(buf_str(&path), &opts, &pos, &le);
	if (!root) {
		buf_free(&path);
		if (le.code == ST_ERR_NOTFOUND)
			return ST_OK;
		return err_set(e, le.code, "%s", le.msg);
	}
	u->path = buf_detach(&path);
	static const char *const keys[] = {
		"repo", "branch", "kubeconfig", "theme", "keymap", NULL,
	};
	char **fields[] = {&u->repo, &u->branch, &u->kubeconfig, &u->theme,
			   &u->keymap};
	enum status st = ST_OK;
	if (json_is_null(root)) {
		/* an empty file */
	} else if (!json_is_object(root)) {
		st = yaml_pos_err(e, ST_ERR_PARSE, pos, "",
				  "settings must be a mapping of key: value");
	} else {
		const char *key;
		json_t *v;
		json_object_foreach(root, key, v)
		{
			size_t i = 0;
			while (keys[i] && strcmp(keys[i], key))
				i++;
			struct buf p = BUF_INIT;
			yaml_path_key(&p, key);
			if (!keys[i]) {
				const char *s = str_closest(key, keys);
				st = yaml_pos_err(e, ST_ERR_PARSE, pos,
						  buf_str(&p),
						  "unknown setting%s%s%s",
						  s ? " (did you mean '" : "",
						  s ? s : "", s ? "'?)" : "");
			} else if (!json_is_string(v)) {
				st = yaml_pos_err(e, ST_ERR_PARSE, pos,
						  buf_str(&p),
						  "%s must be a string", key);
			} else {
				free(*fields[i]);
				*fields[i] = xstrdup(json_string_value(v));
			}
			buf_free(&p);
			if (st != ST_OK)
				break;
		}
	}
	json_decref(root);
	yaml_pos_free(pos);
	if (st != ST_OK)
		userconf_free(u);
	return st;
}

void userconf_free(struct userconf *u)
{
	free(u->path);
	free(u->repo);
	free(u->branch);
	free(u->kubeconfig);
	free(u->theme);
	free(u->keymap);
	memset(u, 0, sizeof *u);
}
