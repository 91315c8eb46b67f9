/*
 * validate_rebalance: the validation stage's databases, each with what a
 * change of the worker count does to it (see bl_rebalance.h for the
 * kinds).  Keys are as validate.c's header describes them:
 *
 *   subs      MERGED    every worker has each submission (begin and end
 *                       reach them all), with the counts of the rows it
 *                       judged, which `check` adds up over the workers: a
 *                       removed worker's counts add to worker 1's record;
 *                       a new worker starts with worker 1's record and
 *                       zero counts (a worker without the record would
 *                       leave the submission incomplete forever)
 *   outcomes  MERGED    sub \0 line: each row judged by one worker, so
 *                       a removed worker's outcomes move to worker 1;
 *                       the close's completeness outcomes ("close-P")
 *                       number each worker's providers from 1, so a
 *                       removed worker's follow worker 1's (new lines
 *                       after its last; the subs fold adds the rows)
 *   keys      BY_PROVIDER  sub \0 provider \x1f ...: a run's keys
 *                       (validate_keys.h); earlier releases' sub \0 row
 *                       key, the provider first (register rows: alone)
 *   register  REPLICATED  every worker keeps the whole register
 *   pvals     BY_PROVIDER  period \x1f provider \x1f unit \x1f indicator
 *   vals      BY_PROVIDER  period \x1f indicator \x1f provider \x1f unit
 *                          (earlier releases; empty once opened)
 *   gvals     BY_PROVIDER  period \x1f indicator \x1f group \x1f provider
 *   closed    REPLICATED  the close marker reaches every worker
 *   surveys   BY_PROVIDER  period \x1f provider \x1f survey
 *   rowstate  BY_PROVIDER  row key, the provider first
 *   rejected  BY_PROVIDER  period \x1f provider
 *   touched   UNION     sub \0 group prefix: the peer groups an open
 *                       submission touched, judged at its end by each
 *                       worker against the values it holds; after a move
 *                       the values of a group may sit on any worker, and
 *                       a group judged where none of the submission's
 *                       rows are finds nothing to warn about
 *   meta      LOCAL     the outbox's epoch and sequence numbers
 *   seen      LOCAL     the inbox's last sequence per sender
 *   outbox    LOCAL, drained  records not yet acknowledged by aggregation
 *
 * Known limit: a submission still open across the change (its end not yet
 * judged) may miss outlier warnings on rows judged before the change whose
 * provider moved (the outcome stays where it was stored, the values move
 * with the provider).  `benchlearn scale` should let open submissions end.
 */
#include "validate_rebalance.h"

#include <stdio.h>
#include <string.h>

#include "bl_mp.h"
#include "bl_store.h"
#include "validate_stage.h"

/* ---- providers in keys -------------------------------------------------- */

static size_t s_part0_after_sub(const MDB_val *key, const MDB_val *val,
                                char *buf, size_t size)
{
    (void)val;
    return bl_rebalance_part(key->mv_data, key->mv_size, true, 0, buf, size);
}

static size_t s_part0(const MDB_val *key, const MDB_val *val, char *buf,
                      size_t size)
{
    (void)val;
    return bl_rebalance_part(key->mv_data, key->mv_size, false, 0, buf, size);
}

static size_t s_part1(const MDB_val *key, const MDB_val *val, char *buf,
                      size_t size)
{
    (void)val;
    return bl_rebalance_part(key->mv_data, key->mv_size, false, 1, buf, size);
}

static size_t s_part2(const MDB_val *key, const MDB_val *val, char *buf,
                      size_t size)
{
    (void)val;
    return bl_rebalance_part(key->mv_data, key->mv_size, false, 2, buf, size);
}

static size_t s_part3(const MDB_val *key, const MDB_val *val, char *buf,
                      size_t size)
{
    (void)val;
    return bl_rebalance_part(key->mv_data, key->mv_size, false, 3, buf, size);
}

/* ---- submission records ------------------------------------------------- */

static const char *const s_counts[] = {"rows", "accepted", "warned",
                                       "rejected"};
#define S_N_COUNTS (sizeof s_counts / sizeof s_counts[0])

