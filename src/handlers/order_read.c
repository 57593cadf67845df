/*
 * order_read.c — reading orders:
 *
 *   GET /api/v1/orders                  token   list with filters, cached (X-Cache)
 *   GET /api/v1/orders/my-orders        customer the caller's orders (skip/limit)
 *   GET /api/v1/orders/{id}             owner, admin   200 + ETag; 404 otherwise
 *   GET /api/v1/orders/status-options   anyone
 *
 * A customer's queries always carry their own user id in the SQL, a
 * guest's their phone; only an admin may filter by user_id.  List queries
 * are composed from fixed fragments for the filters given, so each shape
 * uses its index; every value is a bound parameter.
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
#include "http/listing.h"
#include "http/problem.h"
#include "store/db.h"
#include "store/list_cache.h"

void handle_order_get(struct app *app, struct http_request *req, struct http_response *res)
{
    struct db_rows row, items;
    int rc = order_load_with_items(app->db, req->arena, req->principal, req->path_ids[0], &row, &items);
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
    if (etag && inm && strstr(inm, etag)) {
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

#define TIMESTAMP_MAX_EPOCH 2147483647LL

/* A growing SQL text and its parameters, composed from fixed fragments. */
struct query_builder {
    struct arena *a;
    char sql[4096];
    size_t len;
    struct db_value params[64];
    unsigned n;
    int failed;
};

static void qb_text(struct query_builder *q, const char *text)
{
    size_t l = strlen(text);
    if (q->len + l >= sizeof q->sql) {
        q->failed = 1;
        return;
    }
    memcpy(q->sql + q->len, text, l + 1);
    q->len += l;
}

static void qb_param(struct query_builder *q, struct db_value v)
{
    if (q->n == sizeof q->params / sizeof q->params[0]) {
        q->failed = 1;
        return;
    }
    q->params[q->n++] = v;
}

/* Appends "AND col IN (?, …)" for the set bits of mask over names[]. */
static void qb_in(struct query_builder *q, const char *column, unsigned mask, const char *(*name)(int), int count)
{
    if (!mask)
        return;
    qb_text(q, " AND ");
    qb_text(q, column);
    qb_text(q, " IN (");
    int first = 1;
    for (int i = 0; i < count; i++) {
        if (!(mask & (1u << i)))
            continue;
        qb_text(q, first ? "?" : ", ?");
        qb_param(q, DBP_STR(name(i)));
        first = 0;
    }
    qb_text(q, ")");
}

static const char *status_name_i(int i) { return order_status_name((enum order_status)i); }
static const char *payment_name_i(int i) { return payment_status_name((enum payment_status)i); }
static const char *priority_name_i(int i) { return priority_name((enum order_priority)i); }

