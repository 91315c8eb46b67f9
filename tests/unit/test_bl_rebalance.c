/*
 * Tests of bl_rebalance on real LMDB stores in a private mkdtemp
 * directory: each kind of rule (by provider, replicated, union, merged,
 * local and drained) going from 2 to 3, 3 to 2, 1 to 2 and 2 to 1
 * workers; a second run changing nothing; a run after a crash between a
 * fold and the removal of its store folding nothing twice; and the
 * refusals that change nothing.
 *
 * Every test has the same .timeout: Criterion 2.4.1's runner leaks memory
 * (LeakSanitizer fails the run) when one binary mixes timeout values.
 */
#include "bl_rebalance.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bl_outbox.h"
#include "bl_store.h"

#include "bl_test_node.h"

#define S_PROVIDERS 60

static char s_root[64];
static char s_dirs[BL_REBALANCE_WORKERS_MAX][128];
static const char *s_dir_ptrs[BL_REBALANCE_WORKERS_MAX];

/* The stage's databases, in open order. */
enum { DB_META = 0, DB_SEEN, DB_OUTBOX, DB_BYP, DB_REP, DB_UNI, DB_MRG,
       DB_LOC };
static const char *const s_names[] = {"meta", "seen", "outbox", "byp",
                                      "rep",  "uni",  "mrg",    "loc"};
#define S_N_DBS (sizeof s_names / sizeof s_names[0])

/* byp keys: period \x1f provider */
static size_t s_provider(const MDB_val *key, const MDB_val *val, char *buf,
                         size_t size)
{
    (void)val;
    return bl_rebalance_part(key->mv_data, key->mv_size, false, 1, buf, size);
}

static int s_seed_zero(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key,
                       const MDB_val *val, bl_err_t *err)
{
    (void)val;
    unsigned char zero[8] = {0};
    return bl_store_put(txn, dbi, key->mv_data, key->mv_size, zero,
                        sizeof zero, err);
}

static const bl_rebalance_rule_t s_rules[] = {
    {.db = "byp", .kind = BL_REBALANCE_BY_PROVIDER, .provider = s_provider},
    {.db = "rep", .kind = BL_REBALANCE_REPLICATED},
    {.db = "uni", .kind = BL_REBALANCE_UNION,
     .fold = bl_rebalance_fold_max_u64},
    {.db = "mrg", .kind = BL_REBALANCE_MERGED,
     .fold = bl_rebalance_fold_add_u64, .seed = s_seed_zero},
    {.db = "meta", .prefix = "count", .kind = BL_REBALANCE_MERGED,
     .fold = bl_rebalance_fold_add_u64},
    {.db = "loc", .kind = BL_REBALANCE_LOCAL},
    {.db = "outbox", .kind = BL_REBALANCE_LOCAL, .drained = true},
};
static const bl_rebalance_table_t s_table = {
    s_rules, sizeof s_rules / sizeof s_rules[0]};

static void s_setup(void)
{
    snprintf(s_root, sizeof s_root, "/tmp/bl_rebalance_test_XXXXXX");
    cr_assert_not_null(mkdtemp(s_root), "mkdtemp: %s", strerror(errno));
    for (int k = 1; k <= BL_REBALANCE_WORKERS_MAX; k++) {
        if (k == 1) {
            snprintf(s_dirs[0], sizeof s_dirs[0], "%s/stage", s_root);
        } else {
            snprintf(s_dirs[k - 1], sizeof s_dirs[0], "%s/stage.%d", s_root,
                     k);
        }
        s_dir_ptrs[k - 1] = s_dirs[k - 1];
    }
}

static void s_teardown(void)
{
    bl_test_rm_tree(s_root);
}

