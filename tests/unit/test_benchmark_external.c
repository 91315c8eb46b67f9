/*
 * Tests of the international node's band-4 rows (benchmark_external.h):
 * a close writes each row once (benchmark_external_band4), and the door's
 * page of them (benchmark_external_band4_page) gives each country the rows
 * national nodes have always been sent — key period, country, indicator,
 * group, key, order; the id blanked unless the provider shares its
 * identity or is of that country — page after page with a small limit,
 * every row exactly once.  Also: a close replaces rows of the old layout
 * (one copy per country), other periods stay out of a page, and a
 * malformed stored row fails the page.
 *
 * Each test opens its own store in a private mkdtemp directory that .fini
 * removes.  Every test has the same .timeout (Criterion 2.4.1 leaks when
 * one binary mixes timeouts).
 */
#include "benchmark_external.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_bundle.h"
#include "bl_page.h"
#include "bl_scan.h"
#include "bl_store.h"
#include "bl_test_node.h"

#define S_PERIOD 2025
#define S_N_PROV 6
#define S_ROWS_MAX 64
#define S_LIMIT 5

static char s_dir[64];
static bl_store_t *s_store;
static const char *const s_names[] = {"cband4"};

/* ---- a close of six providers of three countries, all in band 4 ------- */

typedef struct s_close {
    bl_catalogue_t cat;
    bl_indicator_t ind[2];
    bl_config_t cfg;
    bl_peer_group_t grp[2];
    char *type_attr[1];
    bc_provider_t prov[S_N_PROV];
    double values[S_N_PROV * 2];
    bc_input_t in;
    bc_output_t out;
} s_close_t;

/* id, shares identity; sorted by id, service types a b a b a b. */
static const struct {
    const char *id;
    bool share;
} s_providers[S_N_PROV] = {{"EE-1", true},  {"EE-2", false},
                           {"NO-1", false}, {"NO-2", true},
                           {"PT-1", false}, {"PT-2", false}};

static void s_close_indicator(s_close_t *c, char *id)
{
    bl_indicator_t *ind = &c->ind[c->cat.n_indicators++];
    memset(ind, 0, sizeof *ind);
    ind->id = id;
    ind->direction = BL_DIR_HIGHER;
    ind->ref_kind = BL_REF_NONE;
    ind->survey = -1;
}

/* Equal values everywhere: every position is in band 4, in two groups
 * (all; by service type, keys a and b). */
static s_close_t *s_close_new(void)
{
    s_close_t *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    c->cat.indicators = c->ind;
    s_close_indicator(c, "X");
    s_close_indicator(c, "Y");
    c->cfg.catalogue = &c->cat;
    c->cfg.groups = c->grp;
    c->cfg.min_peers = 3;
    c->type_attr[0] = "service_type";
    c->grp[0] = (bl_peer_group_t){"all", 0, NULL};
    c->grp[1] = (bl_peer_group_t){"type", 1, c->type_attr};
    c->cfg.n_groups = 2;
    for (size_t i = 0; i < S_N_PROV; i++) {
        bc_provider_t *p = &c->prov[i];
        snprintf(p->id, sizeof p->id, "%s", s_providers[i].id);
        snprintf(p->name, sizeof p->name, "Provider %s",
                 s_providers[i].id);
        snprintf(p->country, sizeof p->country, "%.2s", s_providers[i].id);
        snprintf(p->service_type, sizeof p->service_type, "%s",
                 i % 2 ? "b" : "a");
        snprintf(p->membership, sizeof p->membership, "assurance");
        p->users = 100 + (long long)i;
        p->share_identity = s_providers[i].share;
        c->values[i * 2] = c->values[i * 2 + 1] = 7.0;
    }
    c->in.cfg = &c->cfg;
    c->in.period = S_PERIOD;
    c->in.n_providers = S_N_PROV;
    c->in.providers = c->prov;
    c->in.values = c->values;
    bl_err_t err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(bc_compute(&c->in, &c->out, &err), 0, "%s", err.msg);
    return c;
}

static void s_close_free(s_close_t *c)
{
    bc_output_free(&c->out);
    free(c);
}

/* ---- the rows as national nodes were always sent them ----------------- */

/* One row of a country's page: its key and its value's bytes. */
typedef struct s_row {
    char key[BL_PAGE_KEY_MAX + 1];
    uint8_t value[1024];
    size_t value_len;
} s_row_t;

