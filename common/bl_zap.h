/*
 * bl_zap: the CURVE side of links between nodes — key files, and the ZAP
 * handler that lets only allow-listed public keys in.
 *
 * libzmq 4.3 accepts every CURVE client when no ZAP handler is bound, so a
 * server binds the handler (bl_zap_open) before any CURVE socket, and
 * serves it from its loop (bl_zap_on_readable).  The handler answers 200
 * with the key's country as user id for a listed key, 400 otherwise; the
 * caller is told of each refusal (to log it).  ZAP runs only at the
 * handshake: changing the allow list needs a restart of the daemon, which
 * drops live sessions.
 */
#ifndef BL_ZAP_H
#define BL_ZAP_H

#include <stddef.h>

#include "bl_config.h"
#include "bl_error.h"

#define BL_ZAP_KEY_LEN 40  /* a Z85 key */

typedef struct bl_zap bl_zap_t;

/* Reads a Z85 key (40 characters, then optional white space) from path
 * into key (41 bytes with the NUL). */
int bl_zap_read_key(const char *path, char key[BL_ZAP_KEY_LEN + 1],
                    bl_err_t *err);

/* The public key of a secret key. */
int bl_zap_public_of(const char secret[BL_ZAP_KEY_LEN + 1],
                     char public_key[BL_ZAP_KEY_LEN + 1], bl_err_t *err);

/* Binds the ZAP handler in zctx with the config's allow list (each key
 * file read now).  Returns 0, or an error naming the file. */
int bl_zap_open(bl_zap_t **out, void *zctx, const bl_config_t *cfg,
                bl_err_t *err);

void bl_zap_close(bl_zap_t **zap);

/* The handler's socket, to poll. */
void *bl_zap_socket(const bl_zap_t *zap);

/* Answers the waiting requests; refused(ctx, key, address) for each key
 * turned away. */
void bl_zap_on_readable(bl_zap_t *zap,
                        void (*refused)(void *ctx, const char *key,
                                        const char *address),
                        void *ctx);

/* Handshakes answered and refused since open. */
unsigned long bl_zap_refused(const bl_zap_t *zap);

#endif
