/*
 * order_export.c — GET /api/v1/orders/export?<any GET /orders filter> (admin):
 * every matching order as CSV (API.md "Reporting (admin)"), one row per
 * order, streamed: rows go from MariaDB (read unbuffered, one at a time) to
 * the client through a fixed buffer, so memory stays flat however many
 * orders match.  A client that goes away stops the query (the stream is
 * abandoned, which drops the connection).  Not cached.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "domain/money.h"
#include "domain/order_filter.h"
#include "handlers/handlers.h"
#include "handlers/order_common.h"
#include "handlers/respond.h"
#include "http/csv.h"
#include "http/listing.h"
#include "http/problem.h"
#include "log.h"
#include "store/db.h"
#include "store/order_store.h"

static const char *const EXPORT_PARAMS[] = {"status", "payment_status", "priority", "user_id", "order_number",
                                            "customer_name", "customer_phone", "start_date", "end_date",
                                            "min_amount", "max_amount", "sort", NULL};

static const char *const HEADER[OX_COUNT] = {
    "id", "order_number", "created_at", "status", "payment_status", "customer_name", "customer_email",
    "customer_phone", "item_count", "subtotal", "tax_amount", "shipping_amount", "discount_amount", "total_amount",
};

/* The money columns: cents in MySQL, "12.50" in the file. */
static int is_money(unsigned c)
{
    return c >= OX_SUBTOTAL && c <= OX_TOTAL;
}

#define EXPORT_BUFFER (64 * 1024)
#define LINE_MAX_BYTES (16 * 1024)

/* An export in flight: the open result and the bytes not yet written. */
struct export {
    struct db_stream *rows;
    int closed;
    const char *request_id;
    size_t used;
    char buf[EXPORT_BUFFER];
};

static int flush(struct export *x, const struct http_io *io)
{
    if (x->used > 0 && io->write(io->ctx, x->buf, x->used) != 0)
        return -1;
    x->used = 0;
    return 0;
}

/* Adds one line, flushing first when it would not fit. */
static int put_line(struct export *x, const struct http_io *io, const char *line, size_t len)
{
    if (x->used + len > sizeof x->buf && flush(x, io) != 0)
        return -1;
    memcpy(x->buf + x->used, line, len);
    x->used += len;
    return 0;
}

static size_t header_line(char *out, size_t cap)
{
    struct csv_line l;
    csv_line_start(&l, out, cap);
    for (unsigned c = 0; c < OX_COUNT; c++)
        csv_cell(&l, HEADER[c], strlen(HEADER[c]));
    return csv_line_end(&l);
}

static size_t row_line(const struct db_rows *row, char *out, size_t cap)
{
    struct csv_line l;
    csv_line_start(&l, out, cap);
    for (unsigned c = 0; c < OX_COUNT; c++) {
        const struct db_value *v = DB_CELL(row, 0, c);
        char num[32];
        if (v->type == DBV_NULL) {
            csv_cell(&l, NULL, 0);
        } else if (v->type == DBV_INT) {
            if (is_money(c))
                money_format(v->i, num);
            else
                snprintf(num, sizeof num, "%" PRId64, v->i);
            csv_cell(&l, num, strlen(num));
        } else {
            csv_cell(&l, v->s, v->len);
        }
    }
    return csv_line_end(&l);
}

static void export_close(void *p)
{
    struct export *x = p;
    if (!x->closed)
        db_stream_close(x->rows, 1);
    x->closed = 1;
}

/* The response's stream (http.h): the header row, then a line per order. */
static int export_write(void *ctx, const struct http_io *io)
{
    struct export *x = ctx;
    char line[LINE_MAX_BYTES];
    size_t len = header_line(line, sizeof line);
    int failed = put_line(x, io, line, len) != 0;
    const struct db_rows *row;
    int rc;
    unsigned long long rows = 0;
    while (!failed && (rc = db_stream_next(x->rows, &row)) == DB_OK) {
        len = row_line(row, line, sizeof line);
        failed = len == 0 || put_line(x, io, line, len) != 0;
        rows++;
    }
    if (!failed && rc != DB_NOT_FOUND) {
        log_msg("error", "request %s: export stopped by MariaDB after %llu rows", x->request_id, rows);
        failed = 1;
    }
    failed = failed || flush(x, io) != 0;
    db_stream_close(x->rows, failed);
    x->closed = 1;
    if (failed)
        log_msg("warn", "request %s: export cut short after %llu rows", x->request_id, rows);
    return failed ? -1 : 0;
}

/* Reads the filter; 0, or -1 when answered (422). */
static int export_filter(struct http_request *req, struct http_response *res, struct order_filter *f)
{
    json_t *errors = json_array();
    if (!errors) {
        problem_internal_error(req, res, "out of memory");
        return -1;
    }
    query_check_allowed(req, EXPORT_PARAMS, NULL, errors);
    order_filter_init(f);
    for (size_t i = 0; i < req->query_count; i++)
        order_filter_set(f, req->query[i].name, req->query[i].value, errors);
    order_filter_finish(f, errors);
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return -1;
    }
    json_decref(errors);
    return 0;
}

void handle_order_export(struct app *app, struct http_request *req, struct http_response *res)
{
    struct order_filter f;
    if (export_filter(req, res, &f) != 0)
        return;
    struct export *x = arena_calloc(req->arena, 1, sizeof *x);
    if (!x) {
        problem_internal_error(req, res, "out of memory");
        return;
    }
    struct order_scope everyone = {.kind = ORDER_SCOPE_ALL};
    int rc = order_store_export_open(app->db, req->arena, &everyone, &f, &x->rows);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "order export");
        return;
    }
    x->request_id = req->request_id;
    if (arena_defer(req->arena, export_close, x) != 0) {
        db_stream_close(x->rows, 1);
        problem_internal_error(req, res, "out of memory");
        return;
    }
    char day[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y%m%d", &tm);
    res->status = 200;
    res->content_type = "text/csv; charset=utf-8";
    http_response_header(res, "Content-Disposition",
                         arena_printf(req->arena, "attachment; filename=\"orders-%s.csv\"", day));
    http_response_header(res, "Cache-Control", "no-store");
    res->stream = export_write;
    res->stream_ctx = x;
}
