/* strbuf.h - a growing text buffer with a bound.
 *
 * Text is appended printf-style; the buffer grows as needed up to the
 * bound its owner set, and refuses (EMSGSIZE) what would pass it, so no
 * caller grows without limit and none truncates silently. The first
 * failure sticks: later appends do nothing and strbuf_take() reports it,
 * so a sequence of appends needs one check at the end.
 */
#ifndef CTV_STRBUF_H
#define CTV_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *s;    /* the text, NUL-terminated; NULL while nothing was appended */
	size_t len; /* its length, without the NUL */
	size_t cap;
	size_t max; /* the longest text allowed, in bytes */
	int error;  /* 0, or the errno of the first failed append */
};

/* Empties b and sets its bound (max bytes of text). Never fails. */
void strbuf_init(struct strbuf *b, size_t max);

/* Appends the formatted text. Returns 0, or -1 with errno and b->error:
 * ENOMEM, or EMSGSIZE when the text would pass the bound (nothing of it is
 * appended); after a failure every append returns -1 at once. */
int strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* strbuf_printf() with a va_list. */
int strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Hands over the text (malloc'ed, "" when nothing was appended; the caller
 * frees it) and empties b. Returns NULL with errno when an append failed
 * or memory ran out; b is freed either way. */
char *strbuf_take(struct strbuf *b);

/* Frees the text and empties b (its bound stays). */
void strbuf_free(struct strbuf *b);

#endif
