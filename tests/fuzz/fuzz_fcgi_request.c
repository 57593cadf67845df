/*
 * fuzz_fcgi_request.c — the FastCGI request reader: the input is what a web
 * server sends on a FastCGI connection (records: BEGIN_REQUEST, PARAMS,
 * STDIN, management records, anything).  It is written into one end of a
 * socketpair; libfcgi's FCGX_Accept_r reads the records from the other end
 * through our transport (src/fcgi_io.c, included here so that its adapter
 * functions are the ones under test), and http_request_read builds the
 * request from the parameters and stdin it delivers; then a response is
 * written back and the request finished.
 *
 * libfcgi is not instrumented, so the fuzzer is guided only by our code's
 * coverage; the seed corpus holds well-formed record streams for it to
 * mutate.  Invariants: the request is always usable (method, path, request
 * id), and on success its body is exactly CONTENT_LENGTH bytes within the
 * limit.
 */
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz_common.h"

#include "arena.h"
#include "fcgi_io.c"
#include "http/http.h"
#include "http/problem.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);
const char *__asan_default_options(void);

/* No allocation here has a reason to exceed 64 MiB: one that does means an
 * input declares_huge_param let through, and is reported. */
const char *__asan_default_options(void)
{
    return "max_allocation_size_mb=64";
}

/*
 * libfcgi 2.4 leaks 48 bytes (a parameter table it never frees) for each
 * management record (request id 0) of a type other than GET_VALUES.  Only
 * the web server talks to our socket and nginx sends no such records, so a
 * client cannot make a worker leak this way; the leak is libfcgi's, and it
 * is suppressed here so that leaks in our own code still fail the harness.
 */
const char *__lsan_default_suppressions(void)
{
    return "leak:libfcgi.so\n";
}

/* A listening socket nobody connects to: when libfcgi gives up on a
 * connection it goes back to accept(), which then fails at once (EAGAIN)
 * instead of waiting. */
static int listen_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct sockaddr_un addr;

    (void)argc;
    (void)argv;
    json_object_seed(1);
    signal(SIGPIPE, SIG_IGN);
    FUZZ_CHECK(transport_init() == 0);
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(listen_fd >= 0);
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    /* An abstract address: no file to clean up. */
    snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "orderapi-fuzz-%d", (int)getpid());
    FUZZ_CHECK(bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    FUZZ_CHECK(listen(listen_fd, 1) == 0);
    return 0;
}

#define PARAM_LEN_MAX 65536

/* Walks name-value pairs (FastCGI 1.0 §3.4: each length is 1 byte, or 4
 * with the high bit set); 1 when one declares more than PARAM_LEN_MAX. */
static int pairs_too_long(const uint8_t *p, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        uint64_t lengths[2];

        for (int k = 0; k < 2; k++) {
            if (pos >= len)
                return 0;
            if (p[pos] & 0x80) {
                if (len - pos < 4)
                    return 0;
                lengths[k] = ((uint64_t)(p[pos] & 0x7f) << 24) | (uint64_t)p[pos + 1] << 16 |
                             (uint64_t)p[pos + 2] << 8 | p[pos + 3];
                pos += 4;
            } else {
                lengths[k] = p[pos++];
            }
            if (lengths[k] > PARAM_LEN_MAX)
                return 1;
        }
        pos += lengths[0] + lengths[1];
    }
    return 0;
}

/*
 * 1 when anything in the input could be read by libfcgi as a GET_VALUES
 * management record (version 1, type 9, request id 0) whose pairs declare
 * a length past PARAM_LEN_MAX.  libfcgi reads such a record whenever it
 * meets one, also while the worker reads the request's stdin (the reader
 * below models the PARAMS stream only), and its framing after a malformed
 * record is not worth modelling: every offset is tried, which skips a few
 * more inputs than needed.
 */
static int any_huge_get_values(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 8 <= size; i++) {
        const uint8_t *h = data + i;
        if (h[0] != 1 || h[1] != 9 || h[2] != 0 || h[3] != 0)
            continue;
        size_t content = (size_t)h[4] << 8 | h[5];
        if (content > size - i - 8)
            content = size - i - 8;
        if (pairs_too_long(h + 8, content))
            return 1;
    }
    return 0;
}

/*
 * 1 when libfcgi would be handed a parameter longer than PARAM_LEN_MAX.
 * libfcgi mallocs the declared length (up to 2 GiB) before reading it, and
 * its Malloc asserts on NULL, so a length past what malloc can give aborts
 * the process (found by this harness; only whoever can write to the
 * FastCGI socket, that is nginx, which never sends such lengths, can do
 * it), and a merely huge one costs the fuzzer seconds.  Such inputs are
 * skipped.  This follows libfcgi's reader (fcgiapp.c FillBuffProc,
 * ProcessHeader): after BEGIN_REQUEST, the PARAMS stream is the content of
 * PARAMS records of that request id and of management records (id 0) of
 * unknown types (before BEGIN_REQUEST, an empty one is passed over); each
 * GET_VALUES record is read as pairs on its own;
 * records of other ids are skipped (an empty one also skips the content of
 * the next record that has any); any other record ends the stream; the
 * padding of the BEGIN_REQUEST record is not skipped.
 */
