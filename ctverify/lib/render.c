#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render.h"
#include "timearg.h"

int render_format_parse(const char *s, enum render_format *f)
{
	static const char *const names[] = { "table", "csv", "json", "svg" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (s && !strcmp(s, names[i])) {
			*f = (enum render_format)i;
			return 0;
		}
	return -1;
}

char *render_human(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", v);
		return buf;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	/* Three significant digits, like "1.50 MiB", "15.3 GiB", "512 KiB". */
	if (d < 9.995)
		snprintf(buf, len, "%.2f %s", d, units[u]);
	else if (d < 99.95)
		snprintf(buf, len, "%.1f %s", d, units[u]);
	else
		snprintf(buf, len, "%.0f %s", d, units[u]);
	return buf;
}

static void label(const struct store_row *r, enum period_by by, char *buf, size_t len)
{
	if (period_label(r->period, by, buf, len) < 0)
		snprintf(buf, len, "?");
}

static void sub_text(const struct store_row *r, char *buf, size_t len)
{
	if (r->sub < 0)
		snprintf(buf, len, "all");
	else
		snprintf(buf, len, "%d", r->sub);
}

/* ---- table --------------------------------------------------------------- */

#define COLS 7

static int table(FILE *out, const struct store_rows *rows, const struct render_opts *o)
{
	const char *head[COLS] = { "period", o->key_name, o->sub_name, "in", "out", "in pkts",
				   "out pkts" };
	int show[COLS] = { 1, o->key_name != NULL, o->sub_name != NULL, 1, 1, o->packets, o->packets };
	int right[COLS] = { 0, 0, 1, 1, 1, 1, 1 };
	size_t w[COLS];
	size_t n = rows->n + 1;
	char (*cell)[COLS][STORE_KEY_MAX + 8] = calloc(n, sizeof(*cell));
	struct store_counts tot = { 0, 0, 0, 0 };

	if (!cell)
		return -1;
	for (size_t i = 0; i <= rows->n; i++) {
		const struct store_counts *c;

		if (i < rows->n) {
			const struct store_row *r = &rows->v[i];

			label(r, o->by, cell[i][0], sizeof(cell[i][0]));
			snprintf(cell[i][1], sizeof(cell[i][1]), "%s", r->key);
			sub_text(r, cell[i][2], sizeof(cell[i][2]));
			c = &r->c;
			tot.in_bytes += c->in_bytes;
			tot.in_packets += c->in_packets;
			tot.out_bytes += c->out_bytes;
			tot.out_packets += c->out_packets;
		} else {
			snprintf(cell[i][0], sizeof(cell[i][0]), "total");
			c = &tot;
		}
		render_human(c->in_bytes, cell[i][3], sizeof(cell[i][3]));
		render_human(c->out_bytes, cell[i][4], sizeof(cell[i][4]));
		snprintf(cell[i][5], sizeof(cell[i][5]), "%" PRIu64, c->in_packets);
		snprintf(cell[i][6], sizeof(cell[i][6]), "%" PRIu64, c->out_packets);
	}
	for (int k = 0; k < COLS; k++) {
		w[k] = strlen(head[k] ? head[k] : "");
		for (size_t i = 0; i < n; i++)
			if (strlen(cell[i][k]) > w[k])
				w[k] = strlen(cell[i][k]);
	}
	if (o->title)
		fprintf(out, "%s\n\n", o->title);
	for (size_t i = 0; i <= n; i++) {
		int first = 1;

		/* Row 0 is the heading; the totals row is set off by a rule. */
		if (i == n) {
			size_t len = 0;

			for (int k = 0; k < COLS; k++)
				if (show[k])
					len += w[k] + (len ? 2 : 0);
			for (size_t j = 0; j < len; j++)
				fputc('-', out);
			fputc('\n', out);
		}
		for (int k = 0; k < COLS; k++) {
			const char *t;

			if (!show[k])
				continue;
			if (i == 0)
				t = head[k];
			else if (i == n)
				t = cell[n - 1][k];
			else
				t = cell[i - 1][k];
			fprintf(out, "%s%*s%-*s", first ? "" : "  ",
				right[k] ? (int)(w[k] - strlen(t)) : 0, "",
				right[k] ? 0 : (int)w[k], t);
			first = 0;
		}
		fputc('\n', out);
		if (i == 0 && rows->n == 0)
			fprintf(out, "(no traffic recorded in this range)\n");
	}
	free(cell);
	return 0;
}

/* ---- csv and json -------------------------------------------------------- */

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int csv(FILE *out, const struct store_rows *rows, const struct render_opts *o)
{
	char buf[64];

	fprintf(out, "period%s%s%s%s,in_bytes,in_packets,out_bytes,out_packets\n",
		o->key_name ? "," : "", o->key_name ? o->key_name : "", o->sub_name ? "," : "",
		o->sub_name ? o->sub_name : "");
	for (size_t i = 0; i < rows->n; i++) {
		const struct store_row *r = &rows->v[i];

		label(r, o->by, buf, sizeof(buf));
		csv_field(out, buf);
		if (o->key_name) {
			fputc(',', out);
			csv_field(out, r->key);
		}
		if (o->sub_name) {
			sub_text(r, buf, sizeof(buf));
			fprintf(out, ",%s", buf);
		}
		fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", r->c.in_bytes,
			r->c.in_packets, r->c.out_bytes, r->c.out_packets);
	}
	return 0;
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static int json(FILE *out, const struct store_rows *rows, const struct render_opts *o)
{
	char buf[64];

	fputc('[', out);
	for (size_t i = 0; i < rows->n; i++) {
		const struct store_row *r = &rows->v[i];

		label(r, o->by, buf, sizeof(buf));
		fprintf(out, "%s\n  {\"period\": ", i ? "," : "");
		json_str(out, buf);
		if (o->key_name) {
			fprintf(out, ", \"%s\": ", o->key_name);
			json_str(out, r->key);
		}
		if (o->sub_name && r->sub >= 0)
			fprintf(out, ", \"%s\": %d", o->sub_name, r->sub);
		fprintf(out, ", \"in_bytes\": %" PRIu64 ", \"in_packets\": %" PRIu64
			", \"out_bytes\": %" PRIu64 ", \"out_packets\": %" PRIu64 "}",
			r->c.in_bytes, r->c.in_packets, r->c.out_bytes, r->c.out_packets);
	}
	fprintf(out, "%s]\n", rows->n ? "\n" : "");
	return 0;
}

/* ---- svg ----------------------------------------------------------------- */

/* Distinct colours, light enough for dark text on every one. */
static const char *const palette[] = {
	"#8dd3c7", "#fdb462", "#bebada", "#fb8072", "#80b1d3", "#b3de69",
	"#fccde5", "#ffed6f", "#bc80bd", "#ccebc5", "#e5c494", "#a6cee3",
};

static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

struct svg_series {
	const char *key;
	int sub;
	char name[STORE_KEY_MAX + 16];
	uint64_t in, out;
};

static const char *series_color(const struct svg_series *s, size_t i)
{
	if (!strcmp(s->key, "other"))
		return "#d9d9d9";
	if (!strcmp(s->key, "local"))
		return "#f0f0f0";
	return palette[i % (sizeof(palette) / sizeof(palette[0]))];
}

/* The axis top: four gridline steps of a round number of binary units
 * (1, 2, 2.5, 5 times a power of ten of B, KiB, MiB...) covering max. */
static uint64_t nice_top(uint64_t max)
{
	static const unsigned mant[] = { 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500 };
	uint64_t unit = 1, q;

	if (max < 4)
		return 4;
	q = (max + 3) / 4;
	while (unit <= UINT64_MAX / 1024 && q > unit * 500)
		unit *= 1024;
	for (size_t i = 0; i < sizeof(mant) / sizeof(mant[0]); i++)
		if ((uint64_t)mant[i] * unit >= q && (uint64_t)mant[i] * unit <= UINT64_MAX / 4)
			return 4 * (uint64_t)mant[i] * unit;
	return max;
}

/* Geometry, in pixels. */
enum {
	BAR_W = 64, BAR_GAP = 6, GROUP_GAP = 28, PLOT_H = 320,
	LEFT = 90, TOP = 56, BOTTOM = 64, LEGEND_W = 300,
	GROUP_W = 2 * BAR_W + BAR_GAP + GROUP_GAP, /* a period's two bars and the gap */
};

/* The rows grouped for drawing: series in order of appearance, periods
 * in order, each period's totals per direction, and the page's size. */
struct svg_chart {
	struct svg_series *ser;
	size_t nser;
	time_t *per;
	size_t nper;
	uint64_t *in_tot, *out_tot;
	uint64_t max; /* the axis top */
	int plot_w, width, height;
};

static void svg_chart_free(struct svg_chart *ch)
{
	free(ch->ser);
	free(ch->per);
	free(ch->in_tot);
	free(ch->out_tot);
}

static size_t series_find(const struct svg_chart *ch, const struct store_row *r)
{
	size_t k;

	for (k = 0; k < ch->nser; k++)
		if (ch->ser[k].sub == r->sub && !strcmp(ch->ser[k].key, r->key))
			break;
	return k;
}

static int svg_gather(struct svg_chart *ch, const struct store_rows *rows,
		      const struct render_opts *o)
{
	memset(ch, 0, sizeof(*ch));
	ch->ser = calloc(rows->n + 1, sizeof(*ch->ser));
	ch->per = calloc(rows->n + 1, sizeof(*ch->per));
	ch->in_tot = calloc(rows->n + 1, sizeof(*ch->in_tot));
	ch->out_tot = calloc(rows->n + 1, sizeof(*ch->out_tot));
	if (!ch->ser || !ch->per || !ch->in_tot || !ch->out_tot) {
		svg_chart_free(ch);
		return -1;
	}
	for (size_t i = 0; i < rows->n; i++) {
		const struct store_row *r = &rows->v[i];
		size_t k = series_find(ch, r);
		struct svg_series *se = &ch->ser[k];

		if (k == ch->nser) {
			se->key = r->key;
			se->sub = r->sub;
			if (o->sub_name && r->sub >= 0)
				snprintf(se->name, sizeof(se->name), "%s%s%s %d",
					 o->key_name ? r->key : "", o->key_name ? " " : "",
					 o->sub_name, r->sub);
			else
				snprintf(se->name, sizeof(se->name), "%s", r->key);
			ch->nser++;
		}
		se->in += r->c.in_bytes;
		se->out += r->c.out_bytes;
		if (!ch->nper || ch->per[ch->nper - 1] != r->period)
			ch->per[ch->nper++] = r->period;
		ch->in_tot[ch->nper - 1] += r->c.in_bytes;
		ch->out_tot[ch->nper - 1] += r->c.out_bytes;
	}
	for (size_t p = 0; p < ch->nper; p++) {
		if (ch->in_tot[p] > ch->max)
			ch->max = ch->in_tot[p];
		if (ch->out_tot[p] > ch->max)
			ch->max = ch->out_tot[p];
	}
	ch->max = nice_top(ch->max);
	ch->plot_w = (int)(ch->nper ? ch->nper : 1) * GROUP_W;
	ch->width = LEFT + ch->plot_w + LEGEND_W;
	ch->height = TOP + PLOT_H + BOTTOM;
	if ((int)ch->nser * 34 + TOP + 20 > ch->height)
		ch->height = (int)ch->nser * 34 + TOP + 20;
	return 0;
}

/* The page, the title and the axis with four gridlines. */
static void svg_head(FILE *out, const struct svg_chart *ch, const struct render_opts *o)
{
	char hb[32];

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		ch->width, ch->height, ch->width, ch->height, ch->width, ch->height);
	fprintf(out, "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">", LEFT);
	xml_text(out, o->title ? o->title : "Traffic");
	fprintf(out, "</text>\n<text x=\"%d\" y=\"42\" fill=\"#555555\">bytes per %s, "
		"stacked by %s; left bar in (received), right bar out (sent)</text>\n",
		LEFT, period_by_name(o->by), o->key_name ? o->key_name : o->sub_name);
	for (int t = 0; t <= 4; t++) {
		int y = TOP + PLOT_H - PLOT_H * t / 4;

		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>\n",
			LEFT, y, LEFT + ch->plot_w, y);
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", LEFT - 6, y + 4,
			render_human(ch->max / 4 * (uint64_t)t, hb, sizeof(hb)));
	}
}

