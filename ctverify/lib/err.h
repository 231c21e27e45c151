/* err.h - error records that carry their origin up to the one place that
 * prints them.
 *
 * Core functions never print. One that fails returns -1 (or NULL), sets
 * errno where a syscall was involved, and, when given a non-NULL struct
 * ctv_err, writes a one-line message saying what and where
 * ("rules/default.rules:12: unknown key 'prot'"). Callers may prefix
 * context as the error travels up.
 */
#ifndef CTV_ERR_H
#define CTV_ERR_H

#include <stddef.h>

#define CTV_ERR_MAX 1024

struct ctv_err {
	char msg[CTV_ERR_MAX];
};

/* Replaces the message. Safe with err == NULL. */
void ctv_err_set(struct ctv_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Replaces the message with "<fmt>: strerror(errnum)". */
void ctv_err_sys(struct ctv_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "<fmt>: " to the current message, keeping it as the cause. */
void ctv_err_prefix(struct ctv_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Empties the record. */
void ctv_err_clear(struct ctv_err *err);

/* Where a module's notices and warnings go when the operation goes on
 * (a reinstall done, a figure that could not be read): the caller prints
 * them. fn NULL drops them. */
struct ctv_warn {
	void (*fn)(void *arg, const char *msg);
	void *arg;
};

/* Formats the message and hands it to w->fn. Safe with w == NULL. */
void ctv_warn(const struct ctv_warn *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
