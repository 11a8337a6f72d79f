/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdr-tui: the incident responder's terminal UI. Argument parsing, the
 * curses front end (keys in, the view grid out) and the batch mode that
 * prints the screen for given keys. Everything else: tui/tv.h, tui/tm.h.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "fdr-text.h"
#include "replay/rp-time.h"
#include "tui/tv.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2 };

static const char usage_text[] =
	"usage: fdr-tui [FILTERS] [--model MODEL] RINGS...\n"
	"       fdr-tui [FILTERS] --follow DIR\n"
	"       fdr-tui --batch [--keys KEYS] [--size WxH] [--no-wait] RINGS...\n"
	"\n"
	"RINGS are ring files or directories of them (copied from a host, or live).\n"
	"\n"
	"filters (as fdr-replay): --since TIME --until TIME --host GLOB --container ID|NAME\n"
	"  --image GLOB --kind GLOBS -e EXPR\n"
	"options:\n"
	"  --model MODEL   findings: what deviates from a learned model (fdr-replay learn)\n"
	"  --follow DIR    watch a live recorder directory as events arrive\n"
	"  --threads N     decoding threads (default: one per CPU)\n"
	"  --batch         no terminal: apply --keys, print the screen to stdout\n"
	"  --keys KEYS     keys for --batch: characters and <Enter> <Tab> <BTab> <Esc> <Up>\n"
	"                  <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End> <BS> <Space> <Lt>\n"
	"                  <Resize WxH> <Wait> <Found> (the timeline's search done)\n"
	"                  <Screen> (print the screen here too)\n"
	"  --size WxH      batch screen size (default 80x24)\n"
	"  --no-wait       batch: do not finish the background counting before each screen\n"
	"  --no-color      monochrome (also NO_COLOR in the environment)\n"
	"  -h, --help, --version\n"
	"\n"
	"Keys: ? in the program. Exit status: 0 ok, 2 usage error or unreadable input.\n";

struct args {
	struct tv_opts tv;
	bool batch, wait;
	const char *keys;
	int w, h;
	char **rings;
	int nrings;
};

static int usage_error(const char *fmt, const char *arg)
{
	struct fdr_buf b = FDR_BUF_INIT;

	fdr_buf_adds(&b, "fdr-tui: ");
	fdr_buf_addf(&b, fmt, arg ? arg : "");
	fprintf(stderr, "%s\nTry 'fdr-tui --help'.\n", b.p);
	fdr_buf_release(&b);
	return EXIT_USAGE;
}

