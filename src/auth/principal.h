/*
 * principal.h — who is calling.
 *
 * Three kinds share one struct so that handlers never change shape when a
 * kind is added: registered customers and admins (user_id > 0), and
 * phone-verified guests (user_id == 0, phone set).  The kinds are bits:
 * the router's access bits are defined as these (router.h), so "may this
 * principal call this route" is one AND.
 */
#ifndef ORDERAPI_PRINCIPAL_H
#define ORDERAPI_PRINCIPAL_H

#include <stdint.h>

enum principal_kind {
    PRINCIPAL_CUSTOMER = 1u << 0,
    PRINCIPAL_ADMIN = 1u << 1,
    PRINCIPAL_GUEST = 1u << 2,
};

#define PRINCIPAL_JTI_MAX 64
#define PRINCIPAL_PHONE_MAX 16 /* E.164: '+' and at most 15 digits */

struct principal {
    enum principal_kind kind;
    int64_t user_id;                    /* 0 for a guest */
    char phone[PRINCIPAL_PHONE_MAX + 1]; /* guests only */
    char jti[PRINCIPAL_JTI_MAX + 1];
    int64_t issued_at;                  /* iat, seconds since the epoch */
    int64_t expires_at;                 /* exp */
};

/* "customer", "admin", "guest" — as in the token's role claim. */
const char *principal_role_name(enum principal_kind kind);
/* The kind for a role name; -1 for anything else (case-sensitive). */
int principal_role_parse(const char *role, enum principal_kind *out);

#endif