TestSuite(bl_rebalance, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* ---- store helpers ------------------------------------------------------ */

typedef struct s_put {
    size_t db;
    const void *key;
    size_t klen;
    const void *val;
    size_t vlen;
    bool del;
} s_put_t;

static int s_put_fn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_put_t *p = ctx;
    MDB_dbi dbi;
    int rc = mdb_dbi_open(txn, s_names[p->db], 0, &dbi);
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_dbi_open");
    }
    if (p->del) {
        return bl_store_del(txn, dbi, p->key, p->klen, err);
    }
    return bl_store_put(txn, dbi, p->key, p->klen, p->val, p->vlen, err);
}

static bl_store_t *s_open(int k)
{
    bl_store_t *s = NULL;
    bl_err_t err = {0};
    cr_assert_eq(bl_store_open(&s, s_dirs[k - 1], s_names, S_N_DBS, 0, &err),
                 0, "%s", err.msg);
    return s;
}

static void s_raw_put(int k, size_t db, const void *key, size_t klen,
                      const void *val, size_t vlen)
{
    bl_store_t *s = s_open(k);
    s_put_t p = {db, key, klen, val, vlen, false};
    bl_err_t err = {0};
    cr_assert_eq(bl_store_write(s, s_put_fn, &p, &err), 0, "%s", err.msg);
    bl_store_close(&s);
}

static void s_put_str(int k, size_t db, const char *key, const char *val)
{
    s_raw_put(k, db, key, strlen(key), val, strlen(val));
}

static void s_put_u64(int k, size_t db, const char *key, uint64_t v)
{
    unsigned char b[8];
    bl_store_u64_key(v, b);
    s_raw_put(k, db, key, strlen(key), b, sizeof b);
}

/* The value of key in store k's db into buf (NUL-terminated), or false. */
static bool s_get(int k, size_t db, const void *key, size_t klen, char *buf,
                  size_t size, size_t *len)
{
    bl_store_t *s = s_open(k);
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    MDB_val v;
    bool found = bl_store_get(txn, bl_store_dbi(s, db), key, klen, &v,
                              NULL) == 0;
    if (found) {
        size_t n = v.mv_size < size - 1 ? v.mv_size : size - 1;
        memcpy(buf, v.mv_data, n);
        buf[n] = '\0';
        if (len) {
            *len = v.mv_size;
        }
    }
    mdb_txn_abort(txn);
    bl_store_close(&s);
    return found;
}

static bool s_get_str(int k, size_t db, const char *key, char *buf,
                      size_t size)
{
    return s_get(k, db, key, strlen(key), buf, size, NULL);
}

/* The counter under key in store k's db; -1 when absent. */
static int64_t s_get_u64(int k, size_t db, const char *key)
{
    char buf[16];
    size_t len = 0;
    if (!s_get(k, db, key, strlen(key), buf, sizeof buf, &len)) {
        return -1;
    }
    cr_assert_eq(len, 8);
    return (int64_t)bl_store_u64_from(buf);
}

static size_t s_entries(int k, size_t db)
{
    bl_store_t *s = s_open(k);
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    MDB_stat st;
    cr_assert_eq(mdb_stat(txn, bl_store_dbi(s, db), &st), 0);
    mdb_txn_abort(txn);
    bl_store_close(&s);
    return st.ms_entries;
}

static bool s_exists(int k)
{
    char path[256];
    snprintf(path, sizeof path, "%s/data.mdb", s_dirs[k - 1]);
    struct stat st;
    return stat(path, &st) == 0;
}

/* How many entries of s_root are "<store k>.removed.*". */
static int s_removed_copies(int k)
{
    const char *base = strrchr(s_dirs[k - 1], '/') + 1;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s.removed.", base);
    DIR *d = opendir(s_root);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    }
    closedir(d);
    return n;
}

/* The entries of database db in the one "<store k>.removed.*" (counted
 * where the store was, then put back). */
static size_t s_removed_entries(int k, size_t db)
{
    const char *base = strrchr(s_dirs[k - 1], '/') + 1;
    char prefix[64], path[512];
    snprintf(prefix, sizeof prefix, "%s.removed.", base);
    DIR *d = opendir(s_root);
    cr_assert_not_null(d);
    struct dirent *e;
    path[0] = '\0';
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            snprintf(path, sizeof path, "%s/%s", s_root, e->d_name);
        }
    }
    closedir(d);
    cr_assert_neq(path[0], '\0', "no removed copy of store %d", k);
    cr_assert_eq(rename(path, s_dirs[k - 1]), 0);
    size_t n = s_entries(k, db);
    cr_assert_eq(rename(s_dirs[k - 1], path), 0);
    return n;
}

