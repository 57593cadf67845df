/*
 * login_throttle.h — failed logins counted in Redis, per email and per
 * client address, over a fixed window (ORDERAPI_LOGIN_WINDOW).
 *
 * Each attempt is counted before its password is checked (rate_window.h),
 * so parallel guesses cannot overrun the limit: of any number sent at once,
 * at most ORDERAPI_LOGIN_MAX_FAILURES reach the password check.  An attempt
 * that then succeeds is no failure: the email's count is cleared and the
 * address's given back.  Past the limit, logins answer 429 with Retry-After
 * until the window ends; the password is not even checked, so a guesser
 * burns no hashing time.
 */
#ifndef ORDERAPI_LOGIN_THROTTLE_H
#define ORDERAPI_LOGIN_THROTTLE_H

struct cache;
struct jwt_config;
struct arena;

/* Counts one attempt for both keys, unless either is at its limit.
 * 0 counted (go on), 1 limited (*retry_after set), -1 Redis unreachable. */
int login_throttle_begin(struct cache *cache, const struct jwt_config *jwt, struct arena *a,
                         const char *email, const char *addr, long long *retry_after);
/* Takes back an attempt that checked no password (busy, storage down). */
void login_throttle_give_back(struct cache *cache, struct arena *a, const char *email, const char *addr);
/* A successful login: clears the email's count, gives the address its
 * attempt back. */
void login_throttle_success(struct cache *cache, struct arena *a, const char *email, const char *addr);

#endif
