// SPDX-License-Identifier: GPL-2.0
/*
 * synq top: a live terminal dashboard of every listener's queues. One row per
 * listener (bars for accept-queue and SYN-queue fill, flows, drops, wait
 * percentiles), a header with the kernel's and synq's XDP counters, and a
 * detail view with the wait histogram and a queue-depth sparkline.
 * When stdout is not a terminal it prints what `synq watch` prints.
 */
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/verb.h"
#include "observe/watch.h"
#include "system/system.h"

#define MIN_COLS	104	/* the table without bars and SYNQ */
#define SYNQ_COLS	113	/* with the SYNQ column */
#define BAR_COLS	134	/* with the fill bars too */
#define MIN_LINES	10
#define HIST_LEN	120	/* queue-depth samples kept per listener */
#define BAR_W		8

enum sort_by { SORT_ADDR, SORT_ACCEPTQ, SORT_DROPS, SORT_ENQ, SORT_WAIT, SORT_MAX };
static const char *const sort_names[SORT_MAX] = { "address", "accept-queue", "drops/s",
						   "enqueue/s", "wait p99" };
enum { C_OK = 1, C_WARN, C_FULL, C_HEAD, C_SEL };

struct depth_hist {
	struct synq_lkey key;
	uint32_t v[HIST_LEN];
	int n;			/* samples stored, up to HIST_LEN; newest last */
};

struct row {
	size_t i;		/* index into cur.l */
	struct synq_lview v;
};

struct top {
	struct watch_opts o;
	struct synq_collector *c;
	struct synq_snapshot base, prev, cur;
	bool have_prev, paused, detail, color, utf8;
	enum sort_by sort;
	uint16_t port_filter;
	int sel;
	size_t n_rows;
	struct row *rows;
	size_t n_dh;
	struct depth_hist *dh;
};

/* ---- data ---- */

static struct depth_hist *depth_hist_of(struct top *t, const struct synq_lkey *k)
{
	struct depth_hist *d;

	for (size_t i = 0; i < t->n_dh; i++)
		if (!synq_lkey_cmp(&t->dh[i].key, k))
			return &t->dh[i];
	d = realloc(t->dh, (t->n_dh + 1) * sizeof(*d));
	if (!d)
		return NULL;
	t->dh = d;
	d = &t->dh[t->n_dh++];
	memset(d, 0, sizeof(*d));
	d->key = *k;
	return d;
}

static void depth_record(struct top *t)
{
	for (size_t i = 0; i < t->cur.n; i++) {
		struct depth_hist *d = depth_hist_of(t, &t->cur.l[i].key);

		if (!d)
			return;
		if (d->n == HIST_LEN)
			memmove(d->v, d->v + 1, sizeof(d->v[0]) * (HIST_LEN - 1));
		else
			d->n++;
		d->v[d->n - 1] = t->cur.l[i].aq_len;
	}
}

static double fill(uint32_t len, uint32_t max)
{
	return max ? (double)len / max : 0;
}

static int row_cmp_sort;

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	double dx = 0, dy = 0;

	switch (row_cmp_sort) {
	case SORT_ACCEPTQ:
		dx = x->v.aq_peak, dy = y->v.aq_peak;
		break;
	case SORT_DROPS:
		dx = x->v.drop_rate, dy = y->v.drop_rate;
		break;
	case SORT_ENQ:
		dx = x->v.enq_rate, dy = y->v.enq_rate;
		break;
	case SORT_WAIT:
		dx = x->v.p99_us, dy = y->v.p99_us;
		break;
	default:
		return x->i < y->i ? -1 : x->i > y->i;
	}
	return dx < dy ? 1 : dx > dy ? -1 : (x->i < y->i ? -1 : 1);
}

/* The rows to show: listeners passing the port filter, in the chosen order. */
static void build_rows(struct top *t)
{
	struct row *r = realloc(t->rows, (t->cur.n ? t->cur.n : 1) * sizeof(*r));

	t->n_rows = 0;
	if (!r)
		return;
	t->rows = r;
	for (size_t i = 0; i < t->cur.n; i++) {
		if (t->port_filter && t->cur.l[i].key.port != t->port_filter)
			continue;
		r[t->n_rows].i = i;
		synq_view(&t->cur, t->have_prev ? &t->prev : &t->base, &t->base, i,
			  &r[t->n_rows].v);
		t->n_rows++;
	}
	row_cmp_sort = t->sort;
	qsort(r, t->n_rows, sizeof(*r), row_cmp);
	if (t->sel >= (int)t->n_rows)
		t->sel = t->n_rows ? (int)t->n_rows - 1 : 0;
}

