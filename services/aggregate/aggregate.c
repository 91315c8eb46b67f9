/*
 * aggregate: records in, indicator values out (see aggregate.h).
 *
 * Store (keys use \x1f between parts, which sorts before every printable
 * character, so key order is the export's text order):
 *   register  provider -> the register entry (bl_register_codec.h)
 *   ind       period \x1f provider \x1f unit \x1f indicator -> 3 doubles
 *             (numerator, denominator, value; NaN when absent)
 *   resp      period \x1f provider \x1f survey \x1f \x01 sub \x1f first
 *             respondent -> [[respondent, unit, [answer|nil...]]...]: a
 *             run of a records message's respondents (aggregate_resp.h;
 *             earlier releases: ... \x1f respondent -> [unit, answers])
 *   values    period \x1f provider \x1f unit \x1f indicator
 *             -> [value|nil, numerator|nil, denominator|nil, n|nil, status]
 *   rejected  period \x1f validation worker -> [[provider, rows]...]: the
 *             rows still rejected that the worker's close marker carried,
 *             passed on together once every worker's marker is in
 * The meta counter "records" counts records applied, exactly once each.
 * Improvement actions ("a") and practices ("p") are not aggregated: they
 * pass on to benchmarking as they came, in one "learning" message per
 * records message, which keeps and exports them.
 */
#include "aggregate.h"
#include "aggregate_rebalance.h"
#include "aggregate_resp.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_close_codec.h"
#include "bl_cursors.h"
#include "bl_log.h"
#include "bl_net.h"
#include "bl_number.h"
#include "bl_page.h"
#include "bl_records_codec.h"
#include "bl_scan.h"
#include "bl_str.h"
#include "bl_values_codec.h"
#include "bl_vec.h"

enum { DB_REGISTER = 0, DB_IND, DB_RESP, DB_VALUES, DB_REJECTED };
static const char *const s_dbs[] = {"register", "ind", "resp", "values",
                                    "rejected"};

#define S_KEY_MAX BL_STORE_KEY_MAX
#define S_VALUES_PER_MSG 4000
#define S_UNITS_MAX 64

typedef struct aggregate {
    bl_daemon_t *d;
    const bl_config_t *cfg;
    size_t n_ind;                 /* catalogue indicators */
    bl_mpw_t w;                   /* scratch */
    bl_mpw_t batch;               /* values rows of the message being built */
    uint32_t batch_rows;
    bl_mpw_t reg;                 /* register entries to forward */
    uint32_t reg_rows;
    bl_mpw_t learn;               /* actions and practices to forward */
    uint32_t learn_rows;
    agg_resp_run_t run;           /* survey answers of a records message,
                                     kept a run at a time */
    MDB_cursor *values_cur;       /* on DB_VALUES while a close computes:
                                     its values come in key order, and a
                                     cursor puts them without searching
                                     the tree from the root each time */
    size_t *id_order;             /* each indicator's place in the order
                                     of their ids: a provider's values are
                                     sent in key order, so benchmarking
                                     need not sort them */
} aggregate_t;

/* ---- records in --------------------------------------------------------- */

/* Stores an indicator record: period, provider, unit, indicator -> the
 * three figures (NaN when absent). */
static int s_put_indicator(aggregate_t *a, bl_cursors_t *cur,
                           const bl_record_indicator_t *x, bl_err_t *err)
{
    double v[3] = {x->has_numerator ? x->numerator : NAN,
                   x->has_denominator ? x->denominator : NAN,
                   x->has_value ? x->value : NAN};
    char p[BL_NUMBER_INT_MAX], key[S_KEY_MAX];
    bl_number_int(p, x->period);
    const char *parts[] = {p, x->provider, x->unit, x->indicator};
    size_t kl = bl_page_join(key, sizeof key, parts, 4);
    return bl_cursors_put(cur, bl_daemon_dbi(a->d, DB_IND), key, kl, v,
                          sizeof v, 0, NULL, err);
}

