/*
 * register_throttle.h — registration attempts counted in Redis per client
 * address over a fixed window (ORDERAPI_REGISTER_MAX_PER_IP attempts per
 * ORDERAPI_REGISTER_WINDOW seconds; key orderapi:rl:register:addr:<address>).
 * Every well-formed attempt counts, a taken email (409) too, so the limit
 * also bounds how fast one address can probe which emails have accounts.
 */
#ifndef ORDERAPI_REGISTER_THROTTLE_H
#define ORDERAPI_REGISTER_THROTTLE_H

struct cache;
struct jwt_config;
struct arena;

/* 0 counted (go on), 1 limited (*retry_after set), -1 Redis unreachable. */
int register_throttle_begin(struct cache *cache, const struct jwt_config *jwt, struct arena *a,
                            const char *addr, long long *retry_after);
/* Takes back an attempt the server refused for its own reasons (busy). */
void register_throttle_give_back(struct cache *cache, struct arena *a, const char *addr);

#endif
