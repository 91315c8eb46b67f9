/*
 * bl_codec: what the message codecs (common/bl_*_codec.c) share when they
 * decode — a list that is read now and walked later, and the check that
 * nothing follows a message — with refusals that name the message, the
 * field and the element, always in the same words.
 */
#ifndef BL_CODEC_H
#define BL_CODEC_H

#include <stddef.h>
#include <stdbool.h>
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
 * than max elements and leaves *first at the first element, r after the
 * last and first->end there too.  A list that is the last thing in r
 * (at_end: the value of the message's last key) is not walked now: its
 * elements are checked as the caller reads them, and the reader of the
 * last one calls bl_codec_list_last, which refuses bytes after it.  A
 * message refused halfway leaves nothing behind (bl_inbox runs its batch
 * again without it; a request reads all its rows before it writes).  Any
 * other list is walked now, so that a truncated element is refused here.
 * Refusals (BL_EPROTO): "<what>: <key>: <n> <plural>, more than <max>"
 * and "<what>: <singular> <i>: truncated". */
int bl_codec_list(bl_mpr_t *r, uint32_t n, uint32_t max, bool at_end,
                  bl_mpr_t *first, const char *what, const char *key,
                  const char *plural, const char *singular, bl_err_t *err);

/* After an element of a list from bl_codec_list was read, with left
 * elements still to read: 0, or when none is left but items is not at
 * its end, BL_EPROTO "<what>: bytes after the last <singular>". */
int bl_codec_list_last(const bl_mpr_t *items, uint32_t left,
                       const char *what, const char *singular, bl_err_t *err);

/* 0 when r is at the end of its input, else BL_EPROTO
 * "<what>: bytes after the message". */
int bl_codec_end(const bl_mpr_t *r, const char *what, bl_err_t *err);

#endif