static int take_snapshot(struct top *t)
{
	if (t->have_prev || t->cur.n || t->cur.n_ns)
		if (synq_snapshot_copy(&t->prev, &t->cur))
			return -1;
	if (synq_collector_snapshot(t->c, &t->cur))
		return -1;
	t->have_prev = t->prev.t > 0;
	synq_base_adopt(&t->base, &t->cur);
	depth_record(t);
	build_rows(t);
	return 0;
}

/* ---- drawing ---- */

static void color_on(struct top *t, int pair, bool on)
{
	if (!t->color)
		return;
	if (on)
		attron(COLOR_PAIR(pair));
	else
		attroff(COLOR_PAIR(pair));
}

/* A fill bar at the cursor, when the terminal is wide enough for bars. */
static void draw_bar(struct top *t, uint32_t len, uint32_t max)
{
	double f = fill(len, max);
	int n = (int)lround((f > 1 ? 1 : f) * BAR_W);
	int pair = f >= 0.9 ? C_FULL : f >= 0.5 ? C_WARN : C_OK;

	if (COLS < BAR_COLS)
		return;
	addch('[');
	color_on(t, pair, true);
	for (int i = 0; i < BAR_W; i++)
		addch(i < n ? (t->color ? ' ' | A_REVERSE : '#') : ' ');
	color_on(t, pair, false);
	addch(']');
}

/* Per-second rate of a netstat counter summed over the namespaces shown. */
static double netstat_rate(const struct top *t, int k)
{
	double dt = t->cur.t - t->prev.t, sum = 0;

	if (!t->have_prev || dt <= 0)
		return 0;
	for (size_t i = 0; i < t->cur.n_ns; i++) {
		const struct synq_netns *p = synq_snapshot_netns(&t->prev, t->cur.ns[i].netns);

		if (p && p->netstat_ok && t->cur.ns[i].netstat_ok)
			sum += counter_rate(p->netstat[k], t->cur.ns[i].netstat[k], false, dt);
	}
	return sum;
}

/* Per-second rate of a protection counter over every interface shown; *n_if of them. */
static double xdp_rate(const struct top *t, int k, int *n_if, int *n_omitted)
{
	double dt = t->cur.t - t->prev.t, sum = 0;

	*n_if = 0;
	*n_omitted = 0;
	for (size_t i = 0; i < t->cur.n_ns; i++) {
		const struct synq_netns *ns = &t->cur.ns[i];
		const struct synq_netns *p = synq_snapshot_netns(&t->prev, ns->netns);

		*n_omitted += ns->xdp_omitted;
		for (int x = 0; x < ns->n_xdp; x++) {
			const struct synq_xdp_iface *px;

			px = p ? synq_xdp_find(p, ns->xdp[x].name) : NULL;

			(*n_if)++;
			if (px && t->have_prev && dt > 0)
				sum += counter_rate(px->s.ctr[k], ns->xdp[x].s.ctr[k],
						    protect_sample_restarted(&px->s, &ns->xdp[x].s), dt);
		}
	}
	return sum;
}

/* --mode auto: how many listeners the kernel answers, and how many take cookies. */
static void listener_states(const struct top *t, unsigned int n[2])
{
	n[0] = n[1] = 0;
	for (size_t i = 0; i < t->cur.n_ns; i++)
		for (int x = 0; x < t->cur.ns[i].n_xdp; x++) {
			n[0] += t->cur.ns[i].xdp[x].s.listeners[SYNQ_LISTENER_KERNEL];
			n[1] += t->cur.ns[i].xdp[x].s.listeners[SYNQ_LISTENER_COOKIES];
		}
}