static int s_cmp_rows(const void *a, const void *b)
{
    return strcmp(((const s_row_t *)a)->key, ((const s_row_t *)b)->key);
}

/* The rows of country's view as the close wrote them once per country
 * (the layout before cband4 was written once), sorted by key. */
static size_t s_expected(const s_close_t *c, const char *country,
                         s_row_t *rows)
{
    size_t n = 0;
    bl_mpw_t w;
    bl_mpw_init(&w);
    for (size_t x = 0; x < c->out.n_positions; x++) {
        bc_position_t q;
        bc_position(&c->in, &c->out, x, &q);
        cr_assert_eq(q.band, 4);
        const bc_provider_t *pv = &c->prov[q.provider];
        bool known = pv->share_identity || strcmp(pv->country, country) == 0;
        s_row_t *r = &rows[n++];
        cr_assert_leq(n, S_ROWS_MAX);
        snprintf(r->key, sizeof r->key, "%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%010u",
                 S_PERIOD, country, c->ind[q.indicator].id,
                 c->grp[q.group].id, c->out.stats[q.stat].group_key,
                 (unsigned)q.provider);
        bl_mpw_reset(&w);
        bl_mpw_array(&w, 7);
        bl_mpw_str(&w, known ? pv->id : "");
        bl_mpw_str(&w, pv->share_identity ? pv->name : "");
        bl_mpw_str(&w, pv->country);
        bl_mpw_str(&w, pv->service_type);
        bl_mpw_int(&w, pv->users);
        bl_mpw_bool(&w, pv->share_identity);
        bl_mpw_uint(&w, q.provider);
        cr_assert_eq(w.err, 0);
        cr_assert_leq(bl_mpw_size(&w), sizeof r->value);
        memcpy(r->value, bl_mpw_data(&w), bl_mpw_size(&w));
        r->value_len = bl_mpw_size(&w);
    }
    bl_mpw_destroy(&w);
    qsort(rows, n, sizeof *rows, s_cmp_rows);
    return n;
}

/* ---- the door's pages -------------------------------------------------- */

/* Reads one reply row [part..., value] into row (parts joined by \x1f). */
static void s_read_row(bl_mpr_t *r, s_row_t *row)
{
    uint32_t n;
    cr_assert_eq(bl_mpr_array(r, &n), 0);
    cr_assert_eq(n, 7, "a row of %u fields", n);
    size_t len = 0;
    for (uint32_t i = 0; i + 1 < n; i++) {
        const char *s;
        uint32_t sl;
        cr_assert_eq(bl_mpr_str(r, &s, &sl), 0);
        cr_assert_lt(len + sl + 1, sizeof row->key);
        if (i > 0) {
            row->key[len++] = '\x1f';
        }
        memcpy(row->key + len, s, sl);
        len += sl;
    }
    row->key[len] = '\0';
    const uint8_t *v;
    cr_assert_eq(bl_mpr_raw(r, &v, &row->value_len), 0);
    cr_assert_leq(row->value_len, sizeof row->value);
    memcpy(row->value, v, row->value_len);
}

/* Asks for one page of country's rows after `after` (may be NULL);
 * appends its rows to rows[*n] and copies `next` into next ("" for nil). */
static int s_page(const char *country, const char *after, size_t limit,
                  s_row_t *rows, size_t *n, char *next, bl_err_t *err)
{
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, err), 0, "%s", err->msg);
    bl_mpw_t reply;
    bl_mpw_init(&reply);
    int rc = benchmark_external_band4_page(
        txn, bl_store_dbi(s_store, 0), S_PERIOD, country, after,
        after ? strlen(after) : 0, limit, &reply, err);
    mdb_txn_abort(txn);
    if (rc != 0) {
        bl_mpw_destroy(&reply);
        return rc;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, bl_mpw_data(&reply), bl_mpw_size(&reply));
    uint32_t fields;
    cr_assert_eq(bl_mpr_map(&r, &fields), 0);
    cr_assert_eq(fields, 3);
    for (uint32_t f = 0; f < fields; f++) {
        const char *name;
        uint32_t nl;
        cr_assert_eq(bl_mpr_str(&r, &name, &nl), 0);
        if (bl_mp_str_eq(name, nl, "ok")) {
            bool ok;
            cr_assert_eq(bl_mpr_bool(&r, &ok), 0);
            cr_assert(ok);
        } else if (bl_mp_str_eq(name, nl, "rows")) {
            uint32_t nr;
            cr_assert_eq(bl_mpr_array(&r, &nr), 0);
            cr_assert_leq(nr, limit);
            for (uint32_t i = 0; i < nr; i++) {
                cr_assert_lt(*n, S_ROWS_MAX);
                s_read_row(&r, &rows[(*n)++]);
            }
        } else {
            cr_assert(bl_mp_str_eq(name, nl, "next"));
            next[0] = '\0';
            if (!bl_mpr_nil(&r)) {
                cr_assert_eq(bl_mpr_str_copy(&r, next, BL_PAGE_KEY_MAX + 1),
                             0);
            }
        }
    }
    cr_assert(bl_mpr_done(&r));
    bl_mpw_destroy(&reply);
    return 0;
}