/* The WHERE clause for the caller and filter. */
static void qb_where(struct query_builder *q, const struct principal *p, const struct order_filter *f)
{
    qb_text(q, " WHERE 1 = 1");
    if (p->kind == PRINCIPAL_CUSTOMER) {
        qb_text(q, " AND user_id = ?");
        qb_param(q, DBP_INT(p->user_id));
    } else if (p->kind == PRINCIPAL_GUEST) {
        qb_text(q, " AND guest_phone = ? AND user_id IS NULL");
        qb_param(q, DBP_STR(p->phone));
    } else if (f->user_id > 0) {
        qb_text(q, " AND user_id = ?");
        qb_param(q, DBP_INT(f->user_id));
    }
    qb_in(q, "status", f->statuses, status_name_i, ORDER_STATUS_COUNT);
    qb_in(q, "payment_status", f->payment_statuses, payment_name_i, PAYMENT_STATUS_COUNT);
    qb_in(q, "priority", f->priorities, priority_name_i, PRIORITY_COUNT);
    if (f->order_number) {
        qb_text(q, " AND order_number = ?");
        qb_param(q, DBP_STR(f->order_number));
    }
    if (f->customer_name) {
        size_t len = strlen(f->customer_name);
        char *pattern = arena_alloc(q->a, 2 * len + 3);
        if (!pattern) {
            q->failed = 1;
            return;
        }
        size_t o = 0;
        pattern[o++] = '%';
        for (size_t i = 0; i < len; i++) {
            char c = f->customer_name[i];
            if (c == '\\' || c == '%' || c == '_')
                pattern[o++] = '\\';
            pattern[o++] = c;
        }
        pattern[o++] = '%';
        pattern[o] = '\0';
        qb_text(q, " AND customer_name LIKE ?");
        qb_param(q, DBP_STR(pattern));
    }
    if (f->customer_phone) {
        qb_text(q, " AND customer_phone = ?");
        qb_param(q, DBP_STR(f->customer_phone));
    }
    /* TIMESTAMP columns end in 2038: a bound past that is open above, or
     * (for a lower bound) matches nothing. */
    if (f->created_from != INT64_MIN && f->created_from > TIMESTAMP_MAX_EPOCH) {
        qb_text(q, " AND 1 = 0");
    } else if (f->created_from != INT64_MIN) {
        qb_text(q, " AND created_at >= FROM_UNIXTIME(?)");
        qb_param(q, DBP_INT(f->created_from));
    }
    if (f->created_before != INT64_MAX && f->created_before <= TIMESTAMP_MAX_EPOCH) {
        qb_text(q, " AND created_at < FROM_UNIXTIME(?)");
        qb_param(q, DBP_INT(f->created_before));
    }
    if (f->min_amount >= 0) {
        qb_text(q, " AND total_amount >= ?");
        qb_param(q, DBP_INT(f->min_amount));
    }
    if (f->max_amount >= 0) {
        qb_text(q, " AND total_amount <= ?");
        qb_param(q, DBP_INT(f->max_amount));
    }
}

static const char *sort_sql(enum order_sort s)
{
    switch (s) {
    case SORT_CREATED_ASC: return " ORDER BY created_at ASC, id ASC";
    case SORT_TOTAL_DESC: return " ORDER BY total_amount DESC, id DESC";
    case SORT_TOTAL_ASC: return " ORDER BY total_amount ASC, id ASC";
    case SORT_CREATED_DESC:
    default: return " ORDER BY created_at DESC, id DESC";
    }
}

/* The cache scope a principal's lists live in. */
static char *list_scope(struct arena *a, const struct principal *p)
{
    if (p->kind == PRINCIPAL_CUSTOMER)
        return arena_printf(a, "orders:u:%" PRId64, p->user_id);
    if (p->kind == PRINCIPAL_GUEST)
        return arena_printf(a, "orders:g:%s", p->phone);
    return arena_strdup(a, "orders:all");
}

/* The cache key of a list: the caller's scope, and a variant naming the
 * page and every filter. */
static void order_list_key(struct http_request *req, const struct order_filter *f, const struct page_request *page,
                           const char **scope, const char **variant)
{
    char canonical[1024];
    order_filter_canonical(f, canonical, sizeof canonical);
    *scope = list_scope(req->arena, req->principal);
    *variant = arena_printf(req->arena, "o=%" PRId64 ";l=%" PRId64 ";s=%d;%s", page->offset, page->page_size,
                            page->uses_skip, canonical);
}

