/* reconcile_render.c - a reconcile's result for people and for programs
 * (reconcile_render.h). */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile_plesk.h"
#include "reconcile_render.h"
#include "render.h"

static const char *const vs_names[RECONCILE_NCMP] = {
	"node-container", "router-node", "container-plesk"
};

static void signed_human(int64_t v, char *buf, size_t len)
{
	char h[24];

	render_human((uint64_t)(v < 0 ? -v : v), h, sizeof(h));
	buf[0] = v < 0 ? '-' : v > 0 ? '+' : ' ';
	snprintf(buf + 1, len - 1, "%s", h);
	if (!v)
		memmove(buf, buf + 1, strlen(buf));
}

static void span_text(int64_t f, int64_t t, char *buf, size_t len)
{
	char a[32], b[32];
	time_t tf = (time_t)(f / 1000), tt = (time_t)(t / 1000);
	struct tm tm;

	strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", localtime_r(&tf, &tm));
	strftime(b, sizeof(b), "%H:%M:%S", localtime_r(&tt, &tm));
	snprintf(buf, len, "%s.%03d - %s.%03d", a, (int)(f % 1000), b, (int)(t % 1000));
}

static void row(FILE *fp, const char *label, int64_t in, int64_t out, int sign, const char *note)
{
	char a[32], b[32];

	if (sign) {
		signed_human(in, a, sizeof(a));
		signed_human(out, b, sizeof(b));
	} else {
		render_human((uint64_t)in, a, sizeof(a));
		render_human((uint64_t)out, b, sizeof(b));
	}
	fprintf(fp, "  %-22s %12s %12s%s%s\n", label, a, b, note && note[0] ? "   " : "",
	       note ? note : "");
}

/* text in lines of at most width columns (words longer stay whole),
 * each indented. */
static void print_wrapped(FILE *fp, const char *text, int indent, int width)
{
	const char *p = text;

	while (*p) {
		const char *end = p, *brk = NULL;
		int room = width - indent;

		while (*end && end - p < room) {
			if (*end == ' ')
				brk = end;
			end++;
		}
		if (*end && brk)
			end = brk;
		else if (*end)
			while (*end && *end != ' ')
				end++;
		fprintf(fp, "%*s%.*s\n", indent, "", (int)(end - p), p);
		p = end;
		while (*p == ' ')
			p++;
	}
}

static void total_row(FILE *fp, const char *label, int64_t v, int sign, const char *note)
{
	char a[32];

	if (sign)
		signed_human(v, a, sizeof(a));
	else
		render_human((uint64_t)v, a, sizeof(a));
	fprintf(fp, "  %-22s %12s%s%s\n", label, a, note && note[0] ? "   " : "", note ? note : "");
}

static void print_causes(FILE *fp, const struct reconcile_result *res, enum reconcile_versus vs)
{
	for (size_t i = 0; i < res->ncauses; i++) {
		const struct reconcile_cause *c = &res->causes[i];
		int64_t si = c->in_a ? (int64_t)c->in_bytes : -(int64_t)c->in_bytes;
		int64_t so = c->in_a ? (int64_t)c->out_bytes : -(int64_t)c->out_bytes;

		if (c->vs != vs)
			continue;
		if (vs == RECONCILE_CONTAINER_PLESK)
			total_row(fp, c->cause, si + so, 1, NULL);
		else
			row(fp, c->cause, si, so, 1, NULL);
		print_wrapped(fp, c->detail, 6, 100);
	}
}

const char *reconcile_render_classes_note(const struct reconcile_result *res)
{
	switch (res->by_class) {
	case RECONCILE_CLASSES_NOT_MIRRORED:
		return "the node's classes were not mirrored in the container (no class buckets in "
		       "the store), so classes are not compared one by one and class 0 is known only "
		       "from services whose peers all lie in it; mirror them with 'ctverify rules "
		       "install --classes STATEMENT' (a statement that carries networks, or the "
		       "node's networks_classes)";
	case RECONCILE_CLASSES_NODE_WITHOUT:
		return "the statement has no classes: only the totals are compared";
	case RECONCILE_CLASSES_NARROWER:
		return "the statement's classes cover its whole window only: over a narrower "
		       "window only the totals are compared";
	default:
		return NULL;
	}
}