static void draw_header(struct top *t)
{
	static const int shown[] = {
		SYNQ_SYN_RECEIVED, SYNQ_SYNACK_SENT, SYNQ_ACK_COOKIE_VALID,
		SYNQ_ACK_COOKIE_INVALID, SYNQ_HANDOFF_OK, SYNQ_HANDOFF_FAILED,
	};
	char since[16];
	struct tm tm;
	time_t s = synq_collector_since(t->c);
	int n_if = 0, n_omitted = 0;
	unsigned int states[2];

	localtime_r(&s, &tm);
	strftime(since, sizeof(since), "%H:%M:%S", &tm);
	color_on(t, C_HEAD, true);
	mvprintw(0, 0, "synq top  %s  counters since %s  every %gs  sort: %s%s", t->o.all_netns ?
		 "all namespaces" : (synq_netns_name ? synq_netns_name : "this namespace"),
		 since, t->o.interval, sort_names[t->sort], t->paused ? "  PAUSED" : "");
	if (t->port_filter)
		printw("  port %u", t->port_filter);
	color_on(t, C_HEAD, false);
	mvprintw(1, 0, "kernel/s:");
	for (int k = 0; k < SYNQ_NETSTAT_MAX; k++)
		printw(" %s %.0f", synq_netstat_names[k], netstat_rate(t, k));
	xdp_rate(t, 0, &n_if, &n_omitted);
	if (!n_if) {
		mvprintw(2, 0, "xdp: no synq XDP program attached here");
	} else {
		mvprintw(2, 0, "xdp/s (%d interface%s", n_if, n_if > 1 ? "s" : "");
		if (n_omitted)
			printw(", %d more not counted", n_omitted);
		printw("):");
		for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++)
			printw(" %s %.0f", protect_counter_names[shown[k]],
			       xdp_rate(t, shown[k], &n_if, &n_omitted));
		listener_states(t, states);
		printw("  listeners: %u kernel, %u cookies", states[0], states[1]);
	}
	if (t->cur.qc[SYNQ_QC_TABLE_FULL])
		mvprintw(3, 0, "listener table full (%u): %llu events not attributed",
			 t->cur.listeners_max, (unsigned long long)t->cur.qc[SYNQ_QC_TABLE_FULL]);
}

/*
 * Who answers the SYNs of listener l under synq's protection: "cookies" when
 * any of its views (one per protected device and address) takes cookies or
 * is on a device in --mode always, "kernel" otherwise, "-" when none has one.
 * *first: its first view, or NULL; *n: how many it has.
 */
static const char *protect_state(const struct top *t, const struct synq_listener *l,
				 const struct synq_plistener **first, int *n)
{
	bool cookies = false;

	*first = NULL;
	*n = 0;
	for (size_t i = 0; i < t->cur.n_pl; i++) {
		const struct synq_plistener *pl = &t->cur.pl[i];

		if (!pl->joined || synq_lkey_cmp(&pl->listener, &l->key))
			continue;
		if (!(*n)++)
			*first = pl;
		cookies |= pl->p.state == SYNQ_LISTENER_COOKIES;
	}
	return !*n ? "-" : protect_listener_states[cookies];
}

static void draw_row(struct top *t, int y, const struct row *r, bool sel)
{
	const struct synq_listener *l = &t->cur.l[r->i];
	char addr[64], owner[24], p50[12], p99[12];

	synq_lkey_str(&l->key, addr, sizeof(addr));
	synq_owner_str(l, "-", owner, sizeof(owner));
	synq_fmt_us(r->v.ip50_us >= 0 ? r->v.ip50_us : r->v.p50_us, p50, sizeof(p50));
	synq_fmt_us(r->v.ip99_us >= 0 ? r->v.ip99_us : r->v.p99_us, p99, sizeof(p99));
	if (sel)
		attron(A_BOLD);
	mvprintw(y, 0, "%c%c%-21.21s %-16.16s %5u/%-5u ", sel ? '>' : ' ',
		 synq_lkey_wildcard(&l->key) ? '*' : ' ', addr, owner, l->aq_len, l->aq_max);
	draw_bar(t, l->aq_len, l->aq_max);
	printw(" %5u/%-5u ", l->syn_len, l->syn_max);
	draw_bar(t, l->syn_len, l->syn_max);
	printw(" %7.1f %7.1f %6.1f %7s %7s", r->v.enq_rate, r->v.acc_rate, r->v.drop_rate,
	       p50, p99);
	if (COLS >= SYNQ_COLS) {
		const struct synq_plistener *first;
		int n;

		printw(" %-7s", protect_state(t, l, &first, &n));
	}
	if (sel)
		attroff(A_BOLD);
}

