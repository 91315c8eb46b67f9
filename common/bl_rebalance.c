/*
 * bl_rebalance: the offline move of a stage's state between its workers'
 * stores (see bl_rebalance.h for the kinds, the order of the steps and
 * why a run again after a crash finishes the job).
 *
 * Entries are read from a source store into memory a chunk at a time
 * (bounded in entries and bytes) in a short read transaction, and written
 * to each destination in a write transaction of its own: never two
 * transactions of this process open at once, and no transaction larger
 * than a chunk.
 */
#include "bl_rebalance.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bl_outbox.h"
#include "bl_page.h"
#include "bl_scan.h"
#include "bl_store.h"
#include "bl_vec.h"

#define S_MAX BL_REBALANCE_WORKERS_MAX
#define S_CHUNK_ENTRIES 131072         /* entries read per chunk (default:
                                          a transaction's fsync is dear) */
#define S_CHUNK_VISITS 8               /* keys looked at per chunk, per
                                          entry it may hold */
#define S_CHUNK_BYTES ((size_t)16 << 20)   /* bytes read per chunk */
#define S_PROVIDER_MAX 128             /* a provider id, with its NUL */
#define S_FOLD_PREFIX "rebalance.fold."
#define S_ID_KEY "rebalance.id"

/* One entry of a chunk: its bytes in the chunk's buffer. */
typedef struct s_entry {
    size_t koff, klen, voff, vlen;
    int target;            /* BY_PROVIDER: worker it belongs to, 0 none */
    bool owner;            /* BY_PROVIDER: the source was its FROM worker */
} s_entry_t;

/* Entries read from one store, in key order. */
typedef struct s_chunk {
    unsigned char *buf;
    size_t len, cap;
    s_entry_t *e;
    size_t n, cap_e;
    unsigned char last[BL_STORE_KEY_MAX];   /* last key looked at */
    size_t last_len;
    bool started;          /* last holds a key: resume after it */
    bool more;             /* the scan stopped at a bound */
} s_chunk_t;

/* The last provider whose workers were looked up: a store's entries come
 * in key order, so a provider's entries mostly follow each other. */
typedef struct s_lanes {
    char p[S_PROVIDER_MAX];
    size_t pl;             /* 0: none yet */
    int to, from;          /* its worker under TO and under FROM */
} s_lanes_t;

typedef struct s_run {
    const bl_rebalance_t *rb;
    s_lanes_t lanes;
    int n;                         /* max(from, to) */
    bl_store_t *stores[S_MAX];     /* [k-1]; NULL: absent */
    uint64_t ids[S_MAX];           /* removed stores' ids */
    size_t meta;                   /* index of the meta database */
    size_t chunk;                  /* entries a chunk holds */
    bl_rebalance_stats_t *st;
} s_run_t;

/* ---- helpers ------------------------------------------------------------ */

size_t bl_rebalance_part(const void *data, size_t len, bool skip_nul,
                         size_t index, char *buf, size_t size)
{
    const char *p = data;
    const char *end = p + len;
    if (skip_nul) {
        const char *nul = memchr(p, '\0', len);
        if (nul == NULL) {
            return 0;
        }
        p = nul + 1;
    }
    for (size_t i = 0; i < index; i++) {
        const char *sep = memchr(p, '\x1f', (size_t)(end - p));
        if (sep == NULL) {
            return 0;
        }
        p = sep + 1;
    }
    const char *sep = memchr(p, '\x1f', (size_t)(end - p));
    size_t pl = (size_t)((sep ? sep : end) - p);
    if (pl == 0 || pl >= size || memchr(p, '\0', pl) != NULL) {
        return 0;
    }
    memcpy(buf, p, pl);
    buf[pl] = '\0';
    return pl;
}

static bool s_exists(const char *dir)
{
    char path[PATH_MAX];
    struct stat sb;
    int n = snprintf(path, sizeof path, "%s/data.mdb", dir);
    return n > 0 && (size_t)n < sizeof path && stat(path, &sb) == 0;
}

