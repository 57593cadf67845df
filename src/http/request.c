/*
 * request.c — builds a struct http_request from CGI/FastCGI parameters and
 * writes a struct http_response back as a CGI response (RFC 3875 §6).
 *
 * Everything that comes from the client is copied into the request's arena
 * and checked against the limits before it is used: the declared body length
 * is compared with the limit before a single body byte is read, a request
 * with more headers than the limit is refused (431, never cut short), the
 * number of query parameters is capped, and the client's request id is only
 * echoed when it is short and made of safe characters.
 */
#include "http/http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "http/json_body.h"
#include "http/query.h"

#define REQUEST_ID_MAX_LEN 64
#define REQUEST_ID_RANDOM_BYTES 16

static const char *const METHOD_NAMES[HTTP_METHOD_COUNT] = {
    [HTTP_GET] = "GET",
    [HTTP_HEAD] = "HEAD",
    [HTTP_POST] = "POST",
    [HTTP_PUT] = "PUT",
    [HTTP_PATCH] = "PATCH",
    [HTTP_DELETE] = "DELETE",
    [HTTP_OPTIONS] = "OPTIONS",
    [HTTP_OTHER] = "OTHER",
};

/* The canonical name of a method ("OTHER" for anything we do not serve). */
const char *http_method_name(enum http_method m)
{
    if ((unsigned)m >= HTTP_METHOD_COUNT)
        return "OTHER";
    return METHOD_NAMES[m];
}

/*
 * Maps a method token to the enum.  Method names are case-sensitive (RFC 9110
 * §9.1), so "get" is HTTP_OTHER, as is NULL.
 */
enum http_method http_method_parse(const char *s)
{
    if (s == NULL)
        return HTTP_OTHER;
    for (int m = 0; m < HTTP_OTHER; m++) {
        if (strcmp(s, METHOD_NAMES[m]) == 0)
            return (enum http_method)m;
    }
    return HTTP_OTHER;
}

/*
 * The reason phrase of a status code: RFC 9110 §15 for the standard codes,
 * RFC 6585 for 428/429/431.  Unknown codes get a phrase for their class.
 */
const char *http_status_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: break;
    }
    if (status >= 400 && status < 500)
        return "Client Error";
    if (status >= 500 && status < 600)
        return "Server Error";
    return "Unknown";
}

/* A CGI parameter, with "" treated like an absent one (nginx sends empty
 * CONTENT_TYPE and CONTENT_LENGTH when the client sent none). */
static const char *param_nonempty(const struct http_io *io, const char *name)
{
    const char *value = io->param(io->ctx, name);

    return (value != NULL && *value != '\0') ? value : NULL;
}

/* 1 when s is a sane client request id: 1..64 of [A-Za-z0-9._-]. */
static int request_id_is_sane(const char *s)
{
    size_t len = 0;

    if (s == NULL)
        return 0;
    for (; s[len] != '\0'; len++) {
        unsigned char c = (unsigned char)s[len];

        if (len == REQUEST_ID_MAX_LEN)
            return 0;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return len > 0;
}

/*
 * Fills buf with random bytes from the kernel (getrandom(2)).  Should the
 * kernel refuse, which needs a pre-3.17 kernel or a seccomp filter, the id is
 * built from the clock, the pid and a counter: still unique in practice,
 * merely guessable, which is acceptable for a correlation id.
 */
static void request_id_random(unsigned char *buf, size_t len)
{
    static unsigned long fallback_counter;
    size_t got = 0;

    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        got += (size_t)n;
    }
    if (got < len) {
        struct timespec now;
        unsigned long long mix[2];

        clock_gettime(CLOCK_REALTIME, &now);
        mix[0] = (unsigned long long)now.tv_sec * 1000000000ull + (unsigned long long)now.tv_nsec;
        mix[1] = ((unsigned long long)getpid() << 32) ^ ++fallback_counter;
        memset(buf, 0, len);
        memcpy(buf, mix, len < sizeof(mix) ? len : sizeof(mix));
    }
}

