/* ctnode pva report|export: the Virtuozzo agent's own history
 * (VZAgentDB.sqldb), read in place without disturbing the agent. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "commands.h"
#include "period.h"
#include "pva.h"
#include "pva_render.h"
#include "render.h"
#include "statement.h"

enum fmt { FMT_TABLE, FMT_CSV, FMT_JSON };

struct pva_opts {
	const char *db;
	const char *eid;
	const char *ct;
	enum period_by by;
	enum fmt fmt;
	int64_t from;
	int64_t to;
};

/* Input errors (a foreign file, an unknown EID) exit 2; the system failing
 * us (the agent's lock held past our timeout, I/O) exits 1. */
static int failed(const struct ctv_err *err, int errnum)
{
	cli_report(err);
	return errnum == EINVAL ? EXIT_USAGE : EXIT_PROBLEM;
}

/* ---- options ----------------------------------------------------------- */

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "eid", required_argument, NULL, 'e' },
	{ "ct", required_argument, NULL, 'c' },
	{ "by", required_argument, NULL, 'b' },
	{ "from", required_argument, NULL, 'F' },
	{ "to", required_argument, NULL, 'T' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage_report(void)
{
	printf("Usage: ctnode pva report --db VZAgentDB.sqldb --eid EID [--by hour|day|month|year|total]\n"
	       "                         [--from T] [--to T] [--format table|csv|json]\n\n"
	       "Sums a container's network bytes from the Virtuozzo agent's database per local\n"
	       "period, exactly as the agent's reference query groups them:\n"
	       "counter_net_incoming_bytes (in) and counter_net_outgoing_bytes (out).\n"
	       "The database is read in place, read-only, in short read transactions:\n"
	       "the running agent is never blocked for long and nothing is written.\n\n"
	       "  --db FILE     the agent's database (VZAgentDB.sqldb)\n"
	       "  --eid EID     the container's environment id, as stored in log_def.eid\n"
	       "  --by P        hour, day, month (default), year or total\n"
	       "  --from T      only rows with startTime >= T\n"
	       "  --to T        only rows with startTime < T\n"
	       "  --format F    table (default, human units), csv or json (raw integers)\n\n"
	       "T is YYYY-MM-DD, 'YYYY-MM-DD HH:MM[:SS]' (local time) or @EPOCH. See ctnode(8).\n");
}

static void usage_export(void)
{
	printf("Usage: ctnode pva export --db VZAgentDB.sqldb --eid EID [--ct CTID]\n"
	       "                         [--from T] [--to T]\n\n"
	       "Writes the container's statement (JSON, source \"pva\") from the agent's\n"
	       "database: totals, one interval per stored poll, per-class sums where the\n"
	       "agent keeps them. Bytes only: the agent stores no packet counts.\n\n"
	       "  --db FILE     the agent's database (VZAgentDB.sqldb)\n"
	       "  --eid EID     the container's environment id, as stored in log_def.eid\n"
	       "  --ct CTID     the container id to put in the statement (default: EID)\n"
	       "  --from T      only rows with startTime >= T (default: the first row)\n"
	       "  --to T        only rows with startTime < T (default: after the last row)\n\n"
	       "T is YYYY-MM-DD, 'YYYY-MM-DD HH:MM[:SS]' (local time) or @EPOCH. See ctnode(8).\n");
}

/* Returns -1 to go on, else the exit code. */
static int parse(int argc, char **argv, int export, struct pva_opts *o)
{
	const char *cmd = argv[0];
	time_t t;
	int c;

	memset(o, 0, sizeof(*o));
	o->by = PERIOD_MONTH;
	o->from = PVA_NO_FROM;
	o->to = PVA_NO_TO;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->db = optarg;
			break;
		case 'e':
			o->eid = optarg;
			break;
		case 'c':
			if (!export)
				return cli_usage_error(cmd, "unknown option '--ct'");
			o->ct = optarg;
			break;
		case 'b':
			if (export)
				return cli_usage_error(cmd, "unknown option '--by'");
			if (period_by_parse(optarg, &o->by) < 0)
				return cli_usage_error(cmd, "--by: '%s' is not hour, day, month, "
						       "year or total", optarg);
			break;
		case 'f':
			if (export)
				return cli_usage_error(cmd, "unknown option '--format' (a statement "
						       "is always JSON)");
			if (!strcmp(optarg, "table"))
				o->fmt = FMT_TABLE;
			else if (!strcmp(optarg, "csv"))
				o->fmt = FMT_CSV;
			else if (!strcmp(optarg, "json"))
				o->fmt = FMT_JSON;
			else
				return cli_usage_error(cmd, "--format: '%s' is not table, csv or json",
						       optarg);
			break;
		case 'F':
			if (cli_time_arg(cmd, "--from", optarg, &t) < 0)
				return EXIT_USAGE;
			o->from = t;
			break;
		case 'T':
			if (cli_time_arg(cmd, "--to", optarg, &t) < 0)
				return EXIT_USAGE;
			o->to = t;
			break;
		case 'h':
			if (export)
				usage_export();
			else
				usage_report();
			return 0;
		default:
			return cli_usage_error(cmd, "unknown option or missing argument: '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o->db)
		return cli_usage_error(cmd, "--db FILE is required (the agent's VZAgentDB.sqldb)");
	if (!o->eid || !*o->eid)
		return cli_usage_error(cmd, "--eid EID is required");
	if (strpbrk(o->eid, ",\"\n\r"))
		return cli_usage_error(cmd, "--eid: '%s' holds a comma, quote or newline", o->eid);
	if (o->from != PVA_NO_FROM && o->to != PVA_NO_TO && o->from > o->to)
		return cli_usage_error(cmd, "--from is after --to");
	return -1;
}

int cmd_pva_report(int argc, char **argv)
{
	struct pva_report rep;
	struct pva_opts o;
	struct pva_db *db;
	struct ctv_err err;
	int rc = parse(argc, argv, 0, &o);

	if (rc >= 0)
		return rc;
	db = pva_open(o.db, &err);
	if (!db)
		return failed(&err, errno);
	if (pva_report(db, o.eid, o.by, o.from, o.to, &rep, &err) < 0) {
		rc = errno;
		pva_close(db);
		return failed(&err, rc);
	}
	pva_close(db);
	rc = 0;
	switch (o.fmt) {
	case FMT_TABLE:
		pva_render_table(stdout, o.eid, o.db, o.by, &rep);
		break;
	case FMT_CSV:
		pva_render_csv(stdout, o.eid, &rep);
		break;
	case FMT_JSON:
		if (pva_render_json(stdout, o.eid, &rep) < 0) {
			cli_error("out of memory");
			rc = EXIT_PROBLEM;
		}
		break;
	}
	pva_report_free(&rep);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("writing the report: %s", strerror(errno));
		rc = EXIT_PROBLEM;
	}
	return rc;
}

int cmd_pva_export(int argc, char **argv)
{
	struct statement st;
	struct pva_opts o;
	struct pva_db *db;
	struct ctv_err err;
	char *text;
	int rc = parse(argc, argv, 1, &o);

	if (rc >= 0)
		return rc;
	db = pva_open(o.db, &err);
	if (!db)
		return failed(&err, errno);
	if (pva_export(db, o.eid, o.ct, o.from, o.to, &st, &err) < 0) {
		rc = errno;
		pva_close(db);
		return failed(&err, rc);
	}
	pva_close(db);
	text = statement_dump(&st, &err);
	statement_free(&st);
	if (!text)
		return failed(&err, EINVAL);
	fputs(text, stdout);
	free(text);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("writing the statement: %s", strerror(errno));
		return EXIT_PROBLEM;
	}
	return 0;
}
