#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classes.h"
#include "cli.h"
#include "history.h"
#include "timearg.h"

static const char *progname = "ctverify";

const char *cli_progname(void)
{
	return progname;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_notice(void *label, const char *msg)
{
	fprintf(stderr, "%s: %s: %s\n", progname, label ? (const char *)label : "notice", msg);
}

const struct ctv_warn cli_notices = { cli_notice, (void *)"notice" };

void cli_report(const struct ctv_err *err)
{
	cli_error("%s", err && err->msg[0] ? err->msg : "unknown error");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", progname, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s --help'.\n", progname, cmd);
	return EXIT_USAGE;
}

int cli_time_arg(const char *cmd, const char *opt, const char *arg, time_t *out)
{
	struct ctv_err err;

	if (timearg_parse(arg, out, &err) < 0) {
		cli_usage_error(cmd, "%s: %s", opt, err.msg);
		return -1;
	}
	return 0;
}

int cli_history_opt(const char *cmd, int c, const char *arg, enum period_by *by,
		    int64_t *from_ms, int64_t *to_ms, unsigned *seen)
{
	unsigned dummy = 0;
	time_t t;

	if (!seen)
		seen = &dummy;
	switch (c) {
	case 'b':
		if (!by)
			return -1;
		if (period_by_parse(arg, by) < 0)
			return cli_usage_error(cmd, "--by: '%s' is not hour, day, month, year or total",
					       arg);
		return 0;
	case 'F':
		if (cli_time_arg(cmd, "--from", arg, &t) < 0)
			return EXIT_USAGE;
		*from_ms = (int64_t)t * 1000;
		*seen |= CLI_SEEN_FROM;
		return 0;
	case 'T':
		if (cli_time_arg(cmd, "--to", arg, &t) < 0)
			return EXIT_USAGE;
		*to_ms = (int64_t)t * 1000;
		*seen |= CLI_SEEN_TO;
		return 0;
	default:
		return -1;
	}
}

struct store *cli_open_history(const char *cmd, const char *db)
{
	struct ctv_err err = { "" };
	struct store *st = store_open(db, STORE_READ, &err);

	if (!st) {
		if (errno == ENOENT)
			cli_error("%s: no history yet: %s (run '%s collect' or '%s snapshot')",
				  cmd, err.msg, progname, progname);
		else
			cli_error("%s: %s", cmd, err.msg);
	}
	return st;
}

#define HOUR_MS 3600000LL

/* Reports read hour rows: an edge inside an hour is clipped to the hours
 * that hold it (the start down, the end up), with one line on stderr, so
 * a window inside one hour still answers. Open edges stay open. */
static void clip_to_hours(struct store_query *q)
{
	int64_t f = q->from_ms, t = q->to_ms;
	char a[32], b[32];

	if (f > (int64_t)INT32_MIN * 1000 && f % HOUR_MS)
		f -= (f % HOUR_MS + HOUR_MS) % HOUR_MS;
	if (t < (int64_t)INT32_MAX * 1000 && t % HOUR_MS)
		t += HOUR_MS - (t % HOUR_MS + HOUR_MS) % HOUR_MS;
	if (f == q->from_ms && t == q->to_ms)
		return;
	cli_error("note: history is reported by the hour: --from/--to clipped to the stored hours, "
		  "%s to %s", timearg_format((time_t)(f / 1000), a, sizeof(a)),
		  t < (int64_t)INT32_MAX * 1000 ? timearg_format((time_t)(t / 1000), b, sizeof(b)) :
						  "the end");
	q->from_ms = f;
	q->to_ms = t;
}

int cli_render_history(struct store *st, const struct store_query *query,
		       const struct render_opts *ro)
{
	struct ctv_err err = { "" };
	struct store_rows rows;
	struct store_query clipped = *query, *q = &clipped;
	int rc;

	clip_to_hours(q);
	if (store_report(st, q, &rows, &err) < 0) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	rc = render_rows(stdout, &rows, ro, &err);
	store_rows_free(&rows);
	if (rc < 0) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	return 0;
}

/* The node's classes as the statement's "networks": a file that is not
 * there or does not load leaves them out, with a word. */
static int export_networks(const char *cmd, const char *path, struct statement *sm)
{
	struct ctv_err err = { "" };
	struct classes cls = { NULL, 0 };
	int rc = 0;

	if (access(path, F_OK) < 0) {
		cli_error("%s: warning: %s: %s; the statement carries no networks", cmd, path,
			  strerror(errno));
		return 0;
	}
	if (classes_load(path, &cls, &err) < 0)
		cli_error("%s: warning: %s; the statement carries no networks", cmd, err.msg);
	else if ((rc = history_networks(sm, &cls, &err)) < 0)
		cli_report(&err);
	classes_free(&cls);
	return rc;
}

