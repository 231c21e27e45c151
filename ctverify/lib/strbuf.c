#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void strbuf_init(struct strbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

static int fail(struct strbuf *b, int e)
{
	b->error = e;
	errno = e;
	return -1;
}

/* Makes room for more bytes and the NUL. */
static int grow(struct strbuf *b, size_t more)
{
	size_t need = b->len + more + 1, cap = b->cap ? b->cap : 256;
	char *s;

	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	s = realloc(b->s, cap);
	if (!s)
		return fail(b, ENOMEM);
	b->s = s;
	b->cap = cap;
	return 0;
}

int strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	if (b->error) {
		errno = b->error;
		return -1;
	}
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0) {
		va_end(again);
		return fail(b, errno ? errno : EINVAL);
	}
	if ((size_t)n > b->max - b->len) {
		va_end(again);
		return fail(b, EMSGSIZE);
	}
	if (grow(b, (size_t)n) < 0) {
		va_end(again);
		return -1;
	}
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, again);
	va_end(again);
	b->len += (size_t)n;
	return 0;
}

int strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strbuf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *strbuf_take(struct strbuf *b)
{
	char *s;

	if (b->error) {
		int e = b->error;

		strbuf_free(b);
		errno = e;
		return NULL;
	}
	s = b->s ? b->s : strdup("");
	b->s = NULL;
	strbuf_free(b);
	return s;
}

void strbuf_free(struct strbuf *b)
{
	free(b->s);
	strbuf_init(b, b->max);
}