/* All of country's rows, page after page as a national node asks for
 * them (each `after` the `next` before); returns the count. */
static size_t s_all_pages(const char *country, size_t limit, s_row_t *rows)
{
    size_t n = 0, pages = 0;
    char next[BL_PAGE_KEY_MAX + 1] = "";
    bl_err_t err;
    do {
        char after[BL_PAGE_KEY_MAX + 1];
        snprintf(after, sizeof after, "%s", next);
        cr_assert_eq(s_page(country, pages ? after : NULL, limit, rows, &n,
                            next, &err),
                     0, "%s", err.msg);
        cr_assert_lt(++pages, 100);
        if (next[0] != '\0') {
            cr_assert_str_eq(next, rows[n - 1].key, "next is the last key");
        }
    } while (next[0] != '\0');
    return n;
}

/* ---- the store --------------------------------------------------------- */

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/bl_band4_test_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir), "mkdtemp: %s", strerror(errno));
    bl_err_t err;
    cr_assert_eq(bl_store_open(&s_store, s_dir, s_names, 1, 0, &err), 0,
                 "%s", err.msg);
}

static void s_teardown(void)
{
    bl_store_close(&s_store);
    bl_test_rm_tree(s_dir);
}

static int s_put(MDB_txn *txn, const char *key, bl_err_t *err)
{
    return bl_store_put(txn, bl_store_dbi(s_store, 0), key, strlen(key),
                        "\x90", 1, err);
}

/* A row of the old layout for this period and one of another period,
 * then the close's rows. */
static int s_write_close(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    const s_close_t *c = ctx;
    int rc = s_put(txn, "2025\x1fNO\x1fX\x1f" "all\x1f\x1f" "0000000009",
                   err);
    if (rc == 0) {
        rc = s_put(txn, "2026\x1fX\x1f" "all\x1f\x1f" "0000000000", err);
    }
    if (rc == 0) {
        rc = benchmark_external_band4(txn, bl_store_dbi(s_store, 0), S_PERIOD,
                                      &c->in, &c->out, err);
    }
    return rc;
}

static s_close_t *s_closed(void)
{
    s_close_t *c = s_close_new();
    bl_err_t err;
    cr_assert_eq(bl_store_write(s_store, s_write_close, c, &err), 0, "%s",
                 err.msg);
    return c;
}

/* The number of keys under prefix. */
static int s_count_row(void *ctx, const char *const *parts, size_t n,
                       const MDB_val *v)
{
    (void)parts;
    (void)n;
    (void)v;
    (*(size_t *)ctx)++;
    return 0;
}

/* The rows stored under prefix, bundled (one value per group instance)
 * or not. */
static size_t s_count(const char *prefix)
{
    MDB_txn *txn;
    bl_err_t err;
    cr_assert_eq(bl_store_read(s_store, &txn, &err), 0, "%s", err.msg);
    size_t n = 0;
    cr_assert_eq(bl_bundle_each(txn, bl_store_dbi(s_store, 0), prefix,
                                strlen(prefix), s_count_row, &n, &err),
                 0, "%s", err.msg);
    mdb_txn_abort(txn);
    return n;
}

/* The id in a row's value. */
static void s_row_id(const s_row_t *row, char *id, size_t size)
{
    bl_mpr_t r;
    bl_mpr_init(&r, row->value, row->value_len);
    uint32_t n;
    cr_assert_eq(bl_mpr_array(&r, &n), 0);
    cr_assert_eq(bl_mpr_str_copy(&r, id, size), 0);
}

/* ---- tests ------------------------------------------------------------- */

