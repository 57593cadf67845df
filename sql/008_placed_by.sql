-- 008_placed_by: who placed each order (API.md "Point of sale").  A customer
-- places their own; a cashier (an admin) rings up an order for a customer
-- (user_id is theirs) or for a walk-in (no user_id, no guest_phone); a
-- guest is a phone, not a user, so a guest's order has no placed_by.  A
-- walk-in's order has no owner but its cashier, so the owner rule accepts
-- placed_by.  Orders written before were placed by their owners.
ALTER TABLE orders ADD COLUMN placed_by BIGINT UNSIGNED NULL AFTER guest_phone;
UPDATE orders SET placed_by = user_id WHERE placed_by IS NULL AND user_id IS NOT NULL;
ALTER TABLE orders DROP CONSTRAINT ck_orders_owner;
ALTER TABLE orders ADD CONSTRAINT ck_orders_owner
    CHECK (user_id IS NOT NULL OR guest_phone IS NOT NULL OR placed_by IS NOT NULL);
