/*
 * config.c — settings from defaults, the environment, a file and flags.
 *
 * Every setting is one row of SETTINGS: its ORDERAPI_* name, how to parse
 * it, where it lives in struct config and its bounds.  Values are parsed
 * strictly (whole decimal numbers in range, no trailing junk), so a typo
 * stops start-up with one line that names the setting instead of running
 * with a surprise.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "domain/money.h"
#include "http/cors.h"
#include "domain/sql_dialect.h"
#include "http/query.h"
#include "notify/sms.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/orderapi"
#endif

enum setting_kind { SET_STR, SET_UINT, SET_ULONG, SET_SIZE, SET_BOOL, SET_REDIS_URL, SET_MONEY };

struct setting {
    const char *name;
    enum setting_kind kind;
    size_t offset;
    size_t size;              /* SET_STR: buffer size */
    unsigned long long min, max;
};

#define STR(name, field) {name, SET_STR, offsetof(struct config, field), sizeof(((struct config *)0)->field), 0, 0}
#define UINT(name, field, lo, hi) {name, SET_UINT, offsetof(struct config, field), 0, lo, hi}
#define ULONG(name, field, lo, hi) {name, SET_ULONG, offsetof(struct config, field), 0, lo, hi}
#define SIZE(name, field, lo, hi) {name, SET_SIZE, offsetof(struct config, field), 0, lo, hi}
#define BOOL(name, field) {name, SET_BOOL, offsetof(struct config, field), 0, 0, 1}

