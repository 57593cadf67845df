/*
 * password.c — Argon2id password hashes (RFC 9106) via libsodium's
 * crypto_pwhash_str family.
 *
 * State is per process: the cost settings and a dummy hash made at that cost
 * from a random password nobody knows.  The dummy hash is made when it is
 * first needed (a login for an unknown email) or ahead of time by
 * password_prepare_dummy() (the pre-forked master, so that its workers
 * inherit it): a plain CGI process that serves anything else never pays for
 * it.  Workers are single-threaded processes, so the state needs no locking.
 */
#include "auth/password.h"

#include <stdbool.h>
#include <string.h>

#include <sodium.h>

_Static_assert(PASSWORD_HASH_MAX == crypto_pwhash_STRBYTES, "PASSWORD_HASH_MAX must match libsodium");

/* The prefix of every hash this module makes (the PHC algorithm id). */
static const char argon2id_prefix[] = crypto_pwhash_argon2id_STRPREFIX;

static unsigned long long current_opslimit = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
static size_t current_memlimit = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
static bool sodium_ready;
static bool dummy_ready;
static char dummy_hash[PASSWORD_HASH_MAX];

/*
 * Hashes password with the current cost into out.  The caller has checked
 * the length.  Returns 0 or -1.
 */
static int hash_with_current_cost(const char *password, size_t len, char out[PASSWORD_HASH_MAX])
{
    if (crypto_pwhash_str_alg(out, password, len, current_opslimit, current_memlimit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return -1;
    return 0;
}

/*
 * Builds the dummy hash from 32 random bytes at the current cost, so that
 * verifying against it costs what verifying a real user's hash costs.
 * Returns 0 or -1.
 */
static int build_dummy_hash(void)
{
    unsigned char secret[32];
    int rc;

    randombytes_buf(secret, sizeof(secret));
    rc = hash_with_current_cost((const char *)secret, sizeof(secret), dummy_hash);
    sodium_memzero(secret, sizeof(secret));
    dummy_ready = rc == 0;
    return rc;
}

/* Initializes libsodium (sodium_init is itself idempotent); no hashing.
 * Returns 0 or -1. */
int password_init(void)
{
    if (!sodium_ready) {
        if (sodium_init() < 0)
            return -1;
        sodium_ready = true;
    }
    return 0;
}

/* password_init() and the dummy hash, if it does not exist yet.  0 or -1. */
int password_prepare_dummy(void)
{
    if (password_init() != 0)
        return -1;
    if (!dummy_ready)
        return build_dummy_hash();
    return 0;
}

int password_dummy_ready(void)
{
    return dummy_ready;
}

/*
 * Sets the cost for new hashes, within libsodium's argon2id limits, and
 * rebuilds the dummy hash at the new cost if it was already built (otherwise
 * it is built when first needed).  Returns 0 or -1 (settings unchanged).
 */
int password_set_cost(unsigned long long opslimit, size_t memlimit)
{
    if (opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
        opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
        memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
        memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX)
        return -1;
    current_opslimit = opslimit;
    current_memlimit = memlimit;
    if (dummy_ready) {
        dummy_ready = false;
        return build_dummy_hash();
    }
    return 0;
}

/*
 * Hashes a password with a fresh random salt.  Returns 0, or -1 for a NULL
 * password with a non-zero length, a password over PASSWORD_MAX_LEN bytes,
 * or a libsodium failure (out of memory).
 */
int password_hash(const char *password, size_t len, char out[PASSWORD_HASH_MAX])
{
    if (out == NULL || (password == NULL && len != 0) || len > PASSWORD_MAX_LEN)
        return -1;
    if (password_init() != 0)
        return -1;
    return hash_with_current_cost(password != NULL ? password : "", len, out);
}

/*
 * Checks password against hash in constant time with respect to the
 * password (libsodium's verify).  A hash that is not NUL-terminated within
 * PASSWORD_HASH_MAX bytes, or not Argon2id, never matches.  hash == NULL runs
 * the dummy verification and fails.  Returns 0 on a match, -1 otherwise.
 *
 * Verifying is one Argon2id computation at the hash's cost, and so is
 * building the dummy hash at the current cost: when hash == NULL finds no
 * dummy hash yet, building it is that request's computation, and it is not
 * verified against as well, so an unknown email still costs what a wrong
 * password costs (one computation), never two.
 */
static unsigned long verifications;

unsigned long password_verifications(void)
{
    return verifications;
}

int password_verify(const char *hash, const char *password, size_t len)
{
    const char *target = hash;

    if ((password == NULL && len != 0) || len > PASSWORD_MAX_LEN)
        return -1;
    if (password_init() != 0)
        return -1;
    if (password == NULL)
        password = "";
    if (target == NULL && !dummy_ready) {
        verifications++;
        build_dummy_hash();
        return -1;
    }
    if (target == NULL)
        target = dummy_hash;
    else if (strnlen(target, PASSWORD_HASH_MAX) >= PASSWORD_HASH_MAX ||
             strncmp(target, argon2id_prefix, sizeof(argon2id_prefix) - 1) != 0)
        return -1;
    verifications++;
    if (crypto_pwhash_str_verify(target, password, len) != 0)
        return -1;
    return hash == NULL ? -1 : 0;
}

/*
 * Whether hash was made with settings other than the current ones.  A hash
 * of another algorithm (argon2i, scrypt) needs a rehash too.  Returns 1, 0,
 * or -1 for something that is not a hash string at all.
 */
int password_needs_rehash(const char *hash)
{
    int rc;

    if (hash == NULL || strnlen(hash, PASSWORD_HASH_MAX) >= PASSWORD_HASH_MAX)
        return -1;
    if (strncmp(hash, argon2id_prefix, sizeof(argon2id_prefix) - 1) != 0)
        return 1;
    rc = crypto_pwhash_str_needs_rehash(hash, current_opslimit, current_memlimit);
    if (rc < 0)
        return -1;
    return rc == 0 ? 0 : 1;
}
