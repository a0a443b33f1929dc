/*
 * roles.h - who may do what: the district's members and their roles.
 *
 * A member is a key with a name, the unit it belongs to (an office, a
 * department, the centre) and a set of roles.  Every authority check of
 * the workflow goes through roles_lookup(), the one place a later roster
 * of signed events replaces; until then the table is node-local
 * configuration (`gridcase roles add`), and every node of a district must
 * hold the same table for their case states to agree.
 */
#ifndef GRIDCASE_ROLES_H
#define GRIDCASE_ROLES_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct store;

enum role {
	ROLE_SUPERVISOR = 1 << 0, /* 监督员: report, check on site, verify */
	ROLE_OPERATOR = 1 << 1,   /* 受理员: accept or refuse, hotline intake */
	ROLE_SHIFT_LEAD = 1 << 2, /* 值班长: register, close, approve exceptions */
	ROLE_DISPATCHER = 1 << 3, /* 派遣员: dispatch */
	ROLE_DISPOSAL = 1 << 4,   /* 处置单位: dispose, feed back, ask for exceptions */
};
#define ROLE_ALL 0x1f

#define ROLES_NAME_MAX 64

struct member {
	uint8_t key[32];
	char name[ROLES_NAME_MAX + 1];
	char unit[ROLES_NAME_MAX + 1];
	unsigned roles;
};

struct roles;

/* Loads the table from the store's local table "role"; free with
 * roles_free(). */
MUST_CHECK int roles_load(struct store *s, struct roles **out);
void roles_free(struct roles *r);

/* The member holding key, or NULL if the key is not a member. */
const struct member *roles_lookup(const struct roles *r, const uint8_t key[32]);

/* Adds or replaces a member in the store (not in a loaded table). */
MUST_CHECK int roles_put(struct store *s, const struct member *m,
			 struct diag *d);

size_t roles_count(const struct roles *r);
const struct member *roles_at(const struct roles *r, size_t i);

/* "supervisor,operator" <-> mask.  ERR_INVAL naming an unknown role. */
MUST_CHECK int roles_parse(const char *list, unsigned *mask, struct diag *d);
/* Writes the names of mask, comma-separated, into out. */
void roles_format(unsigned mask, char *out, size_t n);

#endif