/* The counts and whether the state is "open" of a stored record. */
static int s_sub_counts(const MDB_val *v, uint64_t counts[S_N_COUNTS],
                        bool *open)
{
    memset(counts, 0, S_N_COUNTS * sizeof *counts);
    *open = false;
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return BL_EPROTO;
        }
        size_t c = 0;
        while (c < S_N_COUNTS && !bl_mp_str_eq(k, kl, s_counts[c])) {
            c++;
        }
        int rc;
        if (c < S_N_COUNTS) {
            rc = bl_mpr_uint(&r, &counts[c]);
        } else if (bl_mp_str_eq(k, kl, "state")) {
            char state[16];
            rc = bl_mpr_str_copy(&r, state, sizeof state);
            *open = rc == 0 && strcmp(state, "complete") != 0;
        } else {
            rc = bl_mpr_skip(&r);
        }
        if (rc != 0) {
            return BL_EPROTO;
        }
    }
    return 0;
}

/* Writes record v again into w with its counts replaced by counts (and
 * its state "open" when open). */
static int s_sub_rewrite(const MDB_val *v, const uint64_t counts[S_N_COUNTS],
                         bool open, bl_mpw_t *w)
{
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    bl_mpw_map(w, n);
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        const uint8_t *raw;
        size_t rl;
        if (bl_mpr_str(&r, &k, &kl) != 0 || bl_mpr_raw(&r, &raw, &rl) != 0) {
            return BL_EPROTO;
        }
        bl_mpw_strn(w, k, kl);
        size_t c = 0;
        while (c < S_N_COUNTS && !bl_mp_str_eq(k, kl, s_counts[c])) {
            c++;
        }
        if (c < S_N_COUNTS) {
            bl_mpw_uint(w, counts[c]);
        } else if (open && bl_mp_str_eq(k, kl, "state")) {
            bl_mpw_str(w, "open");
        } else {
            bl_mpw_raw(w, raw, rl);
        }
    }
    return w->err;
}

static int s_put_rewritten(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key,
                           const MDB_val *base,
                           const uint64_t counts[S_N_COUNTS], bool open,
                           bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    int rc = s_sub_rewrite(base, counts, open, &w);
    if (rc != 0) {
        rc = bl_err_set(err, BL_ESTORE, "submission %.64s: unreadable "
                        "record", (const char *)key->mv_data);
    } else {
        rc = bl_store_put(txn, dbi, key->mv_data, key->mv_size,
                          bl_mpw_data(&w), bl_mpw_size(&w), err);
    }
    bl_mpw_destroy(&w);
    return rc;
}

/* A removed worker's submission record into worker 1's: the counts add
 * up; open when either is. */
static int s_fold_sub(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key,
                      const MDB_val *val, bl_err_t *err)
{
    MDB_val have;
    int rc = bl_store_get(txn, dbi, key->mv_data, key->mv_size, &have, err);
    if (rc == BL_ENOTFOUND) {
        return bl_store_put(txn, dbi, key->mv_data, key->mv_size,
                            val->mv_data, val->mv_size, err);
    }
    if (rc != 0) {
        return rc;
    }
    uint64_t a[S_N_COUNTS], b[S_N_COUNTS];
    bool open_a, open_b;
    if (s_sub_counts(&have, a, &open_a) != 0 ||
        s_sub_counts(val, b, &open_b) != 0) {
        return bl_err_set(err, BL_ESTORE, "submission %.64s: unreadable "
                          "record", (const char *)key->mv_data);
    }
    for (size_t i = 0; i < S_N_COUNTS; i++) {
        a[i] += b[i];
    }
    /* (have lives until the put: rewrite into memory first) */
    return s_put_rewritten(txn, dbi, key, &have, a, open_a || open_b, err);
}

/* A new worker's record of a submission: worker 1's, with no rows. */
static int s_seed_sub(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key,
                      const MDB_val *val, bl_err_t *err)
{
    uint64_t zero[S_N_COUNTS] = {0};
    return s_put_rewritten(txn, dbi, key, val, zero, false, err);
}

/* ---- outcomes ----------------------------------------------------------- */

/* The last line stored under sub (prefix "sub\0", pl bytes) in dbi, or
 * 0. */
