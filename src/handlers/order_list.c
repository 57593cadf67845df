/*
 * order_list.c — the order lists:
 *
 *   GET /api/v1/orders            token     filters, sort, paging; cached (X-Cache)
 *   GET /api/v1/orders/my-orders  customer  the caller's orders
 *
 * A customer's queries always carry their own user id in the SQL, a
 * guest's their phone; only an admin may filter by user_id.  The queries
 * are composed in store/order_store.c.
 *
 * Paging is by offset (page/page_size or skip/limit, with total) or by
 * cursor (API.md "Cursor paging"): every answer carries next_cursor (null
 * on the last page), and ?cursor= returns the page after it at the same
 * cost however deep, without total unless include_total=true.  A cursor is
 * sealed (domain/cursor.h) with a key derived from the signing key and
 * names the list it came from (the caller's scope and every filter and the
 * sort): a forged one, or one from another list, is 400 invalid_cursor.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "auth/derived_key.h"
#include "auth/principal.h"
#include "domain/cursor.h"
#include "domain/order_filter.h"
#include "handlers/handlers.h"
#include "handlers/order_common.h"
#include "handlers/order_read.h"
#include "handlers/respond.h"
#include "http/listing.h"
#include "http/problem.h"
#include "json_out.h"
#include "store/db.h"
#include "store/list_cache.h"
#include "store/order_store.h"

static const char *const ORDER_LIST_PARAMS[] = {"status", "payment_status", "priority", "user_id", "order_number",
                                                "customer_name", "customer_phone", "start_date", "end_date",
                                                "min_amount", "max_amount", "sort", "page", "page_size", "skip",
                                                "limit", "cursor", "include_total", NULL};
static const char *const MY_ORDERS_PARAMS[] = {"skip", "limit", "page", "page_size", "cursor", "include_total", NULL};
static const char *const PAGING_PARAMS[] = {"page", "page_size", "skip", "limit", "cursor", "include_total", NULL};

/* One list request, read from the query. */
struct list_request {
    int mine;                   /* my-orders */
    struct order_filter f;
    struct page_request page;
    const char *cursor_text;    /* ?cursor=, or NULL (offset paging) */
    int include_total;
    int total_refused;          /* include_total=false: no COUNT, cursor mode's envelope */
    const char *scope, *variant; /* the cache key */
    const char *list_text;       /* what the cursor's tag is made from */
};

/* The cache scope a principal's lists live in. */
static char *list_scope(struct arena *a, const struct principal *p)
{
    if (p->kind == PRINCIPAL_CUSTOMER)
        return arena_printf(a, "orders:u:%" PRId64, p->user_id);
    if (p->kind == PRINCIPAL_GUEST)
        return arena_printf(a, "orders:g:%s", p->phone);
    return arena_strdup(a, "orders:all");
}

static int is_paging_param(const char *name)
{
    for (const char *const *p = PAGING_PARAMS; *p; p++)
        if (strcmp(name, *p) == 0)
            return 1;
    return 0;
}

/* include_total and the cursor's exclusions; errors appended. */
static void read_cursor_params(const struct http_request *req, struct list_request *lr, json_t *errors)
{
    lr->cursor_text = http_query_get(req, "cursor");
    const char *total = http_query_get(req, "include_total");
    lr->include_total = total && strcmp(total, "true") == 0;
    lr->total_refused = total && strcmp(total, "false") == 0;
    if (total && !lr->include_total && !lr->total_refused)
        problem_add_error(errors, "include_total", "invalid_boolean", "true or false");
    if (lr->cursor_text && (http_query_get(req, "page") || http_query_get(req, "skip")))
        problem_add_error(errors, "cursor", "conflicting_parameters",
                          "A cursor says where the page starts: leave out page and skip");
}

/* Reads the query into lr (and its cache key); errors appended. */
static void list_read(const struct http_request *req, int mine, struct list_request *lr, json_t *errors)
{
    memset(lr, 0, sizeof *lr);
    lr->mine = mine;
    query_check_allowed(req, mine ? MY_ORDERS_PARAMS : ORDER_LIST_PARAMS, NULL, errors);
    order_filter_init(&lr->f);
    for (size_t i = 0; !mine && i < req->query_count; i++) {
        const char *name = req->query[i].name;
        if (is_paging_param(name))
            continue;
        /* A customer's or guest's user_id is ignored: they only ever see their own. */
        if (strcmp(name, "user_id") == 0 && req->principal->kind != PRINCIPAL_ADMIN)
            continue;
        order_filter_set(&lr->f, name, req->query[i].value, errors);
    }
    order_filter_finish(&lr->f, errors);
    pagination_parse(req, &lr->page, errors);
    read_cursor_params(req, lr, errors);
    char canonical[1024];
    order_filter_canonical(&lr->f, canonical, sizeof canonical);
    lr->scope = list_scope(req->arena, req->principal);
    lr->list_text = arena_printf(req->arena, "%s|mine=%d|%s", lr->scope ? lr->scope : "", mine, canonical);
    lr->variant = arena_printf(req->arena, "o=%" PRId64 ";l=%" PRId64 ";s=%d;c=%s;t=%d;%s", lr->page.offset,
                               lr->page.page_size, lr->page.uses_skip, lr->cursor_text ? lr->cursor_text : "-",
                               lr->include_total ? 1 : lr->total_refused ? 2 : 0, canonical);
}

