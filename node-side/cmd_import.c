/* ctnode import vznetstat: saved vznetstat/pnetstat output -> a statement,
 * so figures from an existing Virtuozzo node can be reconciled too. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "statement.h"
#include "vznetstat.h"

static void usage(void)
{
	printf("Usage: ctnode import vznetstat FILE [--ct CTID] [--semantics exclusive|overlapping]\n"
	       "                              [--from T] [--to T]\n\n"
	       "Turns saved output of vznetstat or pnetstat (CTID or UUID column) into a\n"
	       "statement (JSON, source \"vznetstat\") on standard output: one class entry\n"
	       "per row as listed; class 0 is never in the totals (not accounted).\n"
	       "Output of 'vznetstat -r' is refused: its values are rounded.\n\n"
	       "  --ct CTID   the container to take, needed when the file holds several\n"
	       "  --semantics exclusive|overlapping\n"
	       "              how the node counted its classes; needed when classes 2-15\n"
	       "              carry traffic (with class 1 alone both give the same):\n"
	       "    exclusive    Virtuozzo before nftables (venet, the vznetstat module):\n"
	       "                 each packet in one class; totals = the sum of classes 1-15\n"
	       "    overlapping  Virtuozzo 7 since 2021 (nftables): class 1 (0.0.0.0/0)\n"
	       "                 counts every packet, classes 2-15 count subsets of it\n"
	       "                 again; totals = class 1's. Its packet counters saturate at\n"
	       "                 2^31-1, so the statement says \"packets_exact\": false\n"
	       "              (so does any listing with a packet value of 2^31-1 or more)\n"
	       "  --from T    when the counters started (default: 0, unknown)\n"
	       "  --to T      when the output was saved (default: the file's modification time,\n"
	       "              or now when FILE is -, standard input)\n\n"
	       "T is YYYY-MM-DD, 'YYYY-MM-DD HH:MM[:SS]' (local time) or @EPOCH. See ctnode(8).\n");
}

int cmd_import_vznetstat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ct", required_argument, NULL, 'c' },
		{ "semantics", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *ct = NULL, *path;
	int64_t from = 0, to = -1;
	enum vznetstat_semantics sem = VZNETSTAT_UNSTATED;
	struct vznetstat v;
	struct statement st;
	struct ctv_err err;
	struct stat sb;
	char *text;
	time_t t;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ct = optarg;
			break;
		case 's':
			if (vznetstat_semantics_parse(optarg, &sem) < 0)
				return cli_usage_error(cmd, "--semantics: '%s' is neither exclusive "
						       "nor overlapping", optarg);
			break;
		case 'F':
			if (cli_time_arg(cmd, "--from", optarg, &t) < 0)
				return EXIT_USAGE;
			from = t;
			break;
		case 'T':
			if (cli_time_arg(cmd, "--to", optarg, &t) < 0)
				return EXIT_USAGE;
			to = t;
			break;
		case 'h':
			usage();
			return 0;
		default:
			return cli_usage_error(cmd, "unknown option or missing argument: '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(cmd, optind == argc ? "FILE is required" :
				       "one FILE only (a statement is per container and window)");
	path = argv[optind];
	if (from < 0)
		return cli_usage_error(cmd, "--from: before 1970");
	if (vznetstat_read_file(path, &v, &err) < 0) {
		cli_report(&err);
		return EXIT_USAGE;
	}
	if (to < 0 && strcmp(path, "-") == 0) {
		to = time(NULL); /* piped in: saved just now */
	} else if (to < 0) {
		if (stat(path, &sb) < 0) {
			cli_error("%s: %s", path, strerror(errno));
			vznetstat_free(&v);
			return EXIT_PROBLEM;
		}
		to = sb.st_mtime;
	}
	if (from > to) {
		vznetstat_free(&v);
		return cli_usage_error(cmd, "--from is after --to (or after the file's "
				       "modification time; give --to)");
	}
	if (vznetstat_statement(&v, strcmp(path, "-") ? path : "(stdin)", ct, sem, from, to, &st,
				&err) < 0) {
		vznetstat_free(&v);
		cli_report(&err);
		return EXIT_USAGE;
	}
	vznetstat_free(&v);
	text = statement_dump(&st, &err);
	statement_free(&st);
	if (!text) {
		cli_report(&err);
		return EXIT_USAGE;
	}
	fputs(text, stdout);
	free(text);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("writing the statement: %s", strerror(errno));
		return EXIT_PROBLEM;
	}
	return 0;
}
