-- 014_no_product_sales_cum: the relay stops keeping product_sales_cum, the
-- per-product running totals of migration 011.  No answer reads it since
-- migration 012: top products (and the top ten of the statistics) read
-- their packed copy, product_sales_pack.  Writing it cost every relay batch
-- two statements and a row per product it touched, and every new day a
-- copy of every product's row (README.md, "Statistics").
--
-- The backfill below rebuilds every table the relay derives from the daily
-- aggregates (order_stats_daily, product_sales_daily) without it:
-- order_totals_daily and order_stats_cum as migration 011 did, and
-- product_sales_pack straight from the product's daily rows (its running
-- totals, computed by a window over the materialized days, packed as
-- migration 012 did).  On a database that 011 and 012 filled and the relay
-- kept since, it writes the rows that are already there.
-- backfill:begin (also run by the e2e tests and the bench's seed after they write daily rows)
-- A chunk's pack is at most 24 KiB: within GROUP_CONCAT's limit once the
-- session raises it (MySQL's default is 1 KiB, MariaDB's 1 MiB).
SET SESSION group_concat_max_len = 1048576;
START TRANSACTION;
DELETE FROM order_totals_daily;
DELETE FROM order_stats_cum;
DELETE FROM product_sales_pack;
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
INSERT INTO product_sales_pack (day, chunk, totals)
SELECT c.day, c.product_id DIV 1024,
       GROUP_CONCAT(UNHEX(CONCAT(LPAD(HEX(c.product_id), 16, '0'), LPAD(HEX(c.quantity), 16, '0'),
                                 LPAD(HEX(c.revenue), 16, '0')))
                    ORDER BY c.product_id SEPARATOR '')
FROM (SELECT t.day, k.product_id,
             CAST(SUM(COALESCE(s.quantity, 0)) OVER (PARTITION BY k.product_id ORDER BY t.day) AS SIGNED) AS quantity,
             CAST(SUM(COALESCE(s.revenue, 0)) OVER (PARTITION BY k.product_id ORDER BY t.day) AS SIGNED) AS revenue
      FROM order_totals_daily t
      JOIN (SELECT product_id, MIN(day) AS first_day FROM product_sales_daily GROUP BY product_id) k
          ON k.first_day <= t.day
      LEFT JOIN product_sales_daily s ON s.day = t.day AND s.product_id = k.product_id) c
GROUP BY c.day, c.product_id DIV 1024;
COMMIT;
-- backfill:end

DROP TABLE IF EXISTS product_sales_cum;
