/*
 * The presentation layer's public face for src/: nothing here exposes
 * ncurses types, so the engine never includes ncurses.
 */
#ifndef OPSDECK_UI_H
#define OPSDECK_UI_H

/* The linked ncurses library's version string. */
const char *ui_curses_version(void);

/* The console: `opsdeck [options]` (argv[0] is the program). Returns the
 * exit code. */
int ui_main(int argc, char **argv);

#endif