static const struct setting SETTINGS[] = {
    STR("ORDERAPI_LISTEN", listen),
    UINT("ORDERAPI_WORKERS", workers, 1, 256),
    ULONG("ORDERAPI_MAX_REQUESTS", max_requests, 0, 1000000000000ULL),
    UINT("ORDERAPI_DRAIN_TIMEOUT", drain_timeout, 1, 3600),
    SIZE("ORDERAPI_MAX_BODY", max_body, 1024, 64ULL * 1024 * 1024),
    SIZE("ORDERAPI_MAX_JSON_DEPTH", max_json_depth, 2, 64),
    STR("ORDERAPI_SQL_DIR", sql_dir),
    STR("ORDERAPI_PID_FILE", pid_file),
    BOOL("ORDERAPI_ALLOW_PUBLIC_LISTEN", allow_public_listen),
    BOOL("ORDERAPI_TEST_ROUTES", test_routes),
    STR("ORDERAPI_SMS_SENDER", sms_sender),
    UINT("ORDERAPI_SMS_TIMEOUT", sms_timeout, 1, 60),
    STR("ORDERAPI_CORS_ORIGINS", cors_origins),
    {"ORDERAPI_SHIPPING_FLAT", SET_MONEY, offsetof(struct config, shipping_flat), 0, 0, 0},
    {"ORDERAPI_FREE_SHIPPING_OVER", SET_MONEY, offsetof(struct config, free_shipping_over), 0, 0, 0},
    UINT("ORDERAPI_LOW_STOCK_THRESHOLD", low_stock_threshold, 0, 1000000),
    UINT("ORDERAPI_LIST_CACHE_TTL", list_cache_ttl, 1, 86400),
    ULONG("ORDERAPI_EVENTS_MAXLEN", events_maxlen, 1000, 1000000000),
    BOOL("ORDERAPI_RELAY", relay),
    UINT("ORDERAPI_RELAY_GATHER_MS", relay_gather_ms, 0, 1000),
    STR("ORDERAPI_DB_HOST", db.host),
    UINT("ORDERAPI_DB_PORT", db.port, 1, 65535),
    STR("ORDERAPI_DB_SOCKET", db.socket),
    STR("ORDERAPI_DB_NAME", db.name),
    STR("ORDERAPI_DB_USER", db.user),
    STR("ORDERAPI_DB_PASSWORD", db.password),
    UINT("ORDERAPI_DB_CONNECT_TIMEOUT", db.connect_timeout, 1, 60),
    UINT("ORDERAPI_DB_READ_TIMEOUT", db.read_timeout, 1, 3600),
    UINT("ORDERAPI_DB_WRITE_TIMEOUT", db.write_timeout, 1, 3600),
    UINT("ORDERAPI_DB_TX_ATTEMPTS", db.tx_attempts, 1, 20),
    STR("ORDERAPI_DB_DIALECT", db.dialect),
    {"ORDERAPI_REDIS_URL", SET_REDIS_URL, offsetof(struct config, redis), 0, 0, 0},
    UINT("ORDERAPI_REDIS_CONNECT_TIMEOUT_MS", redis.connect_timeout_ms, 10, 60000),
    UINT("ORDERAPI_REDIS_COMMAND_TIMEOUT_MS", redis.command_timeout_ms, 10, 60000),
    STR("ORDERAPI_JWT_ALG", jwt.alg),
    STR("ORDERAPI_JWT_PRIVATE_KEY_FILE", jwt.private_key_file),
    STR("ORDERAPI_JWT_PUBLIC_KEY_FILE", jwt.public_key_file),
    STR("ORDERAPI_JWT_SECRET", jwt.secret),
    STR("ORDERAPI_JWT_ISSUER", jwt.issuer),
    STR("ORDERAPI_JWT_AUDIENCE", jwt.audience),
    UINT("ORDERAPI_JWT_TTL", jwt.ttl, 60, 30u * 86400u),
    UINT("ORDERAPI_GUEST_TOKEN_TTL", jwt.guest_ttl, 60, 86400),
    UINT("ORDERAPI_REFRESH_TTL", jwt.refresh_ttl, 300, 365u * 86400u),
    UINT("ORDERAPI_JWT_LEEWAY", jwt.leeway, 1, 300),
    BOOL("ORDERAPI_REVOCATION_FAIL_OPEN", jwt.revocation_fail_open),
    UINT("ORDERAPI_LOGIN_MAX_FAILURES", jwt.login_max_failures, 1, 1000000),
    UINT("ORDERAPI_LOGIN_MAX_FAILURES_PER_IP", jwt.login_max_failures_per_ip, 1, 1000000),
    UINT("ORDERAPI_LOGIN_WINDOW", jwt.login_window, 1, 86400),
    UINT("ORDERAPI_REGISTER_MAX_PER_IP", jwt.register_max_per_ip, 1, 1000000),
    UINT("ORDERAPI_REGISTER_WINDOW", jwt.register_window, 1, 86400),
    UINT("ORDERAPI_MAX_HASHES", jwt.max_hashes, 0, 256),
    STR("ORDERAPI_HASH_LOCK_DIR", hash_lock_dir),
};
#define SETTING_COUNT (sizeof SETTINGS / sizeof SETTINGS[0])

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Sets every default; the worker count follows the machine (2 per core). */
void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen, sizeof cfg->listen, "127.0.0.1:9000");
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->workers = cores > 0 && cores < 128 ? (unsigned)cores * 2 : 2;
    cfg->drain_timeout = 30;
    cfg->max_body = 65536;
    cfg->max_json_depth = 8;
    snprintf(cfg->sql_dir, sizeof cfg->sql_dir, "%s/sql", PKGDATADIR);
    snprintf(cfg->db.host, sizeof cfg->db.host, "127.0.0.1");
    cfg->db.port = 3306;
    cfg->shipping_flat = 500;
    cfg->free_shipping_over = 10000;
    cfg->low_stock_threshold = 5;
    cfg->list_cache_ttl = 60;
    cfg->events_maxlen = 100000;
    cfg->relay = 1;
    cfg->relay_gather_ms = 50;
    snprintf(cfg->db.name, sizeof cfg->db.name, "orderapi");
    snprintf(cfg->db.user, sizeof cfg->db.user, "orderapi");
    cfg->db.connect_timeout = 2;
    cfg->db.read_timeout = 10;
    cfg->db.write_timeout = 10;
    cfg->db.tx_attempts = 5;
    snprintf(cfg->db.dialect, sizeof cfg->db.dialect, "auto");
    config_parse_redis_url(&cfg->redis, "redis://127.0.0.1:6379/0");
    cfg->redis.connect_timeout_ms = 500;
    cfg->redis.command_timeout_ms = 1000;
    snprintf(cfg->jwt.issuer, sizeof cfg->jwt.issuer, "orderapi");
    snprintf(cfg->jwt.audience, sizeof cfg->jwt.audience, "orderapi");
    snprintf(cfg->jwt.alg, sizeof cfg->jwt.alg, "HS256");
    cfg->jwt.ttl = 3600;
    cfg->jwt.guest_ttl = 900;
    cfg->sms_timeout = 10;
    cfg->jwt.refresh_ttl = 30u * 86400u;
    cfg->jwt.leeway = 30;
    cfg->jwt.login_max_failures = 5;
    cfg->jwt.login_max_failures_per_ip = 50;
    cfg->jwt.login_window = 900;
    cfg->jwt.register_max_per_ip = 20;
    cfg->jwt.register_window = 3600;
    cfg->jwt.max_hashes = 0;
}

