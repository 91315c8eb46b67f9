/*
 * benchmark_learning: actions, practices and the learning exports (see
 * benchmark_learning.h).
 *
 * What a close stores is what the exports read, so an export never
 * recomputes the benchmark: `actions` joins the stored actions with the
 * lstate rows of PERIOD and PERIOD + 1; `learning-needs` is the lneeds
 * database as it stands.
 */
#include "benchmark_learning.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark_external.h"
#include "bl_downlink_codec.h"
#include "bl_learning_codec.h"
#include "bl_page.h"

enum { DB_ACTIONS = 0, DB_PRACTICES, DB_STATE, DB_NEEDS, DB_WARN,
       DB_CLOSED, DB_XPRACTICES };

#define S_KEY_MAX 480
#define S_ID_MAX 64          /* provider, action, indicator, sub ids */
#define S_LIMIT_MAX 10000    /* rows in one page */
#define S_WARNINGS_MAX 100000 /* warnings in one learning_warnings reply */

/* Flags per provider and indicator at a close. */
enum { S_POSITION = 1, S_AREA = 2, S_BAND4 = 4 };

struct benchmark_learning {
    bl_daemon_t *d;
    size_t first_db;
    bl_mpw_t w;              /* scratch for stored values */
};

static MDB_dbi s_dbi(const benchmark_learning_t *l, size_t i)
{
    return bl_daemon_dbi(l->d, l->first_db + i);
}

int benchmark_learning_open(benchmark_learning_t **out, bl_daemon_t *d,
                            size_t first_db, bl_err_t *err)
{
    benchmark_learning_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    l->d = d;
    l->first_db = first_db;
    bl_mpw_init(&l->w);
    *out = l;
    return 0;
}

void benchmark_learning_close(benchmark_learning_t **l)
{
    if (l == NULL || *l == NULL) {
        return;
    }
    bl_mpw_destroy(&(*l)->w);
    free(*l);
    *l = NULL;
}

/* ---- what a close stored ------------------------------------------------ */

/* One lstate row. */
typedef struct s_state {
    bool has_value;
    double value;
    bool has_band;
    int64_t band;            /* in the first peer group */
    bool has_rank;
    double rank;             /* percentile rank in the first peer group */
    bool area;
    bool band4;
} s_state_t;

/* Reads lstate of (period, provider, indicator).  Returns 0, BL_ENOTFOUND,
 * or a store error. */
static int s_state_get(benchmark_learning_t *l, MDB_txn *txn, int64_t period,
                       const char *provider, const char *indicator,
                       s_state_t *st, bl_err_t *err)
{
    memset(st, 0, sizeof *st);
    char p[24], key[S_KEY_MAX];
    snprintf(p, sizeof p, "%" PRId64, period);
    const char *parts[] = {p, provider, indicator};
    size_t kl = bl_page_join(key, sizeof key, parts, 3);
    if (kl == 0) {
        return BL_ENOTFOUND;
    }
    MDB_val v;
    int rc = bl_store_get(txn, s_dbi(l, DB_STATE), key, kl, &v, err);
    if (rc != 0) {
        return rc;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, v.mv_data, v.mv_size);
    uint32_t arity;
    double band = 0;
    /* Rows stored before the rank was kept have four elements. */
    if (bl_mpr_array(&r, &arity) != 0 || (arity != 4 && arity != 5) ||
        bl_mpr_opt_double(&r, &st->has_value, &st->value) != 0 ||
        bl_mpr_opt_double(&r, &st->has_band, &band) != 0 ||
        bl_mpr_bool(&r, &st->area) != 0 || bl_mpr_bool(&r, &st->band4) != 0 ||
        (arity == 5 &&
         bl_mpr_opt_double(&r, &st->has_rank, &st->rank) != 0)) {
        return bl_err_set(err, BL_ESTORE, "learning state %s is corrupt",
                          key);
    }
    st->band = (int64_t)band;
    return 0;
}

/* lclosed's value: "" computed and closed; S_REOPENED while reopened,
 * whatever is computed meanwhile (results coming back from abroad). */
#define S_REOPENED "reopened"

static bool s_closed(benchmark_learning_t *l, MDB_txn *txn, int64_t period)
{
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    MDB_val v;
    return bl_store_get(txn, s_dbi(l, DB_CLOSED), p, strlen(p), &v, NULL) ==
               0 &&
           v.mv_size == 0;
}

/* Whether period has been reopened and not closed again since. */
static bool s_reopened(benchmark_learning_t *l, MDB_txn *txn, int64_t period)
{
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    MDB_val v;
    return bl_store_get(txn, s_dbi(l, DB_CLOSED), p, strlen(p), &v, NULL) ==
               0 &&
           v.mv_size > 0;
}

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
    char key[S_KEY_MAX];
    size_t kl = s_warn_key(key, sizeof key, sub, line);
    if (kl == 0) {
        return 0;
    }
    s_state_t st;
    int rc = s_state_get(l, txn, period, provider, indicator, &st, err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    if (rc == 0 && st.area) {
        return bl_store_del(txn, s_dbi(l, DB_WARN), key, kl, err);
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
    return bl_store_put(txn, s_dbi(l, DB_WARN), key, kl, bl_mpw_data(w),
                        bl_mpw_size(w), err);
}

/* A stored action: [indicator, action, owner, due, status, sub, line]. */
typedef struct s_action {
    char indicator[S_ID_MAX];
    char due[16];
    char status[16];
    char sub[S_ID_MAX];
    uint64_t line;
} s_action_t;

static bool s_action_decode(const MDB_val *v, s_action_t *a)
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
    s_action_t a;
    if (n != 3 || !s_action_decode(v, &a)) {
        return 0;
    }
    return s_judge_action(c->l, c->txn, c->period, parts[1], a.indicator,
                          a.sub, a.line, c->err);
}

