/* cli.h - what the two programs share on the command line: subcommand
 * dispatch, --help/--version, and the one place that prints errors.
 *
 * Exit codes (contract): 0 ok, 1 checked and found a problem (and
 * failures of the system: a syscall, the kernel refusing), 2 usage or
 * input error.
 */
#ifndef CTV_CLI_H
#define CTV_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "period.h"
#include "history.h"
#include "render.h"
#include "statement.h"
#include "store.h"

#define EXIT_PROBLEM 1
#define EXIT_USAGE 2

struct cli_cmd {
	const char *name;     /* "rules install" style names are allowed */
	const char *summary;  /* one line */
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

struct cli_prog {
	const char *name;  /* "ctverify" */
	const char *about; /* one paragraph for --help */
	const struct cli_cmd *cmds;
	const char *footer; /* printed after the command list, may be NULL */
};

/* Runs the command named by argv[1] (and argv[2] for two-word commands).
 * Handles --help, -h, --version and usage errors. Returns the exit code. */
int cli_main(const struct cli_prog *prog, int argc, char **argv);

/* The program name for messages ("ctverify"). */
const char *cli_progname(void);

/* "ctverify: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The struct ctv_warn callback of the commands: prints "PROG: LABEL: MSG"
 * on stderr, LABEL being the const char * in the warn's arg (the command's
 * name, as in "ctverify: snapshot: ..."; "notice" when NULL). */
void cli_notice(void *label, const char *msg);
/* cli_notice with the label "notice": "PROG: notice: MSG". */
extern const struct ctv_warn cli_notices;

/* Prints an error record from the core. */
void cli_report(const struct ctv_err *err);

/* Prints "<prog> <cmd>: <message>" and the hint to --help; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parses a time option argument; on error prints it naming the option and
 * returns -1. */
int cli_time_arg(const char *cmd, const char *opt, const char *arg, time_t *out);

/* Parses an unsigned integer option argument within [min, max]. */
int cli_uint_arg(const char *cmd, const char *opt, const char *arg,
		 unsigned long min, unsigned long max, unsigned long *out);

/* Bits of *seen for cli_history_opt(). */
#define CLI_SEEN_FROM 1u
#define CLI_SEEN_TO 2u

/* The history options report and export share: 'b' (--by), 'F' (--from)
 * and 'T' (--to). For one of them stores arg in *by, *from_ms or *to_ms
 * (milliseconds, like the store; by may be NULL where there is no --by),
 * marks *seen (may be NULL) and returns 0, or prints the usage error and
 * returns EXIT_USAGE; returns -1 when c is none of them. */
int cli_history_opt(const char *cmd, int c, const char *arg, enum period_by *by,
		    int64_t *from_ms, int64_t *to_ms, unsigned *seen);

/* Opens the history store at db for reading. Returns NULL after printing
 * the error; a store that does not exist yet is "no history yet", with
 * the commands that make one. */
struct store *cli_open_history(const char *cmd, const char *db);

/* Runs q on st and writes the rows on stdout as ro says. Returns 0, or
 * EXIT_PROBLEM after printing the error. st stays open. */
int cli_render_history(struct store *st, const struct store_query *q,
		       const struct render_opts *ro);

/* Writes the statement of st's history (history_statement(): series key,
 * window w) on stdout, from source about ct. With classes (a
 * networks_classes path, NULL for none) the per-class entries too, and,
 * when that file exists and loads, its lines as "networks" (else a
 * warning on stderr and no networks). Without that file, networks (NULL
 * or empty for none) are the "networks": the classes a container's rules
 * mirror. Returns 0, or EXIT_PROBLEM after printing the error. st stays
 * open. */
int cli_export_history(const char *cmd, struct store *st, enum statement_source source,
		       const char *ct, const char *key, const char *classes,
		       const struct classes *networks, const struct history_window *w);


#endif
