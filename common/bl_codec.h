/*
 * bl_codec: what the message codecs (common/bl_*_codec.c) share when they
 * decode — a list that is read now and walked later, and the check that
 * nothing follows a message — with refusals that name the message, the
 * field and the element, always in the same words.
 */
#ifndef BL_CODEC_H
#define BL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"

/* BL_EPROTO "<what>: <field>: missing, truncated or of the wrong type". */
int bl_codec_bad(bl_err_t *err, const char *what, const char *field);

/* Copies the string at r into buf (size bytes with the NUL).  Refuses a
 * value that is no string (bl_codec_bad) or "<what>: <field>: longer than
 * <size - 1> bytes". */
int bl_codec_str(bl_mpr_t *r, char *buf, size_t size, const char *what,
                 const char *field, bl_err_t *err);

/* r is just after the header of an array of n elements.  Refuses more
 * than max elements; leaves *first at the first element and r after the
 * last, each skipped now so that a truncated one is refused here, not
 * half-way through the caller's walk.  Refusals (BL_EPROTO):
 * "<what>: <key>: <n> <plural>, more than <max>" and
 * "<what>: <singular> <i>: truncated". */
int bl_codec_list(bl_mpr_t *r, uint32_t n, uint32_t max, bl_mpr_t *first,
                  const char *what, const char *key, const char *plural,
                  const char *singular, bl_err_t *err);

/* 0 when r is at the end of its input, else BL_EPROTO
 * "<what>: bytes after the message". */
int bl_codec_end(const bl_mpr_t *r, const char *what, bl_err_t *err);

#endif