/* One segment of a stacked bar whose top is at y, h high; its label sits
 * on it when it fits. */
static void svg_segment(FILE *out, const struct svg_chart *ch, size_t k, int x, double y,
			double h, int dir, uint64_t v)
{
	char hb[32];

	fprintf(out, "<rect x=\"%d\" y=\"%.2f\" width=\"%d\" height=\"%.2f\" "
		"fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>",
		x, y, BAR_W, h, series_color(&ch->ser[k], k));
	xml_text(out, ch->ser[k].name);
	fprintf(out, " %s: %s (%" PRIu64 " bytes)</title></rect>\n",
		dir ? "out" : "in", render_human(v, hb, sizeof(hb)), v);
	if (h < 13)
		return;
	fprintf(out, "<text x=\"%d\" y=\"%.2f\" text-anchor=\"middle\" font-size=\"10\">",
		x + BAR_W / 2, y + (h >= 26 ? h / 2 - 1 : h / 2 + 4));
	xml_text(out, ch->ser[k].name);
	fprintf(out, "</text>\n");
	if (h >= 26)
		fprintf(out, "<text x=\"%d\" y=\"%.2f\" text-anchor=\"middle\" "
			"font-size=\"10\">%s</text>\n", x + BAR_W / 2,
			y + h / 2 + 11, render_human(v, hb, sizeof(hb)));
}

