/*
 * bl_error: the project's error codes and the error detail that travels up
 * the call stack.
 *
 * Every function that can fail returns int: 0 on success, or a negative
 * -errno or BL_E* code.  The BL_E* codes are generated from one X-macro table
 * so that bl_strerror() always knows every code.  Detail ("which file, which
 * field") travels in a caller-supplied bl_err_t, which may be NULL.
 * This module does not print: callers decide what to tell a person.
 */
#ifndef BL_ERROR_H
#define BL_ERROR_H

#include <stddef.h>

/* X(name, value, text).  Values stay below -1000 so they never collide
 * with -errno. */
#define BL_ERROR_TABLE(X)                                                  \
    X(BL_EINVAL, -1001, "invalid argument")                                \
    X(BL_ENOMEM, -1002, "out of memory")                                   \
    X(BL_EIO, -1003, "input/output error")                                 \
    X(BL_EPROTO, -1004, "malformed message")                               \
    X(BL_ETOOBIG, -1005, "size over the bound")                            \
    X(BL_ECONFIG, -1006, "configuration error")                            \
    X(BL_ESTORE, -1007, "store error")                                     \
    X(BL_EZMQ, -1008, "messaging error")                                   \
    X(BL_ENOTFOUND, -1009, "not found")                                    \
    X(BL_EDATA, -1010, "invalid data")                                     \
    X(BL_ETIMEOUT, -1011, "timed out")                                     \
    X(BL_ECLOSED, -1012, "period closed")                                  \
    X(BL_EREFUSED, -1013, "refused")                                       \
    X(BL_EMISMATCH, -1014, "catalogue mismatch")                           \
    X(BL_EGONE, -1015, "the peer went away")                               \
    X(BL_ENOSPC, -1030, "out of disk space")

enum bl_error_code {
#define BL_ERROR_ENUM(name, value, text) name = value,
    BL_ERROR_TABLE(BL_ERROR_ENUM)
#undef BL_ERROR_ENUM
};

/* The exit status of every program (SPEC section 6). */
typedef enum bl_exit {
    BL_EXIT_OK = 0,      /* done */
    BL_EXIT_USER = 1,    /* the user's mistake: arguments, config, data */
    BL_EXIT_SYSTEM = 2   /* the system failed: store, sockets, memory */
} bl_exit_t;

/* Maximum length of an error detail message, including the NUL. */
#define BL_ERR_MSG_MAX 512

/* Detail about the last failure, filled by the layer that failed. */
typedef struct bl_err {
    int code;                  /* the returned code, 0 when none */
    char msg[BL_ERR_MSG_MAX];  /* human text, GNU style, no trailing period */
} bl_err_t;

/* The text for a code: a BL_E* code, a -errno, or 0 ("success"). */
const char *bl_strerror(int code);

/* Fills err (when not NULL) with code and a formatted message; returns code
 * so that callers can write `return bl_err_set(err, BL_EIO, "...")`. */
int bl_err_set(bl_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts "prefix: " in front of err's message (when err is not NULL). */
void bl_err_prefix(bl_err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears err (when not NULL). */
void bl_err_clear(bl_err_t *err);

#endif
