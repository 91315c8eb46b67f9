/*
 * bl_error: the text of every error code, and the helpers that fill a
 * bl_err_t.  Not a logger: nothing here prints.
 */
#include "bl_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *bl_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
#define BL_ERROR_CASE(name, value, text)                                   \
    case name:                                                             \
        return text;
        BL_ERROR_TABLE(BL_ERROR_CASE)
#undef BL_ERROR_CASE
    default:
        break;
    }
    if (code < 0 && code > -1000) {
        return strerror(-code);
    }
    return "unknown error";
}

int bl_err_set(bl_err_t *err, int code, const char *fmt, ...)
{
    if (err == NULL) {
        return code;
    }
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void bl_err_prefix(bl_err_t *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    char prefix[BL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[BL_ERR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    /* Bounded precisions keep the result within the message buffer. */
    snprintf(err->msg, sizeof err->msg, "%.200s: %.300s", prefix, old);
}

void bl_err_clear(bl_err_t *err)
{
    if (err != NULL) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}
