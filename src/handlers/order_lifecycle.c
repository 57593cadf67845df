/*
 * order_lifecycle.c — everything that happens to an order after it is placed:
 *
 *   PATCH     /api/v1/orders/{id}             owner (while editable), admin   200; 409 not_editable; 412
 *   PUT|PATCH /api/v1/orders/{id}/status      admin    200; 409 invalid_transition; 412
 *   PATCH     /api/v1/orders/{id}/payment     admin    200; 409 invalid_transition; 412
 *   POST      /api/v1/orders/{id}/cancel      owner (pending, confirmed), admin (until shipped)   200; 409
 *   DELETE    /api/v1/orders/{id}             owner (pending), admin (while cancellable)   204; 409
 *   GET       /api/v1/orders/{id}/history     owner, admin   200
 *   GET       /api/v1/orders/{id}/statistics  owner, admin   200
 *
 * Every write is one transaction (db_tx) with the same shape: the order is
 * locked (a locking read) through order_store_load, whose SQL carries the
 * ownership rule, so someone else's order is simply not found (404, never
 * 403); If-Match is evaluated against the locked row (RFC 9110 §13.1.1,
 * 412 on mismatch); the rules of domain/order_rules decide whether the change
 * is allowed; then the change, its history row and its outbox event are
 * written and the order is read back, all before COMMIT.  The statistics
 * follow from the event (the relay's aggregator, events/aggregate.c).
 * Concurrent writers of one order therefore queue on its row lock, and each
 * sees the state its predecessor committed.
 *
 * Entering "cancelled" restores stock exactly once: the ledger rows (reason
 * 'cancel') are inserted first, and the ledger's unique key (reason,
 * order_id, product_id) makes a second restock of the same order fail with a
 * duplicate key, which rolls everything back (409).  Only then are the
 * products' stock columns raised, so stock always equals its ledger's sum.
 *
 * The transaction bodies never write the response themselves (apart from
 * the 412 that order_check_if_match answers); they leave an outcome in
 * struct order_change, and the handler answers after db_tx returns, so a
 * retried attempt (deadlock, lock-wait timeout) starts from a clean slate.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "auth/principal.h"
#include "domain/catalog.h"
#include "domain/money.h"
#include "domain/order_rules.h"
#include "domain/validation.h"
#include "handlers/handlers.h"
#include "handlers/idempotency.h"
#include "handlers/order_common.h"
#include "handlers/respond.h"
#include "http/fields.h"
#include "http/problem.h"
#include "log.h"
#include "store/db.h"

#define NOTE_MAX 500
#define TRANSACTION_REF_MAX 128
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The payment methods POST /orders accepts (handlers/order_create.c). */

/* Request bodies, declared (http/fields.h). */
static const struct field_spec STATUS_FIELDS[] = {
    {.name = "status", .type = FIELD_STRING, .required = 1, .max_bytes = 16},
    {.name = "note", .type = FIELD_STRING, .nullable = 1, .max_bytes = NOTE_MAX, .check = order_check_text},
};
static const struct field_spec PAYMENT_FIELDS[] = {
    {.name = "payment_status", .type = FIELD_STRING, .required = 1, .max_bytes = 16},
    ORDER_FIELD_PAYMENT_METHOD,
    {.name = "transaction_ref", .type = FIELD_STRING, .nullable = 1, .max_bytes = TRANSACTION_REF_MAX},
};
static const struct field_spec CANCEL_FIELDS[] = {
    {.name = "reason", .type = FIELD_STRING, .nullable = 1, .max_bytes = NOTE_MAX, .check = order_check_text},
};
/* A priority name (admin PATCH). */
static const char *check_priority(const json_t *v, const char **message)
{
    enum order_priority priority;
    *message = "One of low, normal, high, urgent";
    return priority_parse(json_string_value(v), &priority) != 0 ? "invalid_priority" : NULL;
}

/* What an owner may change with PATCH; an admin may also set the last two. */
static const struct field_spec OWNER_UPDATE_FIELDS[] = {
    ORDER_FIELD_SHIPPING_ADDRESS,
    ORDER_FIELD_NOTES,
    ORDER_FIELD_CUSTOMER_NAME,
    ORDER_FIELD_CUSTOMER_EMAIL,
    ORDER_FIELD_CUSTOMER_PHONE,
};
static const struct field_spec ADMIN_UPDATE_FIELDS[] = {
    ORDER_FIELD_SHIPPING_ADDRESS,
    ORDER_FIELD_NOTES,
    ORDER_FIELD_CUSTOMER_NAME,
    ORDER_FIELD_CUSTOMER_EMAIL,
    ORDER_FIELD_CUSTOMER_PHONE,
    {.name = "priority", .type = FIELD_STRING, .max_bytes = 16, .check = check_priority},
    {.name = "discount_amount", .type = FIELD_STRING_OR_NUMBER},
};
/* The order in which PATCH has always listed bad values (after the
 * address), which is not the tables' order: the 422 stays as it was. */