static int s_apply_records(aggregate_t *a, MDB_txn *txn, const bl_msg_t *msg,
                           bl_err_t *err)
{
    bl_records_reader_t rd;
    if (bl_records_open(&rd, msg->payload, msg->payload_len, err) != 0) {
        return BL_EPROTO;
    }
    bl_mpw_reset(&a->reg);
    a->reg_rows = 0;
    bl_mpw_reset(&a->learn);
    a->learn_rows = 0;
    agg_resp_run_reset(&a->run);
    MDB_dbi resp = bl_daemon_dbi(a->d, DB_RESP);
    uint64_t applied = 0;
    bl_record_t rec;
    int more;
    /* A provider's records come together: through a cursor, each put
     * lands on the page the last one touched without a walk from the
     * root. */
    bl_cursors_t cur;
    bl_cursors_init(&cur, txn);
    while ((more = bl_records_next(&rd, &rec, err)) == 0) {
        int rc = 0;
        switch (rec.kind) {
        case BL_RECORD_INDICATOR:
            rc = s_put_indicator(a, &cur, &rec.indicator, err);
            break;
        case BL_RECORD_SURVEY:
            rc = agg_resp_add(&a->run, &cur, resp, rd.sub, &rec.survey, err);
            break;
        case BL_RECORD_REGISTER:
            rc = bl_store_put(txn, bl_daemon_dbi(a->d, DB_REGISTER),
                              rec.provider, strlen(rec.provider),
                              rec.entry_raw, rec.entry_len, err);
            bl_register_write_row(&a->reg, rec.provider, rec.entry_raw,
                                  rec.entry_len);
            a->reg_rows++;
            break;
        case BL_RECORD_ACTION:
        case BL_RECORD_PRACTICE:
            /* not aggregated: passed on to benchmarking */
            bl_learning_write_row(&a->learn, &rec.learning);
            a->learn_rows++;
            break;
        }
        if (rc != 0) {
            bl_cursors_close(&cur);
            return rc;
        }
        applied++;
    }
    if (more == BL_ENOTFOUND) {
        int rc = agg_resp_flush(&a->run, &cur, resp, err);
        if (rc != 0) {
            bl_cursors_close(&cur);
            return rc;
        }
    }
    bl_cursors_close(&cur);
    if (more != BL_ENOTFOUND) {
        return BL_EPROTO;
    }
    if (a->reg_rows > 0) {
        bl_mpw_reset(&a->w);
        if (bl_register_write(&a->w, &a->reg, a->reg_rows) != 0) {
            return bl_err_set(err, BL_ENOMEM, "cannot encode register "
                              "entries");
        }
        int rc = bl_outbox_put(bl_daemon_outbox(a->d), txn, 0,
                               BL_MSG_REGISTER, bl_mpw_data(&a->w),
                               bl_mpw_size(&a->w), err);
        if (rc != 0) {
            return rc;
        }
    }
    if (a->learn_rows > 0) {
        bl_mpw_reset(&a->w);
        if (bl_learning_write(&a->w, &a->learn, a->learn_rows) != 0) {
            return bl_err_set(err, BL_ENOMEM, "cannot encode learning rows");
        }
        int rc = bl_outbox_put(bl_daemon_outbox(a->d), txn, 0,
                               BL_MSG_LEARNING, bl_mpw_data(&a->w),
                               bl_mpw_size(&a->w), err);
        if (rc != 0) {
            return rc;
        }
    }
    MDB_dbi meta = bl_daemon_meta(a->d);
    uint64_t total;
    int rc = bl_store_get_u64(txn, meta, "records", &total, err);
    if (rc == 0) {
        rc = bl_store_put_u64(txn, meta, "records", total + applied, err);
    }
    return rc;
}

/* ---- values ------------------------------------------------------------- */

typedef struct s_value {
    bool has_value, has_num, has_den, has_n;
    double value, num, den;
    uint64_t n;
    bool suppressed;
} s_value_t;

/* Writes one value to the store and to the message being built. */
static int s_emit(aggregate_t *a, const char *period,
                  const char *provider, const char *unit, int indicator,
                  const s_value_t *v, int64_t generation, bl_err_t *err)
{
    const char *ind = a->cfg->catalogue->indicators[indicator].id;
    const char *parts[] = {period, provider, unit, ind};
    char key[S_KEY_MAX];
    size_t kl = bl_page_join(key, sizeof key, parts, 4);
    bl_values_row_t row = {.generation = generation};
    row.value = (bl_value_t){
        .status = v->suppressed ? BL_CELL_SUPPRESSED : BL_CELL_OK,
        .has_value = v->has_value, .value = v->value,
        .has_numerator = v->has_num, .numerator = v->num,
        .has_denominator = v->has_den, .denominator = v->den,
        .has_n = v->has_n, .n = v->n};
    bl_mpw_t *w = &a->w;
    bl_mpw_reset(w);
    bl_values_write_value(w, &row.value);
    int rc = bl_store_cursor_put(a->values_cur, key, kl, bl_mpw_data(w),
                                 bl_mpw_size(w), err);
    if (rc != 0) {
        return rc;
    }
    if (!bl_str_copy_whole(row.provider, sizeof row.provider, provider) ||
        !bl_str_copy_whole(row.unit, sizeof row.unit, unit) ||
        !bl_str_copy_whole(row.indicator, sizeof row.indicator, ind)) {
        return bl_err_set(err, BL_EDATA,
                          "provider %s, unit %s: an id is longer than %d "
                          "characters",
                          provider, unit, BL_VALUES_ID_MAX - 1);
    }
    bl_values_write_row(&a->batch, &row);
    a->batch_rows++;
    return 0;
}

