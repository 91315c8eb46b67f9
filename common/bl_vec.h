/*
 * bl_vec: making room in a growable heap array, with the overflow checks
 * written once.
 *
 * An array is three variables the caller already has: a pointer, a count
 * and a capacity (size_t).  Before writing element n, ask for room:
 *
 *     if (BL_GROW(items, cap, n + 1) != 0) {
 *         return BL_ENOMEM;
 *     }
 *     items[n++] = x;
 *
 * The capacity at least doubles on each growth (starting at
 * BL_VEC_MIN_CAP elements), so appending n elements costs O(n).  This
 * module does not track the count, does not free, and never shrinks.
 */
#ifndef BL_VEC_H
#define BL_VEC_H

#include <stddef.h>

#include "bl_error.h"

/* The capacity of a first allocation, in elements. */
#define BL_VEC_MIN_CAP 8

/* Makes *pptr (the address of a pointer to an array of elem-byte elements,
 * NULL when nothing is allocated yet) hold at least need elements; *cap is
 * its capacity in elements.  Returns 0 (the pointer and *cap may have
 * changed; the elements kept their values), or BL_ENOMEM when need * elem
 * overflows size_t or realloc fails (then the pointer and *cap are
 * unchanged and still valid).  need <= *cap is a no-op. */
int bl_vec_grow(void *pptr, size_t *cap, size_t need, size_t elem);

/* bl_vec_grow for a typed pointer variable ptr and a size_t variable cap. */
#define BL_GROW(ptr, cap, need) \
    bl_vec_grow(&(ptr), &(cap), (need), sizeof *(ptr))

/* Appends the n bytes at s to the byte buffer *buf (*len bytes used of
 * *cap), growing it as bl_vec_grow does; their offset in *at.  Returns 0
 * or BL_ENOMEM (nothing appended).  For tables that keep their keys'
 * text in one buffer and refer to it by offset. */
int bl_vec_append(char **buf, size_t *cap, size_t *len, const void *s,
                  size_t n, size_t *at);

#endif