static const char *const UPDATE_CHECKED[] = {"customer_name", "customer_email", "customer_phone", "notes",
                                             "priority"};

/* The columns PATCH may set, in the order order_store_update_fields takes. */
enum patch_text {
    PATCH_ADDRESS = ORDER_TEXT_ADDRESS, PATCH_NOTES = ORDER_TEXT_NOTES, PATCH_NAME = ORDER_TEXT_NAME,
    PATCH_EMAIL = ORDER_TEXT_EMAIL, PATCH_PHONE = ORDER_TEXT_PHONE, PATCH_PRIORITY = ORDER_TEXT_PRIORITY,
    PATCH_TEXT_COUNT = ORDER_TEXT_COUNT
};
static const struct {
    const char *field;
    enum order_column column;
} PATCH_COLUMNS[PATCH_TEXT_COUNT] = {
    [PATCH_ADDRESS] = {"shipping_address", OC_SHIPPING_ADDRESS}, [PATCH_NOTES] = {"notes", OC_NOTES},
    [PATCH_NAME] = {"customer_name", OC_CUSTOMER_NAME},         [PATCH_EMAIL] = {"customer_email", OC_CUSTOMER_EMAIL},
    [PATCH_PHONE] = {"customer_phone", OC_CUSTOMER_PHONE},      [PATCH_PRIORITY] = {"priority", OC_PRIORITY},
};

/* What a transaction body decided, for the handler to answer after db_tx. */
enum change_outcome {
    CHANGE_APPLIED = 0,        /* written and committed: 200 (DELETE: 204) */
    CHANGE_NOOP,               /* nothing to change: 200 with the order as it is */
    CHANGE_PRECONDITION,       /* 412, already answered by order_check_if_match */
    CHANGE_INVALID_TRANSITION, /* 409 invalid_transition */
    CHANGE_NOT_EDITABLE,       /* 409 not_editable */
    CHANGE_ALREADY_RESTOCKED,  /* 409: the ledger says this order was restocked already */
    CHANGE_DISCOUNT_TOO_LARGE, /* 422: the discount exceeds the order's gross amount */
};

/* Which rule decides whether the order may enter to_status. */
enum status_rule {
    RULE_TRANSITION = 0, /* the transition table (admin status route) */
    RULE_CANCEL,         /* order_cancellable_by (POST …/cancel) */
    RULE_DELETE,         /* order_deletable_by (DELETE) */
};

/* A PATCH, validated: for each text column whether the body names it and
 * its new value (NULL clears it, as in RFC 7396 merge patch). */
struct order_patch {
    int present[PATCH_TEXT_COUNT];
    const char *value[PATCH_TEXT_COUNT];
    int has_discount;
    int64_t discount;
};

/* One change to one order: inputs, then what the transaction found. */
struct order_change {
    struct http_request *req;
    struct http_response *res;
    const struct principal *who;
    struct order_scope scope; /* whose orders the caller may see */
    struct arena *arena;
    int64_t order_id;
    int is_admin;
    /* status changes, cancel, delete */
    enum status_rule rule;
    enum order_status to_status;
    const char *note;
    /* payment */
    enum payment_status to_payment;
    const char *payment_method, *transaction_ref;
    /* PATCH */
    struct order_patch patch;
    struct idempotency *idem;
    /* results, reset at the start of every attempt */
    enum change_outcome outcome;
    enum order_status from_status;
    enum payment_status from_payment;
    struct db_rows before, after, items;
    char *body; /* the response's JSON text */
};

/* The principal is an admin (who may act on any order and set more). */
static int is_admin(const struct principal *p)
{
    return p->kind == PRINCIPAL_ADMIN;
}

/* Locks the order the caller may see and evaluates If-Match against it.
 * Also loads the items (they never change after creation) and parses the
 * current status and payment status.  DB_NOT_FOUND for an order the caller
 * may not see; DB_CONSTRAINT with CHANGE_PRECONDITION after a 412. */
static int order_lock(struct db *db, struct order_change *c)
{
    c->outcome = CHANGE_APPLIED;
    c->body = NULL;
    int rc = order_store_load(db, c->arena, &c->scope, c->order_id, 1, &c->before);
    if (rc != DB_OK)
        return rc;
    if (order_check_if_match(c->req, c->res, &c->before) != 0) {
        c->outcome = CHANGE_PRECONDITION;
        return DB_CONSTRAINT;
    }
    if (order_status_parse(DB_CELL(&c->before, 0, OC_STATUS)->s, &c->from_status) != 0 ||
        payment_status_parse(DB_CELL(&c->before, 0, OC_PAYMENT_STATUS)->s, &c->from_payment) != 0) {
        log_msg("error", "order %" PRId64 ": unknown status in the database", c->order_id);
        return DB_ERROR;
    }
    return order_store_items(db, c->arena, c->order_id, &c->items);
}

/* Renders rows (the order as it now is) with the items as the response. */
static int order_render(struct order_change *c, const struct db_rows *rows)
{
    json_t *body = order_json(rows, 0, &c->items);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return DB_ERROR;
    c->body = arena_strdup(c->arena, text);
    free(text);
    return c->body ? DB_OK : DB_ERROR;
}

