/*
 * benchmark_actions: the improvement actions on the benchmarking stage
 * (SPEC 10) — stored as the learning message brings them, judged against
 * the areas for improvement of their period (the warning "not an area for
 * improvement"), and the lstate rows a close keeps for them; what the
 * reports show of them (the follow-up), the `actions` export and the
 * warnings `benchlearn check` asks for.  Not the learning needs
 * (benchmark_needs.c) nor the practices (benchmark_practices.c).
 */
#include "benchmark_learning_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_bundle.h"
#include "bl_page.h"

#define S_LIMIT_MAX 10000    /* rows in one page */
#define S_WARNINGS_MAX 100000 /* warnings in one learning_warnings reply */

/* ---- the "not an area" warning ------------------------------------------ */

static size_t s_warn_key(char *key, size_t size, const char *sub,
                         uint64_t line)
{
    char ln[24];
    snprintf(ln, sizeof ln, "%010" PRIu64, line);
    const char *parts[] = {sub, ln};
    return bl_page_join(key, size, parts, 2);
}

/* Puts or clears the warning of the action (sub, line): its indicator is
 * not an area for improvement of its provider in period.  The period must
 * have been computed. */
static int s_judge_action(benchmark_learning_t *l, MDB_txn *txn,
                          int64_t period, const char *provider,
                          const char *indicator, const char *sub,
                          uint64_t line, bl_err_t *err)
{
    char key[LEARNING_KEY_MAX];
    size_t kl = s_warn_key(key, sizeof key, sub, line);
    if (kl == 0) {
        return 0;
    }
    benchmark_lstate_t st;
    int rc = benchmark_learning_state_get(l, txn, period, provider, indicator,
                                          &st, err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    if (rc == 0 && st.area) {
        return bl_store_del(txn, benchmark_learning_dbi(l, LEARNING_DB_WARN),
                            key, kl, err);
    }
    char reason[256];
    snprintf(reason, sizeof reason,
             "%s is not an area for improvement of %s in %" PRId64 "%s",
             indicator, provider, period,
             rc == BL_ENOTFOUND ? " (it has no value there)" : "");
    bl_mpw_t *w = &l->w;
    bl_mpw_reset(w);
    bl_mpw_array(w, 2);
    bl_mpw_str(w, "indicator_id");
    bl_mpw_str(w, reason);
    if (w->err) {
        return bl_err_set(err, w->err, "cannot encode a warning");
    }
    return bl_store_put(txn, benchmark_learning_dbi(l, LEARNING_DB_WARN), key,
                        kl, bl_mpw_data(w), bl_mpw_size(w), err);
}

bool benchmark_actions_decode(const MDB_val *v, benchmark_action_t *a)
{
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t seven;
    return bl_mpr_array(&r, &seven) == 0 && seven == 7 &&
           bl_mpr_str_copy(&r, a->indicator, sizeof a->indicator) == 0 &&
           bl_mpr_skip(&r) == 0 && bl_mpr_skip(&r) == 0 &&
           bl_mpr_str_copy(&r, a->due, sizeof a->due) == 0 &&
           bl_mpr_str_copy(&r, a->status, sizeof a->status) == 0 &&
           bl_mpr_str_copy(&r, a->sub, sizeof a->sub) == 0 &&
           bl_mpr_uint(&r, &a->line) == 0;
}

typedef struct s_judge_ctx {
    benchmark_learning_t *l;
    MDB_txn *txn;
    int64_t period;
    bl_err_t *err;
} s_judge_ctx_t;

static int s_judge_one(void *ctx, const char *const *parts, size_t n,
                       const MDB_val *v)
{
    s_judge_ctx_t *c = ctx;
    benchmark_action_t a;
    if (n != 3 || !benchmark_actions_decode(v, &a)) {
        return 0;
    }
    return s_judge_action(c->l, c->txn, c->period, parts[1], a.indicator,
                          a.sub, a.line, c->err);
}

int benchmark_actions_judge(benchmark_learning_t *l, MDB_txn *txn,
                            int64_t period, bl_err_t *err)
{
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    s_judge_ctx_t c = {l, txn, period, err};
    return bl_page_each(txn, benchmark_learning_dbi(l, LEARNING_DB_ACTIONS),
                        prefix, pl, s_judge_one, &c, err);
}

/* ---- rows in ------------------------------------------------------------ */

int benchmark_actions_put(benchmark_learning_t *l, MDB_txn *txn,
                          const bl_learning_action_t *a, bl_err_t *err)
{
    char p[24], key[LEARNING_KEY_MAX];
    snprintf(p, sizeof p, "%" PRId64, a->period);
    const char *parts[] = {p, a->provider, a->action_id};
    size_t kl = bl_page_join(key, sizeof key, parts, 3);
    if (kl == 0) {
        return bl_err_set(err, BL_EPROTO, "action key too long");
    }
    bl_mpw_t *w = &l->w;
    bl_mpw_reset(w);
    bl_mpw_array(w, 7);
    bl_mpw_str(w, a->indicator);
    bl_mpw_strn(w, a->action.s, a->action.len);
    bl_mpw_strn(w, a->owner.s, a->owner.len);
    bl_mpw_str(w, a->due);
    bl_mpw_str(w, a->status);
    bl_mpw_str(w, a->sub);
    bl_mpw_uint(w, a->line);
    if (w->err) {
        return bl_err_set(err, w->err, "cannot encode an action");
    }
    int rc = bl_store_put(txn, benchmark_learning_dbi(l, LEARNING_DB_ACTIONS),
                          key, kl, bl_mpw_data(w), bl_mpw_size(w), err);
    if (rc == 0 && benchmark_learning_closed(l, txn, a->period)) {
        rc = s_judge_action(l, txn, a->period, a->provider, a->indicator,
                            a->sub, a->line, err);
    }
    return rc;
}

/* ---- at a close --------------------------------------------------------- */

typedef struct s_ind_ref {
    const char *id;
    size_t k;       /* catalogue index */
} s_ind_ref_t;

static int s_cmp_ind_ref(const void *a, const void *b)
{
    return strcmp(((const s_ind_ref_t *)a)->id, ((const s_ind_ref_t *)b)->id);
}

int benchmark_actions_store_state(benchmark_learning_t *l, MDB_txn *txn,
                                  const char *p, const bc_input_t *in,
                                  const unsigned char *flags,
                                  const int *band0, const double *rank0,
                                  bl_err_t *err)
{
    const bl_catalogue_t *cat = in->cfg->catalogue;
    size_t nk = cat->n_indicators;
    /* One bundle per provider (bl_bundle.h), its rows by indicator id. */
    s_ind_ref_t *order = malloc((nk ? nk : 1) * sizeof *order);
    if (order == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < nk; k++) {
        order[k] = (s_ind_ref_t){cat->indicators[k].id, k};
    }
    qsort(order, nk, sizeof *order, s_cmp_ind_ref);
    MDB_dbi dbi = benchmark_learning_dbi(l, LEARNING_DB_STATE);
    bl_bundle_t bundle;
    bl_bundle_init(&bundle);
    bl_mpw_t *w = &l->w;
    int rc = 0;
    for (size_t i = 0; i < in->n_providers && rc == 0; i++) {
        const char *parts[] = {p, in->providers[i].id};
        char key[LEARNING_KEY_MAX];
        size_t kl = bl_page_join(key, sizeof key, parts, 2);
        if (kl == 0 || bl_bundle_begin(&bundle, key, kl) != 0) {
            rc = bl_err_set(err, BL_EINVAL, "provider id too long: %s",
                            in->providers[i].id);
            break;
        }
        for (size_t o = 0; o < nk; o++) {
            size_t k = order[o].k;
            double v = in->values[i * nk + k];
            unsigned char f = flags[i * nk + k];
            if (isnan(v) && f == 0) {
                continue;
            }
            bl_mpw_reset(w);
            bl_mpw_array(w, 5);
            bl_mpw_opt_double(w, !isnan(v), v);
            if (band0[i * nk + k] > 0) {
                bl_mpw_int(w, band0[i * nk + k]);
            } else {
                bl_mpw_nil(w);
            }
            bl_mpw_bool(w, (f & LEARNING_AREA) != 0);
            bl_mpw_bool(w, (f & LEARNING_BAND4) != 0);
            bl_mpw_opt_double(w, band0[i * nk + k] > 0, rank0[i * nk + k]);
            if (w->err) {
                rc = bl_err_set(err, BL_ENOMEM, "cannot encode a state");
                break;
            }
            bl_bundle_add(&bundle, order[o].id, strlen(order[o].id),
                          bl_mpw_data(w), bl_mpw_size(w));
        }
        if (rc == 0) {
            rc = bl_bundle_put(&bundle, txn, dbi, err);
        }
    }
    bl_bundle_destroy(&bundle);
    free(order);
    return rc;
}

/* ---- the follow-up in reports ------------------------------------------ */

typedef struct s_follow_ctx {
    benchmark_learning_t *l;
    MDB_txn *txn;
    int64_t period;          /* the actions' period */
    bl_results_followup_t *rows;
    size_t n, cap;
    bl_err_t *err;
} s_follow_ctx_t;

static void s_side(bl_results_side_t *side, bool found,
                   const benchmark_lstate_t *st)
{
    memset(side, 0, sizeof *side);
    if (!found) {
        return;
    }
    side->has_value = st->has_value;
    side->value = st->value;
    side->has_rank = st->has_band && st->has_rank;
    side->rank = st->rank;
    side->band = st->has_band && st->band >= 1 && st->band <= 4
                     ? (int)st->band
                     : 0;
}

/* One side's lstate: found (true), absent (false), or a store error. */
static int s_side_of(s_follow_ctx_t *c, int64_t period, const char *provider,
                     const char *indicator, bl_results_side_t *side)
{
    benchmark_lstate_t st;
    int rc = benchmark_learning_state_get(c->l, c->txn, period, provider,
                                          indicator, &st, c->err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    s_side(side, rc == 0, &st);
    return 0;
}

static int s_follow_row(void *ctx, const char *const *parts, size_t n,
                        const MDB_val *v)
{
    s_follow_ctx_t *c = ctx;
    benchmark_action_t a;
    if (n != 3 || !benchmark_actions_decode(v, &a)) {
        return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        bl_results_followup_t *g = realloc(c->rows, cap * sizeof *g);
        if (g == NULL) {
            return bl_err_set(c->err, BL_ENOMEM, "out of memory");
        }
        c->rows = g;
        c->cap = cap;
    }
    bl_results_followup_t *f = &c->rows[c->n];
    memset(f, 0, sizeof *f);
    snprintf(f->action_id, sizeof f->action_id, "%s", parts[2]);
    snprintf(f->indicator, sizeof f->indicator, "%s", a.indicator);
    snprintf(f->status, sizeof f->status, "%s", a.status);
    snprintf(f->due, sizeof f->due, "%s", a.due);
    int rc = s_side_of(c, c->period, parts[1], a.indicator, &f->before);
    if (rc == 0) {
        rc = s_side_of(c, c->period + 1, parts[1], a.indicator, &f->after);
    }
    if (rc == 0) {
        c->n++;
    }
    return rc;
}

int benchmark_learning_followup(benchmark_learning_t *l, MDB_txn *txn,
                                int64_t period, const char *provider,
                                bl_results_followup_t **rows, size_t *n,
                                bl_err_t *err)
{
    *rows = NULL;
    *n = 0;
    char p[24], prefix[LEARNING_KEY_MAX];
    snprintf(p, sizeof p, "%" PRId64, period - 1);
    const char *parts[] = {p, provider, ""};
    size_t pl = bl_page_join(prefix, sizeof prefix, parts, 3);
    if (pl == 0) {
        return 0;
    }
    s_follow_ctx_t c = {l, txn, period - 1, NULL, 0, 0, err};
    int rc = bl_page_each(txn, benchmark_learning_dbi(l, LEARNING_DB_ACTIONS),
                          prefix, pl, s_follow_row, &c, err);
    if (rc != 0) {
        free(c.rows);
        return rc;
    }
    *rows = c.rows;
    *n = c.n;
    return 0;
}

/* ---- the actions export and the warnings ------------------------------- */

/* One page of the actions export. */
typedef struct s_page_ctx {
    benchmark_learning_t *l;
    MDB_txn *txn;
    int64_t period;
    bool next_closed;        /* PERIOD + 1 has been computed */
    const char *after;       /* the last key of the previous page, or NULL */
    size_t after_len;
    size_t limit;
    bl_mpw_t rows;
    uint32_t count;
    char last[LEARNING_KEY_MAX];    /* the key of the last row written */
    size_t last_len;
    bool more;
    bl_err_t *err;
} s_page_ctx_t;

static void s_write_state(bl_mpw_t *w, bool found,
                          const benchmark_lstate_t *st)
{
    bl_mpw_opt_double(w, found && st->has_value, st->value);
    if (found && st->has_band) {
        bl_mpw_int(w, st->band);
    } else {
        bl_mpw_nil(w);
    }
}

static int s_action_row(void *ctx, const char *const *parts, size_t n,
                        const MDB_val *v)
{
    s_page_ctx_t *c = ctx;
    benchmark_action_t a;
    if (n != 3 || !benchmark_actions_decode(v, &a)) {
        return 0;
    }
    char key[LEARNING_KEY_MAX];
    size_t kl = bl_page_join(key, sizeof key, parts, 3);
    if (c->after != NULL) {
        size_t m = kl < c->after_len ? kl : c->after_len;
        int cmp = memcmp(key, c->after, m);
        if (cmp < 0 || (cmp == 0 && kl <= c->after_len)) {
            return 0;
        }
    }
    if (c->count == c->limit) {
        c->more = true;
        return 1;
    }
    benchmark_lstate_t now, next;
    int rc = benchmark_learning_state_get(c->l, c->txn, c->period, parts[1],
                                          a.indicator, &now, c->err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    bool has_now = rc == 0;
    bool has_next = false;
    memset(&next, 0, sizeof next);
    if (c->next_closed) {
        rc = benchmark_learning_state_get(c->l, c->txn, c->period + 1,
                                          parts[1], a.indicator, &next,
                                          c->err);
        if (rc != 0 && rc != BL_ENOTFOUND) {
            return rc;
        }
        has_next = rc == 0;
    }
    bl_mpw_t *w = &c->rows;
    bl_mpw_array(w, 4);
    bl_mpw_str(w, parts[0]);
    bl_mpw_str(w, parts[1]);
    bl_mpw_str(w, parts[2]);
    bl_mpw_array(w, 7);
    bl_mpw_str(w, a.indicator);
    bl_mpw_str(w, a.status);
    bl_mpw_str(w, a.due);
    s_write_state(w, has_now, &now);
    s_write_state(w, has_next, &next);
    c->count++;
    memcpy(c->last, key, kl);
    c->last_len = kl;
    return 0;
}

int benchmark_actions_export(benchmark_learning_t *l, MDB_txn *txn,
                             const bl_msg_t *msg, bl_mpw_t *reply,
                             bl_err_t *err)
{
    int64_t period, limit = 1000;
    if (bl_req_int(msg, "period", &period) != 0 || period < 1900 ||
        period > 9999) {
        bl_reply_error(reply, "export needs a period (a year)");
        return 0;
    }
    bl_req_int(msg, "limit", &limit);
    if (limit < 1 || limit > S_LIMIT_MAX) {
        limit = S_LIMIT_MAX;
    }
    s_page_ctx_t c;
    memset(&c, 0, sizeof c);
    c.l = l;
    c.txn = txn;
    c.period = period;
    c.next_closed = benchmark_learning_closed(l, txn, period + 1);
    c.limit = (size_t)limit;
    c.err = err;
    bl_mpr_t r;
    const char *after;
    uint32_t al;
    if (bl_req_find(msg, "after", &r) == 0 &&
        bl_mpr_str(&r, &after, &al) == 0 && al > 0) {
        c.after = after;
        c.after_len = al;
    }
    bl_mpw_init(&c.rows);
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    int rc = bl_page_each(txn, benchmark_learning_dbi(l, LEARNING_DB_ACTIONS),
                          prefix, pl, s_action_row, &c, err);
    if (rc == 0) {
        bl_reply_begin(reply, 2);
        bl_mpw_str(reply, "rows");
        bl_mpw_array(reply, c.count);
        bl_mpw_raw(reply, bl_mpw_data(&c.rows), bl_mpw_size(&c.rows));
        bl_mpw_str(reply, "next");
        if (c.more) {
            bl_mpw_strn(reply, c.last, c.last_len);
        } else {
            bl_mpw_nil(reply);
        }
        if (c.rows.err) {
            rc = bl_err_set(err, c.rows.err, "reply too large");
        }
    }
    bl_mpw_destroy(&c.rows);
    return rc;
}

typedef struct s_warn_ctx {
    bl_mpw_t rows;
    uint32_t count;
} s_warn_ctx_t;

static int s_warn_row(void *ctx, const char *const *parts, size_t n,
                      const MDB_val *v)
{
    s_warn_ctx_t *c = ctx;
    if (n != 2) {
        return 0;
    }
    if (c->count == S_WARNINGS_MAX) {
        return 1;
    }
    bl_mpw_array(&c->rows, 2);
    bl_mpw_uint(&c->rows, strtoull(parts[1], NULL, 10));
    bl_mpw_raw(&c->rows, v->mv_data, v->mv_size);
    c->count++;
    return 0;
}

/* {sub} -> {ok, rows: [[line, [field, reason]]...]} in line order. */
int benchmark_actions_warnings(benchmark_learning_t *l, MDB_txn *txn,
                               const bl_msg_t *msg, bl_mpw_t *reply,
                               bl_err_t *err)
{
    char sub[LEARNING_ID_MAX];
    if (bl_req_str(msg, "sub", sub, sizeof sub) != 0) {
        bl_reply_error(reply, "learning_warnings without a submission id");
        return 0;
    }
    char prefix[LEARNING_ID_MAX + 2];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", sub);
    s_warn_ctx_t c;
    memset(&c, 0, sizeof c);
    bl_mpw_init(&c.rows);
    int rc = bl_page_each(txn, benchmark_learning_dbi(l, LEARNING_DB_WARN),
                          prefix, pl, s_warn_row, &c, err);
    if (rc == 0) {
        bl_reply_begin(reply, 1);
        bl_mpw_str(reply, "rows");
        bl_mpw_array(reply, c.count);
        bl_mpw_raw(reply, bl_mpw_data(&c.rows), bl_mpw_size(&c.rows));
        if (c.rows.err) {
            rc = bl_err_set(err, c.rows.err, "reply too large");
        }
    }
    bl_mpw_destroy(&c.rows);
    return rc;
}

