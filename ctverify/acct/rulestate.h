/* rulestate.h - what "rules install" leaves behind for later commands: the
 * installed spec in canonical form and the backend that holds it, in the
 * state directory ($CTVERIFY_STATEDIR, else LOCALSTATEDIR/lib/ctverify).
 * Also where the rules files are when no -f is given. */
#ifndef CTV_RULESTATE_H
#define CTV_RULESTATE_H

#include <stddef.h>
#include <sys/stat.h>

#include "err.h"
#include "svcspec.h"

#define RULESTATE_FILE "installed.rules"

/* The state directory (not created). */
const char *rulestate_dir(void);

/* Saves spec as installed with backend (atomically: a reader sees the old
 * or the new file). Creates the directory. Returns 0 or -1 with err. */
int rulestate_save(const char *backend, const struct svcspec *spec, struct ctv_err *err);

/* Loads the saved spec (appended to spec, which must be empty) and its
 * backend name. Returns 0; -1 with errno ENOENT when nothing is saved, or
 * another errno / a parse error in err. */
int rulestate_load(char *backend, size_t size, struct svcspec *spec, struct ctv_err *err);

/* stat() of the saved spec's file, so a reader can keep what it parsed
 * while the file stays the same (rulestate_save() renames a new file into
 * place: a new inode). Returns 0; -1 with errno ENOENT when nothing is
 * saved, or another errno, and err. */
int rulestate_stat(struct stat *st, struct ctv_err *err);

/* Forgets the saved spec; 0 also when there was none. */
int rulestate_clear(struct ctv_err *err);

/* The rules files to use without -f: every *.rules in
 * $CTVERIFY_RULES_DIR (else SYSCONFDIR/ctverify/rules.d) in lexical order,
 * or, when there is none, PKGDATADIR/rules/default.rules. Returns a
 * NULL-terminated malloc'ed list (free with rulestate_files_free), or NULL
 * with err. */
char **rulestate_default_files(struct ctv_err *err);

void rulestate_files_free(char **files);

/* Parses the n rules files (none: rulestate_default_files()) into spec.
 * Returns 0; -1 with "FILE:LINE: ..." in err and errno EINVAL for a bad
 * rule, or another errno when the defaults cannot be listed. */
int rulestate_parse_files(char **files, size_t n, struct svcspec *spec, struct ctv_err *err);

/* The node's classes for a mirror (rules install --classes) into
 * spec->classes: path is a networks_classes file, or a statement (JSON,
 * starting with '{') that carries "networks", read with the same parser
 * and semantics. The loader's notice (no ::/0) goes to warn. Returns 0, or
 * -1 with err naming FILE:LINE or the JSON path. */
int rulestate_load_classes(const char *path, const struct ctv_warn *warn, struct svcspec *spec,
			   struct ctv_err *err);

/* The node's classes the installed rules mirror (the saved spec's, as
 * 'rules install --classes' gave them, in file order) into *out, which
 * must be empty; left empty when nothing is installed or the rules
 * mirror no classes. Returns 0, or -1 with err when the saved spec does
 * not load. */
int rulestate_mirror_classes(struct classes *out, struct ctv_err *err);

#endif
