/*
 * bl_test_codec: the checks every message codec's unit test makes of its
 * decoder — no cut of a good message is accepted, and nothing may follow
 * a message — written once.
 */
#ifndef BL_TEST_CODEC_H
#define BL_TEST_CODEC_H

#include <stddef.h>

#include "bl_error.h"
#include "bl_mp.h"

/* Decodes data[0, len) completely: 0, or a refusal with err set. */
typedef int (*bl_test_decode_fn)(const void *data, size_t len,
                                 bl_err_t *err);

/* Each cut of the message in w (every length from 0 to all but one byte)
 * is refused with BL_EPROTO and a message (asserts). */
void bl_test_codec_cuts_refused(const bl_mpw_t *w, bl_test_decode_fn decode);

/* The message in w with a nil after it is refused with BL_EPROTO
 * (asserts; w gets the nil). */
void bl_test_codec_trailing_refused(bl_mpw_t *w, bl_test_decode_fn decode);

#endif
