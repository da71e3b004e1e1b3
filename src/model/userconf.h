/*
 * The user's own settings file, $XDG_CONFIG_HOME/opsdeck/config.yaml
 * (~/.config/opsdeck/config.yaml): defaults for options the user would
 * otherwise type every time. Command-line options and environment
 * variables win over it.
 */
#ifndef OPSDECK_MODEL_USERCONF_H
#define OPSDECK_MODEL_USERCONF_H

#include "base/buf.h"
#include "base/status.h"

struct userconf {
	char *path;	  /* the file read, or NULL when there is none */
	char *repo;	  /* repo: PATH or URL */
	char *branch;	  /* branch: */
	char *kubeconfig; /* kubeconfig: */
	char *theme;	  /* theme: */
	char *keymap;	  /* keymap: */
};

/* The file's path (XDG rules) appended to out. */
void userconf_path(struct buf *out);
/* Read it; a missing file is not an error (all fields NULL). Problems are
 * "file:line:col: message" in e (ERR_PARSE). */
enum status userconf_load(struct userconf *u, struct err *e);
void userconf_free(struct userconf *u);

#endif