/* Reads the order back inside the transaction and renders it, so that the
 * response shows exactly what is about to be committed. */
static int order_reload(struct db *db, struct order_change *c)
{
    int rc = order_store_load(db, c->arena, &c->scope, c->order_id, 0, &c->after);
    if (rc != DB_OK)
        return rc == DB_NOT_FOUND ? DB_ERROR : rc;
    return order_render(c, &c->after);
}

/* The [{product_id, quantity}] of the order's items, for order.cancelled. */
static json_t *restocked_json(const struct db_rows *items)
{
    json_t *list = json_array();
    for (size_t r = 0; list && r < items->count; r++)
        json_array_append_new(list,
                              json_pack("{s:I, s:I}", "product_id", (json_int_t)DB_CELL(items, r, OIC_PRODUCT_ID)->i,
                                        "quantity", (json_int_t)DB_CELL(items, r, OIC_QUANTITY)->i));
    return list;
}

/* The order.status_changed or order.cancelled payload: with the payment
 * status, total and created_at, and the items when the order stops
 * counting toward revenue, for the aggregates (events/aggregate.c). */
static json_t *status_event(const struct order_change *c, const char *from, const char *to, const char *payment)
{
    const char *number = DB_CELL(&c->before, 0, OC_NUMBER)->s;
    json_t *payload;
    if (c->to_status == ORDER_CANCELLED)
        payload = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "order_id", (json_int_t)c->order_id, "order_number",
                            number, "from", from, "to", to, "restocked", restocked_json(&c->items), "reason",
                            c->note ? json_string(c->note) : json_null());
    else
        payload = json_pack("{s:I, s:s, s:s, s:s}", "order_id", (json_int_t)c->order_id, "order_number", number,
                            "from", from, "to", to);
    if (order_event_state(payload, &c->before, NULL, payment, DB_CELL(&c->before, 0, OC_TOTAL)->i) != 0 ||
        (order_status_counts_revenue(c->from_status) != order_status_counts_revenue(c->to_status) &&
         json_object_set_new(payload, "items", order_items_event_json(&c->items)) != 0)) {
        json_decref(payload);
        return NULL;
    }
    return payload;
}

/*
 * Moves the locked order from c->from_status to c->to_status (already
 * allowed): the guarded status update (expected old status, one row), the stock
 * restored when entering cancelled (ledger first, so a second restock is a
 * duplicate key), the history row and the outbox event.
 */
static int status_apply(struct db *db, struct order_change *c)
{
    const char *from = order_status_name(c->from_status), *to = order_status_name(c->to_status);
    const char *payment = payment_status_name(c->from_payment);
    int64_t actor = principal_actor(c->who);
    int rc = order_store_set_status(db, c->order_id, from, to);
    if (rc != DB_OK)
        return rc;
    int cancelling = c->to_status == ORDER_CANCELLED;
    if (cancelling) {
        rc = order_store_restock(db, c->arena, &c->items, c->order_id, actor);
        if (rc == DB_DUPLICATE) {
            c->outcome = CHANGE_ALREADY_RESTOCKED;
            return DB_DUPLICATE;
        }
        if (rc != DB_OK)
            return rc;
    }
    if ((rc = order_store_history_add(db, c->order_id, "status", from, to, actor, c->note)) != DB_OK)
        return rc;
    json_t *payload = status_event(c, from, to, payment);
    if (!payload)
        return DB_ERROR;
    return order_store_event_add(db, cancelling ? "order.cancelled" : "order.status_changed", c->order_id, payload);
}

/* Whether the rule in force lets the order enter c->to_status now. */
static int status_change_allowed(const struct order_change *c)
{
    switch (c->rule) {
    case RULE_CANCEL:
        return c->from_status != ORDER_CANCELLED && order_cancellable_by(c->from_status, c->is_admin);
    case RULE_DELETE:
        return c->from_status != ORDER_CANCELLED && order_deletable_by(c->from_status, c->is_admin);
    case RULE_TRANSITION:
    default:
        return order_transition_allowed(c->from_status, c->to_status);
    }
}

/* The transaction behind the status route, cancel and delete. */
static int status_change_tx(struct db *db, void *arg)
{
    struct order_change *c = arg;
    int rc = order_lock(db, c);
    if (rc != DB_OK)
        return rc;
    if (c->rule == RULE_TRANSITION && c->from_status == c->to_status) {
        c->outcome = CHANGE_NOOP; /* setting the current status again changes nothing */
        return order_render(c, &c->before);
    }
    if (!status_change_allowed(c)) {
        c->outcome = CHANGE_INVALID_TRANSITION;
        return DB_CONSTRAINT;
    }
    if ((rc = status_apply(db, c)) != DB_OK)
        return rc;
    if ((rc = order_reload(db, c)) != DB_OK)
        return rc;
    return c->idem ? idempotency_record(db, c->idem, 200, c->body, NULL) : DB_OK;
}