/* Period p's two bars (in, out), stacked in row order, and its label. */
static void svg_period(FILE *out, const struct svg_chart *ch, const struct store_rows *rows,
		       const struct render_opts *o, size_t p)
{
	int gx = LEFT + (int)p * GROUP_W + GROUP_GAP / 2;
	char buf[64];

	for (int dir = 0; dir < 2; dir++) {
		int x = gx + dir * (BAR_W + BAR_GAP);
		double y = TOP + PLOT_H;

		for (size_t i = 0; i < rows->n; i++) {
			const struct store_row *r = &rows->v[i];
			uint64_t v = dir ? r->c.out_bytes : r->c.in_bytes;
			double h = (double)v * PLOT_H / (double)ch->max;

			if (r->period != ch->per[p] || !v)
				continue;
			y -= h;
			svg_segment(out, ch, series_find(ch, r), x, y, h, dir, v);
		}
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555555\" "
			"font-size=\"10\">%s</text>\n", x + BAR_W / 2, TOP + PLOT_H + 14,
			dir ? "out" : "in");
	}
	if (period_label(ch->per[p], o->by, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "?");
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", gx + BAR_W + BAR_GAP / 2,
		TOP + PLOT_H + 32);
	xml_text(out, buf);
	fprintf(out, "</text>\n");
}

