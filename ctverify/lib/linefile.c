#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include "linefile.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int linefile_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (is_space(*p))
			p++;
		if (!*p)
			return n;
		if (n == max)
			return max + 1;
		f[n++] = p;
		while (*p && !is_space(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}

void linefile_init(struct linefile *lf, const char *text, size_t len, const char *name,
		   char *line, size_t max)
{
	lf->text = text;
	lf->len = len;
	lf->pos = 0;
	lf->name = name;
	lf->lineno = 0;
	lf->line = line;
	lf->max = max;
}

int linefile_next(struct linefile *lf, struct ctv_err *err)
{
	const char *p = lf->text + lf->pos;
	const char *nl;
	size_t l;
	char *hash;

	if (lf->pos >= lf->len)
		return 0;
	nl = memchr(p, '\n', lf->len - lf->pos);
	l = nl ? (size_t)(nl - p) : lf->len - lf->pos;
	lf->lineno++;
	if (l > lf->max) {
		ctv_err_set(err, "%s:%u: line longer than %zu bytes", lf->name, lf->lineno, lf->max);
		return -1;
	}
	if (memchr(p, '\0', l)) {
		ctv_err_set(err, "%s:%u: NUL byte in line", lf->name, lf->lineno);
		return -1;
	}
	memcpy(lf->line, p, l);
	lf->line[l] = '\0';
	lf->pos += l + (nl ? 1 : 0);
	hash = strchr(lf->line, '#');
	if (hash)
		*hash = '\0';
	return 1;
}

int linefile_read(const char *path, char **out, size_t *out_len, struct ctv_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		ctv_err_sys(err, errno, "%s", path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb;

			if (ncap > LINEFILE_SIZE_MAX) {
				ctv_err_set(err, "%s: file too large", path);
				goto fail;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				ctv_err_sys(err, errno, "%s", path);
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		ctv_err_sys(err, EIO, "%s", path);
		goto fail;
	}
	fclose(f);
	*out = buf;
	*out_len = len;
	return 0;
fail:
	fclose(f);
	free(buf);
	return -1;
}

int linefile_read_input(const char *path, size_t max, const char *what, char **out,
			size_t *out_len, struct ctv_err *err)
{
	int fd, stdin_ = strcmp(path, "-") == 0;
	const char *name = stdin_ ? "(stdin)" : path;
	size_t len = 0, cap = 0;
	char *buf = NULL;

	fd = stdin_ ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ctv_err_sys(err, errno, "%s", path);
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *b;

			if (cap >= max) {
				ctv_err_set(err, "%s: larger than %zu MiB, not %s", name, max >> 20, what);
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			b = realloc(buf, cap);
			if (!b) {
				ctv_err_sys(err, errno, "%s", name);
				goto fail;
			}
			buf = b;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ctv_err_sys(err, errno, "%s: read", name);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (!stdin_)
		close(fd);
	*out = buf;
	*out_len = len;
	return 0;
fail:
	if (!stdin_)
		close(fd);
	free(buf);
	return -1;
}

int linefile_mkdirs(const char *dir, struct ctv_err *err)
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