/* The transaction behind PATCH …/payment. */
static int payment_change_tx(struct db *db, void *arg)
{
    struct order_change *c = arg;
    int rc = order_lock(db, c);
    if (rc != DB_OK)
        return rc;
    const struct db_rows *o = &c->before;
    int same_status = c->from_payment == c->to_payment;
    int details_change =
        (c->payment_method && (DB_CELL(o, 0, OC_PAYMENT_METHOD)->type != DBV_STR ||
                               strcmp(DB_CELL(o, 0, OC_PAYMENT_METHOD)->s, c->payment_method) != 0)) ||
        (c->transaction_ref && (DB_CELL(o, 0, OC_TRANSACTION_REF)->type != DBV_STR ||
                                strcmp(DB_CELL(o, 0, OC_TRANSACTION_REF)->s, c->transaction_ref) != 0));
    if (same_status && !details_change) {
        c->outcome = CHANGE_NOOP;
        return order_render(c, o);
    }
    if (!same_status && !payment_transition_allowed(c->from_payment, c->to_payment)) {
        c->outcome = CHANGE_INVALID_TRANSITION;
        return DB_CONSTRAINT;
    }
    const char *from = payment_status_name(c->from_payment), *to = payment_status_name(c->to_payment);
    if ((rc = order_store_set_payment(db, c->order_id, to, c->payment_method, c->transaction_ref)) != DB_OK)
        return rc;
    /* Only a change of the payment status is history; new details alone
     * (a method or transaction reference) are an event but not a step. */
    if (!same_status) {
        int64_t actor = principal_actor(c->who);
        if ((rc = order_store_history_add(db, c->order_id, "payment", from, to, actor, NULL)) != DB_OK)
            return rc;
    }
    json_t *payload = json_pack("{s:I, s:s, s:s, s:s}", "order_id", (json_int_t)c->order_id, "order_number",
                                DB_CELL(o, 0, OC_NUMBER)->s, "from", from, "to", to);
    if (order_event_state(payload, o, order_status_name(c->from_status), NULL, DB_CELL(o, 0, OC_TOTAL)->i) != 0) {
        json_decref(payload);
        return DB_ERROR;
    }
    if ((rc = order_store_event_add(db, "order.payment_updated", c->order_id, payload)) != DB_OK)
        return rc;
    return order_reload(db, c);
}

/* Whether a nullable text cell differs from value (NULL meaning SQL NULL). */
static int text_differs(const struct db_value *cell, const char *value)
{
    if (cell->type != DBV_STR || !value)
        return (cell->type == DBV_STR) != (value != NULL);
    return strcmp(cell->s, value) != 0;
}

/* The text columns after the patch (each the old or the new value); the
 * names of those that change are appended to changed. */
static void patch_text_values(const struct order_change *c, struct db_value text[PATCH_TEXT_COUNT], json_t *changed)
{
    for (int i = 0; i < PATCH_TEXT_COUNT; i++) {
        const struct db_value *cell = DB_CELL(&c->before, 0, PATCH_COLUMNS[i].column);
        text[i] = *cell;
        if (c->patch.present[i] && text_differs(cell, c->patch.value[i])) {
            text[i] = c->patch.value[i] ? DBP_STR(c->patch.value[i]) : DBP_NULL;
            json_array_append_new(changed, json_string(PATCH_COLUMNS[i].field));
        }
    }
}

/* The discount and total after the patch.  The total follows the discount:
 * subtotal + tax + shipping - discount (order_totals_compute's rule); the
 * shipping amount stays as it was charged when the order was placed,
 * whatever happens to the address.  DB_CONSTRAINT (outcome set) for a
 * discount over the gross amount. */
static int patch_discount(struct order_change *c, int64_t *discount, int64_t *total, json_t *changed)
{
    const struct db_rows *o = &c->before;
    *discount = DB_CELL(o, 0, OC_DISCOUNT)->i;
    *total = DB_CELL(o, 0, OC_TOTAL)->i;
    if (!c->patch.has_discount || c->patch.discount == *discount)
        return DB_OK;
    int64_t gross;
    if (money_add(DB_CELL(o, 0, OC_SUBTOTAL)->i, DB_CELL(o, 0, OC_TAX)->i, &gross) != 0 ||
        money_add(gross, DB_CELL(o, 0, OC_SHIPPING)->i, &gross) != 0)
        return DB_ERROR;
    if (c->patch.discount > gross) {
        c->outcome = CHANGE_DISCOUNT_TOO_LARGE;
        return DB_CONSTRAINT;
    }
    *discount = c->patch.discount;
    *total = gross - *discount;
    json_array_append_new(changed, json_string("discount_amount"));
    return DB_OK;
}

/* Writes the patch to the locked order: the columns, the order.updated
 * event (changed is stolen), which carries the total before and after. */
