/*
 * bl_str: copying a string into a fixed field, cut to fit — what
 * snprintf(dst, size, "%s", src) does, without parsing a format on paths
 * that copy millions of ids and names (a close's results).
 */
#ifndef BL_STR_H
#define BL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Copies src into dst (size > 0 bytes), cut to size - 1 bytes, always
 * NUL-terminated. */
static inline void bl_str_copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* bl_str_copy, and whether src fitted whole (false: it was cut) — what
 * snprintf(dst, size, "%s", src) < size says. */
static inline bool bl_str_copy_whole(char *dst, size_t size, const char *src)
{
    bool whole = strnlen(src, size) < size;
    bl_str_copy(dst, size, src);
    return whole;
}

#endif