/*
 * The id this request is logged and answered under: the client's
 * X-Request-Id when it is sane (so a client can correlate its own logs),
 * else 32 lower-case hex digits of fresh randomness.
 */
static const char *request_id_choose(struct arena *arena, const char *client_id)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char random_bytes[REQUEST_ID_RANDOM_BYTES];
    char *id;

    if (request_id_is_sane(client_id))
        return arena_strdup(arena, client_id);
    id = arena_alloc(arena, REQUEST_ID_RANDOM_BYTES * 2 + 1);
    if (id == NULL)
        return NULL;
    request_id_random(random_bytes, sizeof(random_bytes));
    for (size_t i = 0; i < sizeof(random_bytes); i++) {
        id[2 * i] = hex[random_bytes[i] >> 4];
        id[2 * i + 1] = hex[random_bytes[i] & 0x0f];
    }
    id[REQUEST_ID_RANDOM_BYTES * 2] = '\0';
    return id;
}

/* State for collecting HTTP_* parameters as headers in two passes. */
struct header_collect {
    struct http_request *req;
    size_t seen;     /* first pass: how many HTTP_* parameters there are */
    int failed;      /* out of memory in the second pass */
};

/* 1 when a CGI parameter name carries a request header (RFC 3875 §4.1.18). */
static int param_is_header(const char *name)
{
    return strncmp(name, "HTTP_", 5) == 0 && name[5] != '\0';
}

/* First pass: counts every header parameter. */
static void header_count_cb(void *arg, const char *name, const char *value)
{
    struct header_collect *collect = arg;

    (void)value;
    if (name != NULL && param_is_header(name))
        collect->seen++;
}

/*
 * Second pass: stores "HTTP_X_REQUEST_ID" as "x-request-id" with its value.
 * The table was sized by the first pass; a parameter list that grew in
 * between (it cannot, but the transport is not ours) is cut at that size.
 */