static uint64_t s_random_id(void)
{
    uint64_t v = 0;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, &v, sizeof v) != (ssize_t)sizeof v) {
            v = 0;
        }
        close(fd);
    }
    v ^= (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
    return v | 1;
}

static int s_db_index(const bl_rebalance_t *rb, const char *name)
{
    for (size_t i = 0; i < rb->n_dbs; i++) {
        if (strcmp(rb->db_names[i], name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static size_t s_prefix_len(const bl_rebalance_rule_t *r)
{
    return r->prefix ? strlen(r->prefix) : 0;
}

/* The first rule that decides key of database db, or -1 (LOCAL). */
static int s_rule_of(const bl_rebalance_t *rb, const char *db,
                     const MDB_val *key)
{
    for (size_t i = 0; i < rb->table->n_rules; i++) {
        const bl_rebalance_rule_t *r = &rb->table->rules[i];
        size_t pl = s_prefix_len(r);
        if (strcmp(r->db, db) == 0 && key->mv_size >= pl &&
            memcmp(key->mv_data, r->prefix ? r->prefix : "", pl) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Provider p's (pl bytes) worker under TO (*to) and under FROM (*from),
 * 1-based. */
static void s_workers_of(s_lanes_t *m, const bl_rebalance_t *rb,
                         const char *p, size_t pl, int *to, int *from)
{
    if (pl != m->pl || memcmp(p, m->p, pl) != 0) {
        m->to = (int)bl_outbox_lane_of(p, pl, (size_t)rb->to) + 1;
        m->from = (int)bl_outbox_lane_of(p, pl, (size_t)rb->from) + 1;
        m->pl = pl < sizeof m->p ? pl : 0;
        memcpy(m->p, p, m->pl);
    }
    *to = m->to;
    *from = m->from;
}

static MDB_dbi s_dbi(const s_run_t *run, int k, const char *db)
{
    return bl_store_dbi(run->stores[k - 1],
                        (size_t)s_db_index(run->rb, db));
}

static const char *s_dir(const s_run_t *run, int k)
{
    return run->rb->dirs[k - 1];
}

/* Puts "store 'DIR', database 'DB': " before err's message. */
static int s_where(bl_err_t *err, int rc, const s_run_t *run, int k,
                   const char *db)
{
    if (db != NULL) {
        bl_err_prefix(err, "store '%s', database '%s'", s_dir(run, k), db);
    } else {
        bl_err_prefix(err, "store '%s'", s_dir(run, k));
    }
    return rc;
}

static void s_chunk_reset(s_chunk_t *c)
{
    c->len = 0;
    c->n = 0;
    c->more = false;
}

static void s_chunk_free(s_chunk_t *c)
{
    free(c->buf);
    free(c->e);
    memset(c, 0, sizeof *c);
}

static MDB_val s_key(const s_chunk_t *c, size_t i)
{
    return (MDB_val){c->e[i].klen, c->buf + c->e[i].koff};
}

static MDB_val s_val(const s_chunk_t *c, size_t i)
{
    return (MDB_val){c->e[i].vlen, c->buf + c->e[i].voff};
}

static int s_chunk_add(s_chunk_t *c, const MDB_val *k, const MDB_val *v,
                       bl_err_t *err)
{
    size_t need = c->len + k->mv_size + v->mv_size;
    if (need < c->len || BL_GROW(c->buf, c->cap, need) != 0 ||
        BL_GROW(c->e, c->cap_e, c->n + 1) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    s_entry_t *e = &c->e[c->n++];
    memset(e, 0, sizeof *e);
    e->koff = c->len;
    e->klen = k->mv_size;
    memcpy(c->buf + c->len, k->mv_data, k->mv_size);
    c->len += k->mv_size;
    e->voff = c->len;
    e->vlen = v->mv_size;
    if (v->mv_size > 0) {
        memcpy(c->buf + c->len, v->mv_data, v->mv_size);
    }
    c->len += v->mv_size;
    return 0;
}

/* Opens a scan of rule's entries in dbi, after from->last when from (may
 * be NULL) has started. */
static int s_scan_rule(bl_scan_t *scan, MDB_txn *txn, MDB_dbi dbi,
                       const bl_rebalance_rule_t *rule, const s_chunk_t *from,
                       bl_err_t *err)
{
    int rc = bl_scan_open(scan, txn, dbi, rule->prefix ? rule->prefix : "",
                          s_prefix_len(rule), err);
    if (rc == 0 && from != NULL && from->started) {
        rc = bl_scan_after(scan, from->last, from->last_len);
    }
    return rc;
}

/* Reads the next chunk of rule r's entries of store k (after c->last
 * when c->started).  Returns 0 or an error. */
static int s_read_chunk(const s_run_t *run, int k, size_t r, s_chunk_t *c,
                        bl_err_t *err)
{
    const bl_rebalance_rule_t *rule = &run->rb->table->rules[r];
    s_chunk_reset(c);
    MDB_txn *txn;
    int rc = bl_store_read(run->stores[k - 1], &txn, err);
    if (rc != 0) {
        return rc;
    }
    bl_scan_t scan;
    rc = s_scan_rule(&scan, txn, s_dbi(run, k, rule->db), rule, c, err);
    size_t visits = 0;
    MDB_val key, val;
    int more = 0;
    while (rc == 0 && (more = bl_scan_next(&scan, &key, &val)) == 1) {
        if (key.mv_size > sizeof c->last) {
            rc = bl_err_set(err, BL_ESTORE, "a key of %zu bytes",
                            key.mv_size);
            break;
        }
        memcpy(c->last, key.mv_data, key.mv_size);
        c->last_len = key.mv_size;
        c->started = true;
        if (s_rule_of(run->rb, rule->db, &key) == (int)r) {
            rc = s_chunk_add(c, &key, &val, err);
        }
        if (rc == 0 && (c->n >= run->chunk || c->len >= S_CHUNK_BYTES ||
                        ++visits >= run->chunk * S_CHUNK_VISITS)) {
            c->more = true;
            break;
        }
    }
    bl_scan_close(&scan);
    mdb_txn_abort(txn);
    if (rc == 0 && more < 0) {
        rc = more;
    }
    return rc;
}

/* Whether key is in cur's database (*found), and with exactly val
 * (*same).  A chunk's keys come in order, so the cursor's search mostly
 * stays on its page. */
static int s_same(MDB_cursor *cur, const MDB_val *key, const MDB_val *val,
                  bool *found, bool *same, bl_err_t *err)
{
    MDB_val k = *key, have;
    int rc = mdb_cursor_get(cur, &k, &have, MDB_SET_KEY);
    if (rc == MDB_NOTFOUND) {
        *found = *same = false;
        return 0;
    }
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_cursor_get");
    }
    *found = true;
    *same = have.mv_size == val->mv_size &&
            (val->mv_size == 0 ||
             memcmp(have.mv_data, val->mv_data, val->mv_size) == 0);
    return 0;
}

static int s_put(MDB_cursor *cur, const MDB_val *key, const MDB_val *val,
                 bl_err_t *err)
{
    return bl_store_cursor_put(cur, key->mv_data, key->mv_size, val->mv_data,
                               val->mv_size, err);
}

/* The counter under key in txn (0 when absent) and val's. */
static int s_u64_pair(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key,
                      const MDB_val *val, uint64_t *have, uint64_t *add,
                      bl_err_t *err)
{
    MDB_val cur;
    int rc = bl_store_get(txn, dbi, key->mv_data, key->mv_size, &cur, err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    if (val->mv_size != 8 || (rc == 0 && cur.mv_size != 8)) {
        return bl_err_set(err, BL_ESTORE, "counter '%.*s' is corrupt",
                          (int)(key->mv_size < 100 ? key->mv_size : 100),
                          (const char *)key->mv_data);
    }
    *have = rc == 0 ? bl_store_u64_from(cur.mv_data) : 0;
    *add = bl_store_u64_from(val->mv_data);
    return 0;
}

static int s_put_u64(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key,
                     uint64_t v, bl_err_t *err)
{
    unsigned char b[8];
    bl_store_u64_key(v, b);
    return bl_store_put(txn, dbi, key->mv_data, key->mv_size, b, sizeof b,
                        err);
}

int bl_rebalance_fold_add_u64(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key,
                              const MDB_val *val, bl_err_t *err)
{
    uint64_t have = 0, add = 0;
    int rc = s_u64_pair(txn, dbi, key, val, &have, &add, err);
    return rc != 0 ? rc : s_put_u64(txn, dbi, key, have + add, err);
}

int bl_rebalance_fold_max_u64(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key,
                              const MDB_val *val, bl_err_t *err)
{
    uint64_t have = 0, add = 0;
    int rc = s_u64_pair(txn, dbi, key, val, &have, &add, err);
    return rc != 0 ? rc
                   : s_put_u64(txn, dbi, key, have > add ? have : add, err);
}

/* ---- writing a chunk into one destination ------------------------------ */

typedef enum s_mode {
    S_MOVE,       /* BY_PROVIDER: entries whose target is the destination */
    S_COPY,       /* REPLICATED: put what differs */
    S_UNION,      /* put what is absent, fold what differs */
    S_SEED,       /* MERGED to a new worker: seed what is absent */
    S_FOLD        /* MERGED from a removed worker, with its fold record */
} s_mode_t;

typedef struct s_write {
    const s_chunk_t *c;
    s_mode_t mode;
    const bl_rebalance_rule_t *rule;
    MDB_dbi dbi;
    MDB_cursor *cur;           /* on dbi, in the write's transaction */
    MDB_dbi meta;              /* S_FOLD: worker 1's meta */
    const char *mark;          /* S_FOLD: the fold record's key */
    int target;                /* S_MOVE: the destination worker */
    uint64_t done, kept;       /* this attempt's counts */
} s_write_t;

static int s_write_entry(s_write_t *w, MDB_txn *txn, size_t i, bl_err_t *err)
{
    const s_chunk_t *c = w->c;
    MDB_val key = s_key(c, i), val = s_val(c, i);
    bool found = false, same = false;
    if (w->mode == S_FOLD) {
        w->done++;
        if (w->rule->fold != NULL) {
            return w->rule->fold(txn, w->dbi, &key, &val, err);
        }
        int rc = s_same(w->cur, &key, &val, &found, &same, err);
        return rc != 0 || found ? rc : s_put(w->cur, &key, &val, err);
    }
    if (w->mode == S_MOVE && c->e[i].target != w->target) {
        return 0;
    }
    int rc = s_same(w->cur, &key, &val, &found, &same, err);
    if (rc != 0) {
        return rc;
    }
    switch (w->mode) {
    case S_MOVE:
        w->done++;
        if (found && !same && !c->e[i].owner) {
            w->kept++;
            return 0;
        }
        return same ? 0 : s_put(w->cur, &key, &val, err);
    case S_COPY:
        if (same) {
            return 0;
        }
        w->done++;
        return s_put(w->cur, &key, &val, err);
    case S_UNION:
        if (same || (found && w->rule->fold == NULL)) {
            return 0;
        }
        w->done++;
        return found ? w->rule->fold(txn, w->dbi, &key, &val, err)
                     : s_put(w->cur, &key, &val, err);
    case S_SEED:
        if (found) {
            return 0;
        }
        w->done++;
        return w->rule->seed(txn, w->dbi, &key, &val, err);
    case S_FOLD:
        break;
    }
    return 0;
}

static int s_write_fn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_write_t *w = ctx;
    w->done = w->kept = 0;
    int rc = bl_store_cursor(txn, w->dbi, &w->cur, err);
    for (size_t i = 0; i < w->c->n && rc == 0; i++) {
        rc = s_write_entry(w, txn, i, err);
    }
    if (w->cur != NULL) {
        mdb_cursor_close(w->cur);
        w->cur = NULL;
    }
    if (rc == 0 && w->mode == S_FOLD && w->c->started) {
        rc = bl_store_put(txn, w->meta, w->mark, strlen(w->mark), w->c->last,
                          w->c->last_len, err);
    }
    return rc;
}

/* Writes chunk c into store k's database of rule r in one transaction. */
static int s_write(const s_run_t *run, int k, size_t r, s_write_t *w,
                   bl_err_t *err)
{
    const bl_rebalance_rule_t *rule = &run->rb->table->rules[r];
    w->rule = rule;
    w->dbi = s_dbi(run, k, rule->db);
    int rc = bl_store_write(run->stores[k - 1], s_write_fn, w, err);
    return rc != 0 ? s_where(err, rc, run, k, rule->db) : 0;
}

/* ---- the kinds ---------------------------------------------------------- */

/* A chunk's moved entries, deleted from the store they were read from. */
typedef struct s_drop {
    const s_chunk_t *c;
    MDB_dbi dbi;
    uint64_t deleted;          /* this attempt's count */
} s_drop_t;

static int s_drop_fn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_drop_t *d = ctx;
    d->deleted = 0;
    MDB_cursor *cur;
    int rc = bl_store_cursor(txn, d->dbi, &cur, err);
    for (size_t i = 0; i < d->c->n && rc == 0; i++) {
        if (d->c->e[i].target == 0) {
            continue;
        }
        MDB_val key = s_key(d->c, i), val;
        int mrc = mdb_cursor_get(cur, &key, &val, MDB_SET);
        if (mrc == 0) {
            mrc = mdb_cursor_del(cur, 0);
            d->deleted += mrc == 0;
        }
        if (mrc != 0 && mrc != MDB_NOTFOUND) {
            rc = bl_store_fail(err, mrc, "deleting a moved entry");
        }
    }
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    return rc;
}

/* BY_PROVIDER: store k's entries that belong elsewhere under TO are put
 * there, a chunk at a time; once a chunk's copies are committed, its
 * moved entries are deleted from store k (unless k is removed: its store
 * is kept as it was).  A crash in between leaves an entry in both, which
 * a run again copies (the same value) and deletes. */
static int s_move_from(s_run_t *run, int k, size_t r, s_chunk_t *c,
                       bl_err_t *err)
{
    const bl_rebalance_rule_t *rule = &run->rb->table->rules[r];
    c->started = false;
    do {
        int rc = s_read_chunk(run, k, r, c, err);
        if (rc != 0) {
            return s_where(err, rc, run, k, rule->db);
        }
        bool dest[S_MAX + 1] = {false}, moves = false;
        for (size_t i = 0; i < c->n; i++) {
            MDB_val key = s_key(c, i), val = s_val(c, i);
            char p[S_PROVIDER_MAX];
            size_t pl = rule->provider(&key, &val, p, sizeof p);
            c->e[i].target = 0;
            if (pl == 0) {
                continue;
            }
            int t, f;
            s_workers_of(&run->lanes, run->rb, p, pl, &t, &f);
            c->e[i].owner = f == k;
            if (t != k) {
                c->e[i].target = t;
                dest[t] = true;
                moves = true;
            }
        }
        for (int t = 1; t <= run->rb->to; t++) {
            if (!dest[t]) {
                continue;
            }
            s_write_t w = {.c = c, .mode = S_MOVE, .target = t};
            rc = s_write(run, t, r, &w, err);
            if (rc != 0) {
                return rc;
            }
            run->st->moved += w.done;
            run->st->kept += w.kept;
        }
        if (moves && k <= run->rb->to) {
            s_drop_t d = {.c = c, .dbi = s_dbi(run, k, rule->db)};
            rc = bl_store_write(run->stores[k - 1], s_drop_fn, &d, err);
            if (rc != 0) {
                return s_where(err, rc, run, k, rule->db);
            }
            run->st->deleted += d.deleted;
        }
    } while (c->more);
    return 0;
}

/* Copies every chunk of rule r's entries of store src into store dst
 * in the given mode. */
static int s_copy(s_run_t *run, int src, int dst, size_t r, s_mode_t mode,
                  s_chunk_t *c, bl_err_t *err)
{
    const bl_rebalance_rule_t *rule = &run->rb->table->rules[r];
    c->started = false;
    do {
        int rc = s_read_chunk(run, src, r, c, err);
        if (rc != 0) {
            return s_where(err, rc, run, src, rule->db);
        }
        if (c->n == 0) {
            continue;
        }
        s_write_t w = {.c = c, .mode = mode};
        rc = s_write(run, dst, r, &w, err);
        if (rc != 0) {
            return rc;
        }
        run->st->copied += w.done;
    } while (c->more);
    return 0;
}

/* MERGED, removed store k into worker 1, resuming after the fold record
 * of an earlier run. */
static int s_fold(s_run_t *run, int k, size_t r, s_chunk_t *c, bl_err_t *err)
{
    const bl_rebalance_rule_t *rule = &run->rb->table->rules[r];
    char mark[96];
    snprintf(mark, sizeof mark, S_FOLD_PREFIX "%016" PRIx64 ".%zu",
             run->ids[k - 1], r);
    MDB_dbi meta = bl_store_dbi(run->stores[0], run->meta);
    MDB_txn *txn;
    int rc = bl_store_read(run->stores[0], &txn, err);
    if (rc != 0) {
        return s_where(err, rc, run, 1, run->rb->db_names[run->meta]);
    }
    MDB_val at;
    rc = bl_store_get(txn, meta, mark, strlen(mark), &at, err);
    c->started = rc == 0 && at.mv_size > 0 && at.mv_size <= sizeof c->last;
    if (c->started) {
        memcpy(c->last, at.mv_data, at.mv_size);
        c->last_len = at.mv_size;
    }
    mdb_txn_abort(txn);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return s_where(err, rc, run, 1, run->rb->db_names[run->meta]);
    }
    do {
        rc = s_read_chunk(run, k, r, c, err);
        if (rc != 0) {
            return s_where(err, rc, run, k, rule->db);
        }
        if (c->n == 0 && !c->more) {
            break;
        }
        s_write_t w = {.c = c, .mode = S_FOLD, .meta = meta, .mark = mark};
        rc = s_write(run, 1, r, &w, err);
        if (rc != 0) {
            return rc;
        }
        run->st->merged += w.done;
    } while (c->more);
    return 0;
}

/* Step 3 for rule r. */
static int s_apply_rule(s_run_t *run, size_t r, s_chunk_t *c, bl_err_t *err)
{
    const bl_rebalance_rule_t *rule = &run->rb->table->rules[r];
    const int from = run->rb->from, to = run->rb->to;
    int rc = 0;
    switch (rule->kind) {
    case BL_REBALANCE_BY_PROVIDER:
        for (int k = 1; k <= run->n && rc == 0; k++) {
            if (run->stores[k - 1] != NULL) {
                rc = s_move_from(run, k, r, c, err);
            }
        }
        break;
    case BL_REBALANCE_REPLICATED:
        for (int k = from + 1; k <= to && rc == 0; k++) {
            rc = s_copy(run, 1, k, r, S_COPY, c, err);
        }
        break;
    case BL_REBALANCE_UNION:
        for (int k = 1; k <= run->n && rc == 0; k++) {
            for (int t = 1; t <= to && rc == 0 && run->stores[k - 1]; t++) {
                if (t != k) {
                    rc = s_copy(run, k, t, r, S_UNION, c, err);
                }
            }
        }
        break;
    case BL_REBALANCE_MERGED:
        for (int k = from + 1; k <= to && rc == 0 && rule->seed; k++) {
            rc = s_copy(run, 1, k, r, S_SEED, c, err);
        }
        for (int k = to + 1; k <= run->n && rc == 0; k++) {
            if (run->stores[k - 1] != NULL) {
                rc = s_fold(run, k, r, c, err);
            }
        }
        break;
    case BL_REBALANCE_LOCAL:
        break;
    }
    return rc;
}

/* ---- steps 1, 2 and 5 --------------------------------------------------- */

static int s_check_table(const bl_rebalance_t *rb, bl_err_t *err)
{
    if (rb->from < 1 || rb->from > S_MAX || rb->to < 1 || rb->to > S_MAX) {
        return bl_err_set(err, BL_EINVAL, "worker counts %d:%d are not in "
                          "1..%d", rb->from, rb->to, S_MAX);
    }
    if (rb->n_dbs > BL_STORE_DBS_MAX || s_db_index(rb, rb->meta_db) < 0) {
        return bl_err_set(err, BL_EINVAL, "no database '%s' to keep the "
                          "rebalance's records", rb->meta_db);
    }
    for (size_t i = 0; i < rb->table->n_rules; i++) {
        const bl_rebalance_rule_t *r = &rb->table->rules[i];
        if (s_db_index(rb, r->db) < 0 ||
            (r->kind == BL_REBALANCE_BY_PROVIDER && r->provider == NULL)) {
            return bl_err_set(err, BL_EINVAL, "rebalance rule %zu: database "
                              "'%s' unknown or without a provider function",
                              i, r->db);
        }
    }
    return 0;
}

/* Opens store k.  Buffered: every transaction here is one bounded chunk,
 * and a chunk's pages on the heap cost no page fault each (a fresh
 * store's pages would each be one, mapped). */
static int s_open(s_run_t *run, int k, bl_err_t *err)
{
    int rc = bl_store_open_mode(&run->stores[k - 1], s_dir(run, k),
                                run->rb->db_names, run->rb->n_dbs, 0,
                                BL_STORE_BUFFERED, err);
    return rc != 0 ? s_where(err, rc, run, k, NULL) : 0;
}

/* Counts rule r's entries in store k (at most up to limit). */
static int s_count(const s_run_t *run, int k, size_t r, uint64_t *count,
                   bl_err_t *err)
{
    const bl_rebalance_rule_t *rule = &run->rb->table->rules[r];
    *count = 0;
    MDB_txn *txn;
    int rc = bl_store_read(run->stores[k - 1], &txn, err);
    if (rc != 0) {
        return rc;
    }
    bl_scan_t scan;
    rc = s_scan_rule(&scan, txn, s_dbi(run, k, rule->db), rule, NULL, err);
    MDB_val key;
    int more = 0;
    while (rc == 0 && (more = bl_scan_next(&scan, &key, NULL)) == 1) {
        if (s_rule_of(run->rb, rule->db, &key) == (int)r) {
            ++*count;
        }
    }
    bl_scan_close(&scan);
    mdb_txn_abort(txn);
    return rc == 0 && more < 0 ? more : rc;
}

/* Step 1: nothing is written.  Opens the stores that exist. */
static int s_checks(s_run_t *run, bl_err_t *err)
{
    for (int k = run->n + 1; k <= S_MAX; k++) {
        if (s_exists(s_dir(run, k))) {
            return bl_err_set(err, BL_EREFUSED, "store '%s' exists: the "
                              "stage has more than %d workers (run the "
                              "rebalance from its real worker count)",
                              s_dir(run, k), run->n);
        }
    }
    for (int k = 1; k <= run->n; k++) {
        if (s_exists(s_dir(run, k))) {
            int rc = s_open(run, k, err);
            if (rc != 0) {
                return rc;
            }
        }
    }
    for (int k = run->rb->to + 1; k <= run->n; k++) {
        for (size_t r = 0; r < run->rb->table->n_rules; r++) {
            const bl_rebalance_rule_t *rule = &run->rb->table->rules[r];
            if (run->stores[k - 1] == NULL || !rule->drained) {
                continue;
            }
            uint64_t count;
            int rc = s_count(run, k, r, &count, err);
            if (rc != 0) {
                return s_where(err, rc, run, k, rule->db);
            }
            if (count > 0) {
                return bl_err_set(err, BL_EREFUSED, "store '%s', database "
                                  "'%s': %" PRIu64 " entries left on a "
                                  "worker to be removed would be lost "
                                  "(let the node drain first)",
                                  s_dir(run, k), rule->db, count);
            }
        }
    }
    return 0;
}

typedef struct s_id {
    MDB_dbi meta;
    uint64_t id;
} s_id_t;

static int s_id_fn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_id_t *x = ctx;
    uint64_t id;
    int rc = bl_store_get_u64(txn, x->meta, S_ID_KEY, &id, err);
    if (rc == 0 && id == 0) {
        id = s_random_id();
        rc = bl_store_put_u64(txn, x->meta, S_ID_KEY, id, err);
    }
    x->id = id;
    return rc;
}

/* Step 2: new workers' stores, removed stores' ids. */
static int s_prepare(s_run_t *run, bl_err_t *err)
{
    for (int k = 1; k <= run->rb->to; k++) {
        if (run->stores[k - 1] == NULL) {
            int rc = s_open(run, k, err);
            if (rc != 0) {
                return rc;
            }
            run->st->created++;
        }
    }
    for (int k = run->rb->to + 1; k <= run->n; k++) {
        if (run->stores[k - 1] == NULL) {
            continue;
        }
        s_id_t x = {bl_store_dbi(run->stores[k - 1], run->meta), 0};
        int rc = bl_store_write(run->stores[k - 1], s_id_fn, &x, err);
        if (rc != 0) {
            return s_where(err, rc, run, k, run->rb->db_names[run->meta]);
        }
        run->ids[k - 1] = x.id;
    }
    return 0;
}

typedef struct s_clean {
    MDB_dbi meta;
} s_clean_t;

static int s_clean_fn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_clean_t *x = ctx;
    return bl_page_delete(txn, x->meta, S_FOLD_PREFIX,
                          strlen(S_FOLD_PREFIX), err);
}

/* Step 5: removed stores renamed, fold records deleted. */
static int s_retire(s_run_t *run, bl_err_t *err)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int k = run->rb->to + 1; k <= run->n; k++) {
        if (run->stores[k - 1] == NULL) {
            continue;
        }
        bl_store_close(&run->stores[k - 1]);
        char dst[PATH_MAX];
        int rc = -EEXIST;
        for (int i = 0; i < 100 && rc == -EEXIST; i++) {
            int len = i == 0 ? snprintf(dst, sizeof dst, "%s.removed.%s",
                                        s_dir(run, k), stamp)
                             : snprintf(dst, sizeof dst, "%s.removed.%s-%d",
                                        s_dir(run, k), stamp, i);
            if (len < 0 || (size_t)len >= sizeof dst) {
                return bl_err_set(err, BL_EINVAL, "store '%s': the name to "
                                  "rename it to is too long", s_dir(run, k));
            }
            struct stat sb;
            rc = stat(dst, &sb) == 0 ? -EEXIST : 0;
        }
        if (rc == 0 && rename(s_dir(run, k), dst) != 0) {
            rc = -errno;
        }
        if (rc != 0) {
            return bl_err_set(err, BL_ESTORE, "store '%s': cannot rename it "
                              "to '%s': %s", s_dir(run, k), dst,
                              strerror(-rc));
        }
        run->st->removed++;
    }
    s_clean_t x = {bl_store_dbi(run->stores[0], run->meta)};
    int rc = bl_store_write(run->stores[0], s_clean_fn, &x, err);
    return rc != 0 ? s_where(err, rc, run, 1, run->rb->db_names[run->meta])
                   : 0;
}

int bl_rebalance_run(const bl_rebalance_t *rb, bl_rebalance_stats_t *stats,
                     bl_err_t *err)
{
    memset(stats, 0, sizeof *stats);
    int rc = s_check_table(rb, err);
    if (rc != 0) {
        return rc;
    }
    s_run_t run = {.rb = rb,
                   .n = rb->from > rb->to ? rb->from : rb->to,
                   .meta = (size_t)s_db_index(rb, rb->meta_db),
                   .chunk = rb->chunk > 0 ? rb->chunk : S_CHUNK_ENTRIES,
                   .st = stats};
    s_chunk_t c;
    memset(&c, 0, sizeof c);
    rc = s_checks(&run, err);
    if (rc == 0) {
        rc = s_prepare(&run, err);
    }
    for (size_t r = 0; rc == 0 && r < rb->table->n_rules; r++) {
        rc = s_apply_rule(&run, r, &c, err);
    }
    if (rc == 0) {
        rc = s_retire(&run, err);
    }
    s_chunk_free(&c);
    for (int k = 1; k <= S_MAX; k++) {
        bl_store_close(&run.stores[k - 1]);
    }
    return rc;
}