/* Parses a whole unsigned decimal within [min, max]. */
static int parse_bounded(const char *value, unsigned long long min, unsigned long long max,
                         unsigned long long *out)
{
    int64_t v;
    if (parse_int64(value, 0, INT64_MAX, &v) != 0)
        return -1;
    if ((unsigned long long)v < min || (unsigned long long)v > max)
        return -1;
    *out = (unsigned long long)v;
    return 0;
}

/*
 * Percent-decodes the n bytes at s into out (size outsize, NUL-terminated).
 * -1 on a malformed escape, an encoded NUL, or when it does not fit.
 */
static int url_unescape(const char *s, size_t n, char *out, size_t outsize)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_digit_value(s[i + 1]) : -1;
            int lo = hi >= 0 ? hex_digit_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (o + 1 >= outsize)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

/* The parts of a Redis URL, filled by the parsers below. */
struct redis_url_parts {
    char host[CONFIG_STR];
    char socket[CONFIG_STR];
    char user[128];
    char password[CONFIG_STR];
    unsigned long long port, db;
};

/* "[user]:password" (the n bytes before '@'); a bare "word@" is refused as
 * ambiguous (user or password?). */
static int parse_userinfo(const char *s, size_t n, struct redis_url_parts *u)
{
    const char *colon = memchr(s, ':', n);
    if (!colon)
        return -1;
    if (url_unescape(s, (size_t)(colon - s), u->user, sizeof u->user) != 0)
        return -1;
    return url_unescape(colon + 1, n - (size_t)(colon - s) - 1, u->password, sizeof u->password);
}

/* "db=N&user=U&password=P" (any order, each at most once). */
static int parse_unix_query(const char *q, struct redis_url_parts *u)
{
    int seen_db = 0, seen_user = 0, seen_password = 0;
    while (*q != '\0') {
        const char *amp = strchr(q, '&');
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        char item[CONFIG_STR];
        memcpy(item, q, n);
        item[n] = '\0';
        if (strncmp(item, "db=", 3) == 0 && !seen_db++) {
            if (parse_bounded(item + 3, 0, 15, &u->db) != 0)
                return -1;
        } else if (strncmp(item, "user=", 5) == 0 && !seen_user++) {
            if (n == 5 || url_unescape(item + 5, n - 5, u->user, sizeof u->user) != 0)
                return -1;
        } else if (strncmp(item, "password=", 9) == 0 && !seen_password++) {
            if (n == 9 || url_unescape(item + 9, n - 9, u->password, sizeof u->password) != 0)
                return -1;
        } else {
            return -1;
        }
        q += n;
        if (*q == '&' && *++q == '\0')
            return -1;
    }
    return 0;
}

/* "unix:/path[?query]" or "unix:///path[?query]" (after "unix:"). */
static int parse_unix_url(const char *path, struct redis_url_parts *u)
{
    if (strncmp(path, "//", 2) == 0)
        path += 2;
    const char *q = strchr(path, '?');
    size_t plen = q ? (size_t)(q - path) : strlen(path);
    if (plen == 0 || path[0] != '/' || plen >= sizeof u->socket)
        return -1;
    memcpy(u->socket, path, plen);
    u->socket[plen] = '\0';
    if (q && q[1] == '\0')
        return -1;
    return q ? parse_unix_query(q + 1, u) : 0;
}