static int cursor_key(const struct app *app, unsigned char key[CURSOR_KEY_BYTES])
{
    _Static_assert(CURSOR_KEY_BYTES == DERIVED_KEY_BYTES, "one key size");
    return derived_key(app->jwt.sign_key, app->jwt.sign_key_len, "orderapi list cursors, v1", key);
}

/* Where the cursor says the page starts; 0, or -1 when answered (400). */
static int cursor_read(struct app *app, struct http_request *req, struct http_response *res,
                       const struct list_request *lr, struct order_list_after *after)
{
    unsigned char key[CURSOR_KEY_BYTES];
    struct list_cursor c;
    if (cursor_key(app, key) != 0) {
        problem_internal_error(req, res, "cannot derive the cursor key");
        return -1;
    }
    if (!lr->list_text || cursor_decode(key, lr->cursor_text, strlen(lr->cursor_text), &c) != 0 ||
        c.tag != cursor_tag(lr->list_text) || c.sort != (unsigned)lr->f.sort) {
        problem_send(req, res, 400, "invalid_cursor", "The cursor is not one this list handed out");
        return -1;
    }
    *after = (struct order_list_after){.key = c.key, .id = c.id};
    return 0;
}

/* The cursor after row r into text: 0, or -1 when the list has none. */
static int next_cursor_text(struct app *app, const struct list_request *lr, const struct db_rows *rows, size_t r,
                            char text[CURSOR_TEXT_LEN + 1])
{
    unsigned char key[CURSOR_KEY_BYTES];
    if (!lr->list_text || cursor_key(app, key) != 0)
        return -1;
    int by_total = lr->f.sort == SORT_TOTAL_DESC || lr->f.sort == SORT_TOTAL_ASC;
    struct list_cursor c = {
        .sort = (unsigned)lr->f.sort,
        .key = DB_CELL(rows, r, by_total ? OC_TOTAL : ORDER_LIST_CREATED_US)->i,
        .id = DB_CELL(rows, r, OC_ID)->i,
        .tag = cursor_tag(lr->list_text),
    };
    cursor_encode(key, &c, text);
    return 0;
}

/* The cursor after row r, or JSON null without one. */
static json_t *next_cursor(struct app *app, const struct list_request *lr, const struct db_rows *rows, size_t r)
{
    char text[CURSOR_TEXT_LEN + 1];
    return next_cursor_text(app, lr, rows, r, text) == 0 ? json_string(text) : json_null();
}

/* Cursor mode: a cursor, or a first page asked without total (the first
 * page of a walk by cursor need not count every match). */
static int cursor_mode(const struct list_request *lr)
{
    return lr->cursor_text || lr->total_refused;
}

/* The answer's body: offset paging keeps its envelope; cursor paging has
 * data, page_size and total only when asked for.  Both add next_cursor. */
static json_t *list_envelope(const struct list_request *lr, json_t *data, int64_t total, json_t *cursor)
{
    json_t *env;
    if (cursor_mode(lr)) {
        env = json_pack("{s:o, s:I}", "data", data, "page_size", (json_int_t)lr->page.page_size);
        if (env && lr->include_total)
            json_object_set_new(env, "total", json_integer(total));
    } else {
        env = pagination_envelope(data, &lr->page, total);
    }
    if (env)
        json_object_set_new(env, "next_cursor", cursor);
    else
        json_decref(cursor);
    return env;
}

/* The page written directly, byte for byte what list_envelope's tree dumps
 * to: 0, or -1 when the writer declines a value (the caller then builds
 * the tree). */
