/*
 * fcgi_io.h — the transport: FastCGI through libfcgi, or plain CGI.
 *
 * This is the only interface to libfcgi; fcgi_io.c is the only file that
 * includes <fcgiapp.h>.  Above it, a request is a struct http_io.
 */
#ifndef ORDERAPI_FCGI_IO_H
#define ORDERAPI_FCGI_IO_H

#include "http/http.h"

struct transport;

/* Initialises libfcgi once per process; 0 or -1. */
int transport_init(void);
/* Opens the listen socket for "unix:/path" or "host:port" as
 * config_listen_parse reads it (backlog 1024), non-blocking and close-on-exec
 * so that idle workers can wait in poll; the fd or -1 with errno. */
int transport_listen(const char *listen_addr);
/* 1 when fd is a listening socket (a web server handed it over on fd 0). */
int transport_fd_is_listener(int fd);

/* A FastCGI request slot bound to listen_fd. */
struct transport *transport_new(int listen_fd);
void transport_free(struct transport *t);
/* Accepts one request if one is waiting: 0 with io filled, -1 when there was
 * none after all (another worker won it) or the connection failed. */
int transport_accept(struct transport *t, struct http_io *io);
/* Flushes and closes the current request. */
void transport_finish(struct transport *t);

/* An http_io over the CGI environment, stdin and stdout. */
void transport_cgi_io(struct http_io *io);

#endif