TestSuite(benchmark_external, .init = s_setup, .fini = s_teardown);

Test(benchmark_external, close_writes_each_band4_row_once, .timeout = 10)
{
    s_close_t *c = s_closed();
    /* 2 indicators x (6 in "all" + 6 by type) */
    cr_assert_eq(c->out.n_positions, 24);
    cr_assert_eq(s_count("2025\x1f"), 24, "one row per position, no copy "
                 "per country and no row of the old layout");
    cr_assert_eq(s_count("2026\x1f"), 1);
    s_close_free(c);
}

Test(benchmark_external, pages_give_each_country_its_old_rows_once,
     .timeout = 10)
{
    s_close_t *c = s_closed();
    const char *countries[] = {"EE", "NO", "PT", "SE"};
    for (size_t k = 0; k < 4; k++) {
        static s_row_t want[S_ROWS_MAX], got[S_ROWS_MAX];
        size_t nw = s_expected(c, countries[k], want);
        size_t ng = s_all_pages(countries[k], S_LIMIT, got);
        cr_assert_eq(ng, nw, "%s: %zu rows, %zu expected", countries[k], ng,
                     nw);
        for (size_t i = 0; i < nw; i++) {
            cr_assert_str_eq(got[i].key, want[i].key, "%s row %zu",
                             countries[k], i);
            cr_assert_eq(got[i].value_len, want[i].value_len);
            cr_assert_arr_eq(got[i].value, want[i].value, want[i].value_len,
                             "%s row %zu: the value differs", countries[k],
                             i);
        }
    }
    s_close_free(c);
}

Test(benchmark_external, non_sharing_id_shown_only_to_its_country,
     .timeout = 10)
{
    s_close_t *c = s_closed();
    static s_row_t no[S_ROWS_MAX], pt[S_ROWS_MAX];
    size_t nn = s_all_pages("NO", S_LIMIT, no);
    size_t np = s_all_pages("PT", S_LIMIT, pt);
    cr_assert_eq(nn, 24);
    cr_assert_eq(np, 24);
    /* the keys end with the provider's order: NO-1 is 2, NO-2 is 3 */
    size_t seen = 0;
    for (size_t i = 0; i < nn; i++) {
        char id_no[48], id_pt[48];
        s_row_id(&no[i], id_no, sizeof id_no);
        s_row_id(&pt[i], id_pt, sizeof id_pt);
        const char *order = strrchr(no[i].key, '\x1f') + 1;
        if (strcmp(order, "0000000002") == 0) {
            cr_assert_str_eq(id_no, "NO-1");
            cr_assert_str_eq(id_pt, "", "NO-1 does not share identity");
            seen++;
        } else if (strcmp(order, "0000000003") == 0) {
            cr_assert_str_eq(id_no, "NO-2");
            cr_assert_str_eq(id_pt, "NO-2", "NO-2 shares its identity");
        }
    }
    cr_assert_eq(seen, 4);
    s_close_free(c);
}

Test(benchmark_external, after_outside_the_country_starts_or_ends,
     .timeout = 10)
{
    s_close_t *c = s_closed();
    static s_row_t rows[S_ROWS_MAX];
    char next[BL_PAGE_KEY_MAX + 1];
    size_t n = 0;
    bl_err_t err;
    /* below "2025\x1fNO\x1f": from the first row */
    cr_assert_eq(s_page("NO", "2025\x1f" "AA", 50, rows, &n, next, &err), 0);
    cr_assert_eq(n, 24);
    cr_assert_str_eq(next, "");
    /* above every row of NO */
    n = 0;
    cr_assert_eq(s_page("NO", "2025\x1fPT", 50, rows, &n, next, &err), 0);
    cr_assert_eq(n, 0);
    cr_assert_str_eq(next, "");
    s_close_free(c);
}

static int s_write_malformed(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    (void)ctx;
    return s_put(txn, "2025\x1fX\x1f" "all\x1f\x1f" "0000000000", err);
}

Test(benchmark_external, malformed_stored_row_fails_the_page, .timeout = 10)
{
    bl_err_t err;
    cr_assert_eq(bl_store_write(s_store, s_write_malformed, NULL, &err), 0);
    static s_row_t rows[S_ROWS_MAX];
    char next[BL_PAGE_KEY_MAX + 1];
    size_t n = 0;
    cr_assert_eq(s_page("NO", NULL, 10, rows, &n, next, &err), BL_EPROTO);
}
