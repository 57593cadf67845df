/*
 * fuzz_http_request.c — the request reader (http_request_read) over an
 * in-memory transport, then what the worker does next with the result:
 * routing, the JSON body gate and a problem response written back.
 *
 * Input: CGI parameters as "NAME=value" lines up to an empty line, then the
 * body bytes the client sends; the first byte sets the body limit and how
 * many bytes each read returns.  Invariants: the request always has a
 * method, path, remote address and a sane request id; on success the body
 * is exactly Content-Length bytes within the limit, the query is valid UTF-8
 * without NUL, the headers are capped and named in lower case; every failure
 * is one of the documented statuses with its problem code; the response
 * written back has a status line and a header block with no injected lines.
 */
#include <jansson.h>

#include "fuzz_common.h"

#include "arena.h"
#include "http/http.h"
#include "http/json_body.h"
#include "http/problem.h"
#include "router.h"

#define MAX_PARAMS 64

FUZZ_INITIALIZE_JSON_SEED()

struct mem_io {
    char *names[MAX_PARAMS];
    char *values[MAX_PARAMS];
    size_t count;
    const uint8_t *body;
    size_t body_len, body_pos, chunk;
    char out[1 << 16];
    size_t out_len;
};

static const char *mem_param(void *ctx, const char *name)
{
    struct mem_io *m = ctx;

    for (size_t i = 0; i < m->count; i++) {
        if (strcmp(m->names[i], name) == 0)
            return m->values[i];
    }
    return NULL;
}

static void mem_each_param(void *ctx, void (*fn)(void *, const char *, const char *), void *arg)
{
    struct mem_io *m = ctx;

    for (size_t i = 0; i < m->count; i++)
        fn(arg, m->names[i], m->values[i]);
}

static long mem_read(void *ctx, char *buf, size_t len)
{
    struct mem_io *m = ctx;
    size_t n = m->body_len - m->body_pos;

    if (n > len)
        n = len;
    if (m->chunk > 0 && n > m->chunk)
        n = m->chunk;
    memcpy(buf, m->body + m->body_pos, n);
    m->body_pos += n;
    return (long)n;
}

static int mem_write(void *ctx, const char *buf, size_t len)
{
    struct mem_io *m = ctx;

    if (len > sizeof(m->out) - m->out_len)
        return -1;
    memcpy(m->out + m->out_len, buf, len);
    m->out_len += len;
    return 0;
}

/* Splits "NAME=value\n" lines off the input until an empty line. */
static void parse_params(struct mem_io *m, struct fuzz_input *in)
{
    while (in->size > 0 && m->count < MAX_PARAMS) {
        size_t len;
        char *line = fuzz_take_until(in, '\n', &len);
        char *eq;

        if (len == 0) {
            free(line);
            break;
        }
        eq = strchr(line, '=');
        if (eq == NULL) {
            free(line);
            continue;
        }
        *eq = '\0';
        m->names[m->count] = line;
        m->values[m->count] = eq + 1;
        m->count++;
    }
}