static int parse_size(const char *s, int *w, int *h)
{
	if (sscanf(s, "%dx%d", w, h) != 2 || *w < 20 || *h < 8 || *w > 1000 || *h > 500)
		return -1;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	enum { O_SINCE = 256, O_UNTIL, O_HOST, O_CONTAINER, O_IMAGE, O_KIND, O_MODEL, O_FOLLOW,
	       O_THREADS, O_BATCH, O_KEYS, O_SIZE, O_NOWAIT, O_NOCOLOR, O_VERSION };
	static const struct option lo[] = {
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "host", required_argument, NULL, O_HOST },
		{ "container", required_argument, NULL, O_CONTAINER },
		{ "image", required_argument, NULL, O_IMAGE },
		{ "kind", required_argument, NULL, O_KIND },
		{ "expr", required_argument, NULL, 'e' },
		{ "model", required_argument, NULL, O_MODEL },
		{ "follow", required_argument, NULL, O_FOLLOW },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "batch", no_argument, NULL, O_BATCH },
		{ "keys", required_argument, NULL, O_KEYS },
		{ "size", required_argument, NULL, O_SIZE },
		{ "no-wait", no_argument, NULL, O_NOWAIT },
		{ "no-color", no_argument, NULL, O_NOCOLOR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	static char *follow_ring[1];
	struct tm_sel *s = &a->tv.sel;
	const char *follow = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "e:h", lo, NULL)) != -1) {
		size_t col;
		char *end;
		switch (c) {
		case O_SINCE: case O_UNTIL: {
			uint64_t t;
			if (rp_time_parse(optarg, rp_time_now(), &t, &col) < 0)
				return usage_error("bad time '%s': RFC 3339 or relative (-2h)", optarg);
			if (c == O_SINCE)
				s->since = t;
			else
				s->until = t;
			break;
		}
		case O_HOST: tm_str_set(&s->host, optarg); break;
		case O_CONTAINER: tm_str_set(&s->container, optarg); break;
		case O_IMAGE: tm_str_set(&s->image, optarg); break;
		case O_KIND: tm_str_set(&s->kinds, optarg); break;
		case 'e': {
			if (s->base_expr) {	/* several -e: all must hold */
				char *j = malloc(strlen(s->base_expr) + strlen(optarg) + 16);
				if (!j)
					abort();
				sprintf(j, "(%s) && (%s)", s->base_expr, optarg);
				free(s->base_expr);
				s->base_expr = j;
			} else {
				tm_str_set(&s->base_expr, optarg);
			}
			break;
		}
		case O_MODEL: a->tv.model_path = optarg; break;
		case O_FOLLOW: follow = optarg; a->tv.follow = optarg; break;
		case O_THREADS: {
			unsigned long n = strtoul(optarg, &end, 10);
			if (!*optarg || *end || n < 1 || n > 256)
				return usage_error("bad --threads '%s': expected 1..256", optarg);
			s->threads = (unsigned)n;
			break;
		}
		case O_BATCH: a->batch = true; break;
		case O_KEYS: a->keys = optarg; break;
		case O_SIZE:
			if (parse_size(optarg, &a->w, &a->h))
				return usage_error("bad --size '%s': WxH, at least 20x8", optarg);
			break;
		case O_NOWAIT: a->wait = false; break;
		case O_NOCOLOR: a->tv.color = false; break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		case O_VERSION:
			printf("fdr-tui %s\n", FDR_VERSION);
			exit(EXIT_OK);
		default:
			return usage_error("%s", "bad option");
		}
	}
	a->rings = argv + optind;
	a->nrings = argc - optind;
	if (follow) {
		if (a->nrings)
			return usage_error("%s", "--follow DIR takes no other rings");
		follow_ring[0] = (char *)follow;
		a->rings = follow_ring;
		a->nrings = 1;
	}
	if (a->nrings < 1)
		return usage_error("%s", "no rings given (ring files or directories)");
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void print_diags(const struct rp_set *s)
{
	for (size_t i = 0; i < rp_set_ndiags(s); i++) {
		const struct rp_diag *d = rp_set_diag(s, i);
		struct fdr_buf b = FDR_BUF_INIT;
		fdr_buf_adds(&b, "fdr-tui: '");
		tm_esc(&b, d->path, strlen(d->path));
		fdr_buf_adds(&b, "': ");
		fdr_buf_adds(&b, fdr_strerror(d->error));
		if (d->detail[0]) {
			fdr_buf_adds(&b, " (");
			tm_esc(&b, d->detail, strlen(d->detail));
			fdr_buf_adds(&b, ")");
		}
		fprintf(stderr, "%s\n", b.p);
		fdr_buf_release(&b);
	}
}

/* ---- batch ----------------------------------------------------------------- */

static const struct { const char *name; int key; } named_keys[] = {
	{ "Enter", TV_K_ENTER }, { "Tab", TV_K_TAB }, { "BTab", TV_K_BTAB }, { "Esc", TV_K_ESC },
	{ "Up", TV_K_UP }, { "Down", TV_K_DOWN }, { "Left", TV_K_LEFT }, { "Right", TV_K_RIGHT },
	{ "PgUp", TV_K_PGUP }, { "PgDn", TV_K_PGDN }, { "Home", TV_K_HOME }, { "End", TV_K_END },
	{ "BS", TV_K_BS }, { "Space", ' ' }, { "Lt", '<' }, { "F1", TV_K_F1 },
};

static void batch_screen(struct tv_app *app, struct tv_screen *scr)
{
	struct fdr_buf b = FDR_BUF_INIT;

	tv_app_draw(app, scr);
	tv_screen_text(scr, &b);
	fwrite(b.p, 1, b.len, stdout);
	fdr_buf_release(&b);
}

static void settle(struct tv_app *app, bool wait)
{
	while (wait && tv_app_idle(app))
		;
}

/* FDR_TUI_STATS=1: how long the first screen and each key took (bench). */
static uint64_t t_start;
static bool stats_on;

static void stat_time(const char *what, const char *key, size_t keylen, uint64_t since)
{
	if (stats_on)
		fprintf(stderr, "stats: %s%.*s ms=%.3f\n", what, (int)keylen, key,
			(double)(rp_time_now() - since) / 1e6);
}