static void draw_table(struct top *t)
{
	int first = 5, rows = LINES - first - 1, top = 0;

	int bar = COLS >= BAR_COLS ? BAR_W + 2 : 0;

	color_on(t, C_HEAD, true);
	mvprintw(first - 1, 0, "  %-21s %-16s %-11s %*s %-11s %*s %7s %7s %6s %7s %7s", "LISTENER",
		 "OWNER", " ACCEPT-Q", bar, "", "  SYN-Q", bar, "", "ENQ/s", "ACC/s", "DROP/s",
		 "WAITp50", "p99");
	if (COLS >= SYNQ_COLS)
		printw(" %-7s", "SYNQ");
	color_on(t, C_HEAD, false);
	if (t->sel >= rows)
		top = t->sel - rows + 1;
	for (int i = 0; i + top < (int)t->n_rows && i < rows; i++)
		draw_row(t, first + i, &t->rows[i + top], i + top == t->sel);
	if (!t->n_rows)
		mvprintw(first, 2, "no TCP listeners%s", t->port_filter ? " on this port" : "");
	mvprintw(LINES - 1, 0, "q quit  arrows select  Enter detail  s sort  f port filter  "
		 "p pause  +/- interval   * = bound to every address");
}

static void draw_sparkline(struct top *t, int y, const struct depth_hist *d, uint32_t max)
{
	static const char *const blocks[] = { " ", "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = " .:-=+*#%@";
	int w = COLS - 2, start = d->n > w ? d->n - w : 0;

	move(y, 2);
	for (int i = start; i < d->n; i++) {
		double f = fill(d->v[i], max ? max : 1);
		int lvl = (int)lround((f > 1 ? 1 : f) * 8);

		if (t->utf8)
			addstr(blocks[lvl]);
		else
			addch(ascii[lvl]);
	}
}

static void draw_histogram(const struct synq_listener *l, int y, int rows)
{
	uint64_t peak = 0;
	int shown = 0;

	for (int b = 0; b < SYNQ_WAIT_BUCKETS; b++)
		if (l->st.wait_hist[b] > peak)
			peak = l->st.wait_hist[b];
	for (int b = 0; b < SYNQ_WAIT_BUCKETS && shown < rows; b++) {
		char lo[12], hi[12];
		int w;

		if (!l->st.wait_hist[b])
			continue;
		synq_fmt_us(synq_wait_lo(b), lo, sizeof(lo));
		if (b + 1 < SYNQ_WAIT_BUCKETS)
			synq_fmt_us(synq_wait_lo(b + 1), hi, sizeof(hi));
		else
			snprintf(hi, sizeof(hi), "inf");
		w = (int)(40.0 * l->st.wait_hist[b] / peak);
		mvprintw(y + shown, 2, "%8s .. %-8s %8llu ", lo, hi,
			 (unsigned long long)l->st.wait_hist[b]);
		for (int i = 0; i < (w ? w : 1); i++)
			addch('#');
		shown++;
	}
	if (!shown)
		mvprintw(y, 2, "no accept() measured yet");
}

/* The listener's --mode auto state on one line: its first view, and how many more. */
static void draw_protection(struct top *t, int y, const struct synq_listener *l)
{
	const struct synq_plistener *pl;
	const struct protect_listener *p;
	char addr[64];
	int n;

	protect_state(t, l, &pl, &n);
	if (!pl) {
		mvprintw(y, 0, "synq: not protected (no SYN for it reached synq's XDP program)");
		return;
	}
	p = &pl->p;
	protect_listener_addr(p, addr, sizeof(addr));
	if (!pl->adaptive)
		mvprintw(y, 0, "synq on %s for %s: --mode always, synq answers every SYN",
			 pl->device, addr);
	else
		mvprintw(y, 0, "synq on %s for %s: %s for %.1f s  transitions %u  kernel %.1f s  "
			 "cookies %.1f s", pl->device, addr, protect_listener_states[p->state],
			 p->state_seconds, p->transitions, p->seconds[SYNQ_LISTENER_KERNEL],
			 p->seconds[SYNQ_LISTENER_COOKIES]);
	if (n > 1)
		printw("  (%d more: synq status)", n - 1);
}

static void draw_detail(struct top *t)
{
	const struct row *r = &t->rows[t->sel];
	const struct synq_listener *l = &t->cur.l[r->i];
	const struct depth_hist *d = depth_hist_of(t, &l->key);
	char addr[64], owner[32], p50[12], p99[12];

	synq_lkey_str(&l->key, addr, sizeof(addr));
	synq_owner_str(l, "-", owner, sizeof(owner));
	synq_fmt_us(r->v.p50_us, p50, sizeof(p50));
	synq_fmt_us(r->v.p99_us, p99, sizeof(p99));
	color_on(t, C_HEAD, true);
	mvprintw(4, 0, "%s%s  netns %u  owner %s", addr,
		 synq_lkey_wildcard(&l->key) ? " (every address)" : "", l->key.netns, owner);
	color_on(t, C_HEAD, false);
	mvprintw(5, 0, "accept queue %u/%u (peak %u)  SYN queue %u/%u (peak %u)", l->aq_len,
		 l->aq_max, r->v.aq_peak, l->syn_len, l->syn_max, l->st.syn_peak);
	mvprintw(6, 0, "since start: enqueued %llu  accepted %llu  overflows %llu  "
		 "SYN-ACK retransmits %llu  wait p50 %s p99 %s", (unsigned long long)r->v.enqueued,
		 (unsigned long long)r->v.accepted, (unsigned long long)r->v.overflows,
		 (unsigned long long)r->v.synack_retrans, p50, p99);
	draw_protection(t, 7, l);
	mvprintw(8, 0, "accept-queue depth, one column per interval (full height = limit):");
	if (d)
		draw_sparkline(t, 9, d, l->aq_max);
	mvprintw(11, 0, "accept wait time since start (log2 buckets, 4 per power of two):");
	draw_histogram(l, 12, LINES - 14);
	mvprintw(LINES - 1, 0, "Enter/Esc back  q quit  p pause  +/- interval");
}

static void draw(struct top *t)
{
	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		mvprintw(0, 0, "terminal too small (%dx%d): synq top needs %dx%d", COLS, LINES,
			 MIN_COLS, MIN_LINES);
		refresh();
		return;
	}
	draw_header(t);
	if (t->detail && t->n_rows)
		draw_detail(t);
	else
		draw_table(t);
	refresh();
}

