-- 011_running_totals: what a cold report or statistics answer reads, kept
-- ahead so that it reads a few hundred rows by primary key, not a row per
-- product and day (README.md, "Statistics").
--
-- order_totals_daily: one row per day (the order's UTC creation day): all
-- orders, the orders and revenue that count (not cancelled or refunded)
-- and their units.  It replaces items_sold_daily (010).  Its days are the
-- materialized days of the two running-total tables below.
--
-- order_stats_cum and product_sales_cum: running totals, per (status,
-- payment status) bucket and per product, of order_stats_daily and
-- product_sales_daily from the first day up to and including `day`.  They
-- are dense per materialized day: a day of order_totals_daily has a row
-- for every bucket or product with any row on or before it, so the totals
-- of [a, b] are the rows of the latest day <= b minus those of the latest
-- day < a.  The relay keeps all of them with the daily tables, in the
-- same transaction (store/aggregate_store.c).
CREATE TABLE order_totals_daily (
    day DATE NOT NULL,
    orders_all BIGINT NOT NULL,
    orders_counted BIGINT NOT NULL,
    revenue_counted BIGINT NOT NULL,
    items_counted BIGINT NOT NULL,
    PRIMARY KEY (day)
) ENGINE=InnoDB;

CREATE TABLE order_stats_cum (
    day DATE NOT NULL,
    status VARCHAR(16) CHARACTER SET ascii NOT NULL,
    payment_status VARCHAR(16) CHARACTER SET ascii NOT NULL,
    orders BIGINT NOT NULL,
    revenue BIGINT NOT NULL,
    PRIMARY KEY (day, status, payment_status)
) ENGINE=InnoDB;

CREATE TABLE product_sales_cum (
    day DATE NOT NULL,
    product_id BIGINT UNSIGNED NOT NULL,
    quantity BIGINT NOT NULL,
    revenue BIGINT NOT NULL,
    PRIMARY KEY (day, product_id)
) ENGINE=InnoDB;

-- backfill:begin (also run by the e2e tests after they write daily rows)
START TRANSACTION;
DELETE FROM order_totals_daily;
DELETE FROM order_stats_cum;
DELETE FROM product_sales_cum;
INSERT INTO order_totals_daily (day, orders_all, orders_counted, revenue_counted, items_counted)
SELECT day, SUM(orders), SUM(IF(status IN ('cancelled', 'refunded'), 0, orders)),
       SUM(IF(status IN ('cancelled', 'refunded'), 0, revenue)), 0
FROM order_stats_daily GROUP BY day;
INSERT INTO order_totals_daily (day, orders_all, orders_counted, revenue_counted, items_counted)
SELECT day, 0, 0, 0, SUM(quantity) FROM product_sales_daily GROUP BY day
ON DUPLICATE KEY UPDATE items_counted = VALUES(items_counted);
INSERT INTO order_stats_cum (day, status, payment_status, orders, revenue)
SELECT t.day, k.status, k.payment_status,
       SUM(COALESCE(s.orders, 0)) OVER (PARTITION BY k.status, k.payment_status ORDER BY t.day),
       SUM(COALESCE(s.revenue, 0)) OVER (PARTITION BY k.status, k.payment_status ORDER BY t.day)
FROM order_totals_daily t
JOIN (SELECT status, payment_status, MIN(day) AS first_day FROM order_stats_daily
      GROUP BY status, payment_status) k ON k.first_day <= t.day
LEFT JOIN order_stats_daily s ON s.day = t.day AND s.status = k.status AND s.payment_status = k.payment_status;
INSERT INTO product_sales_cum (day, product_id, quantity, revenue)
SELECT t.day, k.product_id,
       SUM(COALESCE(s.quantity, 0)) OVER (PARTITION BY k.product_id ORDER BY t.day),
       SUM(COALESCE(s.revenue, 0)) OVER (PARTITION BY k.product_id ORDER BY t.day)
FROM order_totals_daily t
JOIN (SELECT product_id, MIN(day) AS first_day FROM product_sales_daily GROUP BY product_id) k
    ON k.first_day <= t.day
LEFT JOIN product_sales_daily s ON s.day = t.day AND s.product_id = k.product_id;
COMMIT;
-- backfill:end

DROP TABLE items_sold_daily;