static int run_batch(struct tv_app *app, struct args *a)
{
	struct tv_screen scr = { 0, 0, NULL };
	const char *k = a->keys ? a->keys : "";

	tv_screen_resize(&scr, a->w, a->h);
	settle(app, a->wait);
	tv_app_draw(app, &scr);	/* sizes the views */
	stat_time("first_screen", "", 0, t_start);
	while (*k) {
		int key = (unsigned char)*k;
		size_t adv = 1;
		if (*k == '<') {
			const char *e = strchr(k, '>');
			size_t n = e ? (size_t)(e - k - 1) : 0;
			key = -1;
			for (size_t i = 0; e && i < sizeof(named_keys) / sizeof(named_keys[0]); i++)
				if (strlen(named_keys[i].name) == n && !strncmp(k + 1, named_keys[i].name, n))
					key = named_keys[i].key;
			if (e && n > 7 && !strncmp(k + 1, "Resize ", 7)) {
				char sz[32];
				snprintf(sz, sizeof(sz), "%.*s", (int)(n - 7), k + 8);
				if (parse_size(sz, &a->w, &a->h) == 0)
					tv_screen_resize(&scr, a->w, a->h);
				key = TV_K_RESIZE;
			} else if (e && n == 4 && !strncmp(k + 1, "Wait", 4)) {
				settle(app, true);
				key = -2;
			} else if (e && n == 5 && !strncmp(k + 1, "Found", 5)) {
				/* the timeline's search to its end, nothing else */
				uint64_t t0 = rp_time_now();
				while (tv_app_searching(app))
					tv_app_idle(app);
				stat_time("key=", k, (size_t)(e - k) + 1, t0);
				key = -2;
			} else if (e && n == 6 && !strncmp(k + 1, "Screen", 6)) {
				batch_screen(app, &scr);
				fputs("----\n", stdout);
				key = -2;
			}
			if (key == -1) {
				fprintf(stderr, "fdr-tui: unknown key name in --keys at '%.20s'\n", k);
				tv_screen_release(&scr);
				return EXIT_USAGE;
			}
			adv = (size_t)(e - k) + 1;
		}
		const char *kname = k;
		k += adv;
		if (key == -2)
			continue;
		uint64_t t0 = rp_time_now();
		if (!tv_app_key(app, key, 0, 0))
			break;
		settle(app, a->wait);
		tv_app_draw(app, &scr);	/* as a person sees it after the key */
		stat_time("key=", kname, adv, t0);
	}
	batch_screen(app, &scr);
	tv_screen_release(&scr);
	return EXIT_OK;
}

/* ---- curses ----------------------------------------------------------------- */

static int map_key(int ch, MEVENT *me, int *x, int *y)
{
	switch (ch) {
	case KEY_UP: return TV_K_UP;
	case KEY_DOWN: return TV_K_DOWN;
	case KEY_LEFT: return TV_K_LEFT;
	case KEY_RIGHT: return TV_K_RIGHT;
	case KEY_PPAGE: return TV_K_PGUP;
	case KEY_NPAGE: return TV_K_PGDN;
	case KEY_HOME: return TV_K_HOME;
	case KEY_END: return TV_K_END;
	case KEY_ENTER: case '\n': case '\r': return TV_K_ENTER;
	case '\t': return TV_K_TAB;
	case KEY_BTAB: return TV_K_BTAB;
	case 27: return TV_K_ESC;
	case KEY_BACKSPACE: case 127: case 8: return TV_K_BS;
	case KEY_F(1): return TV_K_F1;
	case KEY_RESIZE: return TV_K_RESIZE;
	case KEY_MOUSE:
		if (getmouse(me) != OK)
			return -1;
		*x = me->x;
		*y = me->y;
		if (me->bstate & BUTTON4_PRESSED)
			return TV_K_WHEEL_UP;
#ifdef BUTTON5_PRESSED
		if (me->bstate & BUTTON5_PRESSED)
			return TV_K_WHEEL_DOWN;
#endif
		if (me->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED))
			return TV_K_CLICK;
		return -1;
	default:
		return ch >= 0 && ch < 256 ? ch : -1;
	}
}

static const short pair_fg[TV_C_COUNT] = {
	[TV_C_DEFAULT] = -1, [TV_C_PROC] = COLOR_GREEN, [TV_C_FILE] = COLOR_YELLOW,
	[TV_C_NET] = COLOR_CYAN, [TV_C_DNS] = COLOR_BLUE, [TV_C_DOCKER] = COLOR_MAGENTA,
	[TV_C_AUTH] = COLOR_RED, [TV_C_REC] = COLOR_WHITE, [TV_C_BAR] = COLOR_CYAN,
	[TV_C_FIND] = COLOR_RED, [TV_C_TITLE] = COLOR_BLUE,
};

static void blit(const struct tv_screen *s, bool color)
{
	for (int y = 0; y < s->h; y++) {
		move(y, 0);
		for (int x = 0; x < s->w; x++) {
			const struct tv_cell *c = &s->c[y * s->w + x];
			attr_t at = A_NORMAL;
			if (c->attr & TV_A_BOLD)
				at |= A_BOLD;
			if (c->attr & TV_A_REV)
				at |= A_REVERSE;
			if (c->attr & TV_A_UL)
				at |= A_UNDERLINE;
			if (color && c->color)
				at |= COLOR_PAIR(c->color);
			attrset(at);
			/* The last cell of the screen is left alone: writing it scrolls
			 * some terminals. */
			if (y == s->h - 1 && x == s->w - 1)
				break;
			addstr(c->ch);
		}
	}
	attrset(A_NORMAL);
}