static int s_last_line(MDB_txn *txn, MDB_dbi dbi, const unsigned char *prefix,
                       size_t pl, uint64_t *line, bl_err_t *err)
{
    *line = 0;
    unsigned char probe[S_SUB_MAX + 9];
    memcpy(probe, prefix, pl);
    memset(probe + pl, 0xff, 8);
    MDB_cursor *cur;
    int rc = bl_store_cursor(txn, dbi, &cur, err);
    if (rc != 0) {
        return rc;
    }
    MDB_val k = {pl + 8, probe}, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (mrc == 0) {
        mrc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    } else if (mrc == MDB_NOTFOUND) {
        mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    }
    if (mrc == 0 && k.mv_size == pl + 8 &&
        memcmp(k.mv_data, prefix, pl) == 0) {
        *line = bl_store_u64_from((const unsigned char *)k.mv_data + pl);
    }
    mdb_cursor_close(cur);
    if (mrc != 0 && mrc != MDB_NOTFOUND) {
        return bl_store_fail(err, mrc, "mdb_cursor_get");
    }
    return 0;
}

/* A removed worker's outcome into worker 1: as it is, unless its line is
 * taken (the close's completeness outcomes, numbered per worker): then
 * after worker 1's last line of that submission.  Each outcome is folded
 * once (bl_rebalance keeps the place), in line order. */
static int s_fold_outcome(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key,
                          const MDB_val *val, bl_err_t *err)
{
    const unsigned char *k = key->mv_data;
    const unsigned char *nul = memchr(k, '\0', key->mv_size);
    size_t pl = nul ? (size_t)(nul - k) + 1 : 0;
    if (pl == 0 || pl > S_SUB_MAX || key->mv_size != pl + 8) {
        return bl_err_set(err, BL_ESTORE, "an outcome key of %zu bytes "
                          "without a submission and line", key->mv_size);
    }
    bool renumber = strncmp((const char *)k, "close-", 6) == 0;
    if (!renumber) {
        MDB_val have;
        int rc = bl_store_get(txn, dbi, k, key->mv_size, &have, err);
        if (rc == BL_ENOTFOUND) {
            return bl_store_put(txn, dbi, k, key->mv_size, val->mv_data,
                                val->mv_size, err);
        }
        if (rc != 0) {
            return rc;
        }
        if (have.mv_size == val->mv_size &&
            memcmp(have.mv_data, val->mv_data, val->mv_size) == 0) {
            return 0;
        }
    }
    uint64_t last;
    int rc = s_last_line(txn, dbi, k, pl, &last, err);
    if (rc != 0) {
        return rc;
    }
    unsigned char nk[S_SUB_MAX + 9];
    memcpy(nk, k, pl);
    bl_store_u64_key(last + 1, nk + pl);
    return bl_store_put(txn, dbi, nk, pl + 8, val->mv_data, val->mv_size,
                        err);
}

/* ---- the table ---------------------------------------------------------- */

static const bl_rebalance_rule_t s_rules[] = {
    {.db = "subs", .kind = BL_REBALANCE_MERGED, .fold = s_fold_sub,
     .seed = s_seed_sub},
    {.db = "outcomes", .kind = BL_REBALANCE_MERGED, .fold = s_fold_outcome},
    {.db = "keys", .kind = BL_REBALANCE_BY_PROVIDER,
     .provider = s_part0_after_sub},
    {.db = "register", .kind = BL_REBALANCE_REPLICATED},
    {.db = "pvals", .kind = BL_REBALANCE_BY_PROVIDER, .provider = s_part1},
    {.db = "vals", .kind = BL_REBALANCE_BY_PROVIDER, .provider = s_part2},
    {.db = "gvals", .kind = BL_REBALANCE_BY_PROVIDER, .provider = s_part3},
    {.db = "closed", .kind = BL_REBALANCE_REPLICATED},
    {.db = "surveys", .kind = BL_REBALANCE_BY_PROVIDER, .provider = s_part1},
    {.db = "rowstate", .kind = BL_REBALANCE_BY_PROVIDER, .provider = s_part0},
    {.db = "rejected", .kind = BL_REBALANCE_BY_PROVIDER, .provider = s_part1},
    {.db = "touched", .kind = BL_REBALANCE_UNION},
    {.db = "meta", .kind = BL_REBALANCE_LOCAL},
    {.db = "seen", .kind = BL_REBALANCE_LOCAL},
    {.db = "outbox", .kind = BL_REBALANCE_LOCAL, .drained = true},
};

const bl_rebalance_table_t validate_rebalance = {
    s_rules, sizeof s_rules / sizeof s_rules[0]};
