/* err.c - messages and names for the error codes of err.h. */
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_COUNT_ (ERR_END_ - ERR_BASE_ - 1)

static const char *const messages[] = {
#define ERR_MSG_(name, msg) msg,
	ERR_LIST(ERR_MSG_)
#undef ERR_MSG_
};

static const char *const names[] = {
#define ERR_NAME_(name, msg) #name,
	ERR_LIST(ERR_NAME_)
#undef ERR_NAME_
};

const char *
err_str(int code)
{
	if (code == 0)
		return "ok";
	if (code > ERR_BASE_ && code < ERR_END_)
		return messages[code - ERR_BASE_ - 1];
	return "unknown error";
}

const char *
err_name(int code)
{
	if (code == 0)
		return "OK";
	if (code > ERR_BASE_ && code < ERR_END_)
		return names[code - ERR_BASE_ - 1];
	return "ERR_UNKNOWN";
}

int
err_from_name(const char *name)
{
	for (int i = 0; i < ERR_COUNT_; i++)
		if (strcmp(names[i], name) == 0)
			return ERR_BASE_ + 1 + i;
	return 0;
}

int
diag_set(struct diag *d, int code, const char *fmt, ...)
{
	if (d) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(d->text, sizeof(d->text), fmt, ap);
		va_end(ap);
	}
	return code;
}