int cli_export_history(const char *cmd, struct store *st, enum statement_source source,
		       const char *ct, const char *key, const char *classes,
		       const struct classes *networks, const struct history_window *w)
{
	struct ctv_err err = { "" };
	struct statement sm;
	char *json;

	statement_init(&sm, source);
	snprintf(sm.ct, sizeof(sm.ct), "%s", ct);
	if (classes && export_networks(cmd, classes, &sm) < 0) {
		statement_free(&sm);
		return EXIT_PROBLEM;
	}
	if (!classes && networks && networks->n && history_networks(&sm, networks, &err) < 0) {
		cli_report(&err);
		statement_free(&sm);
		return EXIT_PROBLEM;
	}
	if (history_statement(st, key, classes != NULL, w, &sm, &err) < 0) {
		if (errno == ENOMEM)
			cli_error("%s: out of memory", cmd);
		else
			cli_report(&err);
		statement_free(&sm);
		return EXIT_PROBLEM;
	}
	json = statement_dump(&sm, &err);
	statement_free(&sm);
	if (!json) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	fputs(json, stdout);
	free(json);
	return fflush(stdout) == 0 ? 0 : EXIT_PROBLEM;
}

int cli_uint_arg(const char *cmd, const char *opt, const char *arg,
		 unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!*arg || *arg == '-' || *end || errno || v < min || v > max) {
		cli_usage_error(cmd, "%s: '%s' is not a whole number from %lu to %lu",
				opt, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static void overview(const struct cli_prog *prog, FILE *out)
{
	size_t width = 0;

	fprintf(out, "Usage: %s COMMAND [OPTION]...\n\n%s\n\nCommands:\n",
		prog->name, prog->about);
	for (const struct cli_cmd *c = prog->cmds; c->name; c++)
		if (strlen(c->name) > width)
			width = strlen(c->name);
	for (const struct cli_cmd *c = prog->cmds; c->name; c++)
		fprintf(out, "  %-*s  %s\n", (int)width, c->name, c->summary);
	fprintf(out, "\nOptions:\n"
		"  -h, --help     show this help, or a command's with '%s COMMAND --help'\n"
		"  -V, --version  show the version\n", prog->name);
	if (prog->footer)
		fprintf(out, "\n%s\n", prog->footer);
}

/* Finds the command named by argv[1] or "argv[1] argv[2]"; sets *words to
 * how many arguments the name took. */
static const struct cli_cmd *find(const struct cli_prog *prog, int argc,
				  char **argv, int *words)
{
	for (const struct cli_cmd *c = prog->cmds; c->name; c++) {
		const char *sp = strchr(c->name, ' ');

		if (!sp && strcmp(c->name, argv[1]) == 0) {
			*words = 1;
			return c;
		}
		if (sp && argc > 2 && strncmp(c->name, argv[1], (size_t)(sp - c->name)) == 0 &&
		    argv[1][sp - c->name] == '\0' && strcmp(sp + 1, argv[2]) == 0) {
			*words = 2;
			return c;
		}
	}
	return NULL;
}

/* The two-word commands starting with word, listed for a partial call. */
static int list_group(const struct cli_prog *prog, const char *word, FILE *out)
{
	size_t n = strlen(word);
	int found = 0;

	for (const struct cli_cmd *c = prog->cmds; c->name; c++) {
		if (strncmp(c->name, word, n) == 0 && c->name[n] == ' ') {
			if (!found)
				fprintf(out, "Usage: %s %s COMMAND\n\nCommands:\n", prog->name, word);
			fprintf(out, "  %s %s  %s\n", prog->name, c->name, c->summary);
			found = 1;
		}
	}
	return found;
}

int cli_main(const struct cli_prog *prog, int argc, char **argv)
{
	const struct cli_cmd *cmd;
	int words = 0;
	char name[128];

	progname = prog->name;
	if (argc < 2) {
		overview(prog, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		overview(prog, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s %s\n", prog->name, PACKAGE_VERSION);
		return 0;
	}
	if (argv[1][0] == '-') {
		cli_error("unknown option '%s'\nTry '%s --help'.", argv[1], prog->name);
		return EXIT_USAGE;
	}
	cmd = find(prog, argc, argv, &words);
	if (!cmd) {
		int help = argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"));

		if (list_group(prog, argv[1], help ? stdout : stderr))
			return help ? 0 : EXIT_USAGE;
		cli_error("unknown command '%s'\nTry '%s --help'.", argv[1], prog->name);
		return EXIT_USAGE;
	}
	/* Give the command argv with its (possibly two-word) name first, so
	 * getopt() and messages see "rules install" as one word. */
	snprintf(name, sizeof(name), "%s", cmd->name);
	argv[words] = name;
	return cmd->run(argc - words, argv + words);
}
