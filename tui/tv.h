/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TV_H
#define TV_H

/*
 * tv: the views of fdr-tui, htop style. Each view draws itself into a grid
 * of cells (struct tv_screen) and handles the actions its keys map to; the
 * keys go through one bindings table (tv_bindings) that also fills the
 * bottom bar and the help. No curses here: the front end (tui/fdr-tui.c)
 * copies the grid to the terminal, or prints it in batch mode, and turns
 * terminal keys into TV_K_* codes.
 *
 * Text reaching the grid is either ours or escaped by fdr_buf_add_escaped()
 * first (tv_put() also drops any control byte it is given, as a last guard).
 *
 * Ownership: the app owns the set, the model objects and the screen it is
 * given nothing to borrow except the options' strings.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/tm.h"

/* Keys beyond bytes. */
enum {
	TV_K_UP = 0x1001, TV_K_DOWN, TV_K_LEFT, TV_K_RIGHT, TV_K_PGUP, TV_K_PGDN, TV_K_HOME,
	TV_K_END, TV_K_ENTER, TV_K_TAB, TV_K_BTAB, TV_K_ESC, TV_K_BS, TV_K_WHEEL_UP,
	TV_K_WHEEL_DOWN, TV_K_CLICK, TV_K_RESIZE, TV_K_F1,
};

enum tv_color {
	TV_C_DEFAULT = 0, TV_C_PROC, TV_C_FILE, TV_C_NET, TV_C_DNS, TV_C_DOCKER, TV_C_AUTH,
	TV_C_REC, TV_C_BAR, TV_C_FIND, TV_C_TITLE, TV_C_COUNT
};

enum { TV_A_BOLD = 1, TV_A_REV = 2, TV_A_UL = 4 };

struct tv_cell {
	char ch[5];		/* one UTF-8 character, NUL-terminated */
	uint8_t color;		/* enum tv_color */
	uint8_t attr;		/* TV_A_* */
};

struct tv_screen {
	int w, h;
	struct tv_cell *c;
};

void tv_screen_resize(struct tv_screen *s, int w, int h);
void tv_screen_clear(struct tv_screen *s);
void tv_screen_release(struct tv_screen *s);
/* Write text at (x, y), clipped at max columns (and the screen edge);
 * returns the columns used. Control bytes and invalid UTF-8 become '?'. */
int tv_put(struct tv_screen *s, int x, int y, int color, int attr, const char *text, int max);
/* The screen as plain text lines, trailing blanks trimmed. */
void tv_screen_text(const struct tv_screen *s, struct fdr_buf *b);

enum tv_view { TV_CONTAINERS, TV_TIMELINE, TV_TREE, TV_FINDINGS, TV_HIST, TV_NVIEWS };

struct tv_opts {
	struct tm_sel sel;	/* moved into the app */
	const char *model_path;	/* --model */
	const char *follow;	/* --follow DIR: re-read, and pick up new rings */
	bool color;
};

struct tv_app;

/* Open the rings (paths) and build the first view. The set is owned by the
 * app. Returns 0, or negative with a message in err. */
int tv_app_new(struct tv_opts *o, struct rp_set *set, struct tv_app **out, char *err, size_t errlen);
void tv_app_free(struct tv_app *a);
/* Handle one key; false when the app wants to quit. (x, y) for TV_K_CLICK. */
bool tv_app_key(struct tv_app *a, int key, int x, int y);
/* One step of background work (counts): true when it did some (redraw
 * and call again), false when there is none left. */
bool tv_app_idle(struct tv_app *a);
/* The timeline is still searching for rows (a rare filter): tv_app_idle()
 * goes on with it. */
bool tv_app_searching(const struct tv_app *a);
/* Re-read rings being written (--follow). */
void tv_app_refresh(struct tv_app *a);
/* Draw everything into s (sized by the caller). */
void tv_app_draw(struct tv_app *a, struct tv_screen *s);

#endif