/* ---- input ---- */

static void prompt_port(struct top *t)
{
	char buf[8] = "";
	unsigned int p;

	mvprintw(LINES - 1, 0, "%-*s", COLS - 1, "port (empty: all): ");
	move(LINES - 1, 19);
	echo();
	curs_set(1);
	timeout(-1);
	getnstr(buf, sizeof(buf) - 1);
	noecho();
	curs_set(0);
	t->port_filter = sscanf(buf, "%u", &p) == 1 && p && p < 65536 ? p : 0;
	t->sel = 0;
}

static void change_interval(struct top *t, bool up)
{
	static const double steps[] = { 0.25, 0.5, 1, 2, 5, 10, 30, 60 };
	int n = sizeof(steps) / sizeof(steps[0]), i;

	for (i = 0; i < n - 1 && steps[i] < t->o.interval; i++)
		;
	if (up)
		t->o.interval = steps[i < n - 1 && steps[i] <= t->o.interval ? i + 1 : i];
	else
		t->o.interval = steps[i > 0 ? i - 1 : 0];
}

/* Returns false when the user quits. */
static bool handle_key(struct top *t, int ch)
{
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case KEY_UP:
	case 'k':
		if (t->sel > 0)
			t->sel--;
		break;
	case KEY_DOWN:
	case 'j':
		if (t->sel + 1 < (int)t->n_rows)
			t->sel++;
		break;
	case '\n':
	case KEY_ENTER:
		t->detail = !t->detail;
		break;
	case 27:	/* Esc */
	case KEY_BACKSPACE:
		t->detail = false;
		break;
	case 's':
		t->sort = (t->sort + 1) % SORT_MAX;
		break;
	case 'f':
		prompt_port(t);
		break;
	case 'p':
		t->paused = !t->paused;
		break;
	case '+':
	case '-':
		change_interval(t, ch == '+');
		break;
	}
	build_rows(t);
	return true;
}