/* "[[user]:password@]host[:port][/db]" (after "redis://"). */
static int parse_tcp_url(const char *p, struct redis_url_parts *u)
{
    const char *slash = strchr(p, '/');
    size_t authority_len = slash ? (size_t)(slash - p) : strlen(p);
    const char *at = memrchr(p, '@', authority_len);
    if (at) {
        if (parse_userinfo(p, (size_t)(at - p), u) != 0 || u->password[0] == '\0')
            return -1;
        authority_len -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    char hostport[CONFIG_STR];
    memcpy(hostport, p, authority_len);
    hostport[authority_len] = '\0';
    char *colon = strrchr(hostport, ':');
    if (colon) {
        *colon = '\0';
        if (parse_bounded(colon + 1, 1, 65535, &u->port) != 0)
            return -1;
    }
    if (hostport[0] == '\0')
        return -1;
    snprintf(u->host, sizeof u->host, "%s", hostport);
    if (slash && slash[1] != '\0' && parse_bounded(slash + 1, 0, 15, &u->db) != 0)
        return -1;
    return 0;
}

/*
 * Parses a Redis URL (see config.h) into rc; rc is left alone on error.  A
 * user without a password is refused: it would mean nothing to AUTH.
 */
int config_parse_redis_url(struct redis_config *rc, const char *url)
{
    struct redis_url_parts u;
    memset(&u, 0, sizeof u);
    u.port = 6379;
    if (strlen(url) >= CONFIG_STR)
        return -1;
    int bad;
    if (strncmp(url, "unix:", 5) == 0)
        bad = parse_unix_url(url + 5, &u);
    else if (strncmp(url, "redis://", 8) == 0)
        bad = parse_tcp_url(url + 8, &u);
    else
        bad = -1;
    if (bad || (u.user[0] != '\0' && u.password[0] == '\0'))
        return -1;
    snprintf(rc->url, sizeof rc->url, "%s", url);
    snprintf(rc->host, sizeof rc->host, "%s", u.host);
    snprintf(rc->socket, sizeof rc->socket, "%s", u.socket);
    snprintf(rc->user, sizeof rc->user, "%s", u.user);
    snprintf(rc->password, sizeof rc->password, "%s", u.password);
    rc->port = (unsigned)u.port;
    rc->db = (unsigned)u.db;
    return 0;
}

/* Applies one setting by name; the error names it and the accepted range. */
int config_set(struct config *cfg, const char *name, const char *value, char *err, size_t errlen)
{
    const struct setting *s = NULL;
    for (size_t i = 0; i < SETTING_COUNT; i++)
        if (strcmp(SETTINGS[i].name, name) == 0)
            s = &SETTINGS[i];
    if (!s)
        return fail(err, errlen, "%s: unknown setting", name);
    char *field = (char *)cfg + s->offset;
    unsigned long long v;
    switch (s->kind) {
    case SET_STR:
        if (strlen(value) >= s->size)
            return fail(err, errlen, "%s: longer than %zu bytes", name, s->size - 1);
        memcpy(field, value, strlen(value) + 1);
        return 0;
    case SET_UINT:
    case SET_ULONG:
    case SET_SIZE:
        if (parse_bounded(value, s->min, s->max, &v) != 0)
            return fail(err, errlen, "%s: must be a whole number from %llu to %llu, got \"%.40s\"", name,
                        s->min, s->max, value);
        if (s->kind == SET_UINT)
            *(unsigned *)(void *)field = (unsigned)v;
        else if (s->kind == SET_ULONG)
            *(unsigned long *)(void *)field = (unsigned long)v;
        else
            *(size_t *)(void *)field = (size_t)v;
        return 0;
    case SET_BOOL:
        if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)
            *(int *)(void *)field = 1;
        else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
                 value[0] == '\0')
            *(int *)(void *)field = 0;
        else
            return fail(err, errlen, "%s: must be 1 or 0, got \"%.40s\"", name, value);
        return 0;
    case SET_MONEY: {
        int64_t cents;
        if (money_parse_string(value, strlen(value), &cents) != MONEY_OK)
            return fail(err, errlen, "%s: must be an amount such as 5.00, got \"%.40s\"", name, value);
        *(long long *)(void *)field = cents;
        return 0;
    }
    case SET_REDIS_URL:
        if (config_parse_redis_url(&cfg->redis, value) == 0)
            return 0;
        /* The value may hold a password: it is not repeated. */
        return fail(err, errlen,
                    "%s: must be redis://[[user]:password@]host[:port][/db] or "
                    "unix:/path/redis.sock[?db=N][&user=U][&password=P]",
                    name);
    }
    return fail(err, errlen, "%s: unknown setting", name);
}

/* Applies every ORDERAPI_* variable of the environment that names a setting;
 * other ORDERAPI_* variables (the stack's own, such as ORDERAPI_HTTP_PORT)
 * are not ours and are left alone. */
