/*
 * bl_test_codec: cuts and trailing bytes for the codec tests (see
 * bl_test_codec.h).
 */
#include "bl_test_codec.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

void bl_test_codec_cuts_refused(const bl_mpw_t *w, bl_test_decode_fn decode)
{
    size_t len = bl_mpw_size(w);
    for (size_t cut = 0; cut < len; cut++) {
        /* a copy of exactly cut bytes, so that a reader going past the
         * end is caught by the sanitizers */
        unsigned char *copy = malloc(cut ? cut : 1);
        cr_assert_not_null(copy);
        memcpy(copy, bl_mpw_data(w), cut);
        bl_err_t err = {0};
        cr_assert_eq(decode(copy, cut, &err), BL_EPROTO,
                     "a cut at %zu of %zu was accepted", cut, len);
        cr_assert_neq(err.msg[0], '\0', "a cut at %zu: no message", cut);
        free(copy);
    }
}

void bl_test_codec_trailing_refused(bl_mpw_t *w, bl_test_decode_fn decode)
{
    bl_mpw_nil(w);
    cr_assert_eq(decode(bl_mpw_data(w), bl_mpw_size(w), NULL), BL_EPROTO);
}