static void classes_table(FILE *fp, const struct reconcile_result *res)
{
	const char *note = reconcile_render_classes_note(res);

	if (note) {
		fprintf(fp, "\n  classes:\n");
		print_wrapped(fp, note, 6, 100);
		return;
	}
	fprintf(fp, "\n  class by class (node vs the container's class buckets)\n");
	for (size_t i = 0; i < res->nclasses; i++) {
		const struct reconcile_class *k = &res->classes[i];
		char l[32];

		snprintf(l, sizeof(l), "class %d node", k->cls);
		row(fp, l, (int64_t)k->node.in_bytes, (int64_t)k->node.out_bytes, 0, NULL);
		snprintf(l, sizeof(l), "class %d container", k->cls);
		row(fp, l, (int64_t)k->container.in_bytes, (int64_t)k->container.out_bytes, 0, NULL);
		row(fp, "  node - container", k->diff_in, k->diff_out, 1,
		    reconcile_verdict_name(RECONCILE_NODE_CONTAINER, k->verdict));
		if (k->detail[0])
			print_wrapped(fp, k->detail, 6, 100);
	}
}

void reconcile_render_table(FILE *fp, const struct statement *node,
			const struct reconcile_input *in, const struct reconcile_result *res)
{
	const struct reconcile_cmp *c = &res->cmp[RECONCILE_NODE_CONTAINER];
	char s1[80], s2[80], note[160], tol[128], t1[32], t2[32];
	size_t nspan = in->span_hi - in->span_lo;

	fprintf(fp, "Reconcile: container %s, node (%s statement) vs container (store)\n\n", node->ct,
	       statement_source_name(node->source));
	fprintf(fp, "  %-22s %12s %12s\n", "", "in", "out");
	span_text(c->a_from_ms, c->a_to_ms, s1, sizeof(s1));
	span_text(c->b_from_ms, c->b_to_ms, s2, sizeof(s2));
	snprintf(note, sizeof(note), "%s", s1);
	row(fp, "node", (int64_t)c->a.in_bytes, (int64_t)c->a.out_bytes, 0, note);
	snprintf(note, sizeof(note), "%s (%zu interval%s)", s2, nspan, nspan == 1 ? "" : "s");
	row(fp, "container", (int64_t)c->b.in_bytes, (int64_t)c->b.out_bytes, 0, note);
	for (size_t i = 0; i < in->nbuckets; i++) {
		char l[RECONCILE_NAME_MAX + 4];

		if (!in->buckets[i].c.in_bytes && !in->buckets[i].c.out_bytes)
			continue;
		snprintf(l, sizeof(l), "  %s", in->buckets[i].name);
		row(fp, l, (int64_t)in->buckets[i].c.in_bytes, (int64_t)in->buckets[i].c.out_bytes, 0, NULL);
	}
	row(fp, "node - container", (int64_t)c->a.in_bytes - (int64_t)c->b.in_bytes,
	    (int64_t)c->a.out_bytes - (int64_t)c->b.out_bytes, 1, NULL);
	fprintf(fp, "\n  causes (bytes of node - container; 'up to' marks a bound)\n");
	print_causes(fp, res, RECONCILE_NODE_CONTAINER);
	render_human(c->tol_in, t1, sizeof(t1));
	render_human(c->tol_out, t2, sizeof(t2));
	snprintf(tol, sizeof(tol), "tolerance %s in, %s out", t1, t2);
	row(fp, "unexplained", c->unexplained_in, c->unexplained_out, 1, tol);
	row(fp, "uncertainty", (int64_t)c->uncertain_in, (int64_t)c->uncertain_out, 0,
	    "the 'up to' bounds' total");
	fprintf(fp, "  window: %s\n", in->aligned ? "whole intervals present on both sides, edge to "
		"edge" : "the node's intervals and the container's at least half inside them "
		"(the edges did not match)");
	if (c->advice[0]) {
		fprintf(fp, "  inconclusive:\n");
		print_wrapped(fp, c->advice, 6, 100);
	}
	classes_table(fp, res);

	if (res->cmp[RECONCILE_ROUTER_NODE].present) {
		const struct reconcile_cmp *r = &res->cmp[RECONCILE_ROUTER_NODE];

		fprintf(fp, "\nRouter vs node\n\n");
		row(fp, "router", (int64_t)r->a.in_bytes, (int64_t)r->a.out_bytes, 0, "--router");
		row(fp, "node", (int64_t)r->b.in_bytes, (int64_t)r->b.out_bytes, 0, NULL);
		row(fp, "router - node", (int64_t)r->a.in_bytes - (int64_t)r->b.in_bytes,
		    (int64_t)r->a.out_bytes - (int64_t)r->b.out_bytes, 1, NULL);
		print_causes(fp, res, RECONCILE_ROUTER_NODE);
		render_human(r->tol_in, t1, sizeof(t1));
		render_human(r->tol_out, t2, sizeof(t2));
		snprintf(tol, sizeof(tol), "tolerance %s in, %s out", t1, t2);
		row(fp, "unexplained", r->unexplained_in, r->unexplained_out, 1, tol);
		fprintf(fp, "  router verdict: %s\n", reconcile_verdict_name(RECONCILE_ROUTER_NODE, r->verdict));
	}
	if (res->cmp[RECONCILE_CONTAINER_PLESK].present) {
		const struct reconcile_cmp *p = &res->cmp[RECONCILE_CONTAINER_PLESK];

		fprintf(fp, "\nContainer vs %s (one total: in + out)\n\n",
		       in->has_plesk ? "Plesk" : "web logs");
		if (in->plesk)
			reconcile_plesk_table(fp, in->plesk);
		fprintf(fp, "  %-22s %12s\n", "", "total");
		total_row(fp, "container", (int64_t)p->a.out_bytes, 0, "all buckets, in + out");
		if (in->has_plesk)
			total_row(fp, "plesk", (int64_t)in->plesk_bytes, 0,
				  in->plesk ? "--plesk FILE, all columns" : "--plesk");
		if (in->has_weblog) {
			/* A long list of files is cut at the note's size. */
			if (snprintf(note, sizeof(note), "%" PRIu64 " requests in %s",
				     in->weblog_requests, in->weblog_files) >= (int)sizeof(note))
				note[sizeof(note) - 1] = '\0';
			total_row(fp, "web logs", (int64_t)in->weblog_bytes, 0, note);
		}
		total_row(fp, "container - figure", (int64_t)p->a.out_bytes - (int64_t)p->b.out_bytes, 1,
			  NULL);
		print_causes(fp, res, RECONCILE_CONTAINER_PLESK);
		render_human(p->tol_out, t2, sizeof(t2));
		snprintf(tol, sizeof(tol), "tolerance %s", t2);
		total_row(fp, "unexplained", p->unexplained_out, 1, tol);
		fprintf(fp, "  plesk verdict: %s\n",
		       reconcile_verdict_name(RECONCILE_CONTAINER_PLESK, p->verdict));
	}
	fprintf(fp, "\nverdict: %s\n", reconcile_verdict_name(RECONCILE_NODE_CONTAINER, c->verdict));
}

