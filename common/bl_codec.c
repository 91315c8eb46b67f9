/*
 * bl_codec: lists and ends of messages, for the codecs (see bl_codec.h).
 */
#include "bl_codec.h"

#include <string.h>

int bl_codec_bad(bl_err_t *err, const char *what, const char *field)
{
    return bl_err_set(err, BL_EPROTO,
                      "%s: %s: missing, truncated or of the wrong type", what,
                      field);
}

int bl_codec_str(bl_mpr_t *r, char *buf, size_t size, const char *what,
                 const char *field, bl_err_t *err)
{
    const char *s;
    uint32_t len;
    if (bl_mpr_str(r, &s, &len) != 0) {
        return bl_codec_bad(err, what, field);
    }
    if ((size_t)len >= size) {
        return bl_err_set(err, BL_EPROTO, "%s: %s: longer than %zu bytes",
                          what, field, size - 1);
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    return 0;
}

int bl_codec_list(bl_mpr_t *r, uint32_t n, uint32_t max, bool at_end,
                  bl_mpr_t *first, const char *what, const char *key,
                  const char *plural, const char *singular, bl_err_t *err)
{
    if (n > max) {
        return bl_err_set(err, BL_EPROTO, "%s: %s: %u %s, more than %u",
                          what, key, n, plural, max);
    }
    *first = *r;
    if (at_end && n > 0) {
        r->p = r->end;   /* checked as read (bl_codec_list_last) */
        return 0;
    }
    for (uint32_t j = 0; j < n; j++) {
        if (bl_mpr_skip(r) != 0) {
            return bl_err_set(err, BL_EPROTO, "%s: %s %u: truncated", what,
                              singular, j + 1);
        }
    }
    first->end = r->p;
    return 0;
}

int bl_codec_list_last(const bl_mpr_t *items, uint32_t left,
                       const char *what, const char *singular, bl_err_t *err)
{
    if (left > 0 || bl_mpr_done(items)) {
        return 0;
    }
    return bl_err_set(err, BL_EPROTO, "%s: bytes after the last %s", what,
                      singular);
}

int bl_codec_end(const bl_mpr_t *r, const char *what, bl_err_t *err)
{
    if (bl_mpr_done(r)) {
        return 0;
    }
    return bl_err_set(err, BL_EPROTO, "%s: bytes after the message", what);
}
