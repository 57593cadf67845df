/*
 * list_index.c — the index a cursor page enters at the cursor (see
 * list_index.h).
 */
#include "store/list_index.h"

#include <stddef.h>

/* Exactly one bit set: one value asked for. */
static int single(unsigned mask)
{
    return mask != 0 && (mask & (mask - 1)) == 0;
}

const char *order_list_ordered_index(enum list_owner owner, const struct order_filter *f)
{
    int created = f->sort == SORT_CREATED_DESC || f->sort == SORT_CREATED_ASC;
    if (f->order_number || f->customer_phone)
        return NULL;
    if (owner == LIST_OWNER_GUEST)
        return created ? "ix_orders_guest_created" : NULL;
    if (owner == LIST_OWNER_USER || f->user_id > 0)
        return created ? "ix_orders_user_created" : NULL;
    if (!created)
        return "ix_orders_total";
    if (single(f->statuses))
        return "ix_orders_status_created";
    if (single(f->payment_statuses))
        return "ix_orders_payment_created";
    if (single(f->priorities))
        return "ix_orders_priority_created";
    return "ix_orders_created";
}
