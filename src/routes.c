/*
 * routes.c — every route orderapi serves, in one table.  The method, the
 * pattern, the handler and who may call it are all visible here.
 */
#include "router.h"

#include "handlers/handlers.h"

/* Each route's name, for logs and metrics, is its method and pattern. */
#define ROUTE(method, pattern, handler, access) {HTTP_##method, pattern, handler, access, #method " " pattern, NULL}
#define ROUTE_PREFETCH(method, pattern, handler, access, prefetch)                                       \
    {HTTP_##method, pattern, handler, access, #method " " pattern, prefetch}

const struct route ROUTES[] = {
    ROUTE(GET, "/health", handle_health, ACCESS_ANYONE),
    ROUTE(GET, "/metrics", handle_metrics, ACCESS_LOOPBACK),

    /* Accounts and tokens. */
    ROUTE(POST, "/api/v1/auth/register", handle_auth_register, ACCESS_ANYONE),
    ROUTE(POST, "/api/v1/auth/login", handle_auth_login, ACCESS_ANYONE),
    ROUTE(POST, "/api/v1/auth/refresh", handle_auth_refresh, ACCESS_ANYONE),
    ROUTE(POST, "/api/v1/auth/logout", handle_auth_logout, ACCESS_ANY_PRINCIPAL),
    ROUTE(POST, "/api/v1/phone-verifications", handle_phone_verification_start, ACCESS_ANYONE),
    ROUTE(POST, "/api/v1/phone-verifications/verify", handle_phone_verification_verify, ACCESS_ANYONE),
    ROUTE(POST, "/api/v1/auth/logout-all", handle_auth_logout_all, ACCESS_USER),
    ROUTE(GET, "/api/v1/auth/me", handle_auth_me, ACCESS_USER),
    /* Catalog and stock. */
    ROUTE(GET, "/api/v1/products", handle_product_list, ACCESS_ANYONE),
    ROUTE(POST, "/api/v1/products", handle_product_create, ACCESS_ADMIN),
    ROUTE(GET, "/api/v1/products/{id}", handle_product_get, ACCESS_ANYONE),
    ROUTE(PATCH, "/api/v1/products/{id}", handle_product_update, ACCESS_ADMIN),
    ROUTE(POST, "/api/v1/products/{id}/stock-adjustments", handle_stock_adjustment, ACCESS_ADMIN),
    ROUTE(GET, "/api/v1/admin/stock/health", handle_stock_health, ACCESS_ADMIN),

    /* Orders.  Literal segments (stats, my-orders, status-options) win over {id}. */
    ROUTE(POST, "/api/v1/orders", handle_order_create, ACCESS_ANY_PRINCIPAL),
    ROUTE_PREFETCH(GET, "/api/v1/orders", handle_order_list, ACCESS_ANY_PRINCIPAL, prefetch_order_list),
    ROUTE_PREFETCH(GET, "/api/v1/orders/my-orders", handle_my_orders, ACCESS_CUSTOMER, prefetch_my_orders),
    ROUTE_PREFETCH(GET, "/api/v1/orders/stats", handle_order_stats, ACCESS_ADMIN, prefetch_order_stats),
    ROUTE(GET, "/api/v1/orders/status-options", handle_order_status_options, ACCESS_ANYONE),
    ROUTE(GET, "/api/v1/orders/export", handle_order_export, ACCESS_ADMIN),
    ROUTE_PREFETCH(GET, "/api/v1/reports/sales", handle_report_sales, ACCESS_ADMIN, prefetch_report_sales),
    ROUTE_PREFETCH(GET, "/api/v1/reports/top-products", handle_report_top_products, ACCESS_ADMIN,
                   prefetch_report_top_products),
    ROUTE(GET, "/api/v1/orders/{id}", handle_order_get, ACCESS_ANY_PRINCIPAL | ACCESS_OVERLAP_CHECK),
    ROUTE(PATCH, "/api/v1/orders/{id}", handle_order_update, ACCESS_ANY_PRINCIPAL),
    ROUTE(DELETE, "/api/v1/orders/{id}", handle_order_delete, ACCESS_ANY_PRINCIPAL),
    ROUTE(PUT, "/api/v1/orders/{id}/status", handle_order_set_status, ACCESS_ADMIN),
    ROUTE(PATCH, "/api/v1/orders/{id}/status", handle_order_set_status, ACCESS_ADMIN),
    ROUTE(PATCH, "/api/v1/orders/{id}/payment", handle_order_set_payment, ACCESS_ADMIN),
    ROUTE(POST, "/api/v1/orders/{id}/cancel", handle_order_cancel, ACCESS_ANY_PRINCIPAL),
    ROUTE(GET, "/api/v1/orders/{id}/history", handle_order_history, ACCESS_ANY_PRINCIPAL),
    ROUTE(GET, "/api/v1/orders/{id}/statistics", handle_order_statistics, ACCESS_ANY_PRINCIPAL),

    /* Only answered when ORDERAPI_TEST_ROUTES=1 (the e2e stack); 404 otherwise. */
    ROUTE(POST, "/api/v1/_echo", handle_test_echo, ACCESS_ANYONE),
    ROUTE(GET, "/api/v1/_sleep", handle_test_sleep, ACCESS_ANYONE),
    ROUTE(POST, "/api/v1/_crash", handle_test_crash, ACCESS_ANYONE),
    ROUTE(POST, "/api/v1/_user_state", handle_test_user_state, ACCESS_ANYONE),
    ROUTE(GET, "/api/v1/_db", handle_test_db, ACCESS_ANYONE),
};

const size_t ROUTE_COUNT = sizeof ROUTES / sizeof ROUTES[0];
