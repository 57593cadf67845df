/*
 * problem.h — RFC 9457 problem details (application/problem+json).
 *
 * Every error response goes through here: type, title, status, detail, a
 * stable machine-readable code and the request id are always present.  The
 * detail is written for clients; internals (SQL, library messages) belong in
 * the log, never here.
 */
#ifndef ORDERAPI_PROBLEM_H
#define ORDERAPI_PROBLEM_H

#include <jansson.h>

struct http_request;
struct http_response;

/* The standard title for a status ("Not Found", "Unprocessable Content"...). */
const char *problem_title(int status);

/* A new problem object (caller owns the reference). */
json_t *problem_new(int status, const char *code, const char *detail, const char *request_id);

/* Writes problem (which may carry extra members such as "errors" or
 * "stock_issues") as res with its status; steals the reference. */
int problem_respond(const struct http_request *req, struct http_response *res, json_t *problem);

/* Shorthand: problem_respond(problem_new(status, code, detail, req->request_id)). */
int problem_send(const struct http_request *req, struct http_response *res,
                 int status, const char *code, const char *detail);

/* 422 validation_failed with errors: [{field, code, message}] (steals errors). */
int problem_validation(const struct http_request *req, struct http_response *res, json_t *errors);
/* Appends one {field, code, message} entry to an errors array. */
int problem_add_error(json_t *errors, const char *field, const char *code, const char *message);

/* For handlers that need a body: 0 when req->json is set, else answers 400
 * malformed_json and returns -1. */
int problem_require_json(const struct http_request *req, struct http_response *res);
/* 503 dependency_unavailable with Retry-After: 2, naming the part ("mysql",
 * "redis") in the detail. */
void problem_unavailable(const struct http_request *req, struct http_response *res, const char *part);
/* 500 internal_error with no details for the client; log_detail goes to the
 * log with the request id. */
void problem_internal_error(const struct http_request *req, struct http_response *res, const char *log_detail);

#endif