static int patch_write(struct db *db, struct order_change *c, const struct db_value text[PATCH_TEXT_COUNT],
                       int64_t discount, int64_t new_total, json_t *changed)
{
    const struct db_rows *o = &c->before;
    int64_t old_total = DB_CELL(o, 0, OC_TOTAL)->i;
    int rc = order_store_update_fields(db, c->order_id, text, discount, new_total);
    if (rc != DB_OK) {
        json_decref(changed);
        return rc;
    }
    json_t *payload = json_pack("{s:I, s:s, s:o}", "order_id", (json_int_t)c->order_id, "order_number",
                                DB_CELL(o, 0, OC_NUMBER)->s, "changed", changed);
    char money[24];
    if (order_event_state(payload, o, order_status_name(c->from_status), payment_status_name(c->from_payment),
                          new_total) != 0 ||
        json_object_set_new(payload, "previous_total_amount", json_string(money_format(old_total, money))) != 0) {
        json_decref(payload);
        return DB_ERROR;
    }
    return order_store_event_add(db, "order.updated", c->order_id, payload);
}

/* The transaction behind PATCH /orders/{id}. */
static int order_update_tx(struct db *db, void *arg)
{
    struct order_change *c = arg;
    int rc = order_lock(db, c);
    if (rc != DB_OK)
        return rc;
    if (!order_editable_by(c->from_status, c->is_admin)) {
        c->outcome = CHANGE_NOT_EDITABLE;
        return DB_CONSTRAINT;
    }
    struct db_value text[PATCH_TEXT_COUNT];
    int64_t discount, new_total;
    json_t *changed = json_array();
    if (!changed)
        return DB_ERROR;
    patch_text_values(c, text, changed);
    if ((rc = patch_discount(c, &discount, &new_total, changed)) != DB_OK) {
        json_decref(changed);
        return rc;
    }
    if (json_array_size(changed) == 0) {
        json_decref(changed);
        c->outcome = CHANGE_NOOP;
        return order_render(c, &c->before);
    }
    if ((rc = patch_write(db, c, text, discount, new_total, changed)) != DB_OK)
        return rc;
    return order_reload(db, c);
}

/* The 409 for a status the order may not enter: which status it is in and
 * where the transition table lets it go from there. */
static void answer_invalid_transition(struct order_change *c, const char *detail)
{
    json_t *problem = problem_new(409, "invalid_transition", detail, c->req->request_id);
    json_t *allowed = json_array();
    for (int s = 0; allowed && s < ORDER_STATUS_COUNT; s++)
        if (order_transition_allowed(c->from_status, (enum order_status)s))
            json_array_append_new(allowed, json_string(order_status_name((enum order_status)s)));
    if (problem) {
        json_object_set_new(problem, "from", json_string(order_status_name(c->from_status)));
        json_object_set_new(problem, "allowed", allowed ? allowed : json_array());
    } else {
        json_decref(allowed);
    }
    problem_respond(c->req, c->res, problem);
}

/* The 409 for a payment status the order may not enter. */
static void answer_invalid_payment_transition(struct order_change *c)
{
    json_t *problem =
        problem_new(409, "invalid_transition", "The payment cannot move to that status from its current one",
                    c->req->request_id);
    json_t *allowed = json_array();
    for (int s = 0; allowed && s < PAYMENT_STATUS_COUNT; s++)
        if (payment_transition_allowed(c->from_payment, (enum payment_status)s))
            json_array_append_new(allowed, json_string(payment_status_name((enum payment_status)s)));
    if (problem) {
        json_object_set_new(problem, "from", json_string(payment_status_name(c->from_payment)));
        json_object_set_new(problem, "allowed", allowed ? allowed : json_array());
    } else {
        json_decref(allowed);
    }
    problem_respond(c->req, c->res, problem);
}

/*
 * Answers a change after db_tx: the order (200, with its new ETag) when it
 * was applied or there was nothing to do, otherwise the problem the outcome
 * names.  A committed change bumps the caches its order appears in, so the
 * writer's next list read is fresh (the statistics follow the outbox).
 */
static void change_respond(struct app *app, struct order_change *c, int rc, int success_status, const char *what)
{
    struct http_request *req = c->req;
    struct http_response *res = c->res;
    if (rc == DB_OK) {
        const struct db_rows *now = c->outcome == CHANGE_NOOP ? &c->before : &c->after;
        if (c->outcome == CHANGE_APPLIED)
            order_caches_bump(app, req->arena, now);
        char *etag = order_etag(req->arena, now);
        if (success_status == 204) {
            res->status = 204;
        } else {
            res->status = success_status;
            res->content_type = "application/json";
            res->body = c->body;
            res->body_len = strlen(c->body);
        }
        if (etag)
            http_response_header(res, "ETag", etag);
        return;
    }
    if (rc == DB_NOT_FOUND) {
        problem_send(req, res, 404, "not_found", "No such order");
        return;
    }
    switch (c->outcome) {
    case CHANGE_PRECONDITION:
        return; /* order_check_if_match answered 412 */
    case CHANGE_INVALID_TRANSITION:
        if (c->from_status == ORDER_CANCELLED && c->rule != RULE_TRANSITION)
            answer_invalid_transition(c, "The order is already cancelled");
        else if (c->rule == RULE_CANCEL)
            answer_invalid_transition(c, "The order can no longer be cancelled by this caller");
        else if (c->rule == RULE_DELETE)
            answer_invalid_transition(c, "The order can no longer be deleted by this caller");
        else
            answer_invalid_transition(c, "The order cannot move to that status from its current one");
        return;
    case CHANGE_NOT_EDITABLE:
        problem_send(req, res, 409, "not_editable", "The order can no longer be changed");
        return;
    case CHANGE_ALREADY_RESTOCKED:
        problem_send(req, res, 409, "invalid_transition", "The order's stock was already restored");
        return;
    case CHANGE_DISCOUNT_TOO_LARGE: {
        json_t *errors = json_array();
        problem_add_error(errors, "discount_amount", "exceeds_total",
                          "The discount cannot exceed subtotal + tax + shipping");
        problem_validation(req, res, errors);
        return;
    }
    case CHANGE_APPLIED:
    case CHANGE_NOOP:
    default:
        respond_storage_failure(app, req, res, rc, what);
        return;
    }
}

