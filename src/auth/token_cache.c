/*
 * token_cache.c — a direct-mapped table of verified tokens, per process.
 */
#include "auth/token_cache.h"

#include <stdlib.h>
#include <string.h>

#include "auth/jwt.h"
#include "auth/principal.h"

struct token_slot {
    uint64_t hash;
    char *token; /* NULL: empty */
    size_t len;
    struct principal principal;
};

static struct token_slot slots[TOKEN_CACHE_SLOTS];
/* Which slots hold a token: clearing visits only those, so a process that
 * stored one token (plain CGI) does not touch the whole table's pages. */
static uint64_t used[(TOKEN_CACHE_SLOTS + 63) / 64];

/* FNV-1a, 64 bit: only spreads tokens over slots; equality is checked on
 * the whole token. */
static uint64_t token_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int token_cache_lookup(const char *token, int64_t now, unsigned leeway, struct principal *out)
{
    size_t len = strnlen(token, JWT_MAX_TOKEN_LEN + 1);
    if (len > JWT_MAX_TOKEN_LEN)
        return -1;
    uint64_t h = token_hash(token, len);
    const struct token_slot *s = &slots[h % TOKEN_CACHE_SLOTS];
    if (!s->token || s->hash != h || s->len != len || memcmp(s->token, token, len) != 0)
        return -1;
    if (now > s->principal.expires_at + (int64_t)leeway)
        return -1; /* expired: let jwt_verify say so */
    *out = s->principal;
    return JWT_OK;
}

void token_cache_store(const char *token, const struct principal *p)
{
    size_t len = strnlen(token, JWT_MAX_TOKEN_LEN + 1);
    if (len > JWT_MAX_TOKEN_LEN)
        return;
    uint64_t h = token_hash(token, len);
    size_t i = h % TOKEN_CACHE_SLOTS;
    struct token_slot *s = &slots[i];
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, token, len + 1);
    free(s->token);
    *s = (struct token_slot){.hash = h, .token = copy, .len = len, .principal = *p};
    used[i / 64] |= (uint64_t)1 << (i % 64);
}

void token_cache_clear(void)
{
    for (size_t w = 0; w < sizeof used / sizeof used[0]; w++) {
        while (used[w]) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(used[w]);
            used[w] &= used[w] - 1;
            free(slots[i].token);
            slots[i] = (struct token_slot){0};
        }
    }
}
