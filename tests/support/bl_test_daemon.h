/*
 * bl_test_daemon: a ROUTER socket that plays a daemon for tests of the
 * asking side (common/bl_rpc.c, the portal's backend): it binds an
 * endpoint, takes a request, and answers with a reply envelope whose
 * payload the test writes.  Criterion assertions fail the test on any
 * socket error.
 */
#ifndef BL_TEST_DAEMON_H
#define BL_TEST_DAEMON_H

#include <stddef.h>

#include "bl_mp.h"

/* Where a test's daemon listens: a temporary folder with the endpoint
 * ipc://FOLDER/daemon.sock, and a zmq context. */
typedef struct bl_test_place {
    char dir[64];
    char ep[128];
    void *ctx;
} bl_test_place_t;

/* Makes the folder and the context; ignores SIGPIPE, as the daemons do. */
void bl_test_place_open(bl_test_place_t *p);

/* Ends the context (every socket closed first) and removes the folder. */
void bl_test_place_close(bl_test_place_t *p);

/* A ROUTER bound at endpoint ep in zmq context ctx (linger 0). */
void *bl_test_daemon_bind(void *ctx, const char *ep);

/* Receives one request on r: the asker's peer id in id (size bytes);
 * returns its length. */
size_t bl_test_daemon_take(void *r, char *id, size_t size);

/* bl_test_daemon_take, keeping the request's bytes (its envelope, for
 * bl_msg_decode) in *body (malloc'd) and *len. */
size_t bl_test_daemon_take_body(void *r, char *id, size_t size, void **body,
                                size_t *len);

/* Answers the asker id (idl bytes) with a reply envelope holding
 * payload. */
void bl_test_daemon_answer(void *r, const char *id, size_t idl,
                           const bl_mpw_t *payload);

#endif
