/*
 * bl_store: one LMDB environment per daemon, with the named databases it
 * uses, and write transactions that survive a full map.
 *
 * A write goes through bl_store_write(), which runs the caller's function in
 * a write transaction and commits it.  When LMDB reports MDB_MAP_FULL the
 * transaction is aborted, the map is doubled and the function is run again:
 * so the function must be replayable, touching nothing but the transaction
 * (memory changes belong after bl_store_write returns 0).  Open the store
 * after any fork and only once per process.  Values returned by get and by
 * cursors live until the transaction's next write or its end.
 */
#ifndef BL_STORE_H
#define BL_STORE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"

/* Named databases per environment. */
#define BL_STORE_DBS_MAX 32
/* The longest key LMDB takes, in bytes (its default build): the one key
 * bound of the project.  A char buffer of this size holds any key that is
 * formatted as a string (510 bytes and the NUL). */
#define BL_STORE_KEY_MAX 511

typedef struct bl_store bl_store_t;

/* Runs inside a write transaction; returns 0 to commit, anything else to
 * abort (the value is passed back).  May be called more than once. */
typedef int (*bl_store_write_fn)(void *ctx, MDB_txn *txn, bl_err_t *err);

/* Where a write transaction keeps the pages it changes. */
typedef enum bl_store_mode {
    /* In the shared map (MDB_WRITEMAP): a transaction that writes
     * gigabytes (a close) needs no heap.  But every commit's sync leaves
     * the pages clean and write-protected, and the next transaction's
     * first write to each is a page fault into the filesystem. */
    BL_STORE_MAPPED = 0,
    /* On the heap, written to the file at commit (LMDB's default): no
     * faults, so many small transactions (a message each) cost less; a
     * large one spills pages to the file as it grows. */
    BL_STORE_BUFFERED
} bl_store_mode_t;

/* Opens (creating) the environment in directory dir with the named
 * databases names[0..n_names-1] and an initial map of map_size bytes
 * (0 = 16 GiB, sparse; the map grows on demand).  Clears stale reader
 * slots.  Its transactions are BL_STORE_MAPPED. */
int bl_store_open(bl_store_t **out, const char *dir, const char *const *names,
                  size_t n_names, size_t map_size, bl_err_t *err);

/* bl_store_open with the given mode.  Processes may open one store in
 * different modes (a rebalance opens a buffered stage's store mapped). */
int bl_store_open_mode(bl_store_t **out, const char *dir,
                       const char *const *names, size_t n_names,
                       size_t map_size, bl_store_mode_t mode,
                       bl_err_t *err);

/* Closes the environment; sets *s to NULL; accepts NULL. */
void bl_store_close(bl_store_t **s);

/* The handle of the database that was named names[i] at open. */
MDB_dbi bl_store_dbi(const bl_store_t *s, size_t i);

/* Runs fn in a write transaction and commits; grows the map and replays on
 * MDB_MAP_FULL.  Before the transaction the data file is given real blocks
 * for what a transaction can add, so a full filesystem is an error here
 * and never a SIGBUS under the shared map.  Returns 0, fn's nonzero result,
 * BL_ENOSPC (nothing written: try again later) or BL_ESTORE. */
int bl_store_write(bl_store_t *s, bl_store_write_fn fn, void *ctx,
                   bl_err_t *err);

/* Inside a write's fn, before a large piece of work: the transaction will
 * add about bytes.  Returns 0 when the map has room for them, else
 * MDB_MAP_FULL, which fn returns at once: bl_store_write then grows the
 * map to fit (not just twice its size) and runs fn again.  A close that
 * writes gigabytes so runs twice at most instead of once per doubling. */
int bl_store_expect(bl_store_t *s, uint64_t bytes);

/* Inside a write's fn, before it writes about bytes while a core is idle:
 * the pages past those in use are brought into memory on a thread of
 * their own meanwhile (bl_prefault.h), up to 1 GiB.  Only a speed-up: a
 * page not read in yet is faulted in by the writer as before. */
void bl_store_prefault(bl_store_t *s, uint64_t bytes);