/* ---- rows in ------------------------------------------------------------ */

static int s_apply_action(benchmark_learning_t *l, MDB_txn *txn,
                          const bl_learning_action_t *a, bl_err_t *err)
{
    char p[24], key[S_KEY_MAX];
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
    int rc = bl_store_put(txn, s_dbi(l, DB_ACTIONS), key, kl, bl_mpw_data(w),
                          bl_mpw_size(w), err);
    if (rc == 0 && s_closed(l, txn, a->period)) {
        rc = s_judge_action(l, txn, a->period, a->provider, a->indicator,
                            a->sub, a->line, err);
    }
    return rc;
}

static int s_apply_practice(benchmark_learning_t *l, MDB_txn *txn,
                            const bl_learning_practice_t *pr, bl_err_t *err)
{
    char p[24], key[S_KEY_MAX];
    snprintf(p, sizeof p, "%" PRId64, pr->period);
    const char *parts[] = {p, pr->provider, pr->indicator};
    size_t kl = bl_page_join(key, sizeof key, parts, 3);
    if (kl == 0) {
        return bl_err_set(err, BL_EPROTO, "practice key too long");
    }
    bl_mpw_t *w = &l->w;
    bl_mpw_reset(w);
    bl_mpw_array(w, 5);
    bl_mpw_strn(w, pr->title.s, pr->title.len);
    bl_mpw_strn(w, pr->description.s, pr->description.len);
    bl_mpw_strn(w, pr->contact.s, pr->contact.len);
    bl_mpw_str(w, pr->sub);
    bl_mpw_uint(w, pr->line);
    if (w->err) {
        return bl_err_set(err, w->err, "cannot encode a practice");
    }
    return bl_store_put(txn, s_dbi(l, DB_PRACTICES), key, kl,
                        bl_mpw_data(w), bl_mpw_size(w), err);
}

int benchmark_learning_apply(benchmark_learning_t *l, MDB_txn *txn,
                             const bl_msg_t *msg, bl_err_t *err)
{
    bl_learning_reader_t rd;
    if (bl_learning_open(&rd, msg->payload, msg->payload_len, err) != 0) {
        return BL_EPROTO;
    }
    bl_learning_row_t row;
    int rc;
    while ((rc = bl_learning_next(&rd, &row, err)) == 0) {
        rc = row.kind == BL_LEARNING_ACTION
                 ? s_apply_action(l, txn, &row.action, err)
                 : s_apply_practice(l, txn, &row.practice, err);
        if (rc != 0) {
            return rc;
        }
    }
    return rc == BL_ENOTFOUND ? 0 : rc;
}

/* ---- at a close --------------------------------------------------------- */

static int s_store_xpractices(benchmark_learning_t *l, MDB_txn *txn,
                              int64_t period, const bc_input_t *in,
                              bl_err_t *err);

/* The learning-needs rows of indicator k: one per country with a provider
 * that has a position on k. */
typedef struct s_country {
    char code[3];
    uint64_t positions, in_need, band4;
    char *hosts;             /* ;-joined, grown as needed */
    size_t hosts_len, hosts_cap;
} s_country_t;

static int s_add_host(s_country_t *c, const char *id)
{
    size_t il = strlen(id);
    size_t need = c->hosts_len + il + 2;
    if (need > c->hosts_cap) {
        size_t cap = c->hosts_cap ? c->hosts_cap * 2 : 256;
        while (cap < need) {
            cap *= 2;
        }
        char *h = realloc(c->hosts, cap);
        if (h == NULL) {
            return BL_ENOMEM;
        }
        c->hosts = h;
        c->hosts_cap = cap;
    }
    if (c->hosts_len > 0) {
        c->hosts[c->hosts_len++] = ';';
    }
    memcpy(c->hosts + c->hosts_len, id, il + 1);
    c->hosts_len += il;
    return 0;
}