static json_t *counts_json(const struct reconcile_counts *c, int packets)
{
	json_t *o = json_object();

	json_object_set_new(o, "in_bytes", json_integer((json_int_t)c->in_bytes));
	if (packets)
		json_object_set_new(o, "in_packets", json_integer((json_int_t)c->in_packets));
	json_object_set_new(o, "out_bytes", json_integer((json_int_t)c->out_bytes));
	if (packets)
		json_object_set_new(o, "out_packets", json_integer((json_int_t)c->out_packets));
	return o;
}

static json_t *unexplained_json(const struct reconcile_cmp *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "in_bytes", json_integer(c->unexplained_in));
	json_object_set_new(o, "out_bytes", json_integer(c->unexplained_out));
	json_object_set_new(o, "tolerance_in_bytes", json_integer((json_int_t)c->tol_in));
	json_object_set_new(o, "tolerance_out_bytes", json_integer((json_int_t)c->tol_out));
	json_object_set_new(o, "uncertainty_in_bytes", json_integer((json_int_t)c->uncertain_in));
	json_object_set_new(o, "uncertainty_out_bytes", json_integer((json_int_t)c->uncertain_out));
	if (c->advice[0])
		json_object_set_new(o, "inconclusive", json_string(c->advice));
	return o;
}

/* "classes_mirrored" and either "classes_note" or the rows of "classes". */
static void classes_json(json_t *root, const struct statement *node,
			 const struct reconcile_result *res)
{
	json_t *arr;

	if (reconcile_render_classes_note(res)) {
		json_object_set_new(root, "classes_mirrored", json_false());
		json_object_set_new(root, "classes_note", json_string(reconcile_render_classes_note(res)));
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < res->nclasses; i++) {
		const struct reconcile_class *k = &res->classes[i];
		json_t *o = json_object();

		json_object_set_new(o, "class", json_integer(k->cls));
		json_object_set_new(o, "node", counts_json(&k->node, node->totals.has_packets));
		json_object_set_new(o, "container", counts_json(&k->container, 1));
		json_object_set_new(o, "difference_in_bytes", json_integer(k->diff_in));
		json_object_set_new(o, "difference_out_bytes", json_integer(k->diff_out));
		json_object_set_new(o, "verdict", json_string(reconcile_verdict_name(
			RECONCILE_NODE_CONTAINER, k->verdict)));
		if (k->not_billed)
			json_object_set_new(o, "billed", json_false());
		if (k->detail[0])
			json_object_set_new(o, "detail", json_string(k->detail));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "classes_mirrored", json_true());
	json_object_set_new(root, "classes", arr);
}

