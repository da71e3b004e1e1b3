/*
 * Terminal ownership. This is the one module that initialises and restores
 * the terminal; for now it only reports the ncurses version it links.
 */
#include "ui/ui.h"

#include <curses.h>

const char *ui_curses_version(void)
{
	return curses_version();
}
