/* rulestate.c - the saved spec. It is written in the canonical rules
 * language, so it is readable, and parses back with the same parser. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linefile.h"
#include "rulestate.h"
#include "statement.h"
#include "strbuf.h"

#define CLASS_TAG "# class: "
#define BACKEND_TAG "# backend: "

const char *rulestate_dir(void)
{
	const char *env = getenv("CTVERIFY_STATEDIR");

	return env && *env ? env : LOCALSTATEDIR "/lib/ctverify";
}

int rulestate_save(const char *backend, const struct svcspec *spec, struct ctv_err *err)
{
	const char *dir = rulestate_dir();
	char path[4096], tmp[4200];
	char *text, *classes;
	FILE *f;
	int fd, e;

	if (linefile_mkdirs(dir, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, RULESTATE_FILE);
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	text = svcspec_format(spec);
	classes = svcspec_classes_format(spec, CLASS_TAG);
	if (!text || !classes) {
		free(text);
		free(classes);
		ctv_err_sys(err, ENOMEM, "saving the installed spec");
		return -1;
	}
	/* A file (or a symbolic link someone planted) left at the temporary
	 * name is removed, never written through: O_EXCL | O_NOFOLLOW. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		e = errno;
		if (fd >= 0)
			close(fd);
		free(text);
		free(classes);
		ctv_err_sys(err, e, "%s", tmp);
		errno = e;
		return -1;
	}
	fprintf(f, "# The rules ctverify installed; written by 'ctverify rules install'.\n"
		BACKEND_TAG "%s\n%s%s", backend, classes, text);
	free(text);
	free(classes);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		e = errno;
		fclose(f);
		unlink(tmp);
		ctv_err_sys(err, e, "%s", tmp);
		errno = e;
		return -1;
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		ctv_err_sys(err, e, "%s", path);
		errno = e;
		return -1;
	}
	return 0;
}

/* The mirrored classes: the CLASS_TAG lines, parsed as networks_classes
 * with the file's line numbers (other lines become blank ones). */
static int load_classes(const char *path, struct svcspec *spec, struct ctv_err *err)
{
	struct strbuf b;
	char *line = NULL, *text;
	size_t cap = 0;
	ssize_t len;
	FILE *f = fopen(path, "r");
	int rc, any = 0;

	if (!f) {
		ctv_err_sys(err, errno, "%s", path);
		return -1;
	}
	strbuf_init(&b, (size_t)64 << 20);
	while ((len = getline(&line, &cap, f)) > 0) {
		if (!strncmp(line, CLASS_TAG, strlen(CLASS_TAG))) {
			strbuf_printf(&b, "%s", line + strlen(CLASS_TAG));
			any = 1;
		} else {
			strbuf_printf(&b, "\n");
		}
	}
	free(line);
	fclose(f);
	text = strbuf_take(&b);
	if (!text) {
		ctv_err_sys(err, errno, "%s", path);
		return -1;
	}
	rc = any ? classes_parse(text, strlen(text), path, &spec->classes, err) : 0;
	free(text);
	return rc;
}

int rulestate_load(char *backend, size_t size, struct svcspec *spec, struct ctv_err *err)
{
	char path[4096], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", rulestate_dir(), RULESTATE_FILE);
	f = fopen(path, "r");
	if (!f) {
		int e = errno;

		if (e == ENOENT)
			ctv_err_set(err, "no rules installed by ctverify (%s does not exist)", path);
		else
			ctv_err_sys(err, e, "%s", path);
		errno = e;
		return -1;
	}
	backend[0] = '\0';
	while (fgets(line, sizeof(line), f) && line[0] == '#') {
		if (!strncmp(line, BACKEND_TAG, strlen(BACKEND_TAG))) {
			line[strcspn(line, "\r\n")] = '\0';
			snprintf(backend, size, "%s", line + strlen(BACKEND_TAG));
			break;
		}
	}
	fclose(f);
	if (!backend[0]) {
		ctv_err_set(err, "%s: no '" BACKEND_TAG "' line", path);
		errno = EINVAL;
		return -1;
	}
	if (load_classes(path, spec, err) < 0)
		return -1;
	return svcspec_parse_file(spec, path, err);
}

int rulestate_stat(struct stat *st, struct ctv_err *err)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", rulestate_dir(), RULESTATE_FILE);
	if (stat(path, st) < 0) {
		int e = errno;

		ctv_err_sys(err, e, "%s", path);
		errno = e;
		return -1;
	}
	return 0;
}