/* Entries per transaction of the next runs (0: the default). */
static size_t s_chunk;

static int s_run(int from, int to, bl_rebalance_stats_t *st, bl_err_t *err)
{
    bl_rebalance_t rb = {.from = from, .to = to, .dirs = s_dir_ptrs,
                         .db_names = s_names, .n_dbs = S_N_DBS,
                         .meta_db = "meta", .table = &s_table,
                         .chunk = s_chunk};
    return bl_rebalance_run(&rb, st, err);
}

static void s_run_ok(int from, int to, bl_rebalance_stats_t *st)
{
    bl_err_t err = {0};
    cr_assert_eq(s_run(from, to, st, &err), 0, "%d:%d: %s", from, to,
                 err.msg);
}

static void s_provider_id(int i, char *buf, size_t size)
{
    snprintf(buf, size, "NO-%04d", i);
}

static int s_worker_of(const char *provider, int workers)
{
    return (int)bl_outbox_lane_of(provider, strlen(provider),
                                  (size_t)workers) + 1;
}

/* A stage of n workers as it runs: each provider's byp entries (two
 * periods) in its worker's store; every store with its local and
 * replicated entries. */
static void s_fill(int n)
{
    for (int i = 1; i <= S_PROVIDERS; i++) {
        char p[16], key[64], val[64];
        s_provider_id(i, p, sizeof p);
        for (int period = 2024; period <= 2025; period++) {
            snprintf(key, sizeof key, "%d\x1f%s", period, p);
            snprintf(val, sizeof val, "value of %s in %d", p, period);
            s_put_str(s_worker_of(p, n), DB_BYP, key, val);
        }
    }
    for (int k = 1; k <= n; k++) {
        s_put_str(k, DB_REP, "2025", "closed");
        s_put_str(k, DB_LOC, "cursor", k == 1 ? "one" : "other");
        s_put_str(k, DB_SEEN, "sender", "42");
    }
}

/* Every provider's entries are in the store of its worker under n, and
 * only there. */
static void s_assert_placed(int n)
{
    size_t total = 0;
    for (int k = 1; k <= n; k++) {
        total += s_entries(k, DB_BYP);
    }
    cr_assert_eq(total, 2 * S_PROVIDERS, "entries over all stores");
    for (int i = 1; i <= S_PROVIDERS; i++) {
        char p[16], key[64], want[64], got[64];
        s_provider_id(i, p, sizeof p);
        for (int period = 2024; period <= 2025; period++) {
            snprintf(key, sizeof key, "%d\x1f%s", period, p);
            snprintf(want, sizeof want, "value of %s in %d", p, period);
            int w = s_worker_of(p, n);
            cr_assert(s_get_str(w, DB_BYP, key, got, sizeof got),
                      "%s not in worker %d's store", key, w);
            cr_assert_str_eq(got, want);
        }
    }
}

/* ---- the counts --------------------------------------------------------- */

Test(bl_rebalance, two_to_three_puts_each_key_in_its_providers_store)
{
    s_fill(2);
    bl_rebalance_stats_t st;
    s_run_ok(2, 3, &st);
    s_assert_placed(3);
    cr_assert_gt(st.moved, 0);
    cr_assert_eq(st.moved, st.deleted);
    cr_assert_eq(st.created, 1);
    cr_assert_eq(st.removed, 0);
    /* Local entries stay as they were; a new worker has none. */
    char got[64];
    cr_assert(s_get_str(2, DB_LOC, "cursor", got, sizeof got));
    cr_assert_str_eq(got, "other");
    cr_assert_eq(s_entries(3, DB_LOC), 0);
    cr_assert_eq(s_entries(3, DB_SEEN), 0);
}

