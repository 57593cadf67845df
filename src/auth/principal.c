/*
 * principal.c — the names of principal kinds as they appear in a token's
 * "role" claim.
 *
 * The mapping is deliberately exact: role names are compared byte for byte,
 * so "Admin", "ADMIN" or "admin " are not admins.
 */
#include "auth/principal.h"

#include <string.h>

/*
 * Returns the role claim value for kind: "customer", "admin" or "guest".  An
 * unknown kind (which only a programming error can produce) yields
 * "unknown", which principal_role_parse() never accepts, so a token issued
 * with it can never be verified.
 */
const char *principal_role_name(enum principal_kind kind)
{
    switch (kind) {
    case PRINCIPAL_CUSTOMER:
        return "customer";
    case PRINCIPAL_ADMIN:
        return "admin";
    case PRINCIPAL_GUEST:
        return "guest";
    }
    return "unknown";
}

/*
 * Sets *out to the kind named by role and returns 0, or returns -1 (leaving
 * *out alone) when role is NULL or not exactly one of the three names.
 */
int principal_role_parse(const char *role, enum principal_kind *out)
{
    if (role == NULL)
        return -1;
    if (strcmp(role, "customer") == 0)
        *out = PRINCIPAL_CUSTOMER;
    else if (strcmp(role, "admin") == 0)
        *out = PRINCIPAL_ADMIN;
    else if (strcmp(role, "guest") == 0)
        *out = PRINCIPAL_GUEST;
    else
        return -1;
    return 0;
}
