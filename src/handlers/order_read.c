/*
 * order_read.c — reading orders:
 *
 *   GET /api/v1/orders/{id}             owner, admin   200 + ETag; 404 otherwise
 *   GET /api/v1/orders/status-options   anyone
 *
 * A customer's queries always carry their own user id in the SQL, a
 * guest's their phone.  The lists are order_list.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "auth/principal.h"
#include "domain/order_filter.h"
#include "domain/order_rules.h"
#include "handlers/handlers.h"
#include "handlers/order_common.h"
#include "handlers/respond.h"
#include "http/etag.h"
#include "http/listing.h"
#include "http/problem.h"
#include "store/db.h"
#include "store/list_cache.h"

void handle_order_get(struct app *app, struct http_request *req, struct http_response *res)
{
    struct db_rows row, items;
    struct order_scope scope = order_scope_of(req->principal);
    int rc = order_store_load_with_items(app->db, req->arena, &scope, req->path_ids[0], &row, &items);
    if (rc == DB_NOT_FOUND) {
        problem_send(req, res, 404, "not_found", "No such order");
        return;
    }
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "order get");
        return;
    }
    char *etag = order_etag(req->arena, &row);
    const char *inm = http_header_get(req, "if-none-match");
    if (etag && etag_list_matches(inm, etag, ETAG_WEAK)) { /* RFC 9110 §13.1.2 */
        res->status = 304;
        http_response_header(res, "ETag", etag);
        return;
    }
    respond_json(req, res, 200, order_json(&row, 0, &items));
    if (etag)
        http_response_header(res, "ETag", etag);
}

void handle_order_status_options(struct app *app, struct http_request *req, struct http_response *res)
{
    (void)app;
    respond_json(req, res, 200, order_status_options_json());
}
