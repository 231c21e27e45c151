/* linefile.h - the small text files people write (classes, containers):
 * read whole, walked line by line with '#' comments cut, split on blanks.
 * Errors name the file and the line ("NAME:LINE: ...").
 */
#ifndef CTV_LINEFILE_H
#define CTV_LINEFILE_H

#include <stddef.h>

#include "err.h"

/* Files larger than this are refused: they are not hand-written lists. */
#define LINEFILE_SIZE_MAX (64u << 20)

struct linefile {
	const char *text;
	size_t len;
	size_t pos;
	const char *name; /* for messages */
	unsigned lineno;  /* of the line last returned */
	char *line;       /* caller's buffer, max + 1 bytes */
	size_t max;       /* longest line allowed */
};

/* Reads the whole file at path into *buf (malloc'd, not NUL-terminated)
 * and its size into *len. Returns 0, or -1 when it cannot be opened or
 * read, or is larger than LINEFILE_SIZE_MAX. */
int linefile_read(const char *path, char **buf, size_t *len, struct ctv_err *err);

/* Reads all of path, or of standard input when path is "-" (called
 * "(stdin)" in messages), into *buf (malloc'd) and *len. Returns 0, or
 * -1 when it cannot be opened or read, or reaches max bytes: "NAME:
 * larger than N MiB, not WHAT". */
int linefile_read_input(const char *path, size_t max, const char *what, char **buf,
			size_t *len, struct ctv_err *err);

/* Starts walking text; line is a buffer of max + 1 bytes for the lines. */
void linefile_init(struct linefile *lf, const char *text, size_t len, const char *name,
		   char *line, size_t max);

/* The next line in lf->line, '#' comment cut, its number in lf->lineno.
 * Returns 1, 0 at the end, or -1 for a line longer than max or holding a
 * NUL byte. */
int linefile_next(struct linefile *lf, struct ctv_err *err);

/* Splits line on blanks into at most max fields (in place); returns how
 * many there were, max + 1 if more. */
int linefile_split(char *line, char **f, int max);

/* Creates DIR and its missing parents (mode 0755), like mkdir -p. */
int linefile_mkdirs(const char *dir, struct ctv_err *err);

#endif
