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

#endif