/* A new change of the requested order by the caller. */
static void change_init(struct order_change *c, struct http_request *req, struct http_response *res)
{
    memset(c, 0, sizeof *c);
    c->req = req;
    c->res = res;
    c->who = req->principal;
    c->scope = order_scope_of(req->principal);
    c->arena = req->arena;
    c->order_id = req->path_ids[0];
    c->is_admin = is_admin(req->principal);
}

/* PUT|PATCH /orders/{id}/status {status, note?} (admin).  If-Match is
 * honoured; the same status again is a 200 no-op; a status the table does
 * not allow is 409 invalid_transition with "from" and "allowed". */
void handle_order_set_status(struct app *app, struct http_request *req, struct http_response *res)
{
    json_t *errors = respond_body_errors(req, res, STATUS_FIELDS, COUNT(STATUS_FIELDS));
    if (!errors)
        return;
    struct order_change c;
    change_init(&c, req, res);
    c.rule = RULE_TRANSITION;
    const char *status = fields_string(req->json, "status", NULL);
    if (status && order_status_parse(status, &c.to_status) != 0)
        problem_add_error(errors, "status", "invalid_status",
                          "One of pending, confirmed, processing, shipped, delivered, completed, cancelled, refunded");
    c.note = fields_string(req->json, "note", NULL);
    fields_validate_member(req->json, STATUS_FIELDS, COUNT(STATUS_FIELDS), "note", "", errors);
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    int rc = db_tx(app->db, status_change_tx, &c);
    change_respond(app, &c, rc, 200, "order status");
}

/* PATCH /orders/{id}/payment {payment_status, payment_method?,
 * transaction_ref?} (admin).  The same status with no new details is a 200
 * no-op; a transition the payment table does not allow is 409. */
void handle_order_set_payment(struct app *app, struct http_request *req, struct http_response *res)
{
    json_t *errors = respond_body_errors(req, res, PAYMENT_FIELDS, COUNT(PAYMENT_FIELDS));
    if (!errors)
        return;
    struct order_change c;
    change_init(&c, req, res);
    const char *status = fields_string(req->json, "payment_status", NULL);
    if (status && payment_status_parse(status, &c.to_payment) != 0)
        problem_add_error(errors, "payment_status", "invalid_payment_status",
                          "One of pending, paid, failed, refunded");
    c.payment_method = fields_string(req->json, "payment_method", NULL);
    fields_validate_member(req->json, PAYMENT_FIELDS, COUNT(PAYMENT_FIELDS), "payment_method", "", errors);
    size_t len = 0;
    c.transaction_ref = fields_string(req->json, "transaction_ref", &len);
    if (c.transaction_ref) {
        int printable = len > 0;
        for (size_t i = 0; printable && i < len; i++)
            printable = c.transaction_ref[i] >= 0x20 && c.transaction_ref[i] <= 0x7e;
        if (!printable)
            problem_add_error(errors, "transaction_ref", "invalid_transaction_ref",
                              "1 to 128 printable ASCII characters");
    }
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    int rc = db_tx(app->db, payment_change_tx, &c);
    if (rc != DB_OK && c.outcome == CHANGE_INVALID_TRANSITION) {
        answer_invalid_payment_transition(&c);
        return;
    }
    change_respond(app, &c, rc, 200, "order payment");
}

/*
 * PATCH /orders/{id}: the owner, while the order is editable, may change the
 * shipping address, notes and customer contact fields; an admin may also set
 * priority and discount_amount.  A member set to null clears it (RFC 7396).
 * The shipping amount is the one charged when the order was placed: giving
 * or removing an address later does not reprice the order.  A new discount
 * recomputes total = subtotal + tax + shipping - discount; the statistics'
 * revenue moves by the difference once the relay applies order.updated.
 */
