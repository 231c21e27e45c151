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

#include "rulestate.h"

#define BACKEND_TAG "# backend: "

const char *rulestate_dir(void)
{
	const char *env = getenv("CTVERIFY_STATEDIR");

	return env && *env ? env : LOCALSTATEDIR "/lib/ctverify";
}

static int mkdirs(const char *dir, struct ctv_err *err)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		ctv_err_set(err, "%s: path too long", dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			ctv_err_sys(err, errno, "creating %s", path);
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		ctv_err_sys(err, errno, "creating %s", path);
		return -1;
	}
	return 0;
}

int rulestate_save(const char *backend, const struct svcspec *spec, struct ctv_err *err)
{
	const char *dir = rulestate_dir();
	char path[4096], tmp[4200];
	char *text;
	FILE *f;
	int fd, e;

	if (mkdirs(dir, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, RULESTATE_FILE);
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	text = svcspec_format(spec);
	if (!text) {
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
		ctv_err_sys(err, e, "%s", tmp);
		errno = e;
		return -1;
	}
	fprintf(f, "# The rules ctverify installed; written by 'ctverify rules install'.\n"
		BACKEND_TAG "%s\n%s", backend, text);
	free(text);
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
	return svcspec_parse_file(spec, path, err);
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
