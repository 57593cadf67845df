-- 002_users: accounts and the durable half of token revocation.
--
-- Emails are stored lower-cased by the application and unique byte for byte,
-- so uniqueness is case-insensitive without relying on collation rules.
-- tokens_valid_after is the logout-everywhere cut-off: a token whose iat is
-- at or before it is refused.  token_revocations keeps every logged-out jti
-- until its token would have expired, so the Redis denylist can be rebuilt
-- after Redis loses its data.
CREATE TABLE users (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    full_name VARCHAR(200) NOT NULL,
    phone VARCHAR(16) NULL,
    role ENUM('customer', 'admin') NOT NULL DEFAULT 'customer',
    password_hash VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    tokens_valid_after BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE token_revocations (
    jti VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id BIGINT UNSIGNED NULL,
    expires_at BIGINT NOT NULL,
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY ix_token_revocations_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
