/*
 * bl_test_link: what the tests of the international link share — CURVE
 * key pairs made by `benchlearn keygen`, a DEALER connected to the door as
 * a national node (or a stranger) would connect, and waiting for a line
 * in a daemon's log.
 */
#ifndef BL_TEST_LINK_H
#define BL_TEST_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "bl_test_node.h"
#include "bl_zap.h"

/* A key pair in Z85, as `benchlearn keygen` writes it. */
typedef struct bl_test_keys {
    char pub[BL_ZAP_KEY_LEN + 1];
    char sec[BL_ZAP_KEY_LEN + 1];
} bl_test_keys_t;

/* Reads dir/name.pub and dir/name.key (asserts). */
void bl_test_read_keys(const char *dir, const char *name,
                       bl_test_keys_t *k);

/* A DEALER (linger 0) connected to tcp://127.0.0.1:port; with client
 * keys, a CURVE client of server's public key (asserts). */
void *bl_test_dealer(void *zctx, int port, const bl_test_keys_t *server,
                     const bl_test_keys_t *client);

/* The whole log of daemon in node n, malloc'd ("" when absent); its
 * length in *len (may be NULL). */
char *bl_test_node_log(const bl_test_node_t *n, const char *daemon,
                       size_t *len);

/* Whether one line of daemon's log holds both a and b (b may be NULL),
 * waiting up to ms for it to appear. */
bool bl_test_node_log_has(const bl_test_node_t *n, const char *daemon,
                          const char *a, const char *b, int ms);

#endif
