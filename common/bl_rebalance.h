/*
 * bl_rebalance: moving a scalable stage's state between the stores of its
 * workers when the worker count changes from FROM to TO, offline (no
 * worker of the stage runs).  Worker k's store is dirs[k-1]; after the
 * move each provider's state lives in the store of the worker
 * bl_outbox_lane_of(provider, TO) assigns (lane k-1 = worker k).
 *
 * A stage describes its store with a table of rules, one per database (or
 * per key prefix of a database, such as meta keys); the first rule whose
 * database and prefix match a key decides what happens to it, and a key
 * no rule matches is LOCAL:
 *   BY_PROVIDER  the rule's provider function names the entry's provider;
 *                the entry goes to that provider's worker under TO and
 *                leaves the others.  An entry without a provider stays.
 *   REPLICATED   every worker holds the same entries: a new worker
 *                (FROM < k <= TO) gets a copy of worker 1's; a removed
 *                worker's are dropped with its store.
 *   UNION        every worker under TO ends with every worker's entries
 *                (sets where an entry too many is harmless); where two
 *                workers hold different values, the rule's fold decides
 *                (it must be idempotent, e.g. the larger of the two).
 *   MERGED       per-worker data that queries add up over the workers: it
 *                stays where it is; a removed worker's entries are folded
 *                into worker 1 by the rule's fold (default: put when worker
 *                1 has no such key); with a seed function a new worker
 *                starts with seed(worker 1's entry) for each of them.
 *   LOCAL        delivery state and worker-local cursors: left as they
 *                are.  With `drained`, a removed worker must hold none
 *                (an outbox with messages would lose them): the run is
 *                refused before anything changes.
 *
 * Order, so that a crash anywhere is repaired by running the same FROM:TO
 * again: (1) checks, nothing written; (2) stores of new workers created,
 * a random id put into each removed store's meta; (3) every rule copies
 * into its destination stores, committed in chunks: BY_PROVIDER,
 * REPLICATED and UNION puts are idempotent (the same value again), and
 * each MERGED fold records in worker 1's meta, in the chunk's own
 * transaction, the last key folded from that removed store
 * ("rebalance.fold.<id>.<rule>"), so a fold happens exactly once; (4)
 * once a BY_PROVIDER chunk's copies are committed, its moved entries are
 * deleted from the store they were read from, in a transaction of their
 * own (a crash in between leaves an entry in both stores: the run again
 * copies it, the same value, and deletes it), except from a removed
 * worker's store, which is kept as it was; (5) each
 * removed worker's store directory is renamed to
 * "<dir>.removed.<UTC time>" (kept for the operator to delete; never
 * deleted here), then the fold records are deleted.
 *
 * Meta counters: meta is a database like the others.  Keys no rule names
 * (outbox sequence numbers and epoch, close-marker counts, job cursors)
 * are LOCAL: a new worker starts without them as a freshly started worker
 * does, and the lead's new outbox epoch makes the inbox's "seen" records
 * moot.  A stage names the counters that must survive a removed worker
 * (MERGED with an adding fold) or that every worker must share.
 *
 * Not a daemon: it never prints, checks no pid files and knows no
 * config; bl_daemon.c does those around it.  Single-threaded; opens each
 * store once in this process (never while the stage's daemons run).
 */
#ifndef BL_REBALANCE_H
#define BL_REBALANCE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"

/* Workers a stage can have (the outbox's lanes). */
#define BL_REBALANCE_WORKERS_MAX 16

typedef enum bl_rebalance_kind {
    BL_REBALANCE_LOCAL = 0,
    BL_REBALANCE_BY_PROVIDER,
    BL_REBALANCE_REPLICATED,
    BL_REBALANCE_UNION,
    BL_REBALANCE_MERGED
} bl_rebalance_kind_t;

/* Writes the provider id of an entry into buf (size bytes, with its NUL)
 * and returns its length; 0 when the entry names no provider (or the id
 * does not fit): such an entry stays where it is. */
typedef size_t (*bl_rebalance_provider_fn)(const MDB_val *key,
                                           const MDB_val *val, char *buf,
                                           size_t size);