/* Sets the free space (bytes) the store's filesystem keeps: below it
 * bl_store_room refuses.  0 (the default) never refuses. */
void bl_store_set_reserve(bl_store_t *s, uint64_t bytes);

/* Whether new work may be admitted: 0, or BL_ENOSPC with err saying
 * "node out of disk space in DIR (12 MB free, 64 MB reserve)".  Writes that
 * finish or undo admitted work (acks, deletes) do not ask. */
int bl_store_room(bl_store_t *s, bl_err_t *err);

/* Free bytes on the store's filesystem.  Returns 0 or -errno. */
int bl_store_free(bl_store_t *s, uint64_t *free_bytes);

/* The directory the store was opened in. */
const char *bl_store_dir(const bl_store_t *s);

/* Begins a read-only transaction (end it with mdb_txn_abort). */
int bl_store_read(bl_store_t *s, MDB_txn **txn, bl_err_t *err);

/* How many entries dbi holds (*n), read in a transaction of its own: for
 * a daemon's checks at open.  Returns 0 or BL_ESTORE. */
int bl_store_count(bl_store_t *s, MDB_dbi dbi, uint64_t *n, bl_err_t *err);

/* Copies every entry of database db_name of the store in src_dir (opened
 * read-only, by another process's rules: never the caller's own store)
 * into dst_dbi of dst.  A missing store or database copies nothing.
 * Meant for small databases: the entries are held in memory. */
int bl_store_import(bl_store_t *dst, MDB_dbi dst_dbi, const char *src_dir,
                    const char *db_name, bl_err_t *err);

/* Bytes the data file uses (pages in use times page size). */
size_t bl_store_used(bl_store_t *s);

/* Current map size in bytes. */
size_t bl_store_map_size(bl_store_t *s);

/* mdb_put / mdb_get / mdb_del wrappers that fill err with the database
 * operation.  get returns 0, BL_ENOTFOUND, or BL_ESTORE.  A MDB_MAP_FULL
 * from put is returned as MDB_MAP_FULL so that bl_store_write can grow. */
int bl_store_put(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                 const void *val, size_t vlen, bl_err_t *err);
int bl_store_get(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                 MDB_val *val, bl_err_t *err);

/* bl_store_put for a key expected to sort after every key of dbi (rows of
 * a submission in line order): LMDB appends it to the last page instead
 * of searching the tree.  A key that does not sort last is put the usual
 * way, so the result is always that of bl_store_put. */
int bl_store_append(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                    const void *val, size_t vlen, bl_err_t *err);

/* Puts key -> val only when key is not there yet: returns 0 when put, 1
 * when the key was there (its value in *old, unchanged), or an error.
 * One tree walk for both the check and the put, and none at all when the
 * key sorts after every other (appended). */
int bl_store_put_new(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                     const void *val, size_t vlen, MDB_val *old,
                     bl_err_t *err);
int bl_store_del(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                 bl_err_t *err);

/* The one report of a failed LMDB call: fills err with "what: reason"
 * and returns MDB_MAP_FULL for a full map (bl_store_write grows and
 * replays), BL_ESTORE for anything else. */
int bl_store_fail(bl_err_t *err, int rc, const char *what);

/* mdb_cursor_open that fills err; *cur is NULL on failure.  Returns 0 or
 * BL_ESTORE.  For prefix walks, see bl_scan.h. */
int bl_store_cursor(MDB_txn *txn, MDB_dbi dbi, MDB_cursor **cur,
                    bl_err_t *err);

/* bl_store_put through a cursor of the database: for many puts in key
 * order, as LMDB finds the place of a key on the cursor's page without
 * searching the tree from its root. */
int bl_store_cursor_put(MDB_cursor *cur, const void *key, size_t klen,
                        const void *val, size_t vlen, bl_err_t *err);

/* Big-endian u64 keys sort numerically. */
void bl_store_u64_key(uint64_t v, unsigned char out[8]);
uint64_t bl_store_u64_from(const void *key);

/* Reads a u64 counter stored under key in dbi (0 when absent). */
int bl_store_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *key,
                     uint64_t *out, bl_err_t *err);
int bl_store_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t v,
                     bl_err_t *err);

#endif
