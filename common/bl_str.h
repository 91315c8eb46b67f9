/*
 * bl_str: copying a string into a fixed field, cut to fit — what
 * snprintf(dst, size, "%s", src) does, without parsing a format on paths
 * that copy millions of ids and names (a close's results) — and a list of
 * names for a message ("one of a, b, c").
 */
#ifndef BL_STR_H
#define BL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
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

/* Writes items[0..n) into dst (size > 0 bytes) joined by ", ": as many as
 * fit, then ", ..." (or "..." alone) for the rest. */
static inline void bl_str_list(char *dst, size_t size,
                               const char *const *items, size_t n)
{
    size_t at = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(dst + at, size - at, "%s%s", i ? ", " : "",
                         items[i]);
        /* room for ", ..." after it, unless it is the last */
        size_t need = (size_t)w + (i + 1 < n ? 5 : 0);
        if (w < 0 || need >= size - at) {
            dst[at] = '\0';
            snprintf(dst + at, size - at, "%s...", i ? ", " : "");
            return;
        }
        at += (size_t)w;
    }
}

#endif
