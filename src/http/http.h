/*
 * http.h — the plain request and response that everything above the
 * transport sees.  fcgi_io.c (FastCGI and CGI) fills a struct http_request
 * through struct http_io, and writes a struct http_response back; handlers
 * and tests never see libfcgi.
 */
#ifndef ORDERAPI_HTTP_H
#define ORDERAPI_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

enum http_method {
    HTTP_GET = 0,
    HTTP_HEAD,
    HTTP_POST,
    HTTP_PUT,
    HTTP_PATCH,
    HTTP_DELETE,
    HTTP_OPTIONS,
    HTTP_OTHER,
    HTTP_METHOD_COUNT
};

/* A name/value pair: query parameters (decoded) and headers (names in
 * lower case with '-', as on the wire). */
struct http_param {
    const char *name;
    const char *value;
    size_t value_len; /* query values may hold NUL bytes after decoding */
};

/* Where the bytes come from: FastCGI, CGI, or a test fake. */
struct http_io {
    /* A CGI/FastCGI parameter such as "REQUEST_METHOD", or NULL. */
    const char *(*param)(void *ctx, const char *name);
    /* Calls fn for every parameter (to collect HTTP_* headers). */
    void (*each_param)(void *ctx, void (*fn)(void *arg, const char *name, const char *value), void *arg);
    /* Reads up to len body bytes; returns bytes read, 0 at end, -1 on error. */
    long (*read)(void *ctx, char *buf, size_t len);
    /* Writes all of buf; 0 on success, -1 on error. */
    int (*write)(void *ctx, const char *buf, size_t len);
    void *ctx;
};

#define HTTP_MAX_PATH_IDS 4

struct http_request {
    struct arena *arena;
    enum http_method method;
    const char *method_name;   /* as sent, e.g. "GET" */
    const char *path;          /* without the query string, not decoded */
    const char *query_string;  /* raw, "" when absent */
    struct http_param *query;  /* decoded, in order, repeated keys kept */
    size_t query_count;
    struct http_param *headers;
    size_t header_count;
    const char *content_type;  /* NULL when absent */
    const char *body;          /* NUL-terminated copy, NULL when no body */
    size_t body_len;
    const char *remote_addr;
    const char *request_id;    /* the client's sane X-Request-Id, or ours */
    json_t *json;              /* parsed body (owned by the arena) or NULL */
    int64_t path_ids[HTTP_MAX_PATH_IDS]; /* {id} segments, in order */
    size_t path_id_count;
    const struct route *route; /* the matched route, or NULL */
    const struct principal *principal; /* who is calling, or NULL */
    struct list_cache_prefetch *prefetch; /* a cache answer fetched with the auth check, or NULL */
    const char *read_error;    /* problem code when http_request_read failed:
                                  "payload_too_large", "incomplete_body",
                                  "bad_content_length", "malformed_query",
                                  "request_header_fields_too_large" */
};

#define HTTP_MAX_RESPONSE_HEADERS 16

struct http_response {
    int status;
    const char *content_type;  /* defaults to application/json */
    struct http_param headers[HTTP_MAX_RESPONSE_HEADERS];
    size_t header_count;
    const char *body;          /* arena memory or a static string */
    size_t body_len;
    /* A body too large to hold (an export): instead of body, written
     * after the headers by stream(stream_ctx, io), without Content-Length.
     * It returns 0, or -1 when a write failed (the client went away) or
     * it could not finish; the response is then cut short. */
    int (*stream)(void *ctx, const struct http_io *io);
    void *stream_ctx;
};

/* Limits that apply before any handler runs. */
struct http_limits {
    size_t max_body;        /* bytes; larger Content-Length → 413 */
    size_t max_json_depth;  /* deeper JSON bodies → 400 */
    size_t max_query_params;
    size_t max_headers;     /* more request headers → 431 */
};

const char *http_method_name(enum http_method m);
enum http_method http_method_parse(const char *s);
const char *http_status_reason(int status);

/*
 * Builds req from the transport.  Returns 0, or the HTTP status the request
 * must be answered with before routing (400 for a body shorter than its
 * Content-Length or a malformed query string, 413 for a body over the limit,
 * 400 for a bad Content-Length, 431 for more headers than max_headers).  On
 * a non-zero return req is still usable for writing the problem response
 * (method, path and request id are set).
 */
int http_request_read(struct http_request *req, struct arena *arena,
                      const struct http_io *io, const struct http_limits *lim);

/* First value of a query parameter, or NULL. */
const char *http_query_get(const struct http_request *req, const char *name);
/* How many times a query parameter appears. */
size_t http_query_count(const struct http_request *req, const char *name);
/* A request header by lower-case name, or NULL. */
const char *http_header_get(const struct http_request *req, const char *name);

/* Response helpers.  Header names and values must live as long as res
 * (static strings or the request's arena).  -1 when the table is full. */
int http_response_header(struct http_response *res, const char *name, const char *value);
const char *http_response_header_get(const struct http_response *res, const char *name);
/* Serialises json (compact) into the arena as the body, with status. */
int http_respond_json(struct http_response *res, struct arena *a, int status, const json_t *json);
/* Writes status line, headers and body through io (HEAD: no body). */
int http_response_write(const struct http_response *res, enum http_method method,
                        const struct http_io *io);

#endif