static int s_store_needs(benchmark_learning_t *l, MDB_txn *txn,
                         const char *p, const bc_input_t *in,
                         const unsigned char *flags, bl_err_t *err)
{
    const bl_catalogue_t *cat = in->cfg->catalogue;
    size_t nk = cat->n_indicators;
    size_t cap = 8, nc = 0;
    s_country_t *cs = calloc(cap, sizeof *cs);
    if (cs == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (size_t k = 0; k < nk && rc == 0; k++) {
        for (size_t c = 0; c < nc; c++) {
            cs[c].positions = cs[c].in_need = cs[c].band4 = 0;
            cs[c].hosts_len = 0;
            if (cs[c].hosts != NULL) {
                cs[c].hosts[0] = '\0';
            }
        }
        /* Providers are sorted by id, whose prefix is the country, but
         * the countries are looked up rather than assumed contiguous. */
        for (size_t i = 0; i < in->n_providers && rc == 0; i++) {
            unsigned char f = flags[i * nk + k];
            if (f == 0) {
                continue;
            }
            const bc_provider_t *pv = &in->providers[i];
            size_t c = 0;
            while (c < nc && strcmp(cs[c].code, pv->country) != 0) {
                c++;
            }
            if (c == nc) {
                if (nc == cap) {
                    s_country_t *g = realloc(cs, cap * 2 * sizeof *g);
                    if (g == NULL) {
                        rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                        break;
                    }
                    memset(g + cap, 0, cap * sizeof *g);
                    cs = g;
                    cap *= 2;
                }
                snprintf(cs[c].code, sizeof cs[c].code, "%s", pv->country);
                nc++;
            }
            cs[c].positions += (f & S_POSITION) != 0;
            cs[c].in_need += (f & S_AREA) != 0;
            if (f & S_BAND4) {
                cs[c].band4++;
                if (pv->share_identity && s_add_host(&cs[c], pv->id) != 0) {
                    rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                }
            }
        }
        uint64_t need_total = 0, need_countries = 0;
        for (size_t c = 0; c < nc; c++) {
            need_total += cs[c].in_need;
            need_countries += cs[c].in_need > 0;
        }
        bool international = need_total >= 3 && need_countries >= 2;
        for (size_t c = 0; c < nc && rc == 0; c++) {
            if (cs[c].positions == 0) {
                continue;
            }
            const char *event = international        ? "international"
                                : cs[c].in_need >= 3 ? "national"
                                                     : "";
            const char *parts[] = {p, cat->indicators[k].id,
                                   cat->indicators[k].principle, cs[c].code};
            char key[S_KEY_MAX];
            size_t kl = bl_page_join(key, sizeof key, parts, 4);
            bl_mpw_t *w = &l->w;
            bl_mpw_reset(w);
            bl_mpw_array(w, 4);
            bl_mpw_uint(w, cs[c].in_need);
            bl_mpw_uint(w, cs[c].band4);
            /* nil, not "", so JSON says null like the other exports */
            bl_mpw_str(w, cs[c].hosts_len > 0 ? cs[c].hosts : NULL);
            bl_mpw_str(w, event[0] ? event : NULL);
            if (w->err || kl == 0) {
                rc = bl_err_set(err, BL_ENOMEM, "cannot encode a need");
                break;
            }
            rc = bl_store_put(txn, s_dbi(l, DB_NEEDS), key, kl,
                              bl_mpw_data(w), bl_mpw_size(w), err);
        }
    }
    for (size_t c = 0; c < cap; c++) {
        free(cs[c].hosts);
    }
    free(cs);
    return rc;
}

static int s_store_state(benchmark_learning_t *l, MDB_txn *txn,
                         const char *p, const bc_input_t *in,
                         const unsigned char *flags, const int *band0,
                         const double *rank0, bl_err_t *err)
{
    const bl_catalogue_t *cat = in->cfg->catalogue;
    size_t nk = cat->n_indicators;
    int rc = 0;
    for (size_t i = 0; i < in->n_providers && rc == 0; i++) {
        for (size_t k = 0; k < nk && rc == 0; k++) {
            double v = in->values[i * nk + k];
            unsigned char f = flags[i * nk + k];
            if (isnan(v) && f == 0) {
                continue;
            }
            const char *parts[] = {p, in->providers[i].id,
                                   cat->indicators[k].id};
            char key[S_KEY_MAX];
            size_t kl = bl_page_join(key, sizeof key, parts, 3);
            bl_mpw_t *w = &l->w;
            bl_mpw_reset(w);
            bl_mpw_array(w, 5);
            bl_mpw_opt_double(w, !isnan(v), v);
            if (band0[i * nk + k] > 0) {
                bl_mpw_int(w, band0[i * nk + k]);
            } else {
                bl_mpw_nil(w);
            }
            bl_mpw_bool(w, (f & S_AREA) != 0);
            bl_mpw_bool(w, (f & S_BAND4) != 0);
            bl_mpw_opt_double(w, band0[i * nk + k] > 0, rank0[i * nk + k]);
            if (w->err || kl == 0) {
                return bl_err_set(err, BL_ENOMEM, "cannot encode a state");
            }
            rc = bl_store_put(txn, s_dbi(l, DB_STATE), key, kl,
                              bl_mpw_data(w), bl_mpw_size(w), err);
        }
    }
    return rc;
}

int benchmark_learning_store(benchmark_learning_t *l, MDB_txn *txn,
                             int64_t period, const bc_input_t *in,
                             const bc_output_t *out, bl_err_t *err)
{
    size_t nk = in->cfg->catalogue->n_indicators;
    size_t cells = (in->n_providers ? in->n_providers : 1) * nk;
    unsigned char *flags = calloc(cells, 1);
    int *band0 = calloc(cells, sizeof *band0);
    double *rank0 = calloc(cells, sizeof *rank0);
    if (flags == NULL || band0 == NULL || rank0 == NULL) {
        free(flags);
        free(band0);
        free(rank0);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    for (size_t q = 0; q < out->n_positions; q++) {
        const bc_position_t *pos = &out->positions[q];
        size_t cell = pos->provider * nk + (size_t)pos->indicator;
        flags[cell] |= S_POSITION;
        if (pos->group == 0) {
            band0[cell] = pos->band;
            rank0[cell] = pos->percentile_rank;
        }
    }
    for (size_t i = 0; i < in->n_providers; i++) {
        const bc_provider_result_t *pr = &out->providers[i];
        for (size_t a = 0; a < pr->n_areas; a++) {
            flags[i * nk + (size_t)pr->areas[a].indicator] |= S_AREA;
        }
        for (size_t s = 0; s < pr->n_strengths; s++) {
            flags[i * nk + (size_t)pr->strengths[s]] |= S_BAND4;
        }
    }
    char p[24], prefix[32];
    snprintf(p, sizeof p, "%" PRId64, period);
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
    int rc = bl_page_delete(txn, s_dbi(l, DB_STATE), prefix, pl, err);
    if (rc == 0) {
        rc = bl_page_delete(txn, s_dbi(l, DB_NEEDS), prefix, pl, err);
    }
    if (rc == 0) {
        rc = s_store_state(l, txn, p, in, flags, band0, rank0, err);
    }
    if (rc == 0) {
        rc = s_store_needs(l, txn, p, in, flags, err);
    }
    free(flags);
    free(band0);
    free(rank0);
    if (rc == 0 && !s_reopened(l, txn, period)) {
        rc = bl_store_put(txn, s_dbi(l, DB_CLOSED), p, strlen(p), "", 0,
                          err);
    }
    if (rc == 0) {
        s_judge_ctx_t c = {l, txn, period, err};
        rc = bl_page_each(txn, s_dbi(l, DB_ACTIONS), prefix, pl, s_judge_one,
                          &c, err);
    }
    if (rc == 0 && in->cfg->role == BL_ROLE_INTERNATIONAL) {
        rc = s_store_xpractices(l, txn, period, in, err);
    }
    return rc;
}

int benchmark_learning_after_close(benchmark_learning_t *l, MDB_txn *txn,
                                   int64_t period, bool reopen,
                                   bl_err_t *err)
{
    /* The close computed the period (benchmark_learning_store ran): closed
     * now, or reopened until the next close whatever is computed before. */
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    const char *v = reopen ? S_REOPENED : "";
    return bl_store_put(txn, s_dbi(l, DB_CLOSED), p, strlen(p), v, strlen(v),
                        err);
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

static void s_side(bl_results_side_t *side, bool found, const s_state_t *st)
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
    s_state_t st;
    int rc = s_state_get(c->l, c->txn, period, provider, indicator, &st,
                         c->err);
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
    s_action_t a;
    if (n != 3 || !s_action_decode(v, &a)) {
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
    char p[24], prefix[S_KEY_MAX];
    snprintf(p, sizeof p, "%" PRId64, period - 1);
    const char *parts[] = {p, provider, ""};
    size_t pl = bl_page_join(prefix, sizeof prefix, parts, 3);
    if (pl == 0) {
        return 0;
    }
    s_follow_ctx_t c = {l, txn, period - 1, NULL, 0, 0, err};
    int rc = bl_page_each(txn, s_dbi(l, DB_ACTIONS), prefix, pl,
                          s_follow_row, &c, err);
    if (rc != 0) {
        free(c.rows);
        return rc;
    }
    *rows = c.rows;
    *n = c.n;
    return 0;
}

/* ---- practices under the areas ----------------------------------------- */

/* A practice that may be shown: its author was in band 4 of the indicator
 * in the practice's period.  The author is one of the run's providers
 * (local >= 0), or a provider of another country that came back from the
 * international node (local < 0: known by what it shares, and by its
 * order there, which is its id's order). */
typedef struct s_practice {
    int64_t period;
    long local;              /* index in the run's providers, or -1 */
    uint64_t order;          /* foreign: the author's order abroad */
    bool share;
    char id[S_ID_MAX];       /* "" for a foreign author that hides it */
    char country[3];
    char service_type[S_ID_MAX];
    char indicator[S_ID_MAX];
    char *name, *title, *description, *contact;   /* heap */
} s_practice_t;

struct benchmark_practices {
    const bc_input_t *in;
    s_practice_t *v;
    size_t n, cap;
};

typedef struct s_load_ctx {
    benchmark_learning_t *l;
    MDB_txn *txn;
    int64_t period;
    benchmark_practices_t *ps;
    bl_err_t *err;
} s_load_ctx_t;

/* The index of provider id among in's providers (sorted by id), or -1. */
static long s_provider_index(const bc_input_t *in, const char *id)
{
    size_t lo = 0, hi = in->n_providers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(in->providers[mid].id, id);
        if (c == 0) {
            return (long)mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

static char *s_dup(const char *s, uint32_t len)
{
    char *d = malloc((size_t)len + 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* A new zeroed entry at the end of ps, or NULL. */
static s_practice_t *s_practice_add(benchmark_practices_t *ps)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 16;
        s_practice_t *g = realloc(ps->v, cap * sizeof *g);
        if (g == NULL) {
            return NULL;
        }
        ps->v = g;
        ps->cap = cap;
    }
    s_practice_t *x = &ps->v[ps->n++];
    memset(x, 0, sizeof *x);
    return x;
}

/* A stored practice: [title, description, contact, sub, line] or, from a
 * national node, [..., band4 at home]. */
typedef struct s_stored {
    const char *title, *description, *contact;
    uint32_t title_len, description_len, contact_len;
    bool home_band4;
} s_stored_t;

static bool s_stored_decode(const MDB_val *v, s_stored_t *s)
{
    memset(s, 0, sizeof *s);
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t arity;
    return bl_mpr_array(&r, &arity) == 0 && (arity == 5 || arity == 6) &&
           bl_mpr_str(&r, &s->title, &s->title_len) == 0 &&
           bl_mpr_str(&r, &s->description, &s->description_len) == 0 &&
           bl_mpr_str(&r, &s->contact, &s->contact_len) == 0 &&
           bl_mpr_skip(&r) == 0 && bl_mpr_skip(&r) == 0 &&
           (arity == 5 || bl_mpr_bool(&r, &s->home_band4) == 0);
}

static int s_load_practice(void *ctx, const char *const *parts, size_t n,
                           const MDB_val *v)
{
    s_load_ctx_t *c = ctx;
    if (n != 3) {
        return 0;
    }
    char *end;
    long long period = strtoll(parts[0], &end, 10);
    if (*end != '\0' || period > c->period) {
        return 0;
    }
    long author = s_provider_index(c->ps->in, parts[1]);
    if (author < 0) {
        return 0;
    }
    s_stored_t s;
    if (!s_stored_decode(v, &s)) {
        return bl_err_set(c->err, BL_ESTORE, "practice %s/%s/%s is corrupt",
                          parts[0], parts[1], parts[2]);
    }
    s_state_t st;
    int rc = s_state_get(c->l, c->txn, period, parts[1], parts[2], &st,
                         c->err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    if (!(rc == 0 && st.band4) && !s.home_band4) {
        return 0;
    }
    s_practice_t *x = s_practice_add(c->ps);
    if (x == NULL) {
        return bl_err_set(c->err, BL_ENOMEM, "out of memory");
    }
    const bc_provider_t *a = &c->ps->in->providers[author];
    x->period = period;
    x->local = author;
    x->share = a->share_identity;
    snprintf(x->id, sizeof x->id, "%s", a->id);
    snprintf(x->country, sizeof x->country, "%s", a->country);
    snprintf(x->service_type, sizeof x->service_type, "%s",
             a->service_type);
    snprintf(x->indicator, sizeof x->indicator, "%s", parts[2]);
    x->name = s_dup(a->name, (uint32_t)strlen(a->name));
    x->title = s_dup(s.title, s.title_len);
    x->description = s_dup(s.description, s.description_len);
    x->contact = s_dup(s.contact, s.contact_len);
    if (x->name == NULL || x->title == NULL || x->description == NULL ||
        x->contact == NULL) {
        return bl_err_set(c->err, BL_ENOMEM, "out of memory");
    }
    return 0;
}

/* A practice of another country that came back (national xpractices):
 * period \x1f practice period \x1f indicator \x1f order -> practice. */
static int s_load_foreign(void *ctx, const char *const *parts, size_t n,
                          const MDB_val *v)
{
    s_load_ctx_t *c = ctx;
    if (n != 4) {
        return 0;
    }
    char *end;
    long long period = strtoll(parts[1], &end, 10);
    if (*end != '\0' || period > c->period) {
        return 0;
    }
    unsigned long long order = strtoull(parts[3], &end, 10);
    bl_downlink_practice_t p;
    if (*end != '\0' ||
        bl_downlink_read_practice(v->mv_data, v->mv_size, &p) != 0 ||
        strlen(parts[2]) >= S_ID_MAX) {
        return 0;  /* as fetched: what is malformed is not shown */
    }
    s_practice_t *x = s_practice_add(c->ps);
    if (x == NULL) {
        return bl_err_set(c->err, BL_ENOMEM, "out of memory");
    }
    x->period = period;
    x->local = -1;
    x->order = order;
    x->share = p.share && p.id[0] != '\0';
    snprintf(x->id, sizeof x->id, "%s", x->share ? p.id : "");
    snprintf(x->country, sizeof x->country, "%s", p.country);
    snprintf(x->service_type, sizeof x->service_type, "%s",
             p.service_type);
    snprintf(x->indicator, sizeof x->indicator, "%s", parts[2]);
    x->name = s_dup(x->share ? p.name : "", x->share ? p.name_len : 0);
    x->title = s_dup(p.title, p.title_len);
    x->description = s_dup(p.description, p.description_len);
    x->contact = s_dup(x->share ? p.contact : "",
                       x->share ? p.contact_len : 0);
    if (x->name == NULL || x->title == NULL || x->description == NULL ||
        x->contact == NULL) {
        return bl_err_set(c->err, BL_ENOMEM, "out of memory");
    }
    return 0;
}

int benchmark_learning_practices_load(benchmark_learning_t *l, MDB_txn *txn,
                                      int64_t period, const bc_input_t *in,
                                      benchmark_practices_t **out,
                                      bl_err_t *err)
{
    *out = NULL;
    benchmark_practices_t *ps = calloc(1, sizeof *ps);
    if (ps == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    ps->in = in;
    s_load_ctx_t c = {l, txn, period, ps, err};
    int rc = bl_page_each(txn, s_dbi(l, DB_PRACTICES), "", 0,
                          s_load_practice, &c, err);
    if (rc == 0 && in->cfg->role != BL_ROLE_INTERNATIONAL) {
        char prefix[32];
        size_t pl = (size_t)snprintf(prefix, sizeof prefix,
                                     "%" PRId64 "\x1f", period);
        rc = bl_page_each(txn, s_dbi(l, DB_XPRACTICES), prefix, pl,
                          s_load_foreign, &c, err);
    }
    if (rc != 0) {
        benchmark_learning_practices_free(&ps);
        return rc;
    }
    *out = ps;
    return 0;
}

void benchmark_learning_practices_free(benchmark_practices_t **ps)
{
    if (ps == NULL || *ps == NULL) {
        return;
    }
    for (size_t i = 0; i < (*ps)->n; i++) {
        free((*ps)->v[i].name);
        free((*ps)->v[i].title);
        free((*ps)->v[i].description);
        free((*ps)->v[i].contact);
    }
    free((*ps)->v);
    free(*ps);
    *ps = NULL;
}

/* Whether a's author comes before b's by provider id.  A foreign author
 * may hide its id: ids start with the country, and the authors of one
 * other country all came back together, in id order (their order). */
static int s_cmp_author(const s_practice_t *a, const s_practice_t *b)
{
    if (a->local >= 0 && b->local >= 0) {
        return strcmp(a->id, b->id);
    }
    int c = strcmp(a->country, b->country);
    if (c != 0) {
        return c;
    }
    if (a->local < 0 && b->local < 0) {
        return (a->order > b->order) - (a->order < b->order);
    }
    return a->local >= 0 ? -1 : 1;
}

/* Whether practice a comes before b for a reader of service type st. */
static bool s_before(const char *st, const s_practice_t *a,
                     const s_practice_t *b)
{
    bool sa = strcmp(a->service_type, st) == 0;
    bool sb = strcmp(b->service_type, st) == 0;
    if (sa != sb) {
        return sa;
    }
    if (a->period != b->period) {
        return a->period > b->period;
    }
    return s_cmp_author(a, b) < 0;
}

size_t benchmark_learning_practices_pick(const benchmark_practices_t *ps,
                                         size_t reader, const char *indicator,
                                         bl_results_practice_t *out,
                                         size_t max)
{
    const s_practice_t *best[BL_RESULTS_PARTNERS_MAX];
    size_t nb = 0;
    if (max > BL_RESULTS_PARTNERS_MAX) {
        max = BL_RESULTS_PARTNERS_MAX;
    }
    const char *st = ps->in->providers[reader].service_type;
    for (size_t i = 0; i < ps->n; i++) {
        const s_practice_t *x = &ps->v[i];
        if (x->local == (long)reader || strcmp(x->indicator, indicator) != 0) {
            continue;
        }
        /* Insert x into the best max so far, in order. */
        size_t at = nb;
        while (at > 0 && s_before(st, x, best[at - 1])) {
            at--;
        }
        if (at >= max) {
            continue;
        }
        if (nb < max) {
            nb++;
        }
        memmove(&best[at + 1], &best[at], (nb - 1 - at) * sizeof best[0]);
        best[at] = x;
    }
    for (size_t j = 0; j < nb; j++) {
        const s_practice_t *x = best[j];
        bl_results_practice_t *o = &out[j];
        memset(o, 0, sizeof *o);
        snprintf(o->indicator, sizeof o->indicator, "%s", x->indicator);
        o->period = x->period;
        o->named = x->share;
        if (o->named) {
            snprintf(o->id, sizeof o->id, "%s", x->id);
            snprintf(o->name, sizeof o->name, "%s", x->name);
            snprintf(o->contact, sizeof o->contact, "%s", x->contact);
        }
        snprintf(o->service_type, sizeof o->service_type, "%s",
                 x->service_type);
        snprintf(o->country, sizeof o->country, "%s", x->country);
        snprintf(o->title, sizeof o->title, "%s", x->title);
        snprintf(o->description, sizeof o->description, "%s",
                 x->description);
    }
    return nb;
}

/* ---- practices over the link ------------------------------------------ */

typedef struct s_each_ctx {
    benchmark_learning_t *l;
    MDB_txn *txn;
    int64_t max_period;
    benchmark_practice_fn fn;
    void *ctx;
    bl_err_t *err;
} s_each_ctx_t;

static int s_each_one(void *ctx, const char *const *parts, size_t n,
                      const MDB_val *v)
{
    s_each_ctx_t *c = ctx;
    char *end;
    long long period = n == 3 ? strtoll(parts[0], &end, 10) : 0;
    s_stored_t s;
    if (n != 3 || *end != '\0' || period > c->max_period ||
        strlen(parts[1]) >= BL_UPLINK_ID_MAX ||
        strlen(parts[2]) >= BL_UPLINK_ID_MAX || !s_stored_decode(v, &s) ||
        s.title_len > BL_UPLINK_TITLE_MAX ||
        s.description_len > BL_UPLINK_TEXT_MAX ||
        s.contact_len > BL_UPLINK_TITLE_MAX) {
        return 0;
    }
    s_state_t st;
    int rc = s_state_get(c->l, c->txn, period, parts[1], parts[2], &st,
                         c->err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    bl_uplink_practice_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.provider, sizeof p.provider, "%s", parts[1]);
    snprintf(p.indicator, sizeof p.indicator, "%s", parts[2]);
    p.period = period;
    p.title = s.title;
    p.title_len = s.title_len;
    p.description = s.description;
    p.description_len = s.description_len;
    p.contact = s.contact;
    p.contact_len = s.contact_len;
    p.band4 = rc == 0 && st.band4;
    return c->fn(c->ctx, &p);
}

int benchmark_learning_each_practice(benchmark_learning_t *l, MDB_txn *txn,
                                     int64_t max_period,
                                     benchmark_practice_fn fn, void *ctx,
                                     bl_err_t *err)
{
    s_each_ctx_t c = {l, txn, max_period, fn, ctx, err};
    return bl_page_each(txn, s_dbi(l, DB_PRACTICES), "", 0, s_each_one, &c,
                        err);
}

int benchmark_learning_put_foreign(benchmark_learning_t *l, MDB_txn *txn,
                                   const bl_uplink_practice_t *p,
                                   bl_err_t *err)
{
    char per[24], key[S_KEY_MAX];
    snprintf(per, sizeof per, "%" PRId64, p->period);
    const char *parts[] = {per, p->provider, p->indicator};
    size_t kl = bl_page_join(key, sizeof key, parts, 3);
    if (kl == 0) {
        return bl_err_set(err, BL_EPROTO, "practice key too long");
    }
    bl_mpw_t *w = &l->w;
    bl_mpw_reset(w);
    bl_mpw_array(w, 6);
    bl_mpw_strn(w, p->title, p->title_len);
    bl_mpw_strn(w, p->description, p->description_len);
    bl_mpw_strn(w, p->contact, p->contact_len);
    bl_mpw_str(w, "");
    bl_mpw_uint(w, 0);
    bl_mpw_bool(w, p->band4);
    if (w->err) {
        return bl_err_set(err, w->err, "cannot encode a practice");
    }
    return bl_store_put(txn, s_dbi(l, DB_PRACTICES), key, kl, bl_mpw_data(w),
                        bl_mpw_size(w), err);
}

typedef struct s_drop_ctx {
    const char *country;
    int64_t max_period;
} s_drop_ctx_t;

static bool s_drop_match(void *ctx, const char *const *parts, size_t n)
{
    const s_drop_ctx_t *c = ctx;
    char *end;
    long long period = n == 3 ? strtoll(parts[0], &end, 10) : 0;
    return n == 3 && *end == '\0' && period <= c->max_period &&
           strncmp(parts[1], c->country, 2) == 0 && parts[1][2] == '-';
}

int benchmark_learning_drop_foreign(benchmark_learning_t *l, MDB_txn *txn,
                                    const char *country, int64_t max_period,
                                    bl_err_t *err)
{
    s_drop_ctx_t c = {country, max_period};
    return bl_page_delete_where(txn, s_dbi(l, DB_PRACTICES), "", 0,
                                s_drop_match, &c, err);
}

MDB_dbi benchmark_learning_xpractices(const benchmark_learning_t *l)
{
    return s_dbi(l, DB_XPRACTICES);
}

/* International: period's xpractices rows, for each country present the
 * practices of the other countries' authors that may be shown. */
static int s_store_xpractices(benchmark_learning_t *l, MDB_txn *txn,
                              int64_t period, const bc_input_t *in,
                              bl_err_t *err)
{
    char p[24], prefix[32];
    snprintf(p, sizeof p, "%" PRId64, period);
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
    int rc = bl_page_delete(txn, s_dbi(l, DB_XPRACTICES), prefix, pl, err);
    benchmark_practices_t *ps = NULL;
    if (rc == 0) {
        rc = benchmark_learning_practices_load(l, txn, period, in, &ps, err);
    }
    for (size_t i = 0; rc == 0 && i < in->n_providers; i++) {
        /* Providers are sorted by id: each country once, at its first. */
        const char *cc = in->providers[i].country;
        if (i > 0 && strcmp(in->providers[i - 1].country, cc) == 0) {
            continue;
        }
        for (size_t j = 0; rc == 0 && j < ps->n; j++) {
            const s_practice_t *x = &ps->v[j];
            if (strcmp(x->country, cc) == 0) {
                continue;
            }
            char pp[24], order[BX_ORDER_DIGITS + 1];
            snprintf(pp, sizeof pp, "%" PRId64, x->period);
            snprintf(order, sizeof order, "%0*ld", BX_ORDER_DIGITS,
                     x->local);
            const char *parts[] = {p, cc, pp, x->indicator, order};
            char key[S_KEY_MAX];
            size_t kl = bl_page_join(key, sizeof key, parts, 5);
            bl_downlink_practice_t d;
            memset(&d, 0, sizeof d);
            d.share = x->share;
            snprintf(d.id, sizeof d.id, "%s", x->share ? x->id : "");
            snprintf(d.country, sizeof d.country, "%s", x->country);
            snprintf(d.service_type, sizeof d.service_type, "%s",
                     x->service_type);
            d.name = x->share ? x->name : "";
            d.name_len = (uint32_t)strlen(d.name);
            d.title = x->title;
            d.title_len = (uint32_t)strlen(x->title);
            d.description = x->description;
            d.description_len = (uint32_t)strlen(x->description);
            d.contact = x->share ? x->contact : "";
            d.contact_len = (uint32_t)strlen(d.contact);
            bl_mpw_t *w = &l->w;
            bl_mpw_reset(w);
            if (kl == 0 || bl_downlink_write_practice(w, &d) != 0) {
                rc = bl_err_set(err, BL_ENOMEM, "cannot encode a practice");
                break;
            }
            rc = bl_store_put(txn, s_dbi(l, DB_XPRACTICES), key, kl,
                              bl_mpw_data(w), bl_mpw_size(w), err);
        }
    }
    benchmark_learning_practices_free(&ps);
    return rc;
}

/* ---- the coordinator's summary ----------------------------------------- */

typedef struct s_sum_ctx {
    const bl_catalogue_t *cat;
    bl_results_summary_t *s;
    size_t cap;
    bl_err_t *err;
} s_sum_ctx_t;

static int s_count_action(void *ctx, const char *const *parts, size_t n,
                          const MDB_val *v)
{
    s_sum_ctx_t *c = ctx;
    s_action_t a;
    (void)parts;
    if (n != 3 || !s_action_decode(v, &a)) {
        return 0;
    }
    int k = bl_catalogue_find_indicator(c->cat, a.indicator);
    if (k < 0) {
        return 0;
    }
    bl_results_done_t *d = &c->s->done[k];
    d->actions++;
    d->done += strcmp(a.status, "done") == 0;
    return 0;
}

static int s_add_need(void *ctx, const char *const *parts, size_t n,
                      const MDB_val *v)
{
    s_sum_ctx_t *c = ctx;
    bl_results_summary_t *s = c->s;
    if (n != 4) {
        return 0;
    }
    if (s->n_needs == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        bl_results_need_t *g = realloc(s->needs, cap * sizeof *g);
        if (g == NULL) {
            return bl_err_set(c->err, BL_ENOMEM, "out of memory");
        }
        s->needs = g;
        c->cap = cap;
    }
    bl_results_need_t *d = &s->needs[s->n_needs];
    memset(d, 0, sizeof *d);
    snprintf(d->indicator, sizeof d->indicator, "%s", parts[1]);
    snprintf(d->principle, sizeof d->principle, "%s", parts[2]);
    snprintf(d->country, sizeof d->country, "%s", parts[3]);
    /* [in_need, band4, hosts|nil, event|nil] */
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t four, hl;
    const char *hosts = NULL;
    bool ok = bl_mpr_array(&r, &four) == 0 && four == 4 &&
              bl_mpr_uint(&r, &d->in_need) == 0 &&
              bl_mpr_uint(&r, &d->band4) == 0;
    if (ok && !bl_mpr_nil(&r)) {
        ok = bl_mpr_str(&r, &hosts, &hl) == 0;
    }
    if (ok && !bl_mpr_nil(&r)) {
        ok = bl_mpr_str_copy(&r, d->event, sizeof d->event) == 0;
    }
    if (!ok) {
        return bl_err_set(c->err, BL_ESTORE, "learning need %s/%s is corrupt",
                          parts[1], parts[3]);
    }
    s->n_needs++;
    if (hosts != NULL) {
        d->hosts = s_dup(hosts, hl);
        if (d->hosts == NULL) {
            return bl_err_set(c->err, BL_ENOMEM, "out of memory");
        }
    }
    return 0;
}

int benchmark_learning_summary(benchmark_learning_t *l, MDB_txn *txn,
                               int64_t period, const bl_catalogue_t *cat,
                               bl_results_summary_t *s, bl_err_t *err)
{
    size_t nk = cat->n_indicators;
    s->done = calloc(nk ? nk : 1, sizeof *s->done);
    if (s->done == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    s_sum_ctx_t c = {cat, s, 0, err};
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period - 1);
    int rc = bl_page_each(txn, s_dbi(l, DB_ACTIONS), prefix, pl,
                          s_count_action, &c, err);
    if (rc != 0) {
        return rc;
    }
    /* Keep the indicators with actions, in catalogue order. */
    for (size_t k = 0; k < nk; k++) {
        if (s->done[k].actions > 0) {
            bl_results_done_t *d = &s->done[s->n_done++];
            uint64_t actions = s->done[k].actions, done = s->done[k].done;
            snprintf(d->indicator, sizeof d->indicator, "%s",
                     cat->indicators[k].id);
            d->actions = actions;
            d->done = done;
        }
    }
    pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f", period);
    return bl_page_each(txn, s_dbi(l, DB_NEEDS), prefix, pl, s_add_need, &c,
                        err);
}

/* ---- requests ----------------------------------------------------------- */

bool benchmark_learning_answers(const char *cmd, const bl_msg_t *msg)
{
    if (strcmp(cmd, "learning_warnings") == 0) {
        return true;
    }
    char what[32];
    return strcmp(cmd, "export") == 0 &&
           bl_req_str(msg, "what", what, sizeof what) == 0 &&
           (strcmp(what, "actions") == 0 ||
            strcmp(what, "learning-needs") == 0);
}

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
    char last[S_KEY_MAX];    /* the key of the last row written */
    size_t last_len;
    bool more;
    bl_err_t *err;
} s_page_ctx_t;

static void s_write_state(bl_mpw_t *w, bool found, const s_state_t *st)
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
    s_action_t a;
    if (n != 3 || !s_action_decode(v, &a)) {
        return 0;
    }
    char key[S_KEY_MAX];
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
    s_state_t now, next;
    int rc = s_state_get(c->l, c->txn, c->period, parts[1], a.indicator,
                         &now, c->err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    bool has_now = rc == 0;
    bool has_next = false;
    memset(&next, 0, sizeof next);
    if (c->next_closed) {
        rc = s_state_get(c->l, c->txn, c->period + 1, parts[1], a.indicator,
                         &next, c->err);
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

static int s_export_actions(benchmark_learning_t *l, MDB_txn *txn,
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
    c.next_closed = s_closed(l, txn, period + 1);
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
    int rc = bl_page_each(txn, s_dbi(l, DB_ACTIONS), prefix, pl, s_action_row,
                          &c, err);
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
static int s_warnings(benchmark_learning_t *l, MDB_txn *txn,
                      const bl_msg_t *msg, bl_mpw_t *reply, bl_err_t *err)
{
    char sub[S_ID_MAX];
    if (bl_req_str(msg, "sub", sub, sizeof sub) != 0) {
        bl_reply_error(reply, "learning_warnings without a submission id");
        return 0;
    }
    char prefix[S_ID_MAX + 2];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", sub);
    s_warn_ctx_t c;
    memset(&c, 0, sizeof c);
    bl_mpw_init(&c.rows);
    int rc = bl_page_each(txn, s_dbi(l, DB_WARN), prefix, pl, s_warn_row, &c,
                          err);
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

int benchmark_learning_request(benchmark_learning_t *l, MDB_txn *txn,
                               const char *cmd, const bl_msg_t *msg,
                               bl_mpw_t *reply, bl_err_t *err)
{
    if (strcmp(cmd, "learning_warnings") == 0) {
        return s_warnings(l, txn, msg, reply, err);
    }
    char what[32] = "";
    bl_req_str(msg, "what", what, sizeof what);
    if (strcmp(what, "actions") == 0) {
        return s_export_actions(l, txn, msg, reply, err);
    }
    return bl_page_request(txn, s_dbi(l, DB_NEEDS), msg, reply, err);
}