static void header_store_cb(void *arg, const char *name, const char *value)
{
    struct header_collect *collect = arg;
    struct http_request *req = collect->req;
    struct http_param *header;
    char *lower;

    if (name == NULL || !param_is_header(name) || collect->failed ||
        req->header_count >= collect->seen)
        return;
    lower = arena_strdup(req->arena, name + 5);
    if (lower == NULL) {
        collect->failed = 1;
        return;
    }
    for (char *p = lower; *p != '\0'; p++) {
        if (*p == '_')
            *p = '-';
        else if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
    header = &req->headers[req->header_count];
    header->name = lower;
    header->value = arena_strdup(req->arena, value != NULL ? value : "");
    if (header->value == NULL) {
        collect->failed = 1;
        return;
    }
    header->value_len = strlen(header->value);
    req->header_count++;
}

/*
 * Collects the request headers.  Returns 0; 431 when there are more than
 * max_headers of them (RFC 6585 §5): a header past the limit is never
 * silently dropped, since a dropped If-Match, Idempotency-Key or
 * Authorization would change what the request means; 500 when out of memory.
 */
static int headers_collect(struct http_request *req, const struct http_io *io, size_t max_headers)
{
    struct header_collect collect = {.req = req};

    if (io->each_param == NULL)
        return 0;
    io->each_param(io->ctx, header_count_cb, &collect);
    if (collect.seen > max_headers) {
        req->read_error = "request_header_fields_too_large";
        return 431;
    }
    if (collect.seen == 0)
        return 0;
    req->headers = arena_calloc(req->arena, collect.seen, sizeof(*req->headers));
    if (req->headers == NULL)
        return 500;
    io->each_param(io->ctx, header_store_cb, &collect);
    return collect.failed ? 500 : 0;
}

/*
 * The request path without its query string, not decoded.  REQUEST_URI is
 * the target as the client sent it; without it the path is rebuilt from
 * SCRIPT_NAME and PATH_INFO (RFC 3875 §4.1.5, §4.1.13).
 */
static const char *request_path(struct arena *arena, const struct http_io *io)
{
    const char *uri = param_nonempty(io, "REQUEST_URI");
    const char *script, *info;

    if (uri != NULL)
        return arena_strndup(arena, uri, strcspn(uri, "?"));
    script = io->param(io->ctx, "SCRIPT_NAME");
    info = io->param(io->ctx, "PATH_INFO");
    return arena_printf(arena, "%s%s", script != NULL ? script : "", info != NULL ? info : "");
}

/*
 * Reads exactly len body bytes into a NUL-terminated arena buffer.  Returns
 * 0, 400 when the client sent fewer bytes than it declared (or the read
 * failed), or 500 when out of memory.
 */
static int body_read(struct http_request *req, const struct http_io *io, size_t len)
{
    char *buf;
    size_t got = 0;

    buf = arena_alloc(req->arena, len + 1);
    if (buf == NULL)
        return 500;
    while (got < len) {
        long n;

        if (io->read == NULL) {
            req->read_error = "incomplete_body";
            return 400;
        }
        n = io->read(io->ctx, buf + got, len - got);
        if (n <= 0 || (unsigned long)n > len - got) {
            req->read_error = "incomplete_body";
            return 400;
        }
        got += (size_t)n;
    }
    buf[len] = '\0';
    req->body = buf;
    req->body_len = len;
    return 0;
}

/*
 * Every decoded query name and value must be text: valid UTF-8 (RFC 3629)
 * without NUL bytes, so that nothing downstream — SQL parameters in
 * utf8mb4, JSON, C strings — meets bytes it cannot represent.
 */
static int query_text_valid(const struct http_request *req)
{
    for (size_t i = 0; i < req->query_count; i++) {
        const struct http_param *q = &req->query[i];
        if (!utf8_valid(q->name, strlen(q->name)) || !utf8_valid(q->value, q->value_len) ||
            memchr(q->value, '\0', q->value_len) != NULL)
            return 0;
    }
    return 1;
}

/*
 * Builds req from the transport; see http.h for the contract.  The method,
 * path and request id are set first so that every error status can still be
 * answered with a proper problem response.  The body is only read once its
 * declared length has passed the limit (RFC 9110 §15.5.14: 413 may be sent
 * without reading the content), and the query string is parsed before the
 * body so that a bad query costs no body read.
 */
/*
 * Method, path, client address and request id.  0, or 500 when out of
 * memory, with usable constants left for the error response.
 */
static int request_identity(struct http_request *req, struct arena *arena, const struct http_io *io)
{
    const char *method = param_nonempty(io, "REQUEST_METHOD");
    const char *remote_addr = param_nonempty(io, "REMOTE_ADDR");

    req->method_name = arena_strdup(arena, method != NULL ? method : "");
    req->method = http_method_parse(method);
    req->path = request_path(arena, io);
    req->remote_addr = arena_strdup(arena, remote_addr != NULL ? remote_addr : "");
    req->request_id = request_id_choose(arena, io->param(io->ctx, "HTTP_X_REQUEST_ID"));
    if (req->method_name != NULL && req->path != NULL && req->remote_addr != NULL && req->request_id != NULL)
        return 0;
    if (req->method_name == NULL)
        req->method_name = "";
    if (req->path == NULL)
        req->path = "";
    if (req->remote_addr == NULL)
        req->remote_addr = "";
    if (req->request_id == NULL)
        req->request_id = "-";
    req->query_string = "";
    return 500;
}

/* The raw query string (QUERY_STRING, else what follows '?' in
 * REQUEST_URI) and the content type.  0, or 500 when out of memory. */
static int request_query_and_type(struct http_request *req, struct arena *arena, const struct http_io *io)
{
    const char *query = io->param(io->ctx, "QUERY_STRING");
    if (query == NULL) {
        const char *uri = io->param(io->ctx, "REQUEST_URI");
        const char *mark = uri != NULL ? strchr(uri, '?') : NULL;

        query = mark != NULL ? mark + 1 : "";
    }
    req->query_string = arena_strdup(arena, query);
    if (req->query_string == NULL) {
        req->query_string = "";
        return 500;
    }
    const char *type = param_nonempty(io, "CONTENT_TYPE");
    if (type != NULL && (req->content_type = arena_strdup(arena, type)) == NULL)
        return 500;
    return 0;
}

int http_request_read(struct http_request *req, struct arena *arena,
                      const struct http_io *io, const struct http_limits *lim)
{
    const char *length_text;
    int64_t declared_len = 0;
    int status;

    memset(req, 0, sizeof(*req));
    req->arena = arena;
    status = request_identity(req, arena, io);
    if (status == 0)
        status = request_query_and_type(req, arena, io);
    if (status == 0)
        status = headers_collect(req, io, lim->max_headers);
    if (status != 0)
        return status;

    /* RFC 9110 §8.6: Content-Length is 1*DIGIT.  Anything else is 400. */
    length_text = param_nonempty(io, "CONTENT_LENGTH");
    if (length_text != NULL) {
        if (parse_int64(length_text, 0, INT64_MAX, &declared_len) != 0) {
            req->read_error = "bad_content_length";
            return 400;
        }
        if ((uint64_t)declared_len > (uint64_t)lim->max_body ||
            (uint64_t)declared_len >= (uint64_t)SIZE_MAX) {
            req->read_error = "payload_too_large";
            return 413;
        }
    }

    if (query_parse(arena, req->query_string, lim->max_query_params,
                    &req->query, &req->query_count) != 0 ||
        !query_text_valid(req)) {
        req->query = NULL;
        req->query_count = 0;
        req->read_error = "malformed_query";
        return 400;
    }

    if (declared_len > 0)
        return body_read(req, io, (size_t)declared_len);
    return 0;
}

/* The first decoded value of a query parameter, or NULL. */
const char *http_query_get(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->query_count; i++) {
        if (strcmp(req->query[i].name, name) == 0)
            return req->query[i].value;
    }
    return NULL;
}