/* The legend beside the last bars, top to bottom in stacking order (the
 * top segment first), with each series' totals. */
static void svg_legend(FILE *out, const struct svg_chart *ch, const struct render_opts *o)
{
	int lx = LEFT + ch->plot_w + 16;

	fprintf(out, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s (in / out)</text>\n", lx,
		TOP + 8, o->key_name ? o->key_name : o->sub_name);
	for (size_t j = 0; j < ch->nser; j++) {
		size_t k = ch->nser - 1 - j;
		int y = TOP + 20 + (int)j * 34;
		char hb[32], hb2[32];

		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\" "
			"stroke=\"#999999\"/>\n<text x=\"%d\" y=\"%d\">", lx, y,
			series_color(&ch->ser[k], k), lx + 20, y + 11);
		xml_text(out, ch->ser[k].name);
		fprintf(out, "</text>\n<text x=\"%d\" y=\"%d\" fill=\"#555555\">%s / %s</text>\n",
			lx + 20, y + 25, render_human(ch->ser[k].in, hb, sizeof(hb)),
			render_human(ch->ser[k].out, hb2, sizeof(hb2)));
	}
	if (!ch->nser)
		fprintf(out, "<text x=\"%d\" y=\"%d\">no traffic recorded in this range</text>\n",
			LEFT, TOP + PLOT_H / 2);
}

