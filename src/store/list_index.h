/*
 * list_index.h — the index a cursor page of the order lists enters at the
 * cursor, and an export reads in order (pure; no database).
 *
 * A cursor page asks for rows beyond the cursor's sort value in the sort's
 * order (store/order_store.c, qb_after): on the index whose leading columns
 * are the list's equality filters and whose next column is the sort's, that
 * is a range that starts at the cursor and stops after one page.  MariaDB
 * does not always see it: with one status and a condition the index cannot
 * check (min_amount), it prefers ref access on the status alone, which reads
 * backward from the newest order of that status and fetches every row newer
 * than the cursor (88 000 rows for a page 50 000 rows deep on the bench's
 * million orders, against 21 with the range).  So a cursor page names the
 * index (FORCE INDEX); NULL leaves the choice to the optimizer.  The CSV
 * export names it too: read in the index's order its rows stream from the
 * first one, where MariaDB chose to sort a million orders first (filesort),
 * longer than the client's read timeout.
 */
#ifndef ORDERAPI_LIST_INDEX_H
#define ORDERAPI_LIST_INDEX_H

#include "domain/order_filter.h"

/* Whose orders the list holds, as order_scope says. */
enum list_owner { LIST_OWNER_ANY = 0, LIST_OWNER_USER, LIST_OWNER_GUEST };

/* The index for a cursor page or an export of list f of the given owner, or NULL:
 *   - an order number or phone given: NULL (they find a few rows by their
 *     own indexes, faster than any ordered scan);
 *   - one user's or one guest's orders (the owner, or user_id): by creation,
 *     their (owner, created_at) index; by total, NULL (a user's orders are
 *     few, the total index holds everyone's);
 *   - everyone's by total: ix_orders_total;
 *   - everyone's by creation: (status, created_at) when one status is asked
 *     for, else (payment_status, created_at) for one payment status, else
 *     (priority, created_at) for one priority, else (created_at). */
const char *order_list_ordered_index(enum list_owner owner, const struct order_filter *f);

#endif
