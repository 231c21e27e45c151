#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

void ctv_err_set(struct ctv_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void ctv_err_sys(struct ctv_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
}

void ctv_err_prefix(struct ctv_err *err, const char *fmt, ...)
{
	char head[CTV_ERR_MAX];
	size_t hn, on;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head) - 2, fmt, ap);
	va_end(ap);
	hn = strlen(head);
	on = strlen(err->msg);
	if (on) {
		memcpy(head + hn, ": ", 3);
		hn += 2;
	}
	/* Shift the cause right (truncating its end), then put the head in. */
	if (hn + on >= sizeof(err->msg))
		on = hn < sizeof(err->msg) ? sizeof(err->msg) - 1 - hn : 0;
	if (hn >= sizeof(err->msg))
		hn = sizeof(err->msg) - 1;
	memmove(err->msg + hn, err->msg, on);
	memcpy(err->msg, head, hn);
	err->msg[hn + on] = '\0';
}

void ctv_err_clear(struct ctv_err *err)
{
	if (err)
		err->msg[0] = '\0';
}

void ctv_warn(const struct ctv_warn *w, const char *fmt, ...)
{
	char msg[CTV_ERR_MAX + 128];
	va_list ap;

	if (!w || !w->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->fn(w->arg, msg);
}