static int svg(FILE *out, const struct store_rows *rows, const struct render_opts *o)
{
	struct svg_chart ch;

	if (svg_gather(&ch, rows, o) < 0)
		return -1;
	svg_head(out, &ch, o);
	for (size_t p = 0; p < ch.nper; p++)
		svg_period(out, &ch, rows, o, p);
	svg_legend(out, &ch, o);
	fprintf(out, "</svg>\n");
	svg_chart_free(&ch);
	return 0;
}

int render_rows(FILE *out, const struct store_rows *rows, const struct render_opts *o,
		struct ctv_err *err)
{
	int rc;

	switch (o->format) {
	case RENDER_TABLE:
		rc = table(out, rows, o);
		break;
	case RENDER_CSV:
		rc = csv(out, rows, o);
		break;
	case RENDER_JSON:
		rc = json(out, rows, o);
		break;
	default:
		rc = svg(out, rows, o);
		break;
	}
	if (rc < 0) {
		ctv_err_sys(err, ENOMEM, "rendering the report");
		return -1;
	}
	if (fflush(out) != 0 || ferror(out)) {
		ctv_err_sys(err, errno, "writing the report");
		return -1;
	}
	return 0;
}

/* Whether reset r was caused by gap g: recorded with or after it, its
 * window meeting the gap's. */
static int reset_of_gap(const struct store_event *r, const struct store_event *g)
{
	return !strcmp(r->kind, "reset") && !strcmp(g->kind, "gap") && r->t_ms >= g->t_ms &&
	       r->from_ms <= g->to_ms && r->to_ms >= g->from_ms;
}

/* Two resets of one reading: the same time and window. */
static int same_reset(const struct store_event *a, const struct store_event *b)
{
	return !strcmp(a->kind, "reset") && !strcmp(b->kind, "reset") && a->t_ms == b->t_ms &&
	       a->from_ms == b->from_ms && a->to_ms == b->to_ms;
}

/* The services of the resets folded into event i's line (marking them
 * done), as "web, mail and 3 more" into buf. Returns how many. */
static size_t fold_resets(const struct store_events *ev, size_t i, unsigned char *done,
			  char *buf, size_t len)
{
	const struct store_event *e = &ev->v[i];
	size_t n = 0, used = 0;

	buf[0] = '\0';
	for (size_t j = i; j < ev->n; j++) {
		const struct store_event *r = &ev->v[j];

		if (done[j] || !(j == i ? !strcmp(e->kind, "reset") :
				 reset_of_gap(r, e) || same_reset(r, e)))
			continue;
		done[j] = 1;
		if (n++ < 8 && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 r->key);
	}
	if (n > 8 && used < len)
		snprintf(buf + used, len - used, " and %zu more", n - 8);
	return n;
}

void render_events(FILE *fp, const struct store_events *ev)
{
	unsigned char *done;

	if (!ev->n)
		return;
	done = calloc(ev->n, 1);
	fprintf(fp, "\nEvents:\n");
	for (size_t i = 0; i < ev->n; i++) {
		char when[32], a[32], b[32], keys[256] = "";
		const struct store_event *e = &ev->v[i];
		size_t n = 0;

		if (done && done[i])
			continue;
		/* The resets one gap caused are one line with it; the resets
		 * of one reading one line between them. */
		if (done && (!strcmp(e->kind, "gap") || !strcmp(e->kind, "reset")))
			n = fold_resets(ev, i, done, keys, sizeof(keys));
		timearg_format((time_t)(e->t_ms / 1000), when, sizeof(when));
		timearg_format((time_t)(e->from_ms / 1000), a, sizeof(a));
		timearg_format((time_t)(e->to_ms / 1000), b, sizeof(b));
		if (n > 1 && !strcmp(e->kind, "reset"))
			fprintf(fp, "  %s  %-10s %zu series (%s): counters went back, counted from zero "
				"(window %s .. %s)\n", when, e->kind, n, keys, a, b);
		else if (n && !strcmp(e->kind, "gap"))
			fprintf(fp, "  %s  %-10s %s; reset %zu series (%s) (window %s .. %s)\n", when,
				e->kind, e->detail, n, keys, a, b);
		else
			fprintf(fp, "  %s  %-10s %s%s%s (window %s .. %s)\n", when, e->kind, e->key,
				e->key[0] ? ": " : "", e->detail, a, b);
	}
	free(done);
}