void handle_order_update(struct app *app, struct http_request *req, struct http_response *res)
{
    int admin = is_admin(req->principal);
    json_t *errors = admin ? respond_body_errors(req, res, ADMIN_UPDATE_FIELDS, COUNT(ADMIN_UPDATE_FIELDS))
                           : respond_body_errors(req, res, OWNER_UPDATE_FIELDS, COUNT(OWNER_UPDATE_FIELDS));
    if (!errors)
        return;
    struct order_change c;
    change_init(&c, req, res);
    struct order_patch *p = &c.patch;
    for (int i = 0; i < PATCH_TEXT_COUNT; i++) {
        json_t *v = json_object_get(req->json, PATCH_COLUMNS[i].field);
        p->present[i] = v != NULL && (i != PATCH_PRIORITY || c.is_admin);
        p->value[i] = json_is_string(v) ? json_string_value(v) : NULL;
    }
    json_t *addr = json_object_get(req->json, "shipping_address");
    if (json_is_object(addr))
        p->value[PATCH_ADDRESS] = order_address_text(req->arena, addr, errors);
    const struct field_spec *specs = admin ? ADMIN_UPDATE_FIELDS : OWNER_UPDATE_FIELDS;
    size_t nspecs = admin ? COUNT(ADMIN_UPDATE_FIELDS) : COUNT(OWNER_UPDATE_FIELDS);
    for (size_t i = 0; i < COUNT(UPDATE_CHECKED); i++)
        fields_validate_member(req->json, specs, nspecs, UPDATE_CHECKED[i], "", errors);
    json_t *discount = c.is_admin ? json_object_get(req->json, "discount_amount") : NULL;
    if (discount && (json_is_string(discount) || json_is_number(discount))) {
        int err = money_parse_json(discount, &p->discount);
        if (err != MONEY_OK)
            problem_add_error(errors, "discount_amount", money_error_code(err),
                              "A non-negative amount with at most two decimals");
        else
            p->has_discount = 1;
    }
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    int rc = db_tx(app->db, order_update_tx, &c);
    change_respond(app, &c, rc, 200, "order update");
}

/* Cancels the order for cancel and delete (rule says who may, when). */
static int order_cancel_run(struct app *app, struct http_request *req, struct http_response *res,
                            enum status_rule rule, const char *note, struct idempotency *idem)
{
    struct order_change c;
    change_init(&c, req, res);
    c.rule = rule;
    c.to_status = ORDER_CANCELLED;
    c.note = note;
    c.idem = idem;
    int rc = db_tx(app->db, status_change_tx, &c);
    if (idem && idem->lost)
        idempotency_respond_lost(req, res);
    else
        change_respond(app, &c, rc, rule == RULE_DELETE ? 204 : 200, rule == RULE_DELETE ? "order delete" : "order cancel");
    return rc;
}

/*
 * POST /orders/{id}/cancel {reason?}: the owner while the order is pending
 * or confirmed, an admin until it ships (order_cancellable_by).  The body is
 * optional.  Stock comes back exactly once however many cancels race: the
 * row lock serialises them, and the ledger's unique key is the second guard.
 * An Idempotency-Key replays the first answer; a successful cancel records
 * its response inside the cancel's own transaction.
 */
void handle_order_cancel(struct app *app, struct http_request *req, struct http_response *res)
{
    const char *reason = NULL;
    if (req->json) {
        if (!json_is_object(req->json)) {
            problem_send(req, res, 400, "malformed_json", "The body must be a JSON object");
            return;
        }
        json_t *errors = json_array();
        if (!errors) {
            problem_internal_error(req, res, "out of memory");
            return;
        }
        fields_check(req->json, CANCEL_FIELDS, COUNT(CANCEL_FIELDS), "", errors);
        reason = fields_string(req->json, "reason", NULL);
        fields_validate(req->json, CANCEL_FIELDS, COUNT(CANCEL_FIELDS), "", errors);
        if (json_array_size(errors) > 0) {
            problem_validation(req, res, errors);
            return;
        }
        json_decref(errors);
    }
    struct idempotency idem;
    if (idempotency_begin(app, req, res, &idem) != 0)
        return;
    /* A committed cancel recorded its response in its own transaction. */
    int rc = order_cancel_run(app, req, res, RULE_CANCEL, reason, &idem);
    idempotency_end(app, &idem, res, rc == DB_OK);
}

/* DELETE /orders/{id}: orders are kept for the record, so deleting cancels
 * (and restocks) — the owner only while pending, an admin while the order
 * is cancellable (order_deletable_by).  204 without a body. */
void handle_order_delete(struct app *app, struct http_request *req, struct http_response *res)
{
    (void)order_cancel_run(app, req, res, RULE_DELETE, "deleted", NULL);
}