/* Writes the contribution of one source entry (key, val: memory of this
 * module, valid during the call) into dbi of the destination's write
 * transaction txn, reading there what it needs.  Touches nothing but txn
 * (it may run again after a map resize).  Returns 0 or an error (detail
 * in err). */
typedef int (*bl_rebalance_fold_fn)(MDB_txn *txn, MDB_dbi dbi,
                                    const MDB_val *key, const MDB_val *val,
                                    bl_err_t *err);

/* What happens to the keys of one database that start with prefix. */
typedef struct bl_rebalance_rule {
    const char *db;                    /* database name, as opened */
    const char *prefix;                /* NULL: every key */
    bl_rebalance_kind_t kind;
    bl_rebalance_provider_fn provider; /* BY_PROVIDER: required */
    bl_rebalance_fold_fn fold;         /* MERGED: each removed worker's
                                          entry into worker 1 (NULL: put
                                          when absent); UNION: a clash of
                                          values (NULL: keep the
                                          destination's) */
    bl_rebalance_fold_fn seed;         /* MERGED: a new worker's entry
                                          from worker 1's (NULL: none) */
    bool drained;                      /* LOCAL: refuse while a removed
                                          worker holds any */
} bl_rebalance_rule_t;

/* A stage's rules. */
typedef struct bl_rebalance_table {
    const bl_rebalance_rule_t *rules;
    size_t n_rules;
} bl_rebalance_table_t;

/* One run: the stores and what to do. */
typedef struct bl_rebalance {
    int from, to;                      /* worker counts, 1..16 */
    const char *const *dirs;           /* store of worker k: dirs[k-1],
                                          for every k = 1..16 (those
                                          beyond max(from, to) must not
                                          exist) */
    const char *const *db_names;       /* every database of a worker's
                                          store, as the daemon opens it */
    size_t n_dbs;
    const char *meta_db;               /* one of db_names: the fold
                                          records go there */
    const bl_rebalance_table_t *table;
    size_t chunk;                      /* entries copied (then deleted)
                                          per transaction; 0: 131072 */
} bl_rebalance_t;

/* What a run did (counts of this run: a run again after a crash counts
 * what it found left to do). */
typedef struct bl_rebalance_stats {
    uint64_t moved;       /* BY_PROVIDER entries copied to another store */
    uint64_t copied;      /* REPLICATED, UNION and seeded entries copied */
    uint64_t merged;      /* MERGED entries folded into worker 1 */
    uint64_t deleted;     /* moved entries deleted from their old store */
    uint64_t kept;        /* BY_PROVIDER clashes where the destination's
                             own value was kept (the source was not the
                             provider's worker under FROM) */
    int created;          /* stores of new workers created */
    int removed;          /* stores of removed workers renamed */
} bl_rebalance_stats_t;

/* Moves the state (see above).  Returns 0; BL_EINVAL for counts out of
 * range or a bad table; BL_EREFUSED when a removed worker still holds
 * entries of a drained rule or a store beyond max(from, to) exists
 * (nothing changed); or the failing step's error.  err names the store
 * directory and the database. */
int bl_rebalance_run(const bl_rebalance_t *rb, bl_rebalance_stats_t *stats,
                     bl_err_t *err);

/* The index-th part (0-based) of data (len bytes) split at \x1f, copied
 * into buf (size bytes, with its NUL); skip_nul first skips past the
 * first NUL byte (keys "sub \0 rest").  Returns the part's length, 0 when
 * there is no such part, it is empty, or it does not fit. */
size_t bl_rebalance_part(const void *data, size_t len, bool skip_nul,
                         size_t index, char *buf, size_t size);

/* Folds for 8-byte big-endian counters (bl_store_put_u64): the sum of
 * the two (MERGED: a removed worker's count adds to worker 1's) and the
 * larger of the two (UNION: idempotent).  A value of another size is
 * BL_ESTORE. */
int bl_rebalance_fold_add_u64(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key,
                              const MDB_val *val, bl_err_t *err);
int bl_rebalance_fold_max_u64(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key,
                              const MDB_val *val, bl_err_t *err);

#endif
