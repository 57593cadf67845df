-- 005_product_sales_by_day: product_sales_daily loses its shard column.
-- Orders that sell the same product already queue on that product's row
-- lock in the order transaction, so sharding its sales row bought nothing,
-- and it made the top-products query read eight rows per product and day.
CREATE TABLE product_sales_by_day (
    day DATE NOT NULL,
    product_id BIGINT UNSIGNED NOT NULL,
    quantity BIGINT NOT NULL,
    revenue BIGINT NOT NULL,
    PRIMARY KEY (day, product_id),
    KEY ix_product_sales_by_day_product (product_id)
) ENGINE=InnoDB;

INSERT INTO product_sales_by_day (day, product_id, quantity, revenue)
SELECT day, product_id, SUM(quantity), SUM(revenue) FROM product_sales_daily GROUP BY day, product_id;

DROP TABLE product_sales_daily;
RENAME TABLE product_sales_by_day TO product_sales_daily;
