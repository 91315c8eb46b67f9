/*
 * benchmark_learning_int: what the files of the learning cycle share —
 * the module's state, its databases, the lstate row every part reads, the
 * stored action, and the calls benchmark_learning.c makes into the
 * others.  benchmark_learning.c applies the learning message, stores what
 * a close found and answers the requests; benchmark_actions.c judges the
 * actions and answers for them (follow-up, export, warnings);
 * benchmark_practices.c keeps, picks and sends on the practices;
 * benchmark_needs.c makes the learning needs, their event plan and the
 * summary.  Internal to services/benchmark/: the rest of the daemon uses
 * benchmark_learning.h.
 */
#ifndef BENCHMARK_LEARNING_INT_H
#define BENCHMARK_LEARNING_INT_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "benchmark_compute.h"
#include "benchmark_learning.h"
#include "bl_daemon.h"
#include "bl_learning_codec.h"
#include "bl_mp.h"
#include "bl_results_codec.h"

/* The module's databases (see benchmark_learning.h for their rows), in the
 * order of BENCHMARK_LEARNING_DB_NAMES. */
enum { LEARNING_DB_ACTIONS = 0, LEARNING_DB_PRACTICES, LEARNING_DB_STATE,
       LEARNING_DB_NEEDS, LEARNING_DB_WARN, LEARNING_DB_CLOSED,
       LEARNING_DB_XPRACTICES };

#define LEARNING_KEY_MAX 480
#define LEARNING_ID_MAX 64   /* provider, action, indicator, sub ids */

/* Flags per provider and indicator at a close. */
enum { LEARNING_POSITION = 1, LEARNING_AREA = 2, LEARNING_BAND4 = 4 };

struct benchmark_learning {
    bl_daemon_t *d;
    size_t first_db;
    bl_mpw_t w;              /* scratch for stored values */
};

/* The handle of the module's database i (LEARNING_DB_*). */
MDB_dbi benchmark_learning_dbi(const benchmark_learning_t *l, size_t i);

/* One lstate row. */
typedef struct benchmark_lstate {
    bool has_value;
    double value;
    bool has_band;
    int64_t band;            /* in the first peer group */
    bool has_rank;
    double rank;             /* percentile rank in the first peer group */
    bool area;
    bool band4;
} benchmark_lstate_t;

/* Reads lstate of (period, provider, indicator) into *st (zeroed first).
 * Returns 0, BL_ENOTFOUND, or a store error. */
int benchmark_learning_state_get(benchmark_learning_t *l, MDB_txn *txn,
                                 int64_t period, const char *provider,
                                 const char *indicator,
                                 benchmark_lstate_t *st, bl_err_t *err);

/* Whether period has been computed and closed (not reopened since). */
bool benchmark_learning_closed(benchmark_learning_t *l, MDB_txn *txn,
                               int64_t period);

/* A malloc'ed, NUL-terminated copy of len bytes of s, or NULL. */
char *benchmark_learning_dup(const char *s, uint32_t len);

/* ---- benchmark_actions.c ------------------------------------------------ */

/* A stored action: [indicator, action, owner, due, status, sub, line]. */
typedef struct benchmark_action {
    char indicator[LEARNING_ID_MAX];
    char due[16];
    char status[16];
    char sub[LEARNING_ID_MAX];
    uint64_t line;
} benchmark_action_t;

/* Decodes a stored action; false when it is malformed. */
bool benchmark_actions_decode(const MDB_val *v, benchmark_action_t *a);

/* Stores an action of the learning message, and judges it when its period
 * is closed.  Returns 0, BL_EPROTO (key too long) or a store error. */
int benchmark_actions_put(benchmark_learning_t *l, MDB_txn *txn,
                          const bl_learning_action_t *a, bl_err_t *err);

/* Stores the lstate rows of a computation of period p (its text) from
 * flags (LEARNING_*), band0 and rank0 (per provider and indicator, in the
 * first peer group).  Returns 0, BL_ENOMEM or a store error. */
int benchmark_actions_store_state(benchmark_learning_t *l, MDB_txn *txn,
                                  const char *p, const bc_input_t *in,
                                  const unsigned char *flags,
                                  const int *band0, const double *rank0,
                                  bl_err_t *err);

/* Judges every action of period (its lstate rows stored) again.  Returns
 * 0 or a store error. */
int benchmark_actions_judge(benchmark_learning_t *l, MDB_txn *txn,
                            int64_t period, bl_err_t *err);

/* The requests `export --what actions` and `learning_warnings`: the
 * reply, or an error reply for a bad request.  Return 0 or a store
 * error. */
int benchmark_actions_export(benchmark_learning_t *l, MDB_txn *txn,
                             const bl_msg_t *msg, bl_mpw_t *reply,
                             bl_err_t *err);
int benchmark_actions_warnings(benchmark_learning_t *l, MDB_txn *txn,
                               const bl_msg_t *msg, bl_mpw_t *reply,
                               bl_err_t *err);

/* ---- benchmark_practices.c ---------------------------------------------- */

/* Stores a practice of the learning message.  Returns 0, BL_EPROTO (key
 * too long) or a store error. */
int benchmark_practices_put(benchmark_learning_t *l, MDB_txn *txn,
                            const bl_learning_practice_t *pr, bl_err_t *err);

/* International, at a computation of period: replaces period's xpractices
 * rows, for each country the other countries' practices that may be
 * shown.  Returns 0, BL_ENOMEM or a store error. */
int benchmark_practices_store_x(benchmark_learning_t *l, MDB_txn *txn,
                                int64_t period, const bc_input_t *in,
                                bl_err_t *err);

/* ---- benchmark_needs.c -------------------------------------------------- */

/* Stores the lneeds rows of a computation of period p (its text) from
 * flags (LEARNING_*, per provider and indicator).  Returns 0, BL_ENOMEM
 * or a store error. */
int benchmark_needs_store(benchmark_learning_t *l, MDB_txn *txn,
                          const char *p, const bc_input_t *in,
                          const unsigned char *flags, bl_err_t *err);

#endif
