/*
 * bl_vec: room in growable heap arrays (see bl_vec.h).
 */
#include "bl_vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int bl_vec_grow(void *pptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return 0;
    }
    if (elem == 0 || need > SIZE_MAX / elem) {
        return BL_ENOMEM;
    }
    size_t ncap = *cap < BL_VEC_MIN_CAP ? BL_VEC_MIN_CAP : *cap;
    while (ncap < need) {
        /* Doubling past the bound falls back to exactly what is asked. */
        ncap = ncap > SIZE_MAX / 2 / elem ? need : ncap * 2;
    }
    if (ncap > SIZE_MAX / elem) {
        ncap = need;
    }
    /* The pointer is read and written through memcpy: pptr is some T **,
     * and object pointers share one representation on every target we
     * build for. */
    void *old;
    memcpy(&old, pptr, sizeof old);
    void *grown = realloc(old, ncap * elem);
    if (grown == NULL) {
        return BL_ENOMEM;
    }
    memcpy(pptr, &grown, sizeof grown);
    *cap = ncap;
    return 0;
}

int bl_vec_append(char **buf, size_t *cap, size_t *len, const void *s,
                  size_t n, size_t *at)
{
    if (n > SIZE_MAX - *len || bl_vec_grow(buf, cap, *len + n, 1) != 0) {
        return BL_ENOMEM;
    }
    if (n > 0) {
        memcpy(*buf + *len, s, n);
    }
    *at = *len;
    *len += n;
    return 0;
}
