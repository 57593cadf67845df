/*
 * metrics.c — GET /metrics in the Prometheus text format (0.0.4).  Served
 * to loopback clients only (the route says so, and nginx agrees).
 */
#include "app.h"
#include "arena.h"
#include "handlers/handlers.h"
#include "http/problem.h"
#include "metrics.h"

void handle_metrics(struct app *app, struct http_request *req, struct http_response *res)
{
    (void)app;
    const char **names = arena_calloc(req->arena, ROUTE_COUNT, sizeof *names);
    if (!names) {
        problem_internal_error(req, res, "metrics: out of memory");
        return;
    }
    for (size_t i = 0; i < ROUTE_COUNT; i++)
        names[i] = ROUTES[i].name;
    size_t len = 0;
    char *text = metrics_render(req->arena, names, &len);
    if (!text) {
        problem_internal_error(req, res, "metrics: cannot render");
        return;
    }
    res->status = 200;
    res->content_type = "text/plain; version=0.0.4; charset=utf-8";
    res->body = text;
    res->body_len = len;
}
