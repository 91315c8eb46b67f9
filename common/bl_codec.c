/*
 * bl_codec: lists and ends of messages, for the codecs (see bl_codec.h).
 */
#include "bl_codec.h"

int bl_codec_list(bl_mpr_t *r, uint32_t n, uint32_t max, bl_mpr_t *first,
                  const char *what, const char *key, const char *plural,
                  const char *singular, bl_err_t *err)
{
    if (n > max) {
        return bl_err_set(err, BL_EPROTO, "%s: %s: %u %s, more than %u",
                          what, key, n, plural, max);
    }
    *first = *r;
    for (uint32_t j = 0; j < n; j++) {
        if (bl_mpr_skip(r) != 0) {
            return bl_err_set(err, BL_EPROTO, "%s: %s %u: truncated", what,
                              singular, j + 1);
        }
    }
    return 0;
}

int bl_codec_end(const bl_mpr_t *r, const char *what, bl_err_t *err)
{
    if (bl_mpr_done(r)) {
        return 0;
    }
    return bl_err_set(err, BL_EPROTO, "%s: bytes after the message", what);
}
