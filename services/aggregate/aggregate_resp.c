/*
 * aggregate_resp: survey answers kept a run at a time, read back
 * latest-wins (see aggregate_resp.h).
 */
#include "aggregate_resp.h"

#include <stdlib.h>
#include <string.h>

#include "bl_number.h"
#include "bl_page.h"
#include "bl_store.h"
#include "bl_str.h"
#include "bl_vec.h"

/* ---- writing ------------------------------------------------------------ */

void agg_resp_run_init(agg_resp_run_t *r)
{
    memset(r, 0, sizeof *r);
    bl_mpw_init(&r->body);
    bl_mpw_init(&r->val);
}

void agg_resp_run_free(agg_resp_run_t *r)
{
    bl_mpw_destroy(&r->body);
    bl_mpw_destroy(&r->val);
    memset(r, 0, sizeof *r);
}

void agg_resp_run_reset(agg_resp_run_t *r)
{
    r->open = false;
    bl_mpw_reset(&r->body);
}

int agg_resp_flush(agg_resp_run_t *r, bl_cursors_t *cur, MDB_dbi dbi,
                   bl_err_t *err)
{
    if (!r->open) {
        return 0;
    }
    r->open = false;
    char p[BL_NUMBER_INT_MAX], tail[BL_STORE_KEY_MAX], key[BL_STORE_KEY_MAX];
    bl_number_int(p, r->period);
    size_t sl = strlen(r->sub), fl = strlen(r->first);
    if (2 + sl + fl > sizeof tail) {
        return bl_err_set(err, BL_EDATA, "provider %s: the key of its "
                          "answers is too long", r->provider);
    }
    tail[0] = '\x01';
    memcpy(tail + 1, r->sub, sl);
    tail[1 + sl] = '\x1f';
    memcpy(tail + 2 + sl, r->first, fl + 1);
    const char *parts[] = {p, r->provider, r->survey, tail};
    size_t kl = bl_page_join(key, sizeof key, parts, 4);
    if (kl == 0) {
        return bl_err_set(err, BL_EDATA, "provider %s: the key of its "
                          "answers is too long", r->provider);
    }
    bl_mpw_reset(&r->val);
    bl_mpw_array(&r->val, r->n);
    bl_mpw_raw(&r->val, bl_mpw_data(&r->body), bl_mpw_size(&r->body));
    bl_mpw_reset(&r->body);
    if (r->val.err || r->body.err) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    return bl_cursors_put(cur, dbi, key, kl, bl_mpw_data(&r->val),
                          bl_mpw_size(&r->val), 0, NULL, err);
}

int agg_resp_add(agg_resp_run_t *r, bl_cursors_t *cur, MDB_dbi dbi,
                 const char *sub, const bl_record_survey_t *x, bl_err_t *err)
{
    if (r->open &&
        (r->period != x->period || r->n == AGG_RESP_RUN_MAX ||
         strcmp(r->provider, x->provider) != 0 ||
         strcmp(r->survey, x->survey) != 0)) {
        int rc = agg_resp_flush(r, cur, dbi, err);
        if (rc != 0) {
            return rc;
        }
    }
    if (!r->open) {
        if (!bl_str_copy_whole(r->sub, sizeof r->sub, sub) ||
            !bl_str_copy_whole(r->provider, sizeof r->provider,
                               x->provider) ||
            !bl_str_copy_whole(r->survey, sizeof r->survey, x->survey) ||
            !bl_str_copy_whole(r->first, sizeof r->first, x->respondent)) {
            return bl_err_set(err, BL_EDATA, "provider %s: an id is too "
                              "long to keep", x->provider);
        }
        r->period = x->period;
        r->n = 0;
        r->open = true;
    }
    bl_mpw_array(&r->body, 3);
    bl_mpw_str(&r->body, x->respondent);
    bl_mpw_str(&r->body, x->unit);
    bl_mpw_raw(&r->body, x->answers_raw, x->answers_len);
    r->n++;
    return r->body.err ? bl_err_set(err, BL_ENOMEM, "out of memory") : 0;
}

/* ---- reading ------------------------------------------------------------ */

/* One respondent of a mixed group, with the submission it came in. */
typedef struct agg_resp_item {
    const char *resp, *sub;
    uint32_t resp_len;
    size_t sub_len;
    agg_resp_answers_t ans;
} agg_resp_item_t;

void agg_resp_group_init(agg_resp_group_t *g)
{
    memset(g, 0, sizeof *g);
}

void agg_resp_group_clear(agg_resp_group_t *g)
{
    g->n = 0;
    g->n_text = 0;
    g->mixed = false;
}

void agg_resp_group_free(agg_resp_group_t *g)
{
    free(g->e);
    free(g->text);
    free(g->items);
    memset(g, 0, sizeof *g);
}

