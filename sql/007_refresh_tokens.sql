-- 007_refresh_tokens: refresh tokens, so that a client stays signed in
-- without its password (API.md "Refresh tokens").  Only a hash of each token
-- is kept (BLAKE2b-256, hex: a token is 256 random bits, so a keyless hash is
-- enough).  A login starts a family; each refresh uses its token up
-- (used_at) and adds a child in the same family (parent_id).  A used-up
-- token presented again revokes its whole family (revoked_at), as do logout
-- with the token and logout-all (every family of the user).  Times are unix
-- seconds, like users.tokens_valid_after.  The rows live here, not in Redis,
-- so that revocation survives a Redis flush.
CREATE TABLE IF NOT EXISTS refresh_tokens (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    family CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    parent_id BIGINT UNSIGNED NULL,
    user_id BIGINT UNSIGNED NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL,
    revoked_at BIGINT NULL,
    UNIQUE KEY uq_refresh_tokens_hash (token_hash),
    KEY ix_refresh_tokens_family (family),
    KEY ix_refresh_tokens_user (user_id, expires_at),
    CONSTRAINT fk_refresh_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
