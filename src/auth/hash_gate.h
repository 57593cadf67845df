/*
 * hash_gate.h — a cap on Argon2id runs at once, across every worker of one
 * master (ORDERAPI_MAX_HASHES).
 *
 * Each password hash or verification costs 64 MiB and a core for a third of
 * a second; without a cap, a burst of logins or registrations occupies every
 * worker and every other request waits behind it.  Past the cap a request is
 * refused at once (503 server_busy, Retry-After) instead of queueing.
 *
 * The permits live in the scoreboard the master shares with its workers
 * (scoreboard_hash_acquire): no network round trip, and a worker killed while
 * hashing frees its permit when the master reaps it.  The cap is per machine,
 * which is what it protects: its cores and memory.  Processes serving alone
 * (plain CGI, mod_fcgid's) have no scoreboard: they share the cap through
 * slot files held with flock() in ORDERAPI_HASH_LOCK_DIR (hash_slots.h),
 * one directory for every such process of the same user on the host.
 */
#ifndef ORDERAPI_AUTH_HASH_GATE_H
#define ORDERAPI_AUTH_HASH_GATE_H

struct config;

/*
 * The automatic cap: one hash per core, but never every worker, so one
 * worker stays free for requests that hash nothing; at least 1.
 */
unsigned hash_gate_auto_capacity(long cores, unsigned workers);

/* The cap in force: ORDERAPI_MAX_HASHES, or the automatic one when 0. */
unsigned hash_gate_capacity(const struct config *cfg);

/* 0: go ahead and hash, then call hash_gate_leave; -1: refused (busy).
 * slot is the worker's scoreboard slot (-1 without a master: a slot file). */
int hash_gate_enter(const struct config *cfg, int slot);
void hash_gate_leave(int slot);

#endif