int reconcile_render_json(FILE *fp, const struct statement *node, const struct reconcile_input *in,
		      const struct reconcile_result *res)
{
	const struct reconcile_cmp *c = &res->cmp[RECONCILE_NODE_CONTAINER];
	json_t *root = json_object(), *n, *ct, *svcs = json_array(), *causes = json_array();
	char *text;

	json_object_set_new(root, "verdict",
			    json_string(reconcile_verdict_name(RECONCILE_NODE_CONTAINER, c->verdict)));
	n = counts_json(&c->a, node->totals.has_packets);
	json_object_set_new(n, "source", json_string(statement_source_name(node->source)));
	json_object_set_new(n, "ct", json_string(node->ct));
	json_object_set_new(n, "from_ms", json_integer(c->a_from_ms));
	json_object_set_new(n, "to_ms", json_integer(c->a_to_ms));
	json_object_set_new(root, "node", n);
	ct = counts_json(&c->b, 1);
	json_object_set_new(ct, "from_ms", json_integer(c->b_from_ms));
	json_object_set_new(ct, "to_ms", json_integer(c->b_to_ms));
	json_object_set_new(ct, "intervals", json_integer((json_int_t)(in->span_hi - in->span_lo)));
	for (size_t i = 0; i < in->nbuckets; i++) {
		json_t *b = counts_json(&in->buckets[i].c, 1);

		json_object_set_new(b, "name", json_string(in->buckets[i].name));
		json_array_append_new(svcs, b);
	}
	json_object_set_new(ct, "services", svcs);
	json_object_set_new(root, "container", ct);
	for (size_t i = 0; i < res->ncauses; i++) {
		const struct reconcile_cause *x = &res->causes[i];
		json_t *o = json_object();
		static const char *const figs[RECONCILE_NCMP][2] = {
			{ "container", "node" }, { "node", "router" }, { "plesk", "container" }
		};

		/* Signed, like the table: what the cause adds to the
		 * comparison's first figure minus its second, so the causes
		 * and the unexplained rest add up to the difference. */
		json_object_set_new(o, "cause", json_string(x->cause));
		json_object_set_new(o, "in_bytes", json_integer(x->in_a ? (json_int_t)x->in_bytes :
									 -(json_int_t)x->in_bytes));
		json_object_set_new(o, "out_bytes", json_integer(x->in_a ? (json_int_t)x->out_bytes :
									   -(json_int_t)x->out_bytes));
		json_object_set_new(o, "detail", json_string(x->detail));
		json_object_set_new(o, "versus", json_string(vs_names[x->vs]));
		json_object_set_new(o, "counted_by", json_string(figs[x->vs][x->in_a]));
		json_object_set_new(o, "bound", json_boolean(x->bound));
		json_object_set_new(o, "bound_in_bytes", json_integer((json_int_t)x->bound_in));
		json_object_set_new(o, "bound_out_bytes", json_integer((json_int_t)x->bound_out));
		json_array_append_new(causes, o);
	}
	json_object_set_new(root, "causes", causes);
	json_object_set_new(root, "unexplained", unexplained_json(c));
	n = json_object();
	json_object_set_new(n, "in_bytes", json_integer((json_int_t)c->uncertain_in));
	json_object_set_new(n, "out_bytes", json_integer((json_int_t)c->uncertain_out));
	json_object_set_new(root, "uncertainty", n);
	n = json_object();
	json_object_set_new(n, "aligned", json_boolean(in->aligned));
	json_object_set_new(n, "node_from_ms", json_integer(c->a_from_ms));
	json_object_set_new(n, "node_to_ms", json_integer(c->a_to_ms));
	json_object_set_new(n, "container_from_ms", json_integer(c->b_from_ms));
	json_object_set_new(n, "container_to_ms", json_integer(c->b_to_ms));
	json_object_set_new(root, "window", n);
	classes_json(root, node, res);
	if (res->cmp[RECONCILE_ROUTER_NODE].present) {
		const struct reconcile_cmp *r = &res->cmp[RECONCILE_ROUTER_NODE];
		json_t *o = counts_json(&r->a, 0);

		json_object_set_new(o, "unexplained", unexplained_json(r));
		json_object_set_new(o, "verdict", json_string(reconcile_verdict_name(RECONCILE_ROUTER_NODE,
										   r->verdict)));
		json_object_set_new(root, "router", o);
	}
	if (res->cmp[RECONCILE_CONTAINER_PLESK].present) {
		const struct reconcile_cmp *p = &res->cmp[RECONCILE_CONTAINER_PLESK];
		json_t *o = json_object();

		json_object_set_new(o, "figure", json_string(in->has_plesk ? "plesk" : "weblog"));
		json_object_set_new(o, "bytes", json_integer((json_int_t)p->b.out_bytes));
		if (in->plesk)
			reconcile_plesk_json(o, in->plesk);
		if (in->has_weblog) {
			json_object_set_new(o, "weblog_bytes", json_integer((json_int_t)in->weblog_bytes));
			json_object_set_new(o, "weblog_requests",
					    json_integer((json_int_t)in->weblog_requests));
		}
		json_object_set_new(o, "container_bytes", json_integer((json_int_t)p->a.out_bytes));
		json_object_set_new(o, "unexplained_bytes", json_integer(p->unexplained_out));
		json_object_set_new(o, "tolerance_bytes", json_integer((json_int_t)p->tol_out));
		json_object_set_new(o, "verdict", json_string(reconcile_verdict_name(
							  RECONCILE_CONTAINER_PLESK, p->verdict)));
		json_object_set_new(root, "plesk", o);
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return -1;
	fprintf(fp, "%s\n", text);
	free(text);
	return 0;
}

/* ---- the command ------------------------------------------------------------ */