Test(bl_rebalance, three_to_two_empties_and_renames_the_third_store)
{
    s_fill(3);
    size_t third = s_entries(3, DB_BYP);
    cr_assert_gt(third, 0);
    bl_rebalance_stats_t st;
    s_run_ok(3, 2, &st);
    s_assert_placed(2);
    cr_assert_eq(st.removed, 1);
    cr_assert_not(s_exists(3));
    cr_assert_eq(s_removed_copies(3), 1);
    /* what it held moved, and the renamed store is kept as it was */
    cr_assert_eq(s_removed_entries(3, DB_BYP), third);
    cr_assert_eq(st.deleted + third, st.moved);
}

Test(bl_rebalance, one_to_two_and_two_to_one)
{
    s_fill(1);
    bl_rebalance_stats_t st;
    s_run_ok(1, 2, &st);
    s_assert_placed(2);
    cr_assert_gt(s_entries(2, DB_BYP), 0);
    cr_assert_lt(s_entries(1, DB_BYP), 2 * S_PROVIDERS);
    s_run_ok(2, 1, &st);
    s_assert_placed(1);
    cr_assert_eq(s_entries(1, DB_BYP), 2 * S_PROVIDERS);
    cr_assert_not(s_exists(2));
    cr_assert_eq(s_removed_copies(2), 1);
}

Test(bl_rebalance, a_second_run_changes_nothing)
{
    s_fill(2);
    s_put_u64(1, DB_MRG, "2025", 5);
    bl_rebalance_stats_t st;
    s_run_ok(2, 3, &st);
    s_run_ok(2, 3, &st);
    cr_assert_eq(st.moved, 0);
    cr_assert_eq(st.deleted, 0);
    cr_assert_eq(st.created, 0);
    s_assert_placed(3);
    cr_assert_eq(s_get_u64(1, DB_MRG, "2025"), 5);
    cr_assert_eq(s_get_u64(3, DB_MRG, "2025"), 0);
}

/* A crash after the copies and before the deletes leaves each moved key
 * in both stores: a run again deletes the old copies. */
Test(bl_rebalance, a_run_after_a_crash_between_copy_and_delete_finishes)
{
    s_fill(3);
    /* As a crashed 3:2 run leaves it: every key copied, none deleted. */
    for (int i = 1; i <= S_PROVIDERS; i++) {
        char p[16], key[64], val[64];
        s_provider_id(i, p, sizeof p);
        for (int period = 2024; period <= 2025; period++) {
            snprintf(key, sizeof key, "%d\x1f%s", period, p);
            snprintf(val, sizeof val, "value of %s in %d", p, period);
            s_put_str(s_worker_of(p, 2), DB_BYP, key, val);
        }
    }
    bl_rebalance_stats_t st;
    s_run_ok(3, 2, &st);
    s_assert_placed(2);
    cr_assert_eq(st.kept, 0);
}

/* A crash after a removed worker's counters were folded into worker 1
 * and before its store was renamed: the fold record in worker 1's meta
 * makes the run again fold nothing twice. */
Test(bl_rebalance, a_fold_is_not_repeated_after_a_crash)
{
    s_fill(3);
    s_put_u64(1, DB_MRG, "2025", 10);
    s_put_u64(3, DB_MRG, "2025", 7);
    /* As the crashed run left it: worker 3 folded (10 + 7) and recorded. */
    uint64_t id = 0x1234;
    s_put_u64(3, DB_META, "rebalance.id", id);
    s_put_u64(1, DB_MRG, "2025", 17);
    char mark[96];
    snprintf(mark, sizeof mark, "rebalance.fold.%016" PRIx64 ".3", id);
    s_put_str(1, DB_META, mark, "2025");
    bl_rebalance_stats_t st;
    s_run_ok(3, 2, &st);
    cr_assert_eq(s_get_u64(1, DB_MRG, "2025"), 17);
    cr_assert_eq(st.merged, 0);
    /* The fold records go once the store is gone. */
    char got[64];
    cr_assert_not(s_get_str(1, DB_META, mark, got, sizeof got));
}