int rulestate_clear(struct ctv_err *err)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", rulestate_dir(), RULESTATE_FILE);
	if (unlink(path) < 0 && errno != ENOENT) {
		ctv_err_sys(err, errno, "%s", path);
		return -1;
	}
	return 0;
}

void rulestate_files_free(char **files)
{
	if (!files)
		return;
	for (char **f = files; *f; f++)
		free(*f);
	free(files);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && !strcmp(s + n - m, suf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **rulestate_default_files(struct ctv_err *err)
{
	const char *env = getenv("CTVERIFY_RULES_DIR");
	const char *dir = env && *env ? env : SYSCONFDIR "/ctverify/rules.d";
	char **files = NULL;
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char **nf;

		if (e->d_name[0] == '.' || !has_suffix(e->d_name, ".rules"))
			continue;
		nf = realloc(files, (n + 2) * sizeof(*nf));
		if (!nf)
			goto nomem;
		files = nf;
		if (asprintf(&files[n], "%s/%s", dir, e->d_name) < 0)
			goto nomem;
		files[++n] = NULL;
	}
	if (d)
		closedir(d);
	d = NULL;
	if (n) {
		qsort(files, n, sizeof(*files), cmp_str);
		return files;
	}
	files = calloc(2, sizeof(*files));
	if (!files || !(files[0] = strdup(PKGDATADIR "/rules/default.rules")))
		goto nomem;
	return files;
nomem:
	if (d)
		closedir(d);
	if (files)
		files[n] = NULL;
	rulestate_files_free(files);
	ctv_err_sys(err, ENOMEM, "listing %s", dir);
	return NULL;
}

int rulestate_parse_files(char **files, size_t n, struct svcspec *spec, struct ctv_err *err)
{
	char **defaults = NULL;
	int rc = 0;

	if (n == 0) {
		defaults = rulestate_default_files(err);
		if (!defaults)
			return -1;
		files = defaults;
		while (files[n])
			n++;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		if (svcspec_parse_file(spec, files[i], err) < 0) {
			rc = -1;
			errno = EINVAL;
		}
	rulestate_files_free(defaults);
	return rc;
}

/* A statement's "networks" as networks_classes text, one line each. */
static int networks_classes(const char *path, struct classes *out, struct ctv_err *err)
{
	struct statement sm;
	struct strbuf b;
	char name[4200], *text;
	int rc;

	if (statement_read_file(path, &sm, err) < 0)
		return -1;
	if (!sm.has_networks || !sm.n_networks) {
		statement_free(&sm);
		ctv_err_set(err, "%s: the statement has no \"networks\" (the node's classes); "
			    "give the node's networks_classes file instead", path);
		errno = EINVAL;
		return -1;
	}
	strbuf_init(&b, (size_t)64 << 20);
	for (size_t i = 0; i < sm.n_networks; i++)
		strbuf_printf(&b, "%d %s\n", sm.networks[i].class, sm.networks[i].cidr);
	statement_free(&sm);
	text = strbuf_take(&b);
	if (!text) {
		ctv_err_sys(err, errno, "%s", path);
		return -1;
	}
	/* Line N of this text is networks[N-1]. */
	snprintf(name, sizeof(name), "%s: networks, entry", path);
	rc = classes_parse(text, strlen(text), name, out, err);
	free(text);
	return rc;
}

int rulestate_load_classes(const char *path, const struct ctv_warn *warn, struct svcspec *spec,
			   struct ctv_err *err)
{
	char *buf, note[CLASSES_NOTICE_MAX + 4200];
	size_t len, i = 0;
	struct classes c;
	int rc;

	if (linefile_read(path, &buf, &len, err) < 0)
		return -1;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
		i++;
	if (i < len && buf[i] == '{')
		rc = networks_classes(path, &c, err);
	else
		rc = classes_parse(buf, len, path, &c, err);
	free(buf);
	if (rc < 0) {
		if (errno != ENOMEM)
			errno = EINVAL; /* bad input, named in err */
		return -1;
	}
	if (classes_notice(&c, path, note, sizeof(note)))
		ctv_warn(warn, "%s", note);
	classes_free(&spec->classes);
	spec->classes = c;
	return 0;
}

int rulestate_mirror_classes(struct classes *out, struct ctv_err *err)
{
	struct svcspec spec;
	char backend[64];

	svcspec_init(&spec);
	if (rulestate_load(backend, sizeof(backend), &spec, err) < 0) {
		svcspec_free(&spec);
		return errno == ENOENT ? 0 : -1;
	}
	*out = spec.classes;
	spec.classes.nets = NULL;
	spec.classes.n = 0;
	svcspec_free(&spec);
	return 0;
}
