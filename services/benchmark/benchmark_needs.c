/*
 * benchmark_needs: the learning needs of SPEC 10 on the benchmarking
 * stage — at each close, per indicator and country, the providers in need
 * (the indicator among their areas), those in band 4 and the ones that
 * may host, and the learning event it calls for (the lneeds rows the
 * `learning-needs` export pages); and the learning part of the
 * coordinator's summary (the share of actions done, and the needs).  Not
 * the actions themselves (benchmark_actions.c).
 */
#include "benchmark_learning_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_page.h"

/* ---- at a close --------------------------------------------------------- */

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

int benchmark_needs_store(benchmark_learning_t *l, MDB_txn *txn,
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
            cs[c].positions += (f & LEARNING_POSITION) != 0;
            cs[c].in_need += (f & LEARNING_AREA) != 0;
            if (f & LEARNING_BAND4) {
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
            char key[LEARNING_KEY_MAX];
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
            rc = bl_store_put(txn,
                              benchmark_learning_dbi(l, LEARNING_DB_NEEDS),
                              key, kl, bl_mpw_data(w), bl_mpw_size(w), err);
        }
    }
    for (size_t c = 0; c < cap; c++) {
        free(cs[c].hosts);
    }
    free(cs);
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
    benchmark_action_t a;
    (void)parts;
    if (n != 3 || !benchmark_actions_decode(v, &a)) {
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
        d->hosts = benchmark_learning_dup(hosts, hl);
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
    int rc = bl_page_each(txn, benchmark_learning_dbi(l, LEARNING_DB_ACTIONS),
                          prefix, pl, s_count_action, &c, err);
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
    return bl_page_each(txn, benchmark_learning_dbi(l, LEARNING_DB_NEEDS),
                        prefix, pl, s_add_need, &c, err);
}

