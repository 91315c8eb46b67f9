/*
 * validate_keys: the repeat check of a file's row keys ("repeats the key
 * of line N in this file").  The keys a submission's rows used are kept
 * in the "keys" database per run of one provider's rows: one entry
 *
 *   sub \0 provider \x1f \x01 first line (8 bytes, big-endian)
 *     -> 0x01, then per key: suffix length (2 bytes LE), suffix (the row
 *        key after the provider), line (8 bytes, big-endian)
 *
 * instead of one entry per row (a survey row's key, with its random
 * respondent id, went into the middle of a page: a quarter of
 * validation's CPU on the surveys).  A run's keys are looked up in memory;
 * when a provider's run starts, the entries its earlier runs in the file
 * left are read (usually none, or the one of the message before), and
 * more than S_KEYS_RUNS_MAX of them are folded into one.  A run reads all
 * of its provider's keys so far: a provider with thousands of rows
 * spread one per run over a whole file costs time quadratic in its rows
 * (files in provider order, or with tens of rows per provider, do not).  Entries of
 * earlier releases (sub \0 row key -> line, 8 bytes) are read too.
 * The provider comes first after the submission, so a move between
 * workers (validate_rebalance.c) takes a provider's entries with it.
 */
#ifndef VALIDATE_KEYS_H
#define VALIDATE_KEYS_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_store.h"

/* A key of the current run: its suffix at text + at. */
typedef struct vkeys_entry {
    size_t at;
    uint16_t len;
    bool fresh;                /* not stored yet */
    uint64_t line;
} vkeys_entry_t;

/* The keys of one run of a provider's rows; lives for one message (one
 * transaction). */
typedef struct vkeys {
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;           /* opened at the first check */
    const char *sub;           /* the submission id, borrowed */
    size_t sl;                 /* its length with the NUL after it */
    bool in_run;
    unsigned char provider[BL_STORE_KEY_MAX];
    size_t pl;
    vkeys_entry_t *e;
    size_t n, cap;
    char *text;
    size_t n_text, cap_text;
    uint32_t *slot;            /* open addressing: entry index + 1 */
    uint32_t *slot_gen;        /* a slot counts when its gen is gen */
    size_t n_slots;            /* a power of two, or 0 */
    uint32_t gen;
} vkeys_t;

/* Sets k up for the rows of submission sub in txn, database dbi. */
void vkeys_init(vkeys_t *k, MDB_txn *txn, MDB_dbi dbi, const char *sub);

/* Looks the row key key (kl bytes, the provider first, parts joined by
 * \x1f) up among its file's keys: *first is the line that used it first,
 * line itself when it is new (then recorded).  Returns 0, BL_ETOOBIG
 * when the submission id with the key, or with the provider and an
 * entry's tail, is too long for a store key, or an error of the store
 * (detail in err). */
int vkeys_check(vkeys_t *k, const char *key, size_t kl, uint64_t line,
                uint64_t *first, bl_err_t *err);

/* Stores the keys recorded since the last flush: at the end of the
 * message, before its transaction commits. */
int vkeys_flush(vkeys_t *k, bl_err_t *err);

/* Deletes every key entry of submission sub from dbi: once it is
 * complete, no row of it comes any more (ingestion sends its end after its
 * last rows, on every lane).  0 or an error of the store. */
int vkeys_forget(MDB_txn *txn, MDB_dbi dbi, const char *sub, bl_err_t *err);

/* Closes the cursor and frees what k holds; harmless twice. */
void vkeys_free(vkeys_t *k);

#endif
