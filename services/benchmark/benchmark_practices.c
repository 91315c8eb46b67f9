/*
 * benchmark_practices: the practices of SPEC 10 on the benchmarking stage
 * — this node's own, as the learning message brings them, and on the
 * international node those the national nodes sent up; which of them may
 * be shown (the author in band 4 of the indicator in the practice's
 * period), loaded once per computation and picked per reader and area in
 * SPEC 10's order; what goes up the link and what comes down it (the
 * xpractices rows).  Not the link itself (benchmark_uplink.c,
 * benchmark_door.c).
 */
#include "benchmark_learning_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark_external.h"
#include "bl_downlink_codec.h"
#include "bl_page.h"

/* ---- the stored rows ---------------------------------------------------- */

/* A stored practice: [title, description, contact, sub, line] or, from a
 * national node, [title, description, contact, "", 0, band4 at home]. */
typedef struct s_stored {
    const char *title, *description, *contact;
    uint32_t title_len, description_len, contact_len;
    const char *sub;         /* written, not read back: the submission */
    uint64_t line;           /* written, not read back: its line */
    bool foreign;            /* written, not read back: home_band4 follows */
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

/* Stores s as the practice of provider on indicator in period, replacing
 * the one stored there. */
static int s_put(benchmark_learning_t *l, MDB_txn *txn, int64_t period,
                 const char *provider, const char *indicator,
                 const s_stored_t *s, bl_err_t *err)
{
    char per[24], key[LEARNING_KEY_MAX];
    snprintf(per, sizeof per, "%" PRId64, period);
    const char *parts[] = {per, provider, indicator};
    size_t kl = bl_page_join(key, sizeof key, parts, 3);
    if (kl == 0) {
        return bl_err_set(err, BL_EPROTO, "practice key too long");
    }
    bl_mpw_t *w = &l->w;
    bl_mpw_reset(w);
    bl_mpw_array(w, s->foreign ? 6 : 5);
    bl_mpw_strn(w, s->title, s->title_len);
    bl_mpw_strn(w, s->description, s->description_len);
    bl_mpw_strn(w, s->contact, s->contact_len);
    bl_mpw_str(w, s->sub);
    bl_mpw_uint(w, s->line);
    if (s->foreign) {
        bl_mpw_bool(w, s->home_band4);
    }
    if (w->err) {
        return bl_err_set(err, w->err, "cannot encode a practice");
    }
    return bl_store_put(txn, benchmark_learning_dbi(l, LEARNING_DB_PRACTICES),
                        key, kl, bl_mpw_data(w), bl_mpw_size(w), err);
}

int benchmark_practices_put(benchmark_learning_t *l, MDB_txn *txn,
                            const bl_learning_practice_t *pr, bl_err_t *err)
{
    s_stored_t s = {
        .title = pr->title.s,
        .title_len = (uint32_t)pr->title.len,
        .description = pr->description.s,
        .description_len = (uint32_t)pr->description.len,
        .contact = pr->contact.s,
        .contact_len = (uint32_t)pr->contact.len,
        .sub = pr->sub,
        .line = pr->line,
    };
    return s_put(l, txn, pr->period, pr->provider, pr->indicator, &s, err);
}

int benchmark_learning_put_foreign(benchmark_learning_t *l, MDB_txn *txn,
                                   const bl_uplink_practice_t *p,
                                   bl_err_t *err)
{
    s_stored_t s = {
        .title = p->title,
        .title_len = p->title_len,
        .description = p->description,
        .description_len = p->description_len,
        .contact = p->contact,
        .contact_len = p->contact_len,
        .sub = "",
        .line = 0,
        .foreign = true,
        .home_band4 = p->band4,
    };
    return s_put(l, txn, p->period, p->provider, p->indicator, &s, err);
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
    return bl_page_delete_where(
        txn, benchmark_learning_dbi(l, LEARNING_DB_PRACTICES), "", 0,
        s_drop_match, &c, err);
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
    char id[LEARNING_ID_MAX];  /* "" for a foreign author that hides it */
    char country[3];
    char service_type[LEARNING_ID_MAX];
    char indicator[LEARNING_ID_MAX];
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
    const bc_input_t *in = c->ps->in;
    long author = bc_find_provider(in->providers, in->n_providers, parts[1]);
    if (author < 0) {
        return 0;
    }
    s_stored_t s;
    if (!s_stored_decode(v, &s)) {
        return bl_err_set(c->err, BL_ESTORE, "practice %s/%s/%s is corrupt",
                          parts[0], parts[1], parts[2]);
    }
    benchmark_lstate_t st;
    int rc = benchmark_learning_state_get(c->l, c->txn, period, parts[1],
                                          parts[2], &st, c->err);
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
    const bc_provider_t *a = &in->providers[author];
    x->period = period;
    x->local = author;
    x->share = a->share_identity;
    snprintf(x->id, sizeof x->id, "%s", a->id);
    snprintf(x->country, sizeof x->country, "%s", a->country);
    snprintf(x->service_type, sizeof x->service_type, "%s",
             a->service_type);
    snprintf(x->indicator, sizeof x->indicator, "%s", parts[2]);
    x->name = benchmark_learning_dup(a->name, (uint32_t)strlen(a->name));
    x->title = benchmark_learning_dup(s.title, s.title_len);
    x->description = benchmark_learning_dup(s.description, s.description_len);
    x->contact = benchmark_learning_dup(s.contact, s.contact_len);
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
        strlen(parts[2]) >= LEARNING_ID_MAX) {
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
    x->name = benchmark_learning_dup(x->share ? p.name : "",
                                     x->share ? p.name_len : 0);
    x->title = benchmark_learning_dup(p.title, p.title_len);
    x->description = benchmark_learning_dup(p.description, p.description_len);
    x->contact = benchmark_learning_dup(x->share ? p.contact : "",
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
    int rc = bl_page_each(txn,
                          benchmark_learning_dbi(l, LEARNING_DB_PRACTICES),
                          "", 0, s_load_practice, &c, err);
    if (rc == 0 && in->cfg->role != BL_ROLE_INTERNATIONAL) {
        char prefix[32];
        size_t pl = (size_t)snprintf(prefix, sizeof prefix,
                                     "%" PRId64 "\x1f", period);
        rc = bl_page_each(txn,
                          benchmark_learning_dbi(l, LEARNING_DB_XPRACTICES),
                          prefix, pl, s_load_foreign, &c, err);
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
    benchmark_lstate_t st;
    int rc = benchmark_learning_state_get(c->l, c->txn, period, parts[1],
                                          parts[2], &st, c->err);
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
    return bl_page_each(txn, benchmark_learning_dbi(l, LEARNING_DB_PRACTICES),
                        "", 0, s_each_one, &c, err);
}

MDB_dbi benchmark_learning_xpractices(const benchmark_learning_t *l)
{
    return benchmark_learning_dbi(l, LEARNING_DB_XPRACTICES);
}

/* International: period's xpractices rows, for each country present the
 * practices of the other countries' authors that may be shown. */
int benchmark_practices_store_x(benchmark_learning_t *l, MDB_txn *txn,
                                int64_t period, const bc_input_t *in,
                                bl_err_t *err)
{
    char p[24], prefix[32];
    snprintf(p, sizeof p, "%" PRId64, period);
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
    int rc = bl_page_delete(txn,
                            benchmark_learning_dbi(l, LEARNING_DB_XPRACTICES),
                            prefix, pl, err);
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
            char key[LEARNING_KEY_MAX];
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
            rc = bl_store_put(
                txn, benchmark_learning_dbi(l, LEARNING_DB_XPRACTICES), key,
                kl, bl_mpw_data(w), bl_mpw_size(w), err);
        }
    }
    benchmark_learning_practices_free(&ps);
    return rc;
}