typedef struct s_bulk {
    int n, workers, only;      /* providers; put those of worker `only` */
} s_bulk_t;

static int s_bulk_fn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_bulk_t *b = ctx;
    MDB_dbi dbi;
    int rc = mdb_dbi_open(txn, "byp", 0, &dbi);
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_dbi_open");
    }
    for (int i = 0; i < b->n && rc == 0; i++) {
        char p[16], key[32];
        snprintf(p, sizeof p, "NO-%06d", i);
        if (s_worker_of(p, b->workers) != b->only) {
            continue;
        }
        int kl = snprintf(key, sizeof key, "2025\x1f%s", p);
        rc = bl_store_put(txn, dbi, key, (size_t)kl, p, strlen(p), err);
    }
    return rc;
}

/* More entries than one chunk holds: the moves resume where each chunk
 * ended. */
Test(bl_rebalance, many_keys_move_over_several_chunks)
{
    enum { N = 100000 };
    s_chunk = 4096;       /* 50,000 entries a store: 13 chunks */
    for (int k = 1; k <= 2; k++) {
        bl_store_t *s = s_open(k);
        s_bulk_t b = {N, 2, k};
        bl_err_t err = {0};
        cr_assert_eq(bl_store_write(s, s_bulk_fn, &b, &err), 0, "%s",
                     err.msg);
        bl_store_close(&s);
    }
    bl_rebalance_stats_t st;
    s_run_ok(2, 5, &st);
    size_t total = 0;
    for (int k = 1; k <= 5; k++) {
        total += s_entries(k, DB_BYP);
        cr_assert_gt(s_entries(k, DB_BYP), N / 10, "worker %d", k);
    }
    cr_assert_eq(total, N);
    cr_assert_eq(st.moved, st.deleted);
    for (int i = 0; i < N; i += 997) {
        char p[16], key[32], got[32];
        snprintf(p, sizeof p, "NO-%06d", i);
        snprintf(key, sizeof key, "2025\x1f%s", p);
        cr_assert(s_get_str(s_worker_of(p, 5), DB_BYP, key, got, sizeof got),
                  "%s", key);
    }
    s_run_ok(5, 1, &st);
    cr_assert_eq(s_entries(1, DB_BYP), N);
    s_chunk = 0;
    s_run_ok(1, 3, &st);                 /* the default: one chunk each */
    total = 0;
    for (int k = 1; k <= 3; k++) {
        total += s_entries(k, DB_BYP);
    }
    cr_assert_eq(total, N);
    cr_assert_eq(st.moved, st.deleted);
}

/* ---- the kinds ---------------------------------------------------------- */

Test(bl_rebalance, a_new_worker_gets_worker_ones_replicated_entries)
{
    s_fill(2);
    s_put_str(1, DB_REP, "2024", "closed");
    s_put_str(2, DB_REP, "stray", "only on worker 2");
    bl_rebalance_stats_t st;
    s_run_ok(2, 3, &st);
    char got[64];
    cr_assert(s_get_str(3, DB_REP, "2024", got, sizeof got));
    cr_assert_str_eq(got, "closed");
    cr_assert(s_get_str(3, DB_REP, "2025", got, sizeof got));
    cr_assert_not(s_get_str(3, DB_REP, "stray", got, sizeof got));
    cr_assert_eq(s_entries(3, DB_REP), 2);
    cr_assert_eq(st.copied, 2);
}