static int list_write(struct app *app, struct arena *a, const struct list_request *lr, const struct db_rows *rows,
                      int64_t total, int more, struct json_out *out)
{
    json_out_init(out, a, NULL, 256 + 768 * rows->count);
    json_out_lit(out, "{\"data\":[");
    for (size_t r = 0; r < rows->count; r++) {
        if (r > 0)
            json_out_lit(out, ",");
        order_write(out, rows, r, NULL);
    }
    json_out_lit(out, "]");
    if (cursor_mode(lr)) {
        json_out_lit(out, ",\"page_size\":");
        json_out_int(out, lr->page.page_size);
        if (lr->include_total) {
            json_out_lit(out, ",\"total\":");
            json_out_int(out, total);
        }
    } else {
        json_out_lit(out, ",\"page\":");
        json_out_int(out, lr->page.page);
        json_out_lit(out, ",\"page_size\":");
        json_out_int(out, lr->page.page_size);
        json_out_lit(out, ",\"total\":");
        json_out_int(out, total);
        if (lr->page.uses_skip) {
            json_out_lit(out, ",\"skip\":");
            json_out_int(out, lr->page.offset);
            json_out_lit(out, ",\"limit\":");
            json_out_int(out, lr->page.page_size);
        }
    }
    char text[CURSOR_TEXT_LEN + 1];
    json_out_lit(out, ",\"next_cursor\":");
    if (more && next_cursor_text(app, lr, rows, rows->count - 1, text) == 0)
        json_out_str(out, text);
    else
        json_out_lit(out, "null");
    json_out_lit(out, "}");
    return out->failed ? -1 : 0;
}

/* Runs the list; answers res.  One row more than the page is read, to know
 * whether there is a next page. */
static void list_respond(struct app *app, struct http_request *req, struct http_response *res,
                         const struct list_request *lr)
{
    struct order_list_after after;
    if (lr->cursor_text && cursor_read(app, req, res, lr, &after) != 0)
        return;
    struct list_cache_entry entry = {0};
    if (lr->scope && lr->variant &&
        list_cache_get_prefetched(app->cache, req->arena, req->prefetch, lr->scope, lr->variant, &entry) == 1) {
        respond_cached(res, entry.body, entry.body_len);
        return;
    }
    struct order_scope owner = order_scope_of(req->principal);
    struct db_rows rows;
    int64_t total = 0;
    int want_total = !cursor_mode(lr) || lr->include_total;
    int rc = order_store_list(app->db, req->arena, &owner, &lr->f, lr->page.page_size + 1, lr->page.offset,
                              lr->cursor_text ? &after : NULL, want_total, &rows, &total);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "order list");
        return;
    }
    int more = rows.count > (size_t)lr->page.page_size;
    if (more)
        rows.count = (size_t)lr->page.page_size;
    struct json_out out;
    if (list_write(app, req->arena, lr, &rows, total, more, &out) == 0) {
        respond_body_cacheable(app, req, res, out.buf, out.len, &entry, app->cfg->list_cache_ttl);
        return;
    }
    json_t *data = json_array();
    for (size_t r = 0; data && r < rows.count; r++)
        json_array_append_new(data, order_json(&rows, r, NULL));
    json_t *cursor = more ? next_cursor(app, lr, &rows, rows.count - 1) : json_null();
    respond_json_cacheable(app, req, res, list_envelope(lr, data, total, cursor), &entry, app->cfg->list_cache_ttl);
}

static void list_handle(struct app *app, struct http_request *req, struct http_response *res, int mine)
{
    json_t *errors = json_array();
    if (!errors) {
        problem_internal_error(req, res, "out of memory");
        return;
    }
    struct list_request lr;
    list_read(req, mine, &lr, errors);
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    list_respond(app, req, res, &lr);
}

void handle_order_list(struct app *app, struct http_request *req, struct http_response *res)
{
    list_handle(app, req, res, 0);
}

void handle_my_orders(struct app *app, struct http_request *req, struct http_response *res)
{
    list_handle(app, req, res, 1);
}

/* The lists' prefetch hook (see route_prefetch): a query the handler would
 * refuse prefetches nothing (a forged cursor only misses the cache: the
 * handler refuses it before it reads the prefetched answer). */
static int list_prefetch(struct http_request *req, struct list_cache_prefetch *pf, int mine)
{
    json_t *errors = json_array();
    if (!errors)
        return 0;
    struct list_request lr;
    list_read(req, mine, &lr, errors);
    size_t bad = json_array_size(errors);
    json_decref(errors);
    if (bad)
        return 0;
    pf->scope = lr.scope;
    pf->variant = lr.variant;
    return pf->scope && pf->variant ? 1 : 0;
}

int prefetch_order_list(struct app *app, struct http_request *req, struct list_cache_prefetch *pf)
{
    (void)app;
    return list_prefetch(req, pf, 0);
}

int prefetch_my_orders(struct app *app, struct http_request *req, struct list_cache_prefetch *pf)
{
    (void)app;
    return list_prefetch(req, pf, 1);
}