static void screen_init(struct top *t)
{
	setlocale(LC_ALL, "");
	t->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	t->color = has_colors() && !getenv("NO_COLOR");
	if (t->color) {
		start_color();
		use_default_colors();
		init_pair(C_OK, COLOR_GREEN, -1);
		init_pair(C_WARN, COLOR_YELLOW, -1);
		init_pair(C_FULL, COLOR_RED, -1);
		init_pair(C_HEAD, COLOR_CYAN, -1);
	}
}

static int top_loop(struct top *t)
{
	double next = mono_now() + t->o.interval;
	int rc = EXIT_OK;

	screen_init(t);
	draw(t);
	while (!synq_stop) {
		int ch;

		timeout(100);
		ch = getch();
		if (ch != ERR && ch != KEY_RESIZE && !handle_key(t, ch))
			break;
		if (!t->paused && mono_now() >= next) {
			if (take_snapshot(t)) {
				rc = EXIT_FAIL;
				break;
			}
			next = mono_now() + t->o.interval;
		}
		if (ch != ERR || mono_now() < next)
			draw(t);
	}
	endwin();
	return rc;
}

static int top_main(int argc, char **argv)
{
	struct synq_collector_opts co = {};
	static struct top t;	/* three snapshots: too large for the stack */
	int rc;

	rc = watch_parse("top", argc, argv, &t.o);
	if (rc)
		return rc;
	if (!isatty(STDOUT_FILENO))
		return watch_run(&t.o);
	t.port_filter = t.o.port;
	co.all_netns = t.o.all_netns;
	co.no_wait = !t.o.accept_wait;
	co.listeners_max = t.o.listeners;
	cli_catch_stop_signals();
	t.c = synq_collector_open(&co);
	if (!t.c)
		return EXIT_FAIL;
	rc = EXIT_FAIL;
	if (!synq_collector_snapshot(t.c, &t.base) && !synq_snapshot_copy(&t.cur, &t.base)) {
		build_rows(&t);
		rc = top_loop(&t);
	}
	synq_collector_close(t.c);
	synq_snapshot_free(&t.base);
	synq_snapshot_free(&t.prev);
	synq_snapshot_free(&t.cur);
	free(t.rows);
	free(t.dh);
	return rc;
}

const struct synq_verb verb_top = {
	.name = "top",
	.summary = "live dashboard of every listener's SYN and accept queues",
	.usage =
	"Usage: synq [-n NAME] top [--interval S] [--port P] [--all-netns] [--accept-wait]\n"
	"                           [--listeners N]\n"
	"\n"
	"A terminal dashboard: per listener, accept-queue and SYN-queue fill against\n"
	"their limits, enqueue/s, accept/s, drops/s, accept wait p50/p99 and who answers\n"
	"its SYNs under synq attach (SYNQ: kernel, cookies or -); a header\n"
	"with the kernel's listen counters and synq's XDP rates. The queue programs\n"
	"are loaded at start and detached at exit; counters run since then.\n"
	"Keys: q quit, arrows (j/k) select, Enter detail (wait histogram, queue-depth\n"
	"sparkline), s sort, f filter by port, p pause, + / - interval.\n"
	"NO_COLOR turns colours off. When stdout is not a terminal, prints what\n"
	"`synq watch` prints (--json and --count apply then).\n"
	"\n"
	"  --interval S    seconds between updates (default 1)\n"
	"  --port P        start filtered to port P\n"
	"  --all-netns     every network namespace that has listeners\n"
	"  --accept-wait   trace accept() for wait times (costs every syscall the\n"
	"                  traced slow path: see synq watch --help)\n"
	"  --listeners N   listener table size (default 4096)\n"
	"  --json, --count N   only when stdout is not a terminal, as for watch\n",
	.run = top_main,
};