static int request_id_ok(const char *id)
{
    size_t len = strlen(id);

    if (len == 0 || len > 64)
        return 0;
    return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

static void check_success(const struct http_request *req, struct mem_io *m, const struct http_limits *lim)
{
    const char *length = mem_param(m, "CONTENT_LENGTH");

    if (length != NULL && *length != '\0') {
        FUZZ_CHECK(strtoull(length, NULL, 10) == req->body_len || req->body == NULL);
        if (req->body != NULL) {
            FUZZ_CHECK(req->body[req->body_len] == '\0');
            FUZZ_CHECK(req->body_len <= lim->max_body);
            FUZZ_CHECK(memcmp(req->body, m->body, req->body_len) == 0);
        }
    } else {
        FUZZ_CHECK(req->body == NULL && req->body_len == 0);
    }
    FUZZ_CHECK(req->query_count <= lim->max_query_params);
    for (size_t i = 0; i < req->query_count; i++) {
        FUZZ_CHECK(utf8_valid(req->query[i].name, strlen(req->query[i].name)));
        FUZZ_CHECK(utf8_valid(req->query[i].value, req->query[i].value_len));
        FUZZ_CHECK(memchr(req->query[i].value, '\0', req->query[i].value_len) == NULL);
    }
    FUZZ_CHECK(req->header_count <= lim->max_headers);
    for (size_t i = 0; i < req->header_count; i++) {
        FUZZ_CHECK(strpbrk(req->headers[i].name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == NULL);
        FUZZ_CHECK(http_header_get(req, req->headers[i].name) != NULL);
    }
}

/* The CGI response: "Status: NNN ...", header lines "Name: value", a blank
 * line, then the body. */
static void check_response(const struct mem_io *m, int status)
{
    char *text = fuzz_cstring((const uint8_t *)m->out, m->out_len);
    char expected[16];
    char *end = strstr(text, "\r\n\r\n");

    snprintf(expected, sizeof(expected), "Status: %d ", status);
    FUZZ_CHECK(strncmp(text, expected, strlen(expected)) == 0);
    FUZZ_CHECK(end != NULL);
    end[2] = '\0';
    for (char *line = text; *line != '\0';) {
        char *eol = strstr(line, "\r\n");

        FUZZ_CHECK(eol != NULL);
        *eol = '\0';
        FUZZ_CHECK(strchr(line, '\n') == NULL && strchr(line, '\r') == NULL);
        FUZZ_CHECK(strstr(line, ": ") != NULL);
        line = eol + 2;
    }
    free(text);
}

/* Routes the request and answers it with a problem, as the worker would
 * for an error, echoing the request id. */
static void respond(struct http_request *req, struct mem_io *m, int read_status)
{
    struct http_io io = {mem_param, mem_each_param, mem_read, mem_write, m};
    struct http_response res;
    const struct route *route = NULL;
    int64_t ids[HTTP_MAX_PATH_IDS];
    size_t id_count;
    char allow[128];
    int status = read_status;

    memset(&res, 0, sizeof(res));
    if (status == 0) {
        enum route_result rr = router_match(ROUTES, ROUTE_COUNT, req->method, req->path, &route, ids,
                                            &id_count, allow, sizeof(allow));
        status = rr == ROUTE_FOUND ? 422 : rr == ROUTE_NOT_FOUND ? 404 : 405;
        if (rr == ROUTE_METHOD_NOT_ALLOWED)
            http_response_header(&res, "Allow", allow);
    }
    if (req->body != NULL && content_type_is_json(req->content_type)) {
        json_t *body = NULL;
        const char *why = NULL;

        if (json_body_parse(req->body, req->body_len, 8, &body, &why) == 0)
            json_decref(body);
    }
    problem_send(req, &res, status, req->read_error != NULL ? req->read_error : "fuzz", "fuzzing");
    http_response_header(&res, "X-Request-Id", req->request_id);
    m->out_len = 0;
    if (http_response_write(&res, req->method, &io) == 0)
        check_response(m, res.status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    struct mem_io *m = calloc(1, sizeof(*m));
    uint8_t knobs = fuzz_u8(&in);
    struct http_limits lim = {.max_body = (size_t)(knobs & 0x0f) * 64, .max_json_depth = 8,
                              .max_query_params = 8, .max_headers = 8};
    struct http_io io = {mem_param, mem_each_param, mem_read, mem_write, m};
    struct arena *a = arena_new();
    struct http_request req;
    int rc;

    FUZZ_CHECK(m != NULL && a != NULL);
    m->chunk = knobs >> 4;
    parse_params(m, &in);
    m->body = in.data;
    m->body_len = in.size;

    rc = http_request_read(&req, a, &io, &lim);
    FUZZ_CHECK(req.method_name != NULL && req.path != NULL && req.remote_addr != NULL &&
               req.query_string != NULL && req.request_id != NULL);
    FUZZ_CHECK(request_id_ok(req.request_id));
    FUZZ_CHECK(strcmp(http_method_name(req.method), req.method_name) == 0 || req.method == HTTP_OTHER);
    if (rc == 0) {
        check_success(&req, m, &lim);
    } else {
        FUZZ_CHECK(rc == 400 || rc == 413 || rc == 431);
        FUZZ_CHECK(req.read_error != NULL);
        if (rc == 413)
            FUZZ_CHECK(strcmp(req.read_error, "payload_too_large") == 0);
        if (rc == 431)
            FUZZ_CHECK(m->count > lim.max_headers && strcmp(req.read_error, "request_header_fields_too_large") == 0);
    }
    respond(&req, m, rc);

    arena_free(a);
    for (size_t i = 0; i < m->count; i++)
        free(m->names[i]);
    free(m);
    return 0;
}