static int s_flush_values(aggregate_t *a, MDB_txn *txn, int64_t period,
                          int64_t generation, bl_err_t *err)
{
    if (a->batch_rows == 0) {
        return 0;
    }
    bl_mpw_t *w = &a->w;
    bl_mpw_reset(w);
    if (bl_values_write(w, period, generation, &a->batch, a->batch_rows) !=
        0) {
        return bl_err_set(err, BL_ENOMEM, "cannot encode values");
    }
    bl_mpw_reset(&a->batch);
    a->batch_rows = 0;
    return bl_outbox_put(bl_daemon_outbox(a->d), txn, 0, BL_MSG_VALUES,
                         bl_mpw_data(w), bl_mpw_size(w), err);
}

static int s_maybe_flush(aggregate_t *a, MDB_txn *txn, int64_t period,
                         int64_t gen, bl_err_t *err)
{
    if (a->batch_rows >= S_VALUES_PER_MSG) {
        return s_flush_values(a, txn, period, gen, err);
    }
    return 0;
}

/* Administrative figures: provider rows win; ratio units are summed. */
typedef struct s_admin_acc {
    bool has_row;        /* a provider-level row */
    double row[3];
    bool has_units;      /* unit rows of a ratio */
    double num, den;
} s_admin_acc_t;

/* One value of the provider being computed, sent once all its values
 * are known: admin and survey values in key order (unit, then indicator
 * id), so benchmarking writes each provider's values once. */
typedef struct s_unit_value {
    char unit[BL_VALUES_ID_MAX];
    int ind;
    size_t order;        /* the indicator's place in id order */
    s_value_t v;
} s_unit_value_t;

typedef struct s_unit_values {
    s_unit_value_t *at;
    size_t n, cap;
} s_unit_values_t;