Test(bl_rebalance, merged_counters_add_into_worker_one_and_seed_new_ones)
{
    s_fill(3);
    s_put_u64(1, DB_MRG, "2025", 10);
    s_put_u64(2, DB_MRG, "2025", 20);
    s_put_u64(3, DB_MRG, "2025", 7);
    s_put_u64(3, DB_MRG, "2024", 3);
    s_put_u64(1, DB_META, "count", 100);
    s_put_u64(3, DB_META, "count", 11);
    s_put_u64(3, DB_META, "next", 99);     /* local: dropped */
    bl_rebalance_stats_t st;
    s_run_ok(3, 2, &st);
    cr_assert_eq(s_get_u64(1, DB_MRG, "2025"), 17);
    cr_assert_eq(s_get_u64(1, DB_MRG, "2024"), 3);
    cr_assert_eq(s_get_u64(2, DB_MRG, "2025"), 20, "worker 2 keeps its own");
    cr_assert_eq(s_get_u64(1, DB_META, "count"), 111);
    cr_assert_eq(s_get_u64(1, DB_META, "next"), -1);
    cr_assert_eq(st.merged, 2 + 1);
    /* Growing again: the new worker starts from zero. */
    s_run_ok(2, 3, &st);
    cr_assert_eq(s_get_u64(3, DB_MRG, "2025"), 0);
    cr_assert_eq(s_get_u64(3, DB_MRG, "2024"), 0);
    cr_assert_eq(s_get_u64(1, DB_MRG, "2025"), 17);
}

Test(bl_rebalance, union_entries_reach_every_worker_with_the_larger_value)
{
    s_fill(3);
    s_put_u64(1, DB_UNI, "pending.2025", 4);
    s_put_u64(3, DB_UNI, "pending.2025", 6);
    s_put_u64(3, DB_UNI, "pending.2024", 2);
    bl_rebalance_stats_t st;
    s_run_ok(3, 2, &st);
    for (int k = 1; k <= 2; k++) {
        cr_assert_eq(s_get_u64(k, DB_UNI, "pending.2025"), 6, "worker %d", k);
        cr_assert_eq(s_get_u64(k, DB_UNI, "pending.2024"), 2, "worker %d", k);
    }
}

/* ---- refusals ----------------------------------------------------------- */

Test(bl_rebalance, a_removed_worker_with_outbox_messages_is_refused)
{
    s_fill(3);
    s_put_str(3, DB_OUTBOX, "\x01seq", "a message");
    bl_rebalance_stats_t st;
    bl_err_t err = {0};
    cr_assert_eq(s_run(3, 2, &st, &err), BL_EREFUSED);
    cr_assert_not_null(strstr(err.msg, "outbox"), "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, s_dirs[2]), "%s", err.msg);
    /* Nothing moved. */
    cr_assert(s_exists(3));
    s_assert_placed(3);
}

Test(bl_rebalance, a_store_beyond_the_counts_is_refused)
{
    s_fill(3);
    bl_rebalance_stats_t st;
    bl_err_t err = {0};
    cr_assert_eq(s_run(2, 1, &st, &err), BL_EREFUSED);
    cr_assert_not_null(strstr(err.msg, s_dirs[2]), "%s", err.msg);
    s_assert_placed(3);
}

Test(bl_rebalance, counts_out_of_range_are_refused)
{
    bl_rebalance_stats_t st;
    bl_err_t err = {0};
    cr_assert_eq(s_run(0, 2, &st, &err), BL_EINVAL);
    cr_assert_eq(s_run(2, 17, &st, &err), BL_EINVAL);
    cr_assert_not(s_exists(1));
}

Test(bl_rebalance, part_picks_one_field_of_a_key)
{
    char buf[16];
    const char key[] = "sub-1\0NO-1\x1fu\x1f" "2025";
    cr_assert_eq(bl_rebalance_part(key, sizeof key - 1, true, 0, buf,
                                   sizeof buf), 4);
    cr_assert_str_eq(buf, "NO-1");
    cr_assert_eq(bl_rebalance_part(key, sizeof key - 1, true, 2, buf,
                                   sizeof buf), 4);
    cr_assert_str_eq(buf, "2025");
    cr_assert_eq(bl_rebalance_part(key, sizeof key - 1, true, 3, buf,
                                   sizeof buf), 0);
    cr_assert_eq(bl_rebalance_part("a\x1f" "0123456789abcdefgh", 20, false,
                                   1, buf, sizeof buf), 0, "too long");
}
