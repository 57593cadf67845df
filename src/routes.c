/*
 * routes.c — every route orderapi serves, in one table.  The method, the
 * pattern, the handler and who may call it are all visible here.
 */
#include "router.h"

#include "handlers/handlers.h"

const struct route ROUTES[] = {
    {HTTP_GET, "/health", handle_health, ACCESS_ANYONE, "GET /health"},
    {HTTP_GET, "/metrics", handle_metrics, ACCESS_LOOPBACK, "GET /metrics"},

    /* Accounts and tokens. */
    {HTTP_POST, "/api/v1/auth/register", handle_auth_register, ACCESS_ANYONE, "POST /api/v1/auth/register"},
    {HTTP_POST, "/api/v1/auth/login", handle_auth_login, ACCESS_ANYONE, "POST /api/v1/auth/login"},
    {HTTP_POST, "/api/v1/auth/logout", handle_auth_logout, ACCESS_ANY_PRINCIPAL, "POST /api/v1/auth/logout"},
    {HTTP_POST, "/api/v1/auth/logout-all", handle_auth_logout_all, ACCESS_USER, "POST /api/v1/auth/logout-all"},
    {HTTP_GET, "/api/v1/auth/me", handle_auth_me, ACCESS_USER, "GET /api/v1/auth/me"},
    /* Catalog and stock. */
    {HTTP_GET, "/api/v1/products", handle_product_list, ACCESS_ANYONE, "GET /api/v1/products"},
    {HTTP_POST, "/api/v1/products", handle_product_create, ACCESS_ADMIN, "POST /api/v1/products"},
    {HTTP_GET, "/api/v1/products/{id}", handle_product_get, ACCESS_ANYONE, "GET /api/v1/products/{id}"},
    {HTTP_PATCH, "/api/v1/products/{id}", handle_product_update, ACCESS_ADMIN, "PATCH /api/v1/products/{id}"},
    {HTTP_POST, "/api/v1/products/{id}/stock-adjustments", handle_stock_adjustment, ACCESS_ADMIN,
     "POST /api/v1/products/{id}/stock-adjustments"},
    {HTTP_GET, "/api/v1/admin/stock/health", handle_stock_health, ACCESS_ADMIN, "GET /api/v1/admin/stock/health"},

    /* Orders.  Literal segments (stats, my-orders, status-options) win over {id}. */
    {HTTP_POST, "/api/v1/orders", handle_order_create, ACCESS_ANY_PRINCIPAL, "POST /api/v1/orders"},
    {HTTP_GET, "/api/v1/orders", handle_order_list, ACCESS_ANY_PRINCIPAL, "GET /api/v1/orders"},
    {HTTP_GET, "/api/v1/orders/my-orders", handle_my_orders, ACCESS_CUSTOMER, "GET /api/v1/orders/my-orders"},
    {HTTP_GET, "/api/v1/orders/stats", handle_order_stats, ACCESS_ADMIN, "GET /api/v1/orders/stats"},
    {HTTP_GET, "/api/v1/orders/status-options", handle_order_status_options, ACCESS_ANYONE,
     "GET /api/v1/orders/status-options"},
    {HTTP_GET, "/api/v1/orders/{id}", handle_order_get, ACCESS_ANY_PRINCIPAL, "GET /api/v1/orders/{id}"},
    {HTTP_PATCH, "/api/v1/orders/{id}", handle_order_update, ACCESS_ANY_PRINCIPAL, "PATCH /api/v1/orders/{id}"},
    {HTTP_DELETE, "/api/v1/orders/{id}", handle_order_delete, ACCESS_ANY_PRINCIPAL, "DELETE /api/v1/orders/{id}"},
    {HTTP_PUT, "/api/v1/orders/{id}/status", handle_order_set_status, ACCESS_ADMIN, "PUT /api/v1/orders/{id}/status"},
    {HTTP_PATCH, "/api/v1/orders/{id}/status", handle_order_set_status, ACCESS_ADMIN,
     "PATCH /api/v1/orders/{id}/status"},
    {HTTP_PATCH, "/api/v1/orders/{id}/payment", handle_order_set_payment, ACCESS_ADMIN,
     "PATCH /api/v1/orders/{id}/payment"},
    {HTTP_POST, "/api/v1/orders/{id}/cancel", handle_order_cancel, ACCESS_ANY_PRINCIPAL,
     "POST /api/v1/orders/{id}/cancel"},
    {HTTP_GET, "/api/v1/orders/{id}/history", handle_order_history, ACCESS_ANY_PRINCIPAL,
     "GET /api/v1/orders/{id}/history"},
    {HTTP_GET, "/api/v1/orders/{id}/statistics", handle_order_statistics, ACCESS_ANY_PRINCIPAL,
     "GET /api/v1/orders/{id}/statistics"},

    /* Only answered when ORDERAPI_TEST_ROUTES=1 (the e2e stack); 404 otherwise. */
    {HTTP_POST, "/api/v1/_echo", handle_test_echo, ACCESS_ANYONE, "POST /api/v1/_echo"},
    {HTTP_GET, "/api/v1/_sleep", handle_test_sleep, ACCESS_ANYONE, "GET /api/v1/_sleep"},
};

const size_t ROUTE_COUNT = sizeof ROUTES / sizeof ROUTES[0];
