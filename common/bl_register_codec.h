/*
 * bl_register_codec: the one codec of the register entry — a provider's
 * attributes as validation accepted them from a register file, which
 * validation, aggregation and benchmarking store and pass on — and of the
 * BL_MSG_REGISTER message, the entries aggregation sends benchmarking.
 * It knows their shape; whether a country or a service type is valid is
 * validation's to judge.
 *
 * Wire layout (MessagePack), kept as earlier releases wrote it:
 *   entry:   [name, country, service_type, users, staff, membership,
 *             member_since, share_identity]
 *   message: {providers: [[provider, entry]...]}
 *
 * Decoding refuses (BL_EPROTO, the field named in err) truncated input,
 * trailing bytes, a payload that is no map, no providers, a wrong type or
 * arity, a text longer than its field and more than
 * BL_REGISTER_ROWS_MAX entries.  Unknown map keys are skipped.
 */
#ifndef BL_REGISTER_CODEC_H
#define BL_REGISTER_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"

#define BL_REGISTER_ID_MAX 64            /* provider ids, with the NUL */
#define BL_REGISTER_NAME_MAX 512         /* provider names, with the NUL */
#define BL_REGISTER_ROWS_MAX 1000000     /* entries in one message */

/* A provider's attributes (SPEC section 2, the register). */
typedef struct bl_register_entry {
    char name[BL_REGISTER_NAME_MAX];
    char country[3];                 /* "NO" */
    char service_type[64];
    int64_t users, staff;            /* head counts */
    char membership[16];             /* "full", "associate", ... */
    char member_since[11];           /* YYYY-MM-DD, or "" */
    bool share_identity;             /* may be named to other providers */
} bl_register_entry_t;

/* One row of the message. */
typedef struct bl_register_row {
    char provider[BL_REGISTER_ID_MAX];
    bl_register_entry_t entry;
    const uint8_t *entry_raw;        /* reading: the entry's encoded */
    size_t entry_len;                /* bytes, borrowed from the input */
} bl_register_row_t;

/* ---- the entry ---------------------------------------------------------- */

/* Writes entry e (errors sticky in w). */
void bl_register_write_entry(bl_mpw_t *w, const bl_register_entry_t *e);

/* Reads one entry at r.  Returns 0 or BL_EPROTO with the reason in err
 * (may be NULL). */
int bl_register_read_entry(bl_mpr_t *r, bl_register_entry_t *e,
                           bl_err_t *err);

/* Decodes a whole stored entry (nothing may follow it).  Returns 0 or
 * BL_EPROTO. */
int bl_register_decode_entry(const void *data, size_t len,
                             bl_register_entry_t *e, bl_err_t *err);

/* ---- the message -------------------------------------------------------- */

/* Appends [provider, entry] to rows; entry is an encoded entry (from
 * bl_register_write_entry, or a decoded one's raw bytes). */
void bl_register_write_row(bl_mpw_t *rows, const char *provider,
                           const void *entry, size_t entry_len);

/* Writes the message around the n_rows rows already in rows.  Returns 0
 * or BL_ENOMEM. */
int bl_register_write(bl_mpw_t *w, const bl_mpw_t *rows, uint32_t n_rows);

/* Reads a message row by row: open, then next until BL_ENOTFOUND.
 * Borrows data, which must outlive the reader. */
typedef struct bl_register_reader {
    uint32_t n_rows;                 /* rows in the message */
    uint32_t left;                   /* rows not yet read */
    bl_mpr_t rows;                   /* at the next row */
} bl_register_reader_t;

/* Returns 0 or BL_EPROTO with the reason in err. */
int bl_register_open(bl_register_reader_t *rd, const void *data, size_t len,
                     bl_err_t *err);

/* Fills row with the next row; 0, BL_ENOTFOUND after the last, or
 * BL_EPROTO. */
int bl_register_next(bl_register_reader_t *rd, bl_register_row_t *row,
                     bl_err_t *err);

#endif