int agg_resp_group_add(agg_resp_group_t *g, const char *tail, size_t tl,
                       const MDB_val *v, bl_err_t *err)
{
    if (BL_GROW(g->e, g->cap, g->n + 1) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    agg_resp_entry_t *e = &g->e[g->n];
    memset(e, 0, sizeof *e);
    e->v = *v;
    e->run = tl > 0 && tail[0] == '\x01';
    int rc;
    if (e->run) {
        const char *end = memchr(tail + 1, '\x1f', tl - 1);
        e->sub_len = end ? (size_t)(end - tail - 1) : tl - 1;
        rc = bl_vec_append(&g->text, &g->cap_text, &g->n_text, tail + 1,
                           e->sub_len, &e->sub_at);
    } else {
        e->resp_len = tl;
        rc = bl_vec_append(&g->text, &g->cap_text, &g->n_text, tail, tl,
                           &e->resp_at);
    }
    if (rc != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    if (g->n > 0) {
        const agg_resp_entry_t *f = &g->e[0];
        g->mixed |= f->run != e->run ||
                    (e->run && (f->sub_len != e->sub_len ||
                                memcmp(g->text + f->sub_at,
                                       g->text + e->sub_at,
                                       e->sub_len) != 0));
    }
    g->n++;
    return 0;
}

/* Reads one respondent of a run entry: [respondent, unit, answers]. */
static int s_read_run_item(bl_mpr_t *r, const char **resp,
                           uint32_t *resp_len, agg_resp_answers_t *a)
{
    uint32_t three;
    const uint8_t *start;
    if (bl_mpr_array(r, &three) != 0 || three != 3 ||
        bl_mpr_str(r, resp, resp_len) != 0 ||
        bl_mpr_str(r, &a->unit, &a->ul) != 0) {
        return BL_EPROTO;
    }
    start = r->p;
    if (bl_mpr_skip(r) != 0) {
        return BL_EPROTO;
    }
    a->answers = start;
    a->answers_len = (size_t)(r->p - start);
    return 0;
}

/* Reads an earlier release's entry: [unit, answers]. */
static int s_read_old(const MDB_val *v, agg_resp_answers_t *a)
{
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t two;
    if (bl_mpr_array(&r, &two) != 0 || two != 2 ||
        bl_mpr_str(&r, &a->unit, &a->ul) != 0) {
        return BL_EPROTO;
    }
    a->answers = r.p;
    a->answers_len = (size_t)(r.end - r.p);
    return 0;
}

/* Submission a (al bytes) against b, in the order they were made: a
 * node's ids grow, so a longer id is later, then byte order; "" (an
 * earlier release's entry) is the oldest.  <0, 0 or >0. */
static int s_sub_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    if (al != bl) {
        return al < bl ? -1 : 1;
    }
    return memcmp(a, b, al);
}

static int s_cmp_item(const void *x, const void *y)
{
    const agg_resp_item_t *a = x, *b = y;
    size_t l = a->resp_len < b->resp_len ? a->resp_len : b->resp_len;
    int c = memcmp(a->resp, b->resp, l);
    if (c != 0) {
        return c;
    }
    if (a->resp_len != b->resp_len) {
        return a->resp_len < b->resp_len ? -1 : 1;
    }
    return s_sub_cmp(a->sub, a->sub_len, b->sub, b->sub_len);
}

/* Calls visit for every respondent of every entry of g, with the
 * submission it came in ("" for an earlier release's entry); stops at the
 * first that returns non-zero and returns it.  A malformed entry is
 * passed over from where it cannot be read. */
static int s_walk_items(agg_resp_group_t *g,
                        int (*visit)(void *ctx, agg_resp_group_t *g,
                                     const agg_resp_item_t *it),
                        void *ctx)
{
    for (size_t i = 0; i < g->n; i++) {
        const agg_resp_entry_t *e = &g->e[i];
        agg_resp_item_t it;
        if (!e->run) {
            if (s_read_old(&e->v, &it.ans) != 0) {
                continue;
            }
            it.resp = g->text + e->resp_at;
            it.resp_len = (uint32_t)e->resp_len;
            it.sub = "";
            it.sub_len = 0;
            int rc = visit(ctx, g, &it);
            if (rc != 0) {
                return rc;
            }
            continue;
        }
        bl_mpr_t r;
        bl_mpr_init(&r, e->v.mv_data, e->v.mv_size);
        uint32_t m;
        if (bl_mpr_array(&r, &m) != 0) {
            continue;
        }
        for (uint32_t j = 0; j < m; j++) {
            if (s_read_run_item(&r, &it.resp, &it.resp_len, &it.ans) != 0) {
                break;
            }
            it.sub = g->text + e->sub_at;
            it.sub_len = e->sub_len;
            int rc = visit(ctx, g, &it);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

/* A group of one submission (or of an earlier release alone): each
 * respondent comes once, straight to fn. */
typedef struct s_plain {
    agg_resp_fn fn;
    void *ctx;
    uint64_t count;
} s_plain_t;

static int s_visit_plain(void *ctx, agg_resp_group_t *g,
                         const agg_resp_item_t *it)
{
    (void)g;
    s_plain_t *p = ctx;
    p->fn(p->ctx, &it->ans);
    p->count++;
    return 0;
}

/* A mixed group: every respondent kept in g->items, to be sorted. */
static int s_visit_keep(void *ctx, agg_resp_group_t *g,
                        const agg_resp_item_t *it)
{
    size_t *n = ctx;
    if (BL_GROW(g->items, g->cap_items, *n + 1) != 0) {
        return BL_ENOMEM;
    }
    g->items[(*n)++] = *it;
    return 0;
}

int agg_resp_group_each(agg_resp_group_t *g, agg_resp_fn fn, void *ctx,
                        uint64_t *count, bl_err_t *err)
{
    if (!g->mixed) {
        s_plain_t p = {fn, ctx, 0};
        (void)s_walk_items(g, s_visit_plain, &p);
        if (count != NULL) {
            *count = p.count;
        }
        return 0;
    }
    /* More than one submission: every respondent with its submission,
     * sorted, the latest of each passed on. */
    size_t n = 0;
    if (s_walk_items(g, s_visit_keep, &n) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    qsort(g->items, n, sizeof *g->items, s_cmp_item);
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        const agg_resp_item_t *it = &g->items[i];
        const agg_resp_item_t *next = i + 1 < n ? &g->items[i + 1] : NULL;
        if (next != NULL && next->resp_len == it->resp_len &&
            memcmp(next->resp, it->resp, it->resp_len) == 0) {
            continue;   /* a later submission has this respondent */
        }
        fn(ctx, &it->ans);
        c++;
    }
    if (count != NULL) {
        *count = c;
    }
    return 0;
}

/* ---- counting ----------------------------------------------------------- */

static void s_count_none(void *ctx, const agg_resp_answers_t *ans)
{
    (void)ctx;
    (void)ans;
}

/* The respondents of group g, each once: from one submission, the runs'
 * counts as their headers say (no respondent is read); from several,
 * every respondent read and the latest of each counted. */
static int s_group_count(agg_resp_group_t *g, uint64_t *count, bl_err_t *err)
{
    if (g->mixed) {
        return agg_resp_group_each(g, s_count_none, NULL, count, err);
    }
    *count = 0;
    for (size_t i = 0; i < g->n; i++) {
        const agg_resp_entry_t *e = &g->e[i];
        uint32_t m = 1;
        if (e->run) {
            bl_mpr_t r;
            bl_mpr_init(&r, e->v.mv_data, e->v.mv_size);
            if (bl_mpr_array(&r, &m) != 0) {
                continue;
            }
        }
        *count += m;
    }
    return 0;
}

/* Where the key's fourth part starts (after three \x1f), or NULL. */
static const char *s_tail(const MDB_val *k)
{
    const char *p = k->mv_data, *end = p + k->mv_size;
    for (int i = 0; i < 3; i++) {
        p = memchr(p, '\x1f', (size_t)(end - p));
        if (p == NULL) {
            return NULL;
        }
        p++;
    }
    return p;
}

int agg_resp_count(MDB_txn *txn, MDB_dbi dbi, uint64_t *count, bl_err_t *err)
{
    *count = 0;
    MDB_cursor *cur;
    int rc = bl_store_cursor(txn, dbi, &cur, err);
    if (rc != 0) {
        return rc;
    }
    agg_resp_group_t g;
    agg_resp_group_init(&g);
    char head[BL_STORE_KEY_MAX];   /* the group's period, provider, survey */
    size_t hl = 0;
    MDB_val k, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    for (;;) {
        const char *tail = mrc == 0 ? s_tail(&k) : NULL;
        if (mrc == 0 && tail == NULL) {
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            continue;   /* not a key of answers */
        }
        size_t th = tail ? (size_t)(tail - (const char *)k.mv_data) : 0;
        if (g.n > 0 && (mrc != 0 || th != hl ||
                        memcmp(head, k.mv_data, hl) != 0)) {
            uint64_t c = 0;
            rc = s_group_count(&g, &c, err);
            if (rc != 0) {
                break;
            }
            *count += c;
            agg_resp_group_clear(&g);
        }
        if (mrc != 0) {
            break;
        }
        if (g.n == 0) {
            hl = th;
            memcpy(head, k.mv_data, hl);
        }
        rc = agg_resp_group_add(&g, tail, k.mv_size - th, &v, err);
        if (rc != 0) {
            break;
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    agg_resp_group_free(&g);
    if (rc == 0 && mrc != MDB_NOTFOUND) {
        rc = bl_store_fail(err, mrc, "mdb_cursor_get");
    }
    return rc;
}
