-- 003_catalog: products and the stock ledger.
--
-- Money is integer cents; tax_rate is hundredths of a percent (825 = 8.25 %).
-- stock can only move through a transaction that also writes a
-- stock_movements row, so stock always equals the sum of its ledger (the
-- admin stock-health report proves it).  The unique key on (reason,
-- order_id, product_id) makes "sell product P in order X" and "restock P for
-- cancelled order X" each possible once; adjustments have no order_id and
-- NULLs never collide.
CREATE TABLE products (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    sku VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
    name VARCHAR(200) NOT NULL,
    description TEXT NULL,
    price BIGINT NOT NULL,
    tax_rate INT NOT NULL DEFAULT 0,
    stock INT NOT NULL DEFAULT 0,
    active TINYINT(1) NOT NULL DEFAULT 1,
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_products_sku (sku),
    KEY ix_products_active (active, id),
    CONSTRAINT ck_products_price CHECK (price >= 0),
    CONSTRAINT ck_products_tax_rate CHECK (tax_rate BETWEEN 0 AND 10000),
    CONSTRAINT ck_products_stock CHECK (stock >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE stock_movements (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    product_id BIGINT UNSIGNED NOT NULL,
    delta INT NOT NULL,
    reason ENUM('order', 'cancel', 'adjustment') NOT NULL,
    order_id BIGINT UNSIGNED NULL,
    note VARCHAR(255) NULL,
    created_by BIGINT UNSIGNED NULL,
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_stock_movements_once (reason, order_id, product_id),
    KEY ix_stock_movements_product (product_id),
    CONSTRAINT fk_stock_movements_product FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT ck_stock_movements_delta CHECK (delta <> 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
