/*
 * json_out.c — JSON written directly, the way jansson writes it.
 */
#include "json_out.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"

void json_out_init(struct json_out *o, struct arena *a, char *buf, size_t cap)
{
    *o = (struct json_out){.buf = buf, .cap = buf ? cap : 0, .arena = a};
    if (!buf && a && cap > 0) {
        o->buf = arena_alloc(a, cap);
        o->cap = o->buf ? cap : 0;
        o->failed = o->buf == NULL;
    }
}

/* Room for n more bytes (and a NUL), growing in the arena if there is one. */
static int reserve(struct json_out *o, size_t n)
{
    if (o->failed)
        return -1;
    if (o->len + n + 1 <= o->cap)
        return 0;
    if (!o->arena || n > SIZE_MAX / 4 - o->len) {
        o->failed = 1;
        return -1;
    }
    size_t cap = o->cap ? o->cap : 256;
    while (cap < o->len + n + 1)
        cap *= 2;
    char *grown = arena_alloc(o->arena, cap);
    if (!grown) {
        o->failed = 1;
        return -1;
    }
    if (o->len)
        memcpy(grown, o->buf, o->len);
    o->buf = grown;
    o->cap = cap;
    return 0;
}

void json_out_raw(struct json_out *o, const char *s, size_t n)
{
    if (reserve(o, n) != 0)
        return;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

void json_out_lit(struct json_out *o, const char *s)
{
    json_out_raw(o, s, strlen(s));
}

/* Length of the UTF-8 sequence that starts with byte c, 0 if none can. */
static size_t utf8_seq_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0; /* a continuation byte, an overlong lead (C0, C1), or F5..FF */
}

/* Checks one multibyte sequence of length len at s (jansson's rules). */
static int utf8_seq_valid(const unsigned char *s, size_t len)
{
    uint32_t cp = len == 2 ? s[0] & 0x1Fu : len == 3 ? s[0] & 0x0Fu : s[0] & 0x07u;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    /* overlong forms */
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
        return 0;
    return 1;
}

int json_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t len = utf8_seq_len(p[i]);
        if (len == 0 || len > n - i)
            return 0;
        if (len > 1 && !utf8_seq_valid(p + i, len))
            return 0;
        i += len;
    }
    return 1;
}

void json_out_strn(struct json_out *o, const char *s, size_t n)
{
    if (!json_utf8_valid(s, n)) {
        o->failed = 1;
        return;
    }
    json_out_raw(o, "\"", 1);
    size_t run = 0; /* bytes copied as they are, pending */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        json_out_raw(o, s + i - run, run);
        run = 0;
        char esc[8];
        switch (c) {
        case '"': json_out_raw(o, "\\\"", 2); break;
        case '\\': json_out_raw(o, "\\\\", 2); break;
        case '\b': json_out_raw(o, "\\b", 2); break;
        case '\f': json_out_raw(o, "\\f", 2); break;
        case '\n': json_out_raw(o, "\\n", 2); break;
        case '\r': json_out_raw(o, "\\r", 2); break;
        case '\t': json_out_raw(o, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04X", (unsigned)c);
            json_out_raw(o, esc, 6);
        }
    }
    json_out_raw(o, s + n - run, run);
    json_out_raw(o, "\"", 1);
}

void json_out_str(struct json_out *o, const char *s)
{
    json_out_strn(o, s, strlen(s));
}

void json_out_str_or_null(struct json_out *o, const char *s)
{
    if (s)
        json_out_str(o, s);
    else
        json_out_raw(o, "null", 4);
}

/* Digits written backwards, as "%" PRId64 would print them (no snprintf:
 * a 365-period series writes a thousand of them). */
void json_out_int(struct json_out *o, int64_t v)
{
    char buf[24];
    size_t at = sizeof buf;
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        buf[--at] = (char)('0' + m % 10);
        m /= 10;
    } while (m > 0);
    if (v < 0)
        buf[--at] = '-';
    json_out_raw(o, buf + at, sizeof buf - at);
}

void json_out_value(struct json_out *o, const json_t *v)
{
    if (o->failed)
        return;
    size_t need = json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
    if (need == 0 || reserve(o, need) != 0) {
        o->failed = 1;
        return;
    }
    json_dumpb(v, o->buf + o->len, need, JSON_COMPACT | JSON_ENCODE_ANY);
    o->len += need;
    o->buf[o->len] = '\0';
}