/* Adds a value of the provider being computed (unit "" for its own). */
static int s_keep(aggregate_t *a, s_unit_values_t *vals, const char *unit,
                  int ind, const s_value_t *v, bl_err_t *err)
{
    if (BL_GROW(vals->at, vals->cap, vals->n + 1) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    s_unit_value_t *u = &vals->at[vals->n++];
    bl_str_copy(u->unit, sizeof u->unit, unit);
    u->ind = ind;
    u->order = a->id_order[ind];
    u->v = *v;
    return 0;
}

static int s_cmp_value(const void *x, const void *y)
{
    const s_unit_value_t *a = x, *b = y;
    int c = strcmp(a->unit, b->unit);
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

/* Sends the provider's values in key order, and forgets them. */
static int s_send_provider(aggregate_t *a, MDB_txn *txn, const char *period,
                           const char *provider, s_unit_values_t *vals,
                           int64_t per, int64_t gen, bl_err_t *err)
{
    if (vals->n > 1) {
        qsort(vals->at, vals->n, sizeof *vals->at, s_cmp_value);
    }
    int rc = 0;
    for (size_t i = 0; i < vals->n && rc == 0; i++) {
        const s_unit_value_t *u = &vals->at[i];
        rc = s_emit(a, period, provider, u->unit, u->ind, &u->v, gen, err);
        if (rc == 0) {
            rc = s_maybe_flush(a, txn, per, gen, err);
        }
    }
    vals->n = 0;
    return rc;
}

/* The provider's administrative values from its rows in acc, and its
 * units' kept in the walk (already in vals). */
static int s_finish_admin(aggregate_t *a, s_admin_acc_t *acc,
                          s_unit_values_t *vals, bl_err_t *err)
{
    for (size_t k = 0; k < a->n_ind; k++) {
        const bl_indicator_t *def = &a->cfg->catalogue->indicators[k];
        s_value_t v;
        memset(&v, 0, sizeof v);
        if (acc[k].has_row) {
            v.has_num = !isnan(acc[k].row[0]);
            v.has_den = !isnan(acc[k].row[1]);
            v.num = acc[k].row[0];
            v.den = acc[k].row[1];
            if (def->kind == BL_KIND_RATIO && v.has_num && v.has_den &&
                v.den > 0) {
                v.value = v.num / v.den * def->factor;
                v.has_value = true;
            } else if (def->kind != BL_KIND_RATIO && !isnan(acc[k].row[2])) {
                v.value = acc[k].row[2];
                v.has_value = true;
            }
        } else if (acc[k].has_units && def->kind == BL_KIND_RATIO &&
                   acc[k].den > 0) {
            v.has_num = v.has_den = v.has_value = true;
            v.num = acc[k].num;
            v.den = acc[k].den;
            v.value = v.num / v.den * def->factor;
        } else {
            continue;
        }
        if (def->kind != BL_KIND_RATIO) {
            v.has_num = v.has_den = false;
        }
        int rc = s_keep(a, vals, "", (int)k, &v, err);
        if (rc != 0) {
            return rc;
        }
    }
    memset(acc, 0, a->n_ind * sizeof *acc);
    return 0;
}

/* One administrative row (parts: period, provider, unit, indicator; v:
 * its three figures) of the provider being computed. */
static int s_admin_row(aggregate_t *a, const char *period,
                       const char *const *parts, const MDB_val *v,
                       s_admin_acc_t *acc, s_unit_values_t *vals, int64_t gen,
                       bl_err_t *err)
{
    const char *provider = parts[1], *unit = parts[2];
    int ind = bl_catalogue_find_indicator(a->cfg->catalogue, parts[3]);
    if (v->mv_size != 3 * sizeof(double) || ind < 0) {
        return 0;
    }
    double f[3];
    memcpy(f, v->mv_data, sizeof f);
    const bl_indicator_t *def = &a->cfg->catalogue->indicators[ind];
    if (unit[0] == '\0') {
        acc[ind].has_row = true;
        memcpy(acc[ind].row, f, sizeof f);
        return 0;
    }
    /* A unit's own value, kept so units can be compared. */
    s_value_t uv;
    memset(&uv, 0, sizeof uv);
    if (def->kind == BL_KIND_RATIO) {
        uv.has_num = uv.has_den = true;
        uv.num = f[0];
        uv.den = f[1];
        uv.has_value = f[1] > 0;
        uv.value = uv.has_value ? f[0] / f[1] * def->factor : 0;
        acc[ind].has_units = true;
        acc[ind].num += f[0];
        acc[ind].den += f[1];
    } else {
        uv.has_value = !isnan(f[2]);
        uv.value = f[2];
    }
    if (strlen(unit) >= BL_VALUES_ID_MAX) {
        /* refused there, with the provider and unit named */
        return s_emit(a, period, provider, unit, ind, &uv, gen, err);
    }
    return s_keep(a, vals, unit, ind, &uv, err);
}

/* Survey answers pooled per indicator, for the provider and each unit. */
typedef struct s_survey_acc {
    uint64_t given;      /* answers given over the listed items */
    uint64_t at_least;   /* answers >= threshold */
    double sum;          /* sum of answers */
    uint64_t n;          /* respondents who answered a listed item */
} s_survey_acc_t;

typedef struct s_pool {
    size_t n_units;
    char units[S_UNITS_MAX][64];
    s_survey_acc_t *acc;   /* (1 + S_UNITS_MAX) x n_ind; row 0 = provider */
    uint64_t *resp;        /* (1 + S_UNITS_MAX) x n_surveys: respondents */
    size_t n_surveys;
} s_pool_t;

/* The provider's survey values from its pooled answers, kept in vals. */
static int s_finish_survey(aggregate_t *a, s_pool_t *pool,
                           s_unit_values_t *vals, bl_err_t *err)
{
    for (size_t u = 0; u <= pool->n_units; u++) {
        const char *unit = u == 0 ? "" : pool->units[u - 1];
        for (size_t k = 0; k < a->n_ind; k++) {
            const bl_indicator_t *def = &a->cfg->catalogue->indicators[k];
            s_survey_acc_t *c = &pool->acc[u * a->n_ind + k];
            if (def->kind != BL_KIND_SURVEY_SHARE &&
                def->kind != BL_KIND_SURVEY_MEAN) {
                continue;
            }
            /* Respondents in the survey but none who answered the items:
             * n 0, suppressed (SPEC 4). */
            bool asked = def->survey >= 0 &&
                         (size_t)def->survey < pool->n_surveys &&
                         pool->resp[u * pool->n_surveys +
                                    (size_t)def->survey] > 0;
            if (c->given == 0 && !asked) {
                continue;
            }
            s_value_t v;
            memset(&v, 0, sizeof v);
            v.has_value = c->given > 0;
            if (v.has_value) {
                v.value = def->kind == BL_KIND_SURVEY_SHARE
                              ? 100.0 * (double)c->at_least /
                                    (double)c->given
                              : c->sum / (double)c->given;
            }
            v.has_n = true;
            v.n = c->n;
            v.suppressed = c->n < (uint64_t)a->cfg->min_respondents;
            int rc = s_keep(a, vals, unit, (int)k, &v, err);
            if (rc != 0) {
                return rc;
            }
        }
    }
    /* Only the rows this provider used: the pool is 65 rows, most
     * providers fill a few, and it is cleared once per provider. */
    size_t rows = 1 + pool->n_units;
    memset(pool->acc, 0, rows * a->n_ind * sizeof *pool->acc);
    memset(pool->resp, 0, rows * pool->n_surveys * sizeof *pool->resp);
    pool->n_units = 0;
    return 0;
}

static size_t s_unit_slot(s_pool_t *pool, const char *unit)
{
    if (unit[0] == '\0') {
        return 0;
    }
    for (size_t u = 0; u < pool->n_units; u++) {
        if (strcmp(pool->units[u], unit) == 0) {
            return u + 1;
        }
    }
    if (pool->n_units == S_UNITS_MAX) {
        return 0;  /* beyond the bound, counted at provider level only */
    }
    bl_str_copy(pool->units[pool->n_units], sizeof pool->units[0], unit);
    return ++pool->n_units;
}

/* Adds one respondent's answers (to survey s) to slot's accumulators. */
static void s_pool_add(aggregate_t *a, s_survey_acc_t *accs, int s,
                       const int *answers, const bool *given, size_t n_items)
{
    for (size_t k = 0; k < a->n_ind; k++) {
        const bl_indicator_t *def = &a->cfg->catalogue->indicators[k];
        if (def->survey != s) {
            continue;
        }
        s_survey_acc_t *c = &accs[k];
        bool any = false;
        for (size_t j = 0; j < def->n_items; j++) {
            int item = def->items[j];
            if (item < 0 || (size_t)item >= n_items || !given[item]) {
                continue;
            }
            any = true;
            c->given++;
            c->sum += answers[item];
            if (answers[item] >= def->threshold) {
                c->at_least++;
            }
        }
        if (any) {
            c->n++;
        }
    }
}

/* What the answers of one survey's respondents are pooled into. */
typedef struct s_pooling {
    aggregate_t *a;
    s_pool_t *pool;
    int survey;            /* in the catalogue */
} s_pooling_t;

/* One respondent's answers pooled for the provider being computed
 * (agg_resp_fn). */
static void s_pool_answers(void *ctx, const agg_resp_answers_t *ans)
{
    s_pooling_t *pg = ctx;
    aggregate_t *a = pg->a;
    s_pool_t *pool = pg->pool;
    int s = pg->survey;
    bl_mpr_t r;
    bl_mpr_init(&r, ans->answers, ans->answers_len);
    uint32_t n_items;
    char unit[64];
    int answers[64];
    bool given[64];
    if (ans->ul >= sizeof unit || bl_mpr_array(&r, &n_items) != 0 ||
        n_items > 64) {
        return;
    }
    memcpy(unit, ans->unit, ans->ul);
    unit[ans->ul] = '\0';
    for (uint32_t i = 0; i < n_items; i++) {
        int64_t x = 0;
        given[i] = !bl_mpr_nil(&r);
        if (given[i]) {
            given[i] = bl_mpr_int(&r, &x) == 0;
        }
        answers[i] = (int)x;
    }
    s_pool_add(a, pool->acc, s, answers, given, n_items);
    size_t slot = s_unit_slot(pool, unit);
    if (slot > 0) {
        s_pool_add(a, pool->acc + slot * a->n_ind, s, answers, given,
                   n_items);
    }
    if ((size_t)s < pool->n_surveys) {
        pool->resp[(size_t)s]++;
        if (slot > 0) {
            pool->resp[slot * pool->n_surveys + (size_t)s]++;
        }
    }
}

/* A walk over one database's entries of a period, split into their four
 * key parts (period, provider, ...); other keys are passed over. */
typedef struct s_walk {
    bl_scan_t scan;
    bool open;
    bool at;                   /* an entry is current */
    MDB_val k, v;
    char buf[S_KEY_MAX];
    const char *parts[4];
} s_walk_t;

/* Moves to the walk's next entry: 0 (w->at false at the end) or
 * BL_ESTORE (detail in the err given to s_walk_open). */
static int s_walk_next(s_walk_t *w)
{
    int more;
    while ((more = bl_scan_next(&w->scan, &w->k, &w->v)) == 1) {
        if (bl_page_split(w->k.mv_data, w->k.mv_size, w->buf, sizeof w->buf,
                          w->parts, 4) == 4) {
            w->at = true;
            return 0;
        }
    }
    w->at = false;
    return more;
}

static int s_walk_open(s_walk_t *w, MDB_txn *txn, MDB_dbi dbi,
                       const char *prefix, size_t pl, bl_err_t *err)
{
    memset(w, 0, sizeof *w);
    int rc = bl_scan_open(&w->scan, txn, dbi, prefix, pl, err);
    w->open = rc == 0;
    return rc == 0 ? s_walk_next(w) : rc;
}

/* Whether the walk's current entry is of provider. */
static bool s_walk_of(const s_walk_t *w, const char *provider)
{
    return w->at && strcmp(w->parts[1], provider) == 0;
}

/* Every provider's values of the period, provider after provider: its
 * administrative rows ("ind") and survey answers ("resp", both keyed
 * period, provider, ...) walked side by side, and all its values sent
 * together in key order. */
static int s_compute_values(aggregate_t *a, MDB_txn *txn, int64_t per,
                            int64_t gen, bl_err_t *err)
{
    char period[24];
    snprintf(period, sizeof period, "%" PRId64, per);
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", period);
    s_admin_acc_t *acc = calloc(a->n_ind ? a->n_ind : 1, sizeof *acc);
    s_pool_t pool;
    memset(&pool, 0, sizeof pool);
    pool.acc = calloc((1 + S_UNITS_MAX) * a->n_ind, sizeof *pool.acc);
    pool.n_surveys = a->cfg->catalogue->n_surveys;
    pool.resp = calloc((1 + S_UNITS_MAX) * (pool.n_surveys ? pool.n_surveys
                                                           : 1),
                       sizeof *pool.resp);
    s_unit_values_t vals = {NULL, 0, 0};
    agg_resp_group_t group;
    agg_resp_group_init(&group);
    s_walk_t *wi = calloc(1, sizeof *wi), *wr = calloc(1, sizeof *wr);
    int rc = acc == NULL || pool.acc == NULL || pool.resp == NULL ||
                     wi == NULL || wr == NULL
                 ? bl_err_set(err, BL_ENOMEM, "out of memory")
                 : 0;
    if (rc == 0) {
        rc = s_walk_open(wi, txn, bl_daemon_dbi(a->d, DB_IND), prefix, pl,
                         err);
    }
    if (rc == 0) {
        rc = s_walk_open(wr, txn, bl_daemon_dbi(a->d, DB_RESP), prefix, pl,
                         err);
    }
    char provider[S_KEY_MAX];
    while (rc == 0 && (wi->at || wr->at)) {
        const char *first = !wr->at ? wi->parts[1]
                            : !wi->at ? wr->parts[1]
                            : strcmp(wi->parts[1], wr->parts[1]) <= 0
                                ? wi->parts[1]
                                : wr->parts[1];
        bl_str_copy(provider, sizeof provider, first);
        while (rc == 0 && s_walk_of(wi, provider)) {
            rc = s_admin_row(a, period, wi->parts, &wi->v, acc, &vals, gen,
                             err);
            if (rc == 0) {
                rc = s_walk_next(wi);
            }
        }
        while (rc == 0 && s_walk_of(wr, provider)) {
            /* one survey's runs (and entries of earlier releases) */
            s_pooling_t pg = {a, &pool, bl_catalogue_find_survey(
                                            a->cfg->catalogue, wr->parts[2])};
            char survey[S_KEY_MAX];
            bl_str_copy(survey, sizeof survey, wr->parts[2]);
            agg_resp_group_clear(&group);
            while (rc == 0 && s_walk_of(wr, provider) &&
                   strcmp(wr->parts[2], survey) == 0) {
                rc = agg_resp_group_add(&group, wr->parts[3],
                                        strlen(wr->parts[3]), &wr->v, err);
                if (rc == 0) {
                    rc = s_walk_next(wr);
                }
            }
            if (rc == 0 && pg.survey >= 0) {
                rc = agg_resp_group_each(&group, s_pool_answers, &pg, NULL,
                                         err);
            }
        }
        if (rc == 0) {
            rc = s_finish_admin(a, acc, &vals, err);
        }
        if (rc == 0) {
            rc = s_finish_survey(a, &pool, &vals, err);
        }
        if (rc == 0) {
            rc = s_send_provider(a, txn, period, provider, &vals, per, gen,
                                 err);
        }
    }
    for (s_walk_t *w = wi; w != NULL; w = w == wi ? wr : NULL) {
        if (w->open) {
            bl_scan_close(&w->scan);
        }
    }
    free(wi);
    free(wr);
    agg_resp_group_free(&group);
    free(acc);
    free(vals.at);
    free(pool.acc);
    free(pool.resp);
    return rc;
}

/* Gathers the stored rejected-row counts of every validation worker into
 * one list of pairs (a provider appears once per worker that holds its
 * rows). */
typedef struct s_rejected {
    bl_mpw_t *w;
    uint32_t n;
} s_rejected_t;

static int s_rejected_part(void *ctx, const char *const *parts, size_t n,
                           const MDB_val *value)
{
    (void)parts;
    (void)n;
    s_rejected_t *rj = ctx;
    bl_close_counts_t it;
    if (bl_close_counts_open(&it, value->mv_data, value->mv_size, NULL) !=
        0) {
        return 0;
    }
    bl_close_count_t c;
    while (bl_close_counts_next(&it, &c, NULL) == 0) {
        bl_close_write_count(rj->w, c.provider, c.rows);
        rj->n++;
    }
    return 0;
}

/* Keeps the rows still rejected that one validation worker's close marker
 * carries (key: period, sender). */
static int s_keep_rejected(aggregate_t *a, MDB_txn *txn,
                           const bl_close_t *marker, const bl_msg_t *msg,
                           bl_err_t *err)
{
    if (!marker->has_rejected) {
        return 0;
    }
    bl_mpw_reset(&a->w);
    if (bl_close_write_counts(&a->w, marker) != 0) {
        return bl_err_set(err, BL_ENOMEM, "cannot encode rejected-row "
                          "counts");
    }
    char p[24], key[S_KEY_MAX];
    snprintf(p, sizeof p, "%" PRId64, marker->period);
    const char *parts[] = {p, msg->sender};
    size_t kl = bl_page_join(key, sizeof key, parts, 2);
    return bl_store_put(txn, bl_daemon_dbi(a->d, DB_REJECTED), key, kl,
                        bl_mpw_data(&a->w), bl_mpw_size(&a->w), err);
}

/* Passes the close marker on with every worker's rejected-row counts. */
static int s_forward_close(aggregate_t *a, MDB_txn *txn,
                           const bl_close_t *marker, bl_err_t *err)
{
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 marker->period);
    bl_mpw_t counts;
    bl_mpw_init(&counts);
    s_rejected_t rj = {&counts, 0};
    MDB_dbi db = bl_daemon_dbi(a->d, DB_REJECTED);
    int rc = bl_page_each(txn, db, prefix, pl, s_rejected_part, &rj, err);
    bl_mpw_t *w = &a->w;
    bl_mpw_reset(w);
    bl_close_t out = {.period = marker->period,
                      .generation = marker->generation,
                      .reopen = marker->reopen, .has_rejected = true,
                      .n_rejected = rj.n, .rejected = bl_mpw_data(&counts),
                      .rejected_len = bl_mpw_size(&counts)};
    if (rc == 0 && (counts.err || bl_close_write(w, &out) != 0)) {
        rc = bl_err_set(err, BL_ENOMEM, "cannot encode a close marker");
    }
    bl_mpw_destroy(&counts);
    if (rc == 0) {
        rc = bl_page_delete(txn, db, prefix, pl, err);
    }
    if (rc != 0) {
        return rc;
    }
    return bl_outbox_put(bl_daemon_outbox(a->d), txn, 0, BL_MSG_CLOSE,
                         bl_mpw_data(w), bl_mpw_size(w), err);
}

static int s_apply_close(aggregate_t *a, MDB_txn *txn, const bl_msg_t *msg,
                         bl_err_t *err)
{
    bl_close_t marker;
    if (bl_close_decode(msg->payload, msg->payload_len, &marker, err) != 0) {
        return BL_EPROTO;
    }
    int64_t period = marker.period, gen = marker.generation;
    int rc0 = s_keep_rejected(a, txn, &marker, msg, err);
    if (rc0 != 0) {
        return rc0;
    }
    /* Every validation worker passes the marker on; compute after the
     * last, when all rows before the close have arrived. */
    bool complete;
    int rc = bl_daemon_marker(a->d, txn, period, gen,
                              a->cfg->workers[BL_STAGE_VALIDATE], &complete,
                              err);
    if (rc != 0 || !complete) {
        return rc;
    }
    long long t0 = bl_net_now_ms();
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    bl_mpw_reset(&a->batch);
    a->batch_rows = 0;
    rc = bl_page_delete(txn, bl_daemon_dbi(a->d, DB_VALUES), prefix, pl,
                        err);
    if (rc == 0) {
        rc = bl_store_cursor(txn, bl_daemon_dbi(a->d, DB_VALUES),
                             &a->values_cur, err);
    }
    if (rc == 0) {
        rc = s_compute_values(a, txn, period, gen, err);
        mdb_cursor_close(a->values_cur);
        a->values_cur = NULL;
    }
    if (rc == 0) {
        rc = s_flush_values(a, txn, period, gen, err);
    }
    if (rc == 0) {
        rc = s_forward_close(a, txn, &marker, err);
    }
    if (rc == 0) {
        bl_log(BL_LOG_INFO, "aggregated period=%" PRId64 " generation=%"
               PRId64 " s=%.2f (committed next)", period, gen,
               (double)(bl_net_now_ms() - t0) / 1e3);
    }
    return rc;
}

static int s_apply(void *svc, MDB_txn *txn, const bl_msg_t *msg,
                   bl_err_t *err)
{
    aggregate_t *a = svc;
    switch (msg->type) {
    case BL_MSG_RECORDS:
        return s_apply_records(a, txn, msg, err);
    case BL_MSG_CLOSE:
        return s_apply_close(a, txn, msg, err);
    default:
        return bl_err_set(err, BL_EDATA, "aggregation takes no %s messages",
                          bl_msg_type_name(msg->type));
    }
}

/* ---- requests ----------------------------------------------------------- */

static int s_request(void *svc, MDB_txn *txn, const char *cmd,
                     const bl_msg_t *msg, bl_mpw_t *reply, bl_err_t *err)
{
    aggregate_t *a = svc;
    if (strcmp(cmd, "values") == 0) {
        return bl_page_request(txn, bl_daemon_dbi(a->d, DB_VALUES), msg,
                               reply, err);
    }
    bl_reply_error(reply, "unknown command '%s'", cmd);
    return 0;
}

static uint32_t s_health(void *svc, MDB_txn *txn, bl_mpw_t *reply)
{
    aggregate_t *a = svc;
    uint64_t records = 0;
    bl_store_get_u64(txn, bl_daemon_meta(a->d), "records", &records, NULL);
    /* Records stored: administrative rows, and respondents (kept a run
     * at a time, each counted once). */
    MDB_stat si;
    uint64_t stored = 0, respondents = 0;
    if (mdb_stat(txn, bl_daemon_dbi(a->d, DB_IND), &si) == 0 &&
        agg_resp_count(txn, bl_daemon_dbi(a->d, DB_RESP), &respondents,
                       NULL) == 0) {
        stored = si.ms_entries + respondents;
    }
    bl_mpw_str(reply, "records_applied");
    bl_mpw_uint(reply, records);
    bl_mpw_str(reply, "records_stored");
    bl_mpw_uint(reply, stored);
    return 2;
}

static int s_open(void **svc, bl_daemon_t *d, bl_err_t *err)
{
    aggregate_t *a = calloc(1, sizeof *a);
    if (a == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    a->d = d;
    a->cfg = bl_daemon_config(d);
    a->n_ind = a->cfg->catalogue->n_indicators;
    size_t *by_id = malloc((a->n_ind ? a->n_ind : 1) * sizeof *by_id);
    a->id_order = malloc((a->n_ind ? a->n_ind : 1) * sizeof *a->id_order);
    if (by_id == NULL || a->id_order == NULL) {
        free(by_id);
        free(a->id_order);
        free(a);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    const bl_indicator_t *ids = a->cfg->catalogue->indicators;
    for (size_t k = 0; k < a->n_ind; k++) {   /* insertion: a few hundred */
        size_t j = k;
        while (j > 0 && strcmp(ids[by_id[j - 1]].id, ids[k].id) > 0) {
            by_id[j] = by_id[j - 1];
            j--;
        }
        by_id[j] = k;
    }
    for (size_t x = 0; x < a->n_ind; x++) {
        a->id_order[by_id[x]] = x;
    }
    free(by_id);
    bl_mpw_init(&a->w);
    bl_mpw_init(&a->batch);
    bl_mpw_init(&a->reg);
    bl_mpw_init(&a->learn);
    agg_resp_run_init(&a->run);
    *svc = a;
    return 0;
}

static void s_close(void **svc)
{
    aggregate_t *a = *svc;
    if (a == NULL) {
        return;
    }
    bl_mpw_destroy(&a->w);
    bl_mpw_destroy(&a->batch);
    bl_mpw_destroy(&a->reg);
    bl_mpw_destroy(&a->learn);
    agg_resp_run_free(&a->run);
    free(a->id_order);
    free(a);
    *svc = NULL;
}

const bl_stage_ops_t aggregate_ops = {
    .stage = BL_STAGE_AGGREGATE,
    .db_names = s_dbs,
    .n_dbs = sizeof s_dbs / sizeof s_dbs[0],
    .has_outbox = 1,
    .store_mode = BL_STORE_BUFFERED,   /* small transactions */
    .open = s_open,
    .apply = s_apply,
    .request = s_request,
    .health = s_health,
    .committed = NULL,
    .tick = NULL,
    .close = s_close,
    .rebalance = &aggregate_rebalance,
};
