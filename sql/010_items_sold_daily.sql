-- 010_items_sold_daily: the units sold per day, in one row per day, so a
-- sales report reads a row per day for its items instead of a row per
-- product and day (365 000 rows behind a year of a 1 000-product shop).
-- The relay keeps it from the same deltas as product_sales_daily, in the
-- same transaction (store/aggregate_store.c); it starts as their sum.
CREATE TABLE items_sold_daily (
    day DATE NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (day)
) ENGINE=InnoDB;

INSERT INTO items_sold_daily (day, quantity)
SELECT day, SUM(quantity) FROM product_sales_daily GROUP BY day;
