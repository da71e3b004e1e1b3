/*
 * What the diff view offers the views that open it (cell, history): the
 * "diff this environment against another" question (key D).
 */
#ifndef OPSDECK_UI_VIEW_DIFF_H
#define OPSDECK_UI_VIEW_DIFF_H

#include "model/model.h"

struct app;

/* Ask on the bottom line which environment to diff cell's files against
 * (completing the environments where its service runs; an empty answer
 * takes the one offered), then open the diff view on the two cells. */
void view_diff_ask_env(struct app *a, struct model_cell *cell);

#endif