static int declares_huge_param(const uint8_t *data, size_t size)
{
    uint8_t *params = malloc(size + 1);
    size_t params_len = 0, pos = 0;
    unsigned request_id = 0;
    int begun = 0, huge = 0, skip = 0;

    FUZZ_CHECK(params != NULL);
    while (!huge && size - pos >= 8) {
        const uint8_t *h = data + pos;
        unsigned id = (unsigned)h[2] << 8 | h[3];
        size_t content = (size_t)h[4] << 8 | h[5], padding = h[6];
        const uint8_t *body = h + 8;
        int skipped = skip && content > 0;

        pos += 8;
        if (content > size - pos)
            content = size - pos;
        pos += content;
        pos += padding < size - pos ? padding : size - pos;
        if (h[0] != 1)
            break;
        /* libfcgi skips the content of a record of another request id, and
         * when that record is empty its skip flag stays set and eats the
         * content of the next record that has any. */
        if (skipped)
            skip = 0;
        if (h[1] == 1 && !begun) { /* BEGIN_REQUEST */
            if (id == 0 || skipped)
                break;
            begun = 1;
            request_id = id;
            /* The PARAMS reader starts right after the content: libfcgi's
             * SetReaderType drops the record's padding. */
            pos = (size_t)(body - data) + content;
        } else if (h[1] == 1 || (id != 0 && (!begun || id != request_id))) {
            skip = content == 0 ? 1 : skip;
        } else if (id == 0) {
            if (h[1] == 9) {
                huge = !skipped && pairs_too_long(body, content);
            } else if (begun) {
                if (!skipped) {
                    memcpy(params + params_len, body, content);
                    params_len += content;
                }
            } else if (content > 0) {
                break; /* delivered before BEGIN_REQUEST: libfcgi gives up */
            }
        } else if (h[1] != 4 || content == 0) {
            break;
        } else if (!skipped) {
            memcpy(params + params_len, body, content);
            params_len += content;
        }
    }
    huge = huge || pairs_too_long(params, params_len) || any_huge_get_values(data, size);
    free(params);
    return huge;
}

/* Writes what fits without blocking; the rest of a huge input is dropped. */
static void feed(int fd, const uint8_t *data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);

        if (n <= 0)
            return;
        data += n;
        size -= (size_t)n;
    }
}

/* One arena for every request, reset after each, as a worker does. */
static struct arena *request_arena(void)
{
    static struct arena *arena;

    if (arena == NULL)
        arena = arena_new();
    return arena;
}

static void serve(struct transport *t, const struct http_io *io)
{
    struct http_limits lim = {.max_body = 4096, .max_json_depth = 8, .max_query_params = 16, .max_headers = 16};
    struct arena *a = request_arena();
    struct http_request req;
    struct http_response res;
    int rc;

    FUZZ_CHECK(a != NULL);
    rc = http_request_read(&req, a, io, &lim);
    FUZZ_CHECK(req.method_name != NULL && req.path != NULL && req.request_id != NULL &&
               req.remote_addr != NULL && req.query_string != NULL);
    if (rc == 0) {
        const char *length = io->param(io->ctx, "CONTENT_LENGTH");

        if (req.body != NULL) {
            FUZZ_CHECK(length != NULL && strtoull(length, NULL, 10) == req.body_len);
            FUZZ_CHECK(req.body_len <= lim.max_body && req.body[req.body_len] == '\0');
        }
    } else {
        FUZZ_CHECK(rc == 400 || rc == 413 || rc == 500);
    }
    memset(&res, 0, sizeof(res));
    problem_send(&req, &res, rc != 0 ? rc : 404, req.read_error != NULL ? req.read_error : "not_found", "fuzz");
    http_response_header(&res, "X-Request-Id", req.request_id);
    (void)http_response_write(&res, req.method, io);
    transport_finish(t);
    arena_reset(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2];
    struct transport *t;
    struct http_io io;

    if (declares_huge_param(data, size))
        return 0;
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    /* Neither end may block: a read past the input sees end of file, and a
     * reply that does not fit fails instead of waiting. */
    FUZZ_CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0 && fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
    feed(sv[0], data, size);
    shutdown(sv[0], SHUT_WR);

    t = transport_new(listen_fd);
    FUZZ_CHECK(t != NULL);
    /* As if accept() had returned this connection and an earlier request
     * on it had asked to keep it open (FCGX_Accept_r first finishes that
     * one, and would close the connection otherwise). */
    t->request.ipcFd = sv[1];
    t->request.keepConnection = 1;
    if (transport_accept(t, &io) == 0)
        serve(t, &io);
    /* transport_free closes the connection unless libfcgi already has. */
    transport_free(t);
    close(sv[0]);
    return 0;
}
