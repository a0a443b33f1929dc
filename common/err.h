/*
 * err.h - the one error-code space of gridcase.
 *
 * Every fallible function returns 0 or one of the negative codes below.
 * Codes from LMDB, nng, libuv and libsodium are translated at the module
 * boundary and never travel further.  A code says what kind of failure it
 * is (callers branch on it); the human detail ("prev does not match seq
 * 4") travels separately in a struct diag filled by the failing function.
 */
#ifndef GRIDCASE_ERR_H
#define GRIDCASE_ERR_H

#include <stddef.h>

#define MUST_CHECK __attribute__((warn_unused_result))

/* X(NAME, message) - order is the ABI of the negative values. */
#define ERR_LIST(X)                                                            \
	X(ERR_INVAL, "invalid argument")                                       \
	X(ERR_NOTFOUND, "not found")                                           \
	X(ERR_EXISTS, "already exists")                                        \
	X(ERR_IO, "input/output error")                                        \
	X(ERR_PERM, "permission denied")                                       \
	X(ERR_FULL, "store is full")                                           \
	X(ERR_CORRUPT, "corrupt data")                                         \
	X(ERR_MALFORMED, "malformed msgpack")                                  \
	X(ERR_TRUNCATED, "truncated input")                                    \
	X(ERR_NONCANON, "non-canonical encoding")                              \
	X(ERR_TRAILING, "trailing bytes")                                      \
	X(ERR_TOOBIG, "too large")                                             \
	X(ERR_FORMAT, "invalid event format")                                  \
	X(ERR_VERSION, "unsupported version")                                  \
	X(ERR_BADID, "id does not match the event bytes")                      \
	X(ERR_BADSIG, "bad signature")                                         \
	X(ERR_NETWORK, "wrong network")                                        \
	X(ERR_CHAIN, "broken author chain")                                    \
	X(ERR_FORKED, "author has forked")                                     \
	X(ERR_STATE, "not allowed in this state")                              \
	X(ERR_DENIED, "role not allowed")                                      \
	X(ERR_CONFIG, "bad configuration")                                     \
	X(ERR_PROTO, "protocol error")                                         \
	X(ERR_TIMEOUT, "timed out")                                            \
	X(ERR_BUSY, "busy")                                                    \
	X(ERR_CLOCK, "clock rule broken")                                      \
	X(ERR_NOSPACE, "disk full")

enum err {
	ERR_OK = 0,
	ERR_BASE_ = -1000,
#define ERR_ENUM_(name, msg) name,
	ERR_LIST(ERR_ENUM_)
#undef ERR_ENUM_
	ERR_END_
};

/* The message for a code ("bad signature"); "unknown error" otherwise. */
const char *err_str(int code);

/* The symbolic name for a code ("ERR_BADSIG"), as used in test vectors. */
const char *err_name(int code);

/* The code for a symbolic name, or 0 if there is none. */
int err_from_name(const char *name);

/*
 * Detail text for the last failure of a call.  Functions that take a
 * struct diag * accept NULL when the caller only wants the code; they
 * write it only when they fail.
 */
struct diag {
	char text[320];
};

/* Writes a formatted detail into d (if d is not NULL); returns code. */
int diag_set(struct diag *d, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