/* How many times a query parameter appears ("status=a&status=b" is 2). */
size_t http_query_count(const struct http_request *req, const char *name)
{
    size_t count = 0;

    for (size_t i = 0; i < req->query_count; i++) {
        if (strcmp(req->query[i].name, name) == 0)
            count++;
    }
    return count;
}

/* A request header by name; names are compared case-insensitively
 * (RFC 9110 §5.1). */
const char *http_header_get(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->header_count; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    }
    return NULL;
}

/* Appends a response header; -1 when the table is full or an argument is
 * NULL. */
int http_response_header(struct http_response *res, const char *name, const char *value)
{
    if (name == NULL || value == NULL || res->header_count >= HTTP_MAX_RESPONSE_HEADERS)
        return -1;
    res->headers[res->header_count].name = name;
    res->headers[res->header_count].value = value;
    res->headers[res->header_count].value_len = strlen(value);
    res->header_count++;
    return 0;
}

/* The first response header with this name (case-insensitive), or NULL. */
const char *http_response_header_get(const struct http_response *res, const char *name)
{
    for (size_t i = 0; i < res->header_count; i++) {
        if (strcasecmp(res->headers[i].name, name) == 0)
            return res->headers[i].value;
    }
    return NULL;
}

/*
 * Serialises json compactly into arena memory and makes it the body, with
 * status and the application/json content type.  Returns -1 (res untouched)
 * when serialisation or allocation fails.
 */
