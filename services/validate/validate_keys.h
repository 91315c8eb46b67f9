/*
 * validate_keys: the repeat check of a file's row keys ("repeats the key
 * of line N in this file").  The keys a submission's rows used are kept
 * in the "keys" database per message and provider: one entry
 *
 *   sub \0 provider \x1f \x01 first line (8 bytes, big-endian)
 *     -> 0x01, then per key: suffix length (2 bytes LE), suffix (the row
 *        key after the provider), line (8 bytes, big-endian)
 *
 * holds the keys of one provider's rows in one message, instead of one
 * entry per row (a survey row's key, with its random respondent id, went
 * into the middle of a page: a quarter of validation's CPU on the
 * surveys).  A message's keys are looked up in memory; the first time a
 * provider's row comes in a message, the entries its earlier messages
 * left are read (usually none, or the one of the message before), and
 * more than S_KEYS_RUNS_MAX of them are folded into one.  A provider's
 * keys so far are read once per message it has rows in, so a file in any
 * order costs at most the keys so far of the providers of each message
 * (a file in provider order reads almost nothing).  Entries of earlier
 * releases (sub \0 row key -> line, 8 bytes) are read too.  The provider
 * comes first after the submission, so a move between workers
 * (validate_rebalance.c) takes a provider's entries with it.  The entries
 * of a submission are deleted when it is complete (vkeys_forget).
 */
#ifndef VALIDATE_KEYS_H
#define VALIDATE_KEYS_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_store.h"

/* A key in the table: one of the message's rows (fresh), or one its
 * provider's earlier messages left, once that provider is indexed; its
 * suffix (the row key after the provider) at text + at. */
typedef struct vkeys_entry {
    size_t at;
    uint16_t len;
    bool fresh;                /* not stored yet */
    uint32_t prov;             /* its provider, in provs */
    uint32_t next_fresh;       /* the provider's next fresh entry + 1 */
    uint64_t line;
} vkeys_entry_t;

/* A key a provider's earlier messages left, read in when its first row
 * of the message came; its suffix at text + at. */
typedef struct vkeys_stored {
    size_t at;
    uint16_t len;
    bool in_blob;              /* from an entry of this release */
    uint64_t line;
} vkeys_stored_t;

/* A provider of the message's rows; its id at text + at. */
typedef struct vkeys_prov {
    size_t at;
    size_t len;
    size_t lo, hi;             /* its keys read in: stored[lo, hi) */
    uint32_t checks;           /* its rows in the message so far */
    bool indexed;              /* those keys are in the table too */
    uint32_t first_fresh;      /* its first fresh entry + 1, or 0 */
    uint32_t last_fresh;
} vkeys_prov_t;

/* The keys of one message's rows, by provider: one message (one
 * transaction) at a time, between vkeys_begin and vkeys_end; the
 * daemon keeps it, and its buffers, from message to message.  One open-addressed table finds both a provider
 * (prov VKEYS_PROVIDER, suffix its id; the entry's line its index in
 * provs) and a key (its provider's index and its suffix).  A provider's
 * keys of earlier messages are looked through in order while it has had
 * one row in the message, or has few of them; at its second row, many
 * are put into the table (a file in provider order, or with few rows
 * per provider, hashes only the message's own keys). */
#define VKEYS_PROVIDER UINT32_MAX
typedef struct vkeys {
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;           /* opened at the first check */
    const char *sub;           /* the submission id, borrowed */
    size_t sl;                 /* its length with the NUL after it */
    vkeys_entry_t *e;
    size_t n, cap;
    vkeys_stored_t *stored;
    size_t n_stored, cap_stored;
    vkeys_prov_t *provs;
    size_t n_provs, cap_provs;
    uint32_t last_prov;        /* the provider of the last row + 1, or 0 */
    char *text;
    size_t n_text, cap_text;
    uint32_t *slot;            /* open addressing: entry index + 1 */
    uint32_t *slot_gen;        /* a slot counts when its gen is gen */
    size_t n_slots;            /* a power of two, or 0 */
    uint32_t gen;
} vkeys_t;

/* Sets k up empty (no buffers yet). */
void vkeys_init(vkeys_t *k);

/* Starts a message: the rows of submission sub in txn, database dbi.  The
 * buffers of the messages before are kept for it. */
void vkeys_begin(vkeys_t *k, MDB_txn *txn, MDB_dbi dbi, const char *sub);

/* Ends the message (its cursor closed, the table emptied; after
 * vkeys_flush, or instead of it when the message failed). */
void vkeys_end(vkeys_t *k);

/* Looks the row key key (kl bytes, the provider first, parts joined by
 * \x1f) up among its file's keys: *first is the line that used it first,
 * line itself when it is new (then recorded).  Returns 0, BL_ETOOBIG
 * when the submission id with the key, or with the provider and an
 * entry's tail, is too long for a store key, or an error of the store
 * (detail in err). */
int vkeys_check(vkeys_t *k, const char *key, size_t kl, uint64_t line,
                uint64_t *first, bl_err_t *err);

/* Stores the keys the message's rows recorded, one entry per provider:
 * at the end of the message, before its transaction commits. */
int vkeys_flush(vkeys_t *k, bl_err_t *err);

/* Deletes every key entry of submission sub from dbi: once it is
 * complete, no row of it comes any more (ingestion sends its end after its
 * last rows, on every lane).  0 or an error of the store. */
int vkeys_forget(MDB_txn *txn, MDB_dbi dbi, const char *sub, bl_err_t *err);

/* Ends the message and frees what k holds; harmless twice. */
void vkeys_free(vkeys_t *k);

#endif