/* Runs the list for a parsed filter and page; answers res. */
static void order_list_respond(struct app *app, struct http_request *req, struct http_response *res,
                               const struct order_filter *f, const struct page_request *page)
{
    const char *scope, *variant;
    order_list_key(req, f, page, &scope, &variant);
    struct list_cache_entry entry = {0};
    if (scope && variant &&
        list_cache_get_prefetched(app->cache, req->arena, req->prefetch, scope, variant, &entry) == 1) {
        respond_cached(res, entry.body, entry.body_len);
        return;
    }
    struct query_builder list = {.a = req->arena}, count = {.a = req->arena};
    qb_text(&list, "SELECT ");
    qb_text(&list, ORDER_COLUMNS_SQL);
    qb_text(&list, " FROM orders");
    qb_where(&list, req->principal, f);
    qb_text(&list, sort_sql(f->sort));
    qb_text(&list, " LIMIT ? OFFSET ?");
    qb_param(&list, DBP_INT(page->page_size));
    qb_param(&list, DBP_INT(page->offset));
    qb_text(&count, "SELECT COUNT(*) FROM orders");
    qb_where(&count, req->principal, f);
    if (list.failed || count.failed) {
        problem_internal_error(req, res, "order list: query too large");
        return;
    }
    struct db_rows rows, total;
    int rc = db_query_sql(app->db, list.sql, list.n, list.params, req->arena, &rows);
    if (rc == DB_OK)
        rc = db_query_sql(app->db, count.sql, count.n, count.params, req->arena, &total);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "order list");
        return;
    }
    json_t *data = json_array();
    for (size_t r = 0; data && r < rows.count; r++)
        json_array_append_new(data, order_json(&rows, r, NULL));
    json_t *body = pagination_envelope(data, page, total.count ? DB_CELL(&total, 0, 0)->i : 0);
    respond_json_cacheable(app, req, res, body, &entry, app->cfg->list_cache_ttl);
}

static const char *const ORDER_LIST_PARAMS[] = {"status", "payment_status", "priority", "user_id", "order_number",
                                                "customer_name", "customer_phone", "start_date", "end_date",
                                                "min_amount", "max_amount", "sort", "page", "page_size", "skip",
                                                "limit", NULL};
static const char *const MY_ORDERS_PARAMS[] = {"skip", "limit", "page", "page_size", NULL};

/* Reads GET /orders' query (or my-orders' with mine set); errors appended. */
static void order_list_parse(const struct http_request *req, int mine, struct order_filter *f,
                             struct page_request *page, json_t *errors)
{
    query_check_allowed(req, mine ? MY_ORDERS_PARAMS : ORDER_LIST_PARAMS, NULL, errors);
    order_filter_init(f);
    for (size_t i = 0; !mine && i < req->query_count; i++) {
        const char *name = req->query[i].name;
        if (strcmp(name, "page") == 0 || strcmp(name, "page_size") == 0 || strcmp(name, "skip") == 0 ||
            strcmp(name, "limit") == 0)
            continue;
        /* A customer's or guest's user_id is ignored: they only ever see their own. */
        if (strcmp(name, "user_id") == 0 && req->principal->kind != PRINCIPAL_ADMIN)
            continue;
        order_filter_set(f, name, req->query[i].value, errors);
    }
    order_filter_finish(f, errors);
    pagination_parse(req, page, errors);
}

static void order_list_handle(struct app *app, struct http_request *req, struct http_response *res, int mine)
{
    json_t *errors = json_array();
    if (!errors) {
        problem_internal_error(req, res, "out of memory");
        return;
    }
    struct order_filter f;
    struct page_request page;
    order_list_parse(req, mine, &f, &page, errors);
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    order_list_respond(app, req, res, &f, &page);
}

void handle_order_list(struct app *app, struct http_request *req, struct http_response *res)
{
    order_list_handle(app, req, res, 0);
}

void handle_my_orders(struct app *app, struct http_request *req, struct http_response *res)
{
    order_list_handle(app, req, res, 1);
}

/* The lists' prefetch hook (see route_prefetch): a query the handler would
 * refuse prefetches nothing. */
static int order_list_prefetch_kind(struct http_request *req, struct list_cache_prefetch *pf, int mine)
{
    json_t *errors = json_array();
    if (!errors)
        return 0;
    struct order_filter f;
    struct page_request page;
    order_list_parse(req, mine, &f, &page, errors);
    size_t bad = json_array_size(errors);
    json_decref(errors);
    if (bad)
        return 0;
    order_list_key(req, &f, &page, &pf->scope, &pf->variant);
    return pf->scope && pf->variant ? 1 : 0;
}

int prefetch_order_list(struct app *app, struct http_request *req, struct list_cache_prefetch *pf)
{
    (void)app;
    return order_list_prefetch_kind(req, pf, 0);
}

int prefetch_my_orders(struct app *app, struct http_request *req, struct list_cache_prefetch *pf)
{
    (void)app;
    return order_list_prefetch_kind(req, pf, 1);
}
