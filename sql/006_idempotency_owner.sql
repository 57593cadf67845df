-- 006_idempotency_owner: an Idempotency-Key row names the request that holds it.
-- owner_token is a random number the claiming request chose; every write the
-- request makes to its row (the response, inside the order's transaction, or
-- the release) is guarded by it, so a request whose key was taken over
-- changes nothing.  owner_conn is the MariaDB CONNECTION_ID() of the
-- connection that claimed the key: while that connection exists the request
-- may still be running (or committing); once it is gone the request is dead
-- and a retry may take the key over at once.  NULL in rows written before
-- this migration (the owner is unknown: only the age rule frees them).
ALTER TABLE idempotency_keys
    ADD COLUMN owner_token BIGINT UNSIGNED NULL AFTER state,
    ADD COLUMN owner_conn BIGINT UNSIGNED NULL AFTER owner_token;
