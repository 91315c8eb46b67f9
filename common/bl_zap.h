/*
 * bl_zap: the CURVE side of links between nodes — key files, and the ZAP
 * handler that lets only allow-listed public keys in.
 *
 * libzmq 4.3 accepts every CURVE client when no ZAP handler is bound, so a
 * server binds the handler (bl_zap_open) before any CURVE socket, and
 * serves it from its loop (bl_zap_on_readable).  The handler answers 200
 * with the key's country as user id for a listed key, 400 otherwise; the
 * caller is told of each refusal (to log it).  ZAP runs only at the
 * handshake, so each admitted connection also carries its key as the
 * metadata property "X-Key": a server that checks bl_zap_admits on every
 * message refuses a key from the moment bl_zap_reload drops it, on its
 * live session too, while every other session goes on.  A socket monitor
 * (bl_zap_watch) reports handshakes that fail before ZAP is asked (a
 * client without CURVE) with the peer's address.
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

/* Replaces the allow list with cfg's (each key file read now); on an
 * error the old list stays.  removed gets the countries of the keys taken
 * off, space-separated ("" when none).  Returns the number of keys now
 * allowed, or an error naming the file. */
int bl_zap_reload(bl_zap_t *zap, const bl_config_t *cfg, char *removed,
                  size_t size, bl_err_t *err);

/* Whether a message from a connection whose ZAP user id and "X-Key"
 * property are these is still allowed: 1 or 0 (0 for NULLs).  zap_ctx is
 * the bl_zap_t (the signature of a bl_inbox gate). */
int bl_zap_admits(void *zap_ctx, const char *user_id, const char *key);

/* Watches the CURVE server socket server for failed handshakes. */
int bl_zap_watch(bl_zap_t *zap, void *zctx, void *server, bl_err_t *err);

/* The monitor's socket to poll, NULL before bl_zap_watch. */
void *bl_zap_monitor_socket(const bl_zap_t *zap);

/* Reads the waiting monitor events; refused(ctx, why, address) for each
 * connection whose handshake failed, address "1.2.3.4:5678" or "?". */
void bl_zap_on_monitor(bl_zap_t *zap,
                       void (*refused)(void *ctx, const char *why,
                                       const char *address),
                       void *ctx);

/* Handshakes answered and refused since open. */
unsigned long bl_zap_refused(const bl_zap_t *zap);

#endif