/* GET /orders/{id}/history: every status and payment step, oldest first. */
void handle_order_history(struct app *app, struct http_request *req, struct http_response *res)
{
    struct db_rows order, rows;
    struct order_scope scope = order_scope_of(req->principal);
    int rc = order_store_load(app->db, req->arena, &scope, req->path_ids[0], 0, &order);
    if (rc == DB_NOT_FOUND) {
        problem_send(req, res, 404, "not_found", "No such order");
        return;
    }
    if (rc == DB_OK)
        rc = order_store_history(app->db, req->arena, req->path_ids[0], &rows);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "order history");
        return;
    }
    json_t *data = json_array();
    for (size_t r = 0; data && r < rows.count; r++) {
        const struct db_value *from = DB_CELL(&rows, r, OHIST_FROM), *by = DB_CELL(&rows, r, OHIST_CHANGED_BY),
                              *note = DB_CELL(&rows, r, OHIST_NOTE), *at = DB_CELL(&rows, r, OHIST_CREATED_AT);
        json_array_append_new(data, json_pack("{s:o, s:s, s:s, s:o, s:o, s:o}", "from_status",
                                              from->type == DBV_STR ? json_string(from->s) : json_null(), "to_status",
                                              DB_CELL(&rows, r, OHIST_TO)->s, "kind", DB_CELL(&rows, r, OHIST_KIND)->s,
                                              "changed_by", by->type == DBV_INT ? json_integer(by->i) : json_null(),
                                              "note", note->type == DBV_STR ? json_string(note->s) : json_null(),
                                              "created_at", at->type == DBV_STR ? json_string(at->s) : json_null()));
    }
    respond_json(req, res, 200, data ? json_pack("{s:o}", "data", data) : NULL);
}

/* Seconds since the epoch from a UNIX_TIMESTAMP() cell, which is a decimal
 * string for a TIMESTAMP(6) column ("1732246200.123456"). */
static int64_t epoch_seconds(const struct db_value *v)
{
    if (v->type == DBV_INT)
        return v->i;
    if (v->type == DBV_STR)
        return strtoll(v->s, NULL, 10);
    return 0;
}

static json_t *money_string(int64_t cents)
{
    char buf[24];
    return json_string(money_format(cents, buf));
}

/*
 * GET /orders/{id}/statistics: figures about one order.  The average unit
 * price is subtotal / total quantity in cents, rounded half up; status
 * changes count the history's status steps after the initial "pending".
 */
void handle_order_statistics(struct app *app, struct http_request *req, struct http_response *res)
{
    struct db_rows order, items, history;
    int64_t id = req->path_ids[0];
    struct order_scope scope = order_scope_of(req->principal);
    int rc = order_store_load(app->db, req->arena, &scope, id, 0, &order);
    if (rc == DB_NOT_FOUND) {
        problem_send(req, res, 404, "not_found", "No such order");
        return;
    }
    if (rc == DB_OK)
        rc = order_store_items(app->db, req->arena, id, &items);
    if (rc == DB_OK)
        rc = order_store_history(app->db, req->arena, id, &history);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "order statistics");
        return;
    }
    int64_t quantity = 0, distinct = 0, status_steps = 0;
    for (size_t r = 0; r < items.count; r++) {
        int64_t q = DB_CELL(&items, r, OIC_QUANTITY)->i;
        if (q > 0 && quantity <= INT64_MAX - q)
            quantity += q;
        size_t k = 0;
        while (k < r && DB_CELL(&items, k, OIC_PRODUCT_ID)->i != DB_CELL(&items, r, OIC_PRODUCT_ID)->i)
            k++;
        distinct += k == r;
    }
    for (size_t r = 0; r < history.count; r++)
        status_steps += strcmp(DB_CELL(&history, r, OHIST_KIND)->s, "status") == 0;
    if (status_steps > 0)
        status_steps--; /* the first row is the order being placed */
    int64_t subtotal = DB_CELL(&order, 0, OC_SUBTOTAL)->i;
    int64_t average = quantity > 0 ? subtotal / quantity + (2 * (subtotal % quantity) >= quantity) : 0;
    int64_t age = (int64_t)time(NULL) - epoch_seconds(DB_CELL(&order, 0, OC_CREATED_EPOCH));
    json_t *body = json_object();
    if (body) {
        json_object_set_new(body, "order_id", json_integer(id));
        json_object_set_new(body, "item_count", json_integer(DB_CELL(&order, 0, OC_ITEM_COUNT)->i));
        json_object_set_new(body, "total_quantity", json_integer(quantity));
        json_object_set_new(body, "distinct_products", json_integer(distinct));
        json_object_set_new(body, "average_unit_price", money_string(average));
        json_object_set_new(body, "subtotal", money_string(subtotal));
        json_object_set_new(body, "tax_amount", money_string(DB_CELL(&order, 0, OC_TAX)->i));
        json_object_set_new(body, "shipping_amount", money_string(DB_CELL(&order, 0, OC_SHIPPING)->i));
        json_object_set_new(body, "discount_amount", money_string(DB_CELL(&order, 0, OC_DISCOUNT)->i));
        json_object_set_new(body, "total_amount", money_string(DB_CELL(&order, 0, OC_TOTAL)->i));
        json_object_set_new(body, "age_seconds", json_integer(age > 0 ? age : 0));
        json_object_set_new(body, "status_changes", json_integer(status_steps));
    }
    respond_json(req, res, 200, body);
}