static int run_curses(struct tv_app *app, struct args *a)
{
	struct tv_screen scr = { 0, 0, NULL };
	MEVENT me;
	bool color, was_busy = true;
	uint64_t last_follow = 0;

	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "fdr-tui: not a terminal (use --batch for a screen dump)\n");
		return EXIT_USAGE;
	}
	/* ncurses' own SIGWINCH handler turns a resize into KEY_RESIZE. */
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	mousemask(BUTTON1_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
		  | BUTTON5_PRESSED
#endif
		  , NULL);
	color = a->tv.color && has_colors();
	if (color) {
		start_color();
		use_default_colors();
		for (short i = 1; i < TV_C_COUNT; i++)
			init_pair(i, pair_fg[i], -1);
	}
	for (;;) {
		int h, w;
		/* Live rings are re-read every second, busy or not (a counting
		 * pass longer than that must not starve the follow). */
		if (a->tv.follow) {
			uint64_t now = rp_time_now();
			if (now - last_follow > 1000000000ull) {
				last_follow = now;
				tv_app_refresh(app);
			}
		}
		getmaxyx(stdscr, h, w);
		if (w != scr.w || h != scr.h)
			tv_screen_resize(&scr, w, h);
		tv_app_draw(app, &scr);
		erase();
		blit(&scr, color);
		refresh();
		bool busy = tv_app_idle(app);
		if (!busy && was_busy) {	/* show what the last step finished */
			was_busy = false;
			continue;
		}
		was_busy = busy;
		timeout(busy ? 0 : a->tv.follow ? 500 : -1);
		if (busy) {	/* keep counting, but let keys through first */
			int ch = getch();
			if (ch == ERR)
				continue;
			ungetch(ch);
			timeout(-1);
		}
		int ch = getch();
		if (ch == ERR)
			continue;
		int x = 0, y = 0;
		int key = map_key(ch, &me, &x, &y);
		if (key < 0)
			continue;
		/* A rare filter over a big recording reads it all: say so at
		 * once (a fast key redraws over it before anyone sees it). */
		if (scr.w > 12 && scr.h > 2) {
			attrset(A_BOLD);
			mvaddstr(scr.h - 2, scr.w - 11, "working...");
			attrset(A_NORMAL);
			refresh();
		}
		if (!tv_app_key(app, key, x, y))
			break;
	}
	endwin();
	tv_screen_release(&scr);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct args a = { .tv = { .sel = TM_SEL_INIT, .color = true }, .wait = true, .w = 80, .h = 24 };
	struct rp_set *set = NULL;
	struct tv_app *app = NULL;
	char err[512] = "";
	int rc, added = 0;

	t_start = rp_time_now();
	stats_on = getenv("FDR_TUI_STATS") != NULL;
	setlocale(LC_ALL, "");
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		a.tv.color = false;
	rc = parse_args(argc, argv, &a);
	if (rc)
		goto out_sel;
	if (rp_set_new(&set) < 0)
		abort();
	/* Checksums when blocks are decoded, not at open: the first screen
	 * comes from block headers alone and a big recording opens at once. */
	rp_set_reader_flags(set, FDR_READER_LAZY);
	for (int i = 0; i < a.nrings; i++) {
		int n = rp_set_add(set, a.rings[i]);
		if (n > 0)
			added += n;
	}
	print_diags(set);
	/* --follow on a directory with no ring yet (the recorder not started):
	 * wait for rings to appear (tv_app_refresh() picks them up). */
	if (!added && !rp_set_nrings(set) && a.tv.follow && is_dir(a.tv.follow))
		added = -1;
	if (!added && !rp_set_nrings(set)) {
		fprintf(stderr, "fdr-tui: no readable rings\n");
		rc = EXIT_USAGE;
		rp_set_free(set);
		goto out_sel;
	}
	if (tv_app_new(&a.tv, set, &app, err, sizeof(err)) < 0) {
		struct fdr_buf b = FDR_BUF_INIT;
		tm_esc(&b, err, strlen(err));
		fprintf(stderr, "fdr-tui: %s\n", b.p ? b.p : "cannot start");
		fdr_buf_release(&b);
		rp_set_free(set);
		rc = EXIT_USAGE;
		goto out_sel;
	}
	rc = a.batch ? run_batch(app, &a) : run_curses(app, &a);
	if (a.batch && getenv("FDR_TUI_STATS")) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "stats: peak_rss_kib=%ld\n", ru.ru_maxrss);
	}
	tv_app_free(app);
out_sel:
	tm_sel_release(&a.tv.sel);
	return rc;
}
