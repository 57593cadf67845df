/*
 * cors.c — which origins ORDERAPI_CORS_ORIGINS lists (see cors.h).
 */
#include "http/cors.h"

#include <stdio.h>
#include <string.h>

#define ORIGIN_MAX 256

/* Calls back with each entry of the comma list, spaces trimmed (an empty
 * entry too: "a,,b" and "a," have one); stops and returns the first
 * non-zero result.  "" has no entries. */
static int each_origin(const char *list, int (*fn)(const char *s, size_t n, void *arg), void *arg)
{
    if (*list == '\0')
        return 0;
    for (const char *p = list;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        while (n > 0 && *s == ' ') {
            s++;
            n--;
        }
        while (n > 0 && s[n - 1] == ' ')
            n--;
        int rc = fn(s, n, arg);
        if (rc != 0 || !end)
            return rc;
        p = end + 1;
    }
}

static int is_host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int is_ipv6_char(char c)
{
    return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9') || c == ':' || c == '.';
}

/* ":port" with 1..65535 and no leading zero, exactly n bytes; 0 or -1. */
static int port_valid(const char *s, size_t n)
{
    if (n < 2 || n > 6 || s[0] != ':' || s[1] == '0')
        return -1;
    unsigned long port = 0;
    for (size_t i = 1; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        port = port * 10 + (unsigned long)(s[i] - '0');
    }
    return port <= 65535 ? 0 : -1;
}

/* The host (and port) after "scheme://"; 0 or -1. */
static int authority_valid(const char *s, size_t n)
{
    size_t i = 0;
    if (n > 0 && s[0] == '[') {
        for (i = 1; i < n && s[i] != ']'; i++)
            if (!is_ipv6_char(s[i]))
                return -1;
        if (i == n || i < 3)
            return -1;
        i++;
    } else {
        while (i < n && is_host_char(s[i]))
            i++;
        if (i == 0 || s[0] == '.' || s[0] == '-' || s[i - 1] == '.' || s[i - 1] == '-')
            return -1;
    }
    return i == n ? 0 : port_valid(s + i, n - i);
}

static int origin_valid(const char *s, size_t n)
{
    if (n == 0 || n > ORIGIN_MAX)
        return -1;
    if (n > 7 && memcmp(s, "http://", 7) == 0)
        return authority_valid(s + 7, n - 7);
    if (n > 8 && memcmp(s, "https://", 8) == 0)
        return authority_valid(s + 8, n - 8);
    return -1;
}

struct check {
    char *err;
    size_t errlen;
};

static int check_one(const char *s, size_t n, void *arg)
{
    struct check *c = arg;
    if (origin_valid(s, n) == 0)
        return 0;
    if (c->err && c->errlen > 0)
        snprintf(c->err, c->errlen,
                 "ORDERAPI_CORS_ORIGINS: \"%.*s\" is not an origin such as https://shop.example or "
                 "http://localhost:5173 (lower case, no path)",
                 (int)(n > 80 ? 80 : n), s);
    return -1;
}

int cors_origins_check(const char *list, char *err, size_t errlen)
{
    struct check c = {err, errlen};
    return each_origin(list ? list : "", check_one, &c);
}

struct match {
    const char *origin;
    size_t len;
};

static int match_one(const char *s, size_t n, void *arg)
{
    const struct match *m = arg;
    return n > 0 && n == m->len && memcmp(s, m->origin, n) == 0;
}

int cors_origin_listed(const char *list, const char *origin)
{
    if (!list || !origin || !*origin)
        return 0;
    struct match m = {origin, strlen(origin)};
    return each_origin(list, match_one, &m) == 1;
}
