-- 012_sales_pack: every product's running sales totals of a day packed in
-- one row per chunk of 1024 product ids, so that the top products of a
-- range (GET /reports/top-products, the top ten of GET /orders/stats) read
-- two days' rows, not two rows per product, and rank in C
-- (domain/sales_pack.h; README.md, "Statistics").
--
-- product_sales_pack: for each materialized day (of order_totals_daily)
-- and chunk (product_id DIV 1024), the rows of product_sales_cum of that
-- day and chunk as one pack: per product, in ascending id, its id, units
-- and revenue (cents), each a big-endian two's-complement 64-bit integer
-- (24 bytes a product).  Dense like product_sales_cum: a day has a chunk's
-- row once any of its products sold on or before that day.  The relay
-- keeps it in the same transaction as the rest (store/sales_pack_store.c).
CREATE TABLE product_sales_pack (
    day DATE NOT NULL,
    chunk INT UNSIGNED NOT NULL,
    totals MEDIUMBLOB NOT NULL,
    PRIMARY KEY (day, chunk)
) ENGINE=InnoDB;

-- backfill:begin (also run by the e2e tests after they rebuild the running totals)
-- A chunk's pack is at most 24 KiB: within GROUP_CONCAT's limit once the
-- session raises it (MySQL's default is 1 KiB, MariaDB's 1 MiB).
SET SESSION group_concat_max_len = 1048576;
START TRANSACTION;
DELETE FROM product_sales_pack;
INSERT INTO product_sales_pack (day, chunk, totals)
SELECT day, product_id DIV 1024,
       GROUP_CONCAT(UNHEX(CONCAT(LPAD(HEX(product_id), 16, '0'), LPAD(HEX(quantity), 16, '0'),
                                 LPAD(HEX(revenue), 16, '0')))
                    ORDER BY product_id SEPARATOR '')
FROM product_sales_cum GROUP BY day, product_id DIV 1024;
COMMIT;
-- backfill:end