int http_respond_json(struct http_response *res, struct arena *a, int status, const json_t *json)
{
    char *text, *copy;
    size_t len;

    if (json == NULL)
        return -1;
    text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL)
        return -1;
    len = strlen(text);
    copy = arena_strndup(a, text, len);
    free(text);
    if (copy == NULL)
        return -1;
    res->status = status;
    res->content_type = "application/json";
    res->body = copy;
    res->body_len = len;
    return 0;
}

/* Output buffered in small chunks so that a response is a few writes. */
struct response_writer {
    const struct http_io *io;
    char buf[2048];
    size_t used;
    int failed;
};

static void writer_flush(struct response_writer *w)
{
    if (w->used > 0 && !w->failed && w->io->write(w->io->ctx, w->buf, w->used) != 0)
        w->failed = 1;
    w->used = 0;
}

static void writer_put(struct response_writer *w, const char *s, size_t len)
{
    if (w->failed)
        return;
    if (len > sizeof(w->buf) - w->used) {
        writer_flush(w);
        if (len > sizeof(w->buf)) {
            if (!w->failed && w->io->write(w->io->ctx, s, len) != 0)
                w->failed = 1;
            return;
        }
    }
    memcpy(w->buf + w->used, s, len);
    w->used += len;
}

static void writer_puts(struct response_writer *w, const char *s)
{
    writer_put(w, s, strlen(s));
}

/* 1 when a header name or value could break the header block: CR or LF
 * inside (RFC 9110 §5.5) would allow response splitting. */
static int header_text_unsafe(const char *s)
{
    return s == NULL || strpbrk(s, "\r\n") != NULL;
}

/*
 * Writes res as a CGI response (RFC 3875 §6.2): a Status line, Content-Type,
 * Content-Length, the extra headers, a blank line, then the body.  204 and
 * 304 carry neither body nor Content-Type/Content-Length (RFC 9110 §8.6,
 * §15.3.5, §15.4.5); a HEAD response has the headers a GET would have had but
 * no body (RFC 9110 §9.3.2).  A header containing CR or LF is refused before
 * anything is written, so the caller can still send an error.  Returns 0, or
 * -1 on a refused header or a write failure.
 */
int http_response_write(const struct http_response *res, enum http_method method,
                        const struct http_io *io)
{
    struct response_writer writer = {.io = io};
    int bodyless_status = res->status == 204 || res->status == 304;
    char line[128];
    int n;

    if (header_text_unsafe(res->content_type != NULL ? res->content_type : ""))
        return -1;
    for (size_t i = 0; i < res->header_count; i++) {
        if (header_text_unsafe(res->headers[i].name) || header_text_unsafe(res->headers[i].value))
            return -1;
    }

    n = snprintf(line, sizeof(line), "Status: %d %s\r\n", res->status,
                 http_status_reason(res->status));
    writer_put(&writer, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
    if (!bodyless_status) {
        writer_puts(&writer, "Content-Type: ");
        writer_puts(&writer, res->content_type != NULL ? res->content_type : "application/json");
        writer_puts(&writer, "\r\n");
        if (res->stream == NULL) {
            n = snprintf(line, sizeof(line), "Content-Length: %zu\r\n", res->body != NULL ? res->body_len : 0);
            writer_put(&writer, line, (size_t)n);
        }
    }
    for (size_t i = 0; i < res->header_count; i++) {
        writer_puts(&writer, res->headers[i].name);
        writer_puts(&writer, ": ");
        writer_puts(&writer, res->headers[i].value);
        writer_puts(&writer, "\r\n");
    }
    writer_puts(&writer, "\r\n");
    if (!bodyless_status && method != HTTP_HEAD && res->body != NULL && res->body_len > 0)
        writer_put(&writer, res->body, res->body_len);
    writer_flush(&writer);
    if (writer.failed)
        return -1;
    if (res->stream != NULL && !bodyless_status && method != HTTP_HEAD)
        return res->stream(res->stream_ctx, io);
    return 0;
}
