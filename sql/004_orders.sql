-- 004_orders: orders, their items and history, per-day order numbers,
-- idempotency keys, the outbox, and the aggregates behind /orders/stats.
--
-- Money is integer cents.  user_id is NULL for a guest's order, which is
-- owned by guest_phone instead.  version counts changes (ETag / If-Match).
CREATE TABLE orders (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_number VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id BIGINT UNSIGNED NULL,
    guest_phone VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    status ENUM('pending', 'confirmed', 'processing', 'shipped', 'delivered', 'completed', 'cancelled', 'refunded')
        NOT NULL DEFAULT 'pending',
    payment_status ENUM('pending', 'paid', 'failed', 'refunded') NOT NULL DEFAULT 'pending',
    payment_method VARCHAR(32) NULL,
    transaction_ref VARCHAR(128) NULL,
    priority ENUM('low', 'normal', 'high', 'urgent') NOT NULL DEFAULT 'normal',
    customer_name VARCHAR(200) NULL,
    customer_email VARCHAR(254) NULL,
    customer_phone VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    shipping_address TEXT NULL,
    item_count INT NOT NULL,
    total_quantity INT NOT NULL,
    subtotal BIGINT NOT NULL,
    tax_amount BIGINT NOT NULL,
    shipping_amount BIGINT NOT NULL DEFAULT 0,
    discount_amount BIGINT NOT NULL DEFAULT 0,
    total_amount BIGINT NOT NULL,
    currency CHAR(3) CHARACTER SET ascii NOT NULL DEFAULT 'USD',
    notes TEXT NULL,
    version INT UNSIGNED NOT NULL DEFAULT 1,
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    confirmed_at TIMESTAMP(6) NULL,
    shipped_at TIMESTAMP(6) NULL,
    delivered_at TIMESTAMP(6) NULL,
    completed_at TIMESTAMP(6) NULL,
    cancelled_at TIMESTAMP(6) NULL,
    UNIQUE KEY uq_orders_number (order_number),
    KEY ix_orders_user_created (user_id, created_at),
    KEY ix_orders_guest_created (guest_phone, created_at),
    KEY ix_orders_created (created_at),
    KEY ix_orders_status_created (status, created_at),
    KEY ix_orders_payment_created (payment_status, created_at),
    KEY ix_orders_priority_created (priority, created_at),
    KEY ix_orders_customer_phone (customer_phone),
    KEY ix_orders_total (total_amount),
    CONSTRAINT ck_orders_owner CHECK (user_id IS NOT NULL OR guest_phone IS NOT NULL),
    CONSTRAINT ck_orders_amounts CHECK (subtotal >= 0 AND tax_amount >= 0 AND shipping_amount >= 0
                                        AND discount_amount >= 0 AND total_amount >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE order_items (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id BIGINT UNSIGNED NOT NULL,
    product_id BIGINT UNSIGNED NOT NULL,
    sku VARCHAR(64) CHARACTER SET ascii NOT NULL,
    product_name VARCHAR(200) NOT NULL,
    unit_price BIGINT NOT NULL,
    tax_rate INT NOT NULL,
    quantity INT NOT NULL,
    subtotal BIGINT NOT NULL,
    tax_amount BIGINT NOT NULL,
    total_amount BIGINT NOT NULL,
    notes VARCHAR(500) NULL,
    KEY ix_order_items_order (order_id),
    KEY ix_order_items_product (product_id),
    CONSTRAINT fk_order_items_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE order_history (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id BIGINT UNSIGNED NOT NULL,
    kind ENUM('status', 'payment') NOT NULL,
    from_status VARCHAR(16) NULL,
    to_status VARCHAR(16) NOT NULL,
    changed_by BIGINT UNSIGNED NULL,
    note VARCHAR(500) NULL,
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY ix_order_history_order (order_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per UTC day; taken with a single autocommit upsert before the
-- order transaction, so no order waits on another's open transaction.
CREATE TABLE order_number_sequences (
    day DATE NOT NULL PRIMARY KEY,
    last_value BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;

-- Per principal ("u:<user id>" or "g:<phone>") and key.  state
-- 'in_progress' is committed before the order transaction starts, so a
-- concurrent duplicate sees it; the response is stored when done.
CREATE TABLE idempotency_keys (
    principal VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    idem_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    request_hash CHAR(64) CHARACTER SET ascii NOT NULL,
    state ENUM('in_progress', 'done') NOT NULL,
    response_status SMALLINT NULL,
    response_body MEDIUMTEXT NULL,
    response_location VARCHAR(128) NULL,
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (principal, idem_key),
    KEY ix_idempotency_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE outbox_events (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    type VARCHAR(40) CHARACTER SET ascii NOT NULL,
    order_id BIGINT UNSIGNED NULL,
    payload MEDIUMTEXT NOT NULL,
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    published_at TIMESTAMP(6) NULL,
    KEY ix_outbox_unpublished (published_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Aggregates for /orders/stats, kept in the order transactions.  A row per
-- (UTC creation day, status, payment status, shard): the shard (order id
-- mod 8) spreads concurrent orders over eight rows so that they do not
-- queue on one.  revenue is the orders' total_amount.
CREATE TABLE order_stats_daily (
    day DATE NOT NULL,
    status VARCHAR(16) CHARACTER SET ascii NOT NULL,
    payment_status VARCHAR(16) CHARACTER SET ascii NOT NULL,
    shard TINYINT UNSIGNED NOT NULL,
    orders BIGINT NOT NULL,
    revenue BIGINT NOT NULL,
    PRIMARY KEY (day, status, payment_status, shard)
) ENGINE=InnoDB;

-- Units and revenue per product and day, for orders that count toward
-- revenue (not cancelled or refunded).
CREATE TABLE product_sales_daily (
    day DATE NOT NULL,
    product_id BIGINT UNSIGNED NOT NULL,
    shard TINYINT UNSIGNED NOT NULL,
    quantity BIGINT NOT NULL,
    revenue BIGINT NOT NULL,
    PRIMARY KEY (day, product_id, shard),
    KEY ix_product_sales_product (product_id)
) ENGINE=InnoDB;
