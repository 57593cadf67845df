/*
 * log.c — one JSON line per event on stderr.  Lines are built in a local
 * buffer and written with a single write(2) so that lines from several
 * workers sharing the same file never interleave (O_APPEND writes of less
 * than PIPE_BUF are atomic on pipes; on regular files appends are whole).
 */
#include "log.h"

#include "json_out.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Formats the current UTC time as "2026-11-22T10:30:00.123456Z". */
void log_timestamp(char *buf, unsigned len)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06ldZ", base, (long)tv.tv_usec);
}

/* Serialises obj as one line and writes it in one call; consumes obj. */
static void log_emit(json_t *obj)
{
    char ts[48];
    log_timestamp(ts, sizeof ts);
    json_object_set_new(obj, "ts", json_string(ts));
    json_object_set_new(obj, "pid", json_integer(getpid()));
    char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(obj);
    if (!line)
        return;
    size_t n = strlen(line);
    char stackbuf[4096];
    char *out = n + 2 <= sizeof stackbuf ? stackbuf : NULL;
    if (out) {
        memcpy(out, line, n);
        out[n] = '\n';
        ssize_t w = write(STDERR_FILENO, out, n + 1);
        (void)w;
    } else {
        ssize_t w = write(STDERR_FILENO, line, n);
        w = write(STDERR_FILENO, "\n", 1);
        (void)w;
    }
    free(line);
}

/* Writes a free-text message at level ("info", "warn", "error"). */
void log_msg(const char *level, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *obj = json_object();
    if (!obj)
        return;
    json_object_set_new(obj, "level", json_string(level));
    /* json_string refuses invalid UTF-8; keep the line even then. */
    json_t *m = json_string(msg);
    json_object_set_new(obj, "msg", m ? m : json_string("(message not UTF-8)"));
    log_emit(obj);
}

/* The per-request line through jansson: the reference, and the path for
 * what log_request_line declines. */
static void log_request_tree(const char *request_id, const char *method, const char *route, const char *path,
                             int status, double duration_ms, const char *error)
{
    json_t *obj = json_object();
    if (!obj)
        return;
    json_object_set_new(obj, "level", json_string(status >= 500 ? "error" : "info"));
    json_object_set_new(obj, "request_id", json_string(request_id ? request_id : "-"));
    json_object_set_new(obj, "method", json_string(method ? method : "-"));
    json_object_set_new(obj, "route", json_string(route ? route : "-"));
    json_t *p = path ? json_stringn(path, strnlen(path, 256)) : NULL;
    json_object_set_new(obj, "path", p ? p : json_string("-"));
    json_object_set_new(obj, "status", json_integer(status));
    json_object_set_new(obj, "duration_ms", json_real((double)(long long)(duration_ms * 1000.0) / 1000.0));
    if (error) {
        json_t *e = json_string(error);
        if (e)
            json_object_set_new(obj, "error", e);
    }
    log_emit(obj);
}

/* A key and its string value, ",\"key\":\"value\"". */
static void put_field(struct json_out *o, const char *key_part, const char *value)
{
    json_out_lit(o, key_part);
    json_out_str(o, value);
}

size_t log_request_line(char *buf, size_t cap, const char *ts, long pid, const char *request_id,
                        const char *method, const char *route, const char *path, int status,
                        double duration_ms, const char *error)
{
    /* jansson's real with JSON_REAL_PRECISION(6): %.6g, and ".0" when that
     * reads as an integer; the exponent forms it rewrites are left to it. */
    char ms[40];
    snprintf(ms, sizeof ms, "%.6g", (double)(long long)(duration_ms * 1000.0) / 1000.0);
    if (strpbrk(ms, "eEni") != NULL)
        return 0;
    if (!strchr(ms, '.'))
        strcat(ms, ".0");
    const char *p = path ? path : "-";
    size_t plen = path ? strnlen(path, 256) : 1;
    if (!json_utf8_valid(p, plen))
        p = "-", plen = 1; /* jansson refuses it; the tree path writes "-" too */
    struct json_out o;
    json_out_init(&o, NULL, buf, cap);
    json_out_lit(&o, status >= 500 ? "{\"level\":\"error\"" : "{\"level\":\"info\"");
    put_field(&o, ",\"request_id\":", request_id ? request_id : "-");
    put_field(&o, ",\"method\":", method ? method : "-");
    put_field(&o, ",\"route\":", route ? route : "-");
    json_out_lit(&o, ",\"path\":");
    json_out_strn(&o, p, plen);
    json_out_lit(&o, ",\"status\":");
    json_out_int(&o, status);
    json_out_lit(&o, ",\"duration_ms\":");
    json_out_lit(&o, ms);
    if (error && json_utf8_valid(error, strlen(error)))
        put_field(&o, ",\"error\":", error);
    put_field(&o, ",\"ts\":", ts);
    json_out_lit(&o, ",\"pid\":");
    json_out_int(&o, pid);
    json_out_lit(&o, "}\n");
    return o.failed ? 0 : o.len;
}

/* Writes the per-request line: time, request id, method, route, status, duration. */
void log_request(const char *request_id, const char *method, const char *route,
                 const char *path, int status, double duration_ms, const char *error)
{
    char ts[48], line[2048];
    log_timestamp(ts, sizeof ts);
    size_t n = log_request_line(line, sizeof line, ts, (long)getpid(), request_id, method, route, path, status,
                                duration_ms, error);
    if (n == 0) {
        log_request_tree(request_id, method, route, path, status, duration_ms, error);
        return;
    }
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
