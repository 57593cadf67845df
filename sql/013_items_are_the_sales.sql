-- 013_items_are_the_sales: an order's items are its sales in the stock
-- ledger (README.md, "The ledger invariant").  Creating an order no longer
-- writes a stock_movements row per item (reason 'order'): the ledger of a
-- product is its stock_movements rows (initial stock, adjustments, cancels'
-- restocks) plus, as sales, minus the quantity of each of its order items,
-- so that stock = SUM(stock_movements.delta) - SUM(order_items.quantity).
--
-- A sale is once per (order, product), as the unique key
-- (reason, order_id, product_id) of stock_movements made it: the items of an
-- order are merged per product, and the unique key below holds it in the
-- database.  It takes over from ix_order_items_order (its prefix serves the
-- same reads and the foreign key).  A cancel's restock is still a 'cancel'
-- movement under that unique key, so it cannot double.
ALTER TABLE order_items
    ADD UNIQUE KEY uq_order_items_sale (order_id, product_id),
    DROP KEY ix_order_items_order;

-- The sale movements move out, without changing any product's ledger sum:
-- where a product's 'order' movements were not exactly minus its items'
-- quantities (they always are, unless rows were edited by hand), one
-- 'adjustment' keeps the difference, so every answer of
-- /admin/stock/health stays the same.  One transaction: both or neither.
START TRANSACTION;
INSERT INTO stock_movements (product_id, delta, reason, note)
SELECT d.product_id, CAST(SUM(d.delta) AS SIGNED), 'adjustment',
       'migration 013: sale movements that differed from the order items'
FROM (SELECT product_id, delta FROM stock_movements WHERE reason = 'order'
      UNION ALL
      SELECT product_id, quantity FROM order_items) AS d
GROUP BY d.product_id
HAVING SUM(d.delta) <> 0;
DELETE FROM stock_movements WHERE reason = 'order';
COMMIT;