static int config_load_env(struct config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < SETTING_COUNT; i++) {
        const char *v = getenv(SETTINGS[i].name);
        if (v && config_set(cfg, SETTINGS[i].name, v, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* Trims leading and trailing blanks in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/*
 * Reads "NAME=value" lines.  Blank lines and lines starting with '#' are
 * skipped; a value may be wrapped in one pair of double or single quotes.
 * Every name must be a known setting: a typo is an error, not a no-op.
 */
int config_load_file(struct config *cfg, const char *file, char *err, size_t errlen)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return fail(err, errlen, "--config %s: %s", file, strerror(errno));
    int rc = -1;
    char line[2048];
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            fail(err, errlen, "%s:%u: line too long", file, lineno);
            goto out;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        if (strncmp(s, "export ", 7) == 0)
            s = trim(s + 7);
        char *eq = strchr(s, '=');
        if (!eq) {
            fail(err, errlen, "%s:%u: expected NAME=value", file, lineno);
            goto out;
        }
        *eq = '\0';
        char *name = trim(s), *value = trim(eq + 1);
        size_t vlen = strlen(value);
        if (vlen >= 2 && (value[0] == '"' || value[0] == '\'') && value[vlen - 1] == value[0]) {
            value[vlen - 1] = '\0';
            value++;
        }
        char inner[512];
        if (config_set(cfg, name, value, inner, sizeof inner) != 0) {
            fail(err, errlen, "%s:%u: %s", file, lineno, inner);
            goto out;
        }
    }
    if (ferror(f)) {
        fail(err, errlen, "--config %s: read error", file);
        goto out;
    }
    rc = 0;
out:
    fclose(f);
    return rc;
}

/* Defaults, then the environment, then the file (file wins). */
int config_load(struct config *cfg, const char *file, char *err, size_t errlen)
{
    config_defaults(cfg);
    if (config_load_env(cfg, err, errlen) != 0)
        return -1;
    if (!file || !*file)
        file = getenv("ORDERAPI_CONFIG");
    if (file && *file) {
        if (strlen(file) >= sizeof cfg->config_file)
            return fail(err, errlen, "--config: path too long");
        snprintf(cfg->config_file, sizeof cfg->config_file, "%s", file);
        if (config_load_file(cfg, file, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* 1 when a parsed TCP address takes every interface: 0.0.0.0, ::, or
 * ::ffff:0.0.0.0 (which a dual-stack socket binds as 0.0.0.0). */
static int sockaddr_is_wildcard(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr == htonl(INADDR_ANY);
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        static const unsigned char mapped_any[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
        return IN6_IS_ADDR_UNSPECIFIED(a) || memcmp(a->s6_addr, mapped_any, sizeof mapped_any) == 0;
    }
    return 0;
}

/* "unix:/path.sock" into a sockaddr_un. */
static int listen_parse_unix(const char *path, struct listen_addr *out, char *err, size_t errlen)
{
    struct sockaddr_un *un = (struct sockaddr_un *)(void *)&out->sa;
    if (path[0] == '\0')
        return fail(err, errlen, "ORDERAPI_LISTEN: unix: needs a socket path");
    if (strlen(path) >= sizeof un->sun_path)
        return fail(err, errlen, "ORDERAPI_LISTEN: unix socket path longer than %zu bytes", sizeof un->sun_path - 1);
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, strlen(path) + 1);
    out->sa_len = (socklen_t)sizeof *un;
    return 0;
}

/*
 * HOST of "HOST:PORT" as a numeric address, parsed the way the socket will
 * be bound (getaddrinfo with AI_NUMERICHOST: inet_aton's forms for IPv4, so
 * "0", "0.0" and "0x0" are 0.0.0.0; inet_pton's for a bracketed IPv6).
 * An empty host or "*" is 0.0.0.0.
 */
static int listen_parse_host(const char *host, size_t host_len, const char *port, struct listen_addr *out,
                             char *err, size_t errlen)
{
    char text[64];
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *res = NULL;

    hints.ai_family = AF_INET;
    if (host_len > 0 && host[0] == '[') {
        if (host_len < 3 || host[host_len - 1] != ']')
            return fail(err, errlen, "ORDERAPI_LISTEN: unbalanced [ ] around the IPv6 address");
        host++;
        host_len -= 2;
        hints.ai_family = AF_INET6;
    } else if (memchr(host, ':', host_len) != NULL) {
        return fail(err, errlen, "ORDERAPI_LISTEN: write an IPv6 address in brackets, as [::1]:9000");
    }
    if (host_len >= sizeof text)
        return fail(err, errlen, "ORDERAPI_LISTEN: the host is not a numeric address");
    memcpy(text, host, host_len);
    text[host_len] = '\0';
    if (hints.ai_family == AF_INET && (host_len == 0 || strcmp(text, "*") == 0))
        snprintf(text, sizeof text, "0.0.0.0");
    if (getaddrinfo(text, port, &hints, &res) != 0 || res == NULL ||
        res->ai_addrlen > sizeof out->sa) {
        if (res)
            freeaddrinfo(res);
        return fail(err, errlen, "ORDERAPI_LISTEN: \"%.60s\" is not a numeric IPv4 or [IPv6] address", text);
    }
    memcpy(&out->sa, res->ai_addr, res->ai_addrlen);
    out->sa_len = res->ai_addrlen;
    freeaddrinfo(res);
    out->wildcard = sockaddr_is_wildcard((const struct sockaddr *)(const void *)&out->sa);
    return 0;
}

/*
 * Parses ORDERAPI_LISTEN once into the address the socket is bound to, so
 * the public-listen check and the bind read the same bytes the same way.
 */
int config_listen_parse(const char *text, struct listen_addr *out, char *err, size_t errlen)
{
    const char *colon;
    unsigned long long port;

    memset(out, 0, sizeof *out);
    if (strncmp(text, "unix:", 5) == 0)
        return listen_parse_unix(text + 5, out, err, errlen);
    colon = strrchr(text, ':');
    if (!colon || parse_bounded(colon + 1, 1, 65535, &port) != 0)
        return fail(err, errlen, "ORDERAPI_LISTEN: must be unix:/path.sock or HOST:PORT, got \"%.60s\"", text);
    return listen_parse_host(text, (size_t)(colon - text), colon + 1, out, err, errlen);
}

/* Rules that involve more than one value, and what each use requires. */
int config_validate(const struct config *cfg, enum config_use use, char *err, size_t errlen)
{
    struct listen_addr listen_at;
    if (config_listen_parse(cfg->listen, &listen_at, err, errlen) != 0)
        return -1;
    if (listen_at.wildcard && !cfg->allow_public_listen)
        return fail(err, errlen,
                    "ORDERAPI_LISTEN: %.60s listens on every interface; set ORDERAPI_ALLOW_PUBLIC_LISTEN=1 if you mean it",
                    cfg->listen);
    if (cfg->db.name[0] == '\0')
        return fail(err, errlen, "ORDERAPI_DB_NAME: must be set");
    if (cfg->db.user[0] == '\0')
        return fail(err, errlen, "ORDERAPI_DB_USER: must be set");
    if (cfg->db.socket[0] == '\0' && cfg->db.host[0] == '\0')
        return fail(err, errlen, "ORDERAPI_DB_HOST: set it or ORDERAPI_DB_SOCKET");
    enum sql_dialect_setting dialect;
    if (sql_dialect_setting_parse(cfg->db.dialect, &dialect) != 0)
        return fail(err, errlen, "ORDERAPI_DB_DIALECT: must be auto, mariadb or mysql, got \"%.20s\"", cfg->db.dialect);
    if (cfg->hash_lock_dir[0] && cfg->hash_lock_dir[0] != '/')
        return fail(err, errlen, "ORDERAPI_HASH_LOCK_DIR: must be an absolute path, got \"%.60s\"", cfg->hash_lock_dir);
    if (use == CONFIG_FOR_SERVE) {
        struct sms_sender sender;
        if (sms_sender_parse(cfg->sms_sender, cfg->sms_timeout, &sender, err, errlen) != 0)
            return -1;
        if (cors_origins_check(cfg->cors_origins, err, errlen) != 0)
            return -1;
        if (strcmp(cfg->jwt.alg, "HS256") == 0) {
            if (cfg->jwt.secret[0] == '\0')
                return fail(err, errlen, "ORDERAPI_JWT_SECRET: must be set (at least 32 bytes)");
            if (strlen(cfg->jwt.secret) < 32)
                return fail(err, errlen, "ORDERAPI_JWT_SECRET: must be at least 32 bytes, got %zu",
                            strlen(cfg->jwt.secret));
        } else if (strcmp(cfg->jwt.alg, "RS256") == 0 || strcmp(cfg->jwt.alg, "ES256") == 0) {
            if (access(cfg->jwt.private_key_file, R_OK) != 0)
                return fail(err, errlen, "ORDERAPI_JWT_PRIVATE_KEY_FILE: %s needs a readable PEM private key",
                            cfg->jwt.alg);
            if (access(cfg->jwt.public_key_file, R_OK) != 0)
                return fail(err, errlen, "ORDERAPI_JWT_PUBLIC_KEY_FILE: %s needs a readable PEM public key",
                            cfg->jwt.alg);
        } else {
            return fail(err, errlen, "ORDERAPI_JWT_ALG: must be HS256, RS256 or ES256, got \"%s\"", cfg->jwt.alg);
        }
    }
    return 0;
}
