/*
 * handlers.h — every handler the route table names.  One resource per
 * source file.
 */
#ifndef ORDERAPI_HANDLERS_H
#define ORDERAPI_HANDLERS_H

#include "router.h"

/* health.c */
void handle_health(struct app *app, struct http_request *req, struct http_response *res);
/* metrics.c */
void handle_metrics(struct app *app, struct http_request *req, struct http_response *res);
/* auth.c */
void handle_auth_register(struct app *app, struct http_request *req, struct http_response *res);
void handle_auth_login(struct app *app, struct http_request *req, struct http_response *res);
void handle_auth_refresh(struct app *app, struct http_request *req, struct http_response *res);
void handle_phone_verification_start(struct app *app, struct http_request *req, struct http_response *res);
void handle_phone_verification_verify(struct app *app, struct http_request *req, struct http_response *res);
void handle_auth_logout(struct app *app, struct http_request *req, struct http_response *res);
void handle_auth_logout_all(struct app *app, struct http_request *req, struct http_response *res);
void handle_auth_me(struct app *app, struct http_request *req, struct http_response *res);
/* products.c */
void handle_product_list(struct app *app, struct http_request *req, struct http_response *res);
void handle_product_get(struct app *app, struct http_request *req, struct http_response *res);
void handle_product_create(struct app *app, struct http_request *req, struct http_response *res);
void handle_product_update(struct app *app, struct http_request *req, struct http_response *res);
void handle_stock_adjustment(struct app *app, struct http_request *req, struct http_response *res);
/* stock.c */
void handle_stock_health(struct app *app, struct http_request *req, struct http_response *res);
/* order_create.c */
void handle_order_create(struct app *app, struct http_request *req, struct http_response *res);
/* order_read.c */
void handle_order_list(struct app *app, struct http_request *req, struct http_response *res);
void handle_my_orders(struct app *app, struct http_request *req, struct http_response *res);
void handle_order_get(struct app *app, struct http_request *req, struct http_response *res);
void handle_order_status_options(struct app *app, struct http_request *req, struct http_response *res);
int prefetch_order_list(struct app *app, struct http_request *req, struct list_cache_prefetch *pf);
int prefetch_my_orders(struct app *app, struct http_request *req, struct list_cache_prefetch *pf);
/* order_stats.c */
void handle_order_stats(struct app *app, struct http_request *req, struct http_response *res);
int prefetch_order_stats(struct app *app, struct http_request *req, struct list_cache_prefetch *pf);
void handle_order_export(struct app *app, struct http_request *req, struct http_response *res);
void handle_report_sales(struct app *app, struct http_request *req, struct http_response *res);
void handle_report_top_products(struct app *app, struct http_request *req, struct http_response *res);
int prefetch_report_sales(struct app *app, struct http_request *req, struct list_cache_prefetch *pf);
int prefetch_report_top_products(struct app *app, struct http_request *req, struct list_cache_prefetch *pf);
/* order_lifecycle.c */
void handle_order_update(struct app *app, struct http_request *req, struct http_response *res);
void handle_order_set_status(struct app *app, struct http_request *req, struct http_response *res);
void handle_order_set_payment(struct app *app, struct http_request *req, struct http_response *res);
void handle_order_cancel(struct app *app, struct http_request *req, struct http_response *res);
void handle_order_delete(struct app *app, struct http_request *req, struct http_response *res);
void handle_order_history(struct app *app, struct http_request *req, struct http_response *res);
void handle_order_statistics(struct app *app, struct http_request *req, struct http_response *res);
/* testing.c (ORDERAPI_TEST_ROUTES=1 only) */
void handle_test_echo(struct app *app, struct http_request *req, struct http_response *res);
void handle_test_sleep(struct app *app, struct http_request *req, struct http_response *res);
void handle_test_crash(struct app *app, struct http_request *req, struct http_response *res);
void handle_test_user_state(struct app *app, struct http_request *req, struct http_response *res);
void handle_test_db(struct app *app, struct http_request *req, struct http_response *res);

#endif
