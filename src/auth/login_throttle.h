/*
 * login_throttle.h — failed logins counted in Redis, per email and per
 * client address, over a fixed window (ORDERAPI_LOGIN_WINDOW).  Past the
 * limit, logins answer 429 with Retry-After until the window ends; the
 * password is not even checked, so a guesser burns no hashing time.
 */
#ifndef ORDERAPI_LOGIN_THROTTLE_H
#define ORDERAPI_LOGIN_THROTTLE_H

struct app;
struct arena;

/* 0 allowed, 1 limited (*retry_after set), -1 Redis unreachable. */
int login_throttle_check(struct app *app, struct arena *a, const char *email, const char *addr,
                         long long *retry_after);
/* Counts one failure for both keys. */
void login_throttle_failure(struct app *app, struct arena *a, const char *email, const char *addr);
/* A successful login clears the email's count (not the address's). */
void login_throttle_success(struct app *app, struct arena *a, const char *email);

#endif
