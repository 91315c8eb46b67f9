/*
 * Tests of benchmark_compute: the statistics fixture of tests/data/stats
 * (whose expected exports were made by tests/tools/check_stats.py, an
 * independent implementation) compared line by line, then small cases
 * worked by hand — ties, the min_peers boundary, all values equal, lower
 * is better, fixed and external references, areas, strengths and learning
 * partners — a cross-check of the correlation shortcut against
 * bl_stats_spearman, and the size the benchmark must handle.  Not a test
 * of the daemon or the store.
 */
#include "benchmark_compute.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bl_csv.h"

#define S_STATS_DIR BL_SOURCE_DIR "/tests/data/stats/"
#define EPS 1e-9

/* ---- a growable list of text lines ------------------------------------ */

typedef struct s_lines {
    size_t n;
    size_t cap;
    char **v;
} s_lines_t;


/* Position x of out, whole (bc_position). */
static bc_position_t s_pos(const bc_input_t *in, const bc_output_t *out,
                           size_t x)
{
    bc_position_t p;
    bc_position(in, out, x, &p);
    return p;
}
static void s_lines_add(s_lines_t *l, const char *line)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        cr_assert_not_null(l->v);
    }
    l->v[l->n] = strdup(line);
    cr_assert_not_null(l->v[l->n]);
    l->n++;
}

static void s_lines_free(s_lines_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* ---- reading the fixture ---------------------------------------------- */

/* Index of name in the header record, or -1. */
static int s_col(const bl_csv_record_t *h, const char *name)
{
    for (size_t i = 0; i < h->n_fields; i++) {
        if (strcmp(h->fields[i], name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static bl_csv_t *s_csv_open(const char *path, int *fd)
{
    *fd = open(path, O_RDONLY);
    cr_assert_geq(*fd, 0, "cannot open %s", path);
    bl_csv_t *r = NULL;
    cr_assert_eq(bl_csv_open_fd(&r, *fd, path, NULL), 0);
    return r;
}

static int s_cmp_provider(const void *pa, const void *pb)
{
    return strcmp(((const bc_provider_t *)pa)->id,
                  ((const bc_provider_t *)pb)->id);
}

/* Reads register files in order; a later row replaces an earlier one. */
static void s_read_register(const char *const *paths, size_t n_paths,
                            bc_provider_t **out, size_t *n_out)
{
    bc_provider_t *ps = NULL;
    size_t n = 0;
    for (size_t f = 0; f < n_paths; f++) {
        int fd;
        bl_csv_t *r = s_csv_open(paths[f], &fd);
        bl_csv_record_t rec;
        cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
        int c_id = s_col(&rec, "provider_id");
        int c_name = s_col(&rec, "name");
        int c_country = s_col(&rec, "country");
        int c_st = s_col(&rec, "service_type");
        int c_users = s_col(&rec, "users");
        int c_staff = s_col(&rec, "staff");
        int c_member = s_col(&rec, "membership");
        int c_since = s_col(&rec, "member_since");
        int c_share = s_col(&rec, "share_identity");
        cr_assert(c_id >= 0 && c_st >= 0 && c_users >= 0 && c_share >= 0);
        while (bl_csv_next(r, &rec, NULL) == 1) {
            cr_assert_null(rec.error);
            const char *id = rec.fields[c_id];
            size_t at = n;
            for (size_t i = 0; i < n; i++) {
                if (strcmp(ps[i].id, id) == 0) {
                    at = i;
                }
            }
            if (at == n) {
                ps = realloc(ps, (n + 1) * sizeof *ps);
                cr_assert_not_null(ps);
                n++;
            }
            bc_provider_t *p = &ps[at];
            memset(p, 0, sizeof *p);
            snprintf(p->id, sizeof p->id, "%s", id);
            snprintf(p->name, sizeof p->name, "%s", rec.fields[c_name]);
            snprintf(p->country, sizeof p->country, "%s",
                     rec.fields[c_country]);
            snprintf(p->service_type, sizeof p->service_type, "%s",
                     rec.fields[c_st]);
            snprintf(p->membership, sizeof p->membership, "%s",
                     rec.fields[c_member]);
            snprintf(p->member_since, sizeof p->member_since, "%s",
                     rec.fields[c_since]);
            p->users = atoll(rec.fields[c_users]);
            p->staff = atoll(rec.fields[c_staff]);
            p->share_identity = strcmp(rec.fields[c_share], "yes") == 0;
        }
        bl_csv_close(&r);
        close(fd);
    }
    qsort(ps, n, sizeof *ps, s_cmp_provider);
    *out = ps;
    *n_out = n;
}

/* Provider-level, status ok values of the period into values[i * nk + k]. */
static double *s_read_values(const char *path, int period,
                             const bl_catalogue_t *cat,
                             const bc_provider_t *ps, size_t n)
{
    size_t nk = cat->n_indicators;
    double *values = malloc(n * nk * sizeof *values);
    cr_assert_not_null(values);
    for (size_t x = 0; x < n * nk; x++) {
        values[x] = NAN;
    }
    int fd;
    bl_csv_t *r = s_csv_open(path, &fd);
    bl_csv_record_t rec;
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    int c_period = s_col(&rec, "period");
    int c_prov = s_col(&rec, "provider_id");
    int c_unit = s_col(&rec, "unit_id");
    int c_ind = s_col(&rec, "indicator_id");
    int c_value = s_col(&rec, "value");
    int c_status = s_col(&rec, "status");
    cr_assert(c_period >= 0 && c_prov >= 0 && c_unit >= 0 && c_ind >= 0
              && c_value >= 0 && c_status >= 0);
    while (bl_csv_next(r, &rec, NULL) == 1) {
        cr_assert_null(rec.error);
        if (atoi(rec.fields[c_period]) != period
            || rec.fields[c_unit][0] != '\0'
            || strcmp(rec.fields[c_status], "ok") != 0
            || rec.fields[c_value][0] == '\0') {
            continue;
        }
        bc_provider_t key;
        memset(&key, 0, sizeof key);
        snprintf(key.id, sizeof key.id, "%s", rec.fields[c_prov]);
        const bc_provider_t *p = bsearch(&key, ps, n, sizeof *ps,
                                         s_cmp_provider);
        int k = bl_catalogue_find_indicator(cat, rec.fields[c_ind]);
        cr_assert_not_null(p, "%s not in the register", key.id);
        cr_assert_geq(k, 0);
        values[(size_t)(p - ps) * nk + (size_t)k] =
            strtod(rec.fields[c_value], NULL);
    }
    bl_csv_close(&r);
    close(fd);
    return values;
}

/* ---- SPEC section 6 formatting ---------------------------------------- */

static void s_num(char *buf, size_t size, bool has, double v)
{
    if (has) {
        bl_stats_format(v, buf, size);
    } else {
        buf[0] = '\0';
    }
}

static void s_format_stats(const bc_input_t *in, const bc_output_t *out,
                           s_lines_t *l)
{
    const bl_config_t *cfg = in->cfg;
    s_lines_add(l, "period,indicator_id,group,group_key,n,mean,sd,min,p10,"
                   "p25,p50,p75,p90,max,best_in_class");
    for (size_t x = 0; x < out->n_stats; x++) {
        const bc_stat_t *st = &out->stats[x];
        double v[] = {st->s.mean, st->s.sd, st->s.min, st->s.p10,
                      st->s.p25, st->s.p50, st->s.p75, st->s.p90,
                      st->s.max, st->best_in_class};
        char line[1024];
        int w = snprintf(line, sizeof line, "%d,%s,%s,%s,%zu", in->period,
                         cfg->catalogue->indicators[st->indicator].id,
                         cfg->groups[st->group].id, st->group_key, st->s.n);
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
            char num[64];
            s_num(num, sizeof num, true, v[i]);
            w += snprintf(line + w, sizeof line - (size_t)w, ",%s", num);
        }
        s_lines_add(l, line);
    }
}

static void s_format_positions(const bc_input_t *in, const bc_output_t *out,
                               s_lines_t *l)
{
    const bl_config_t *cfg = in->cfg;
    s_lines_add(l, "period,indicator_id,group,group_key,provider_id,value,n,"
                   "percentile_rank,band,z,reference,gap");
    for (size_t x = 0; x < out->n_positions; x++) {
        bc_position_t p_whole = s_pos(in, out, x);
        const bc_position_t *p = &p_whole;
        const bc_stat_t *st = &out->stats[p->stat];
        char v[64], pr[64], z[64], ref[64], gap[64];
        s_num(v, sizeof v, true, p->value);
        s_num(pr, sizeof pr, true, p->percentile_rank);
        s_num(z, sizeof z, p->has_z, p->z);
        s_num(ref, sizeof ref, p->has_reference, p->reference);
        s_num(gap, sizeof gap, p->has_reference, p->gap);
        char line[1024];
        snprintf(line, sizeof line, "%d,%s,%s,%s,%s,%s,%zu,%s,%d,%s,%s,%s",
                 in->period, cfg->catalogue->indicators[p->indicator].id,
                 cfg->groups[p->group].id, st->group_key,
                 in->providers[p->provider].id, v, st->s.n, pr, p->band, z,
                 ref, gap);
        s_lines_add(l, line);
    }
}

static void s_format_corrs(const bc_input_t *in, const bc_output_t *out,
                           s_lines_t *l)
{
    const bl_config_t *cfg = in->cfg;
    s_lines_add(l, "period,group,group_key,indicator_a,indicator_b,n,rho");
    for (size_t x = 0; x < out->n_corrs; x++) {
        const bc_corr_t *c = &out->corrs[x];
        char rho[64];
        s_num(rho, sizeof rho, true, c->rho);
        char line[1024];
        snprintf(line, sizeof line, "%d,%s,%s,%s,%s,%zu,%s", in->period,
                 cfg->groups[c->group].id, c->group_key,
                 cfg->catalogue->indicators[c->a].id,
                 cfg->catalogue->indicators[c->b].id, c->n, rho);
        s_lines_add(l, line);
    }
}

/* ---- comparing with the expected exports ------------------------------ */

/* Splits line at ',' into fields (modifies line); returns the count. */
static size_t s_split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *c = strchr(p, ',');
        if (c == NULL) {
            break;
        }
        *c = '\0';
        p = c + 1;
    }
    return n;
}

/* check_stats.py's numbers_agree: equal text, or equal to 10 digits. */
static bool s_agree(const char *e, const char *g)
{
    if (strcmp(e, g) == 0) {
        return true;
    }
    if (e[0] == '\0' || g[0] == '\0') {
        return false;
    }
    char *end1;
    char *end2;
    double a = strtod(e, &end1);
    double b = strtod(g, &end2);
    if (*end1 != '\0' || *end2 != '\0') {
        return false;
    }
    double diff = fabs(a - b);
    return diff <= 1e-9 * (1 + 1e-6) * fmax(fabs(a), fabs(b))
           || diff <= 1e-9;
}

/* Rows after the header must be sorted by the columns left to right, as
 * text. */
static void s_assert_sorted(const s_lines_t *got, const char *what)
{
    for (size_t i = 2; i < got->n; i++) {
        char a[1024], b[1024];
        char *fa[32], *fb[32];
        snprintf(a, sizeof a, "%s", got->v[i - 1]);
        snprintf(b, sizeof b, "%s", got->v[i]);
        size_t na = s_split(a, fa, 32);
        size_t nb = s_split(b, fb, 32);
        cr_assert_eq(na, nb);
        int c = 0;
        for (size_t f = 0; f < na && c == 0; f++) {
            c = strcmp(fa[f], fb[f]);
        }
        cr_assert_lt(c, 0, "%s: line %zu sorts before line %zu", what,
                     i + 1, i);
    }
}

static void s_compare_file(const s_lines_t *got, const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    s_lines_t want = {0, 0, NULL};
    char buf[2048];
    while (fgets(buf, sizeof buf, f) != NULL) {
        buf[strcspn(buf, "\r\n")] = '\0';
        if (buf[0] != '\0') {
            s_lines_add(&want, buf);
        }
    }
    fclose(f);
    s_assert_sorted(got, path);
    for (size_t i = 0; i < want.n && i < got->n; i++) {
        char a[1024], b[1024];
        char *fa[32], *fb[32];
        snprintf(a, sizeof a, "%s", want.v[i]);
        snprintf(b, sizeof b, "%s", got->v[i]);
        size_t na = s_split(a, fa, 32);
        size_t nb = s_split(b, fb, 32);
        cr_assert_eq(na, nb, "%s:%zu: expected %s, got %s", path, i + 1,
                     want.v[i], got->v[i]);
        for (size_t c = 0; c < na; c++) {
            cr_assert(s_agree(fa[c], fb[c]),
                      "%s:%zu: field %zu: expected %s, got %s (line %s)",
                      path, i + 1, c + 1, fa[c], fb[c], got->v[i]);
        }
    }
    cr_assert_eq(got->n, want.n, "%s: expected %zu lines, got %zu", path,
                 want.n, got->n);
    s_lines_free(&want);
}

/* ---- the fixture ------------------------------------------------------ */

typedef struct s_fixture {
    bl_config_t *cfg;
    bc_provider_t *providers;
    size_t n;
    double *values;
    bc_input_t in;
    bc_output_t out;
} s_fixture_t;

static void s_fixture_load(s_fixture_t *fx)
{
    memset(fx, 0, sizeof *fx);
    bl_diags_t diags = {NULL, 0, 0};
    int rc = bl_config_load(&fx->cfg, S_STATS_DIR "node.yaml", &diags);
    if (rc != 0 && diags.count > 0) {
        char msg[512];
        bl_diags_format(&diags, 0, msg, sizeof msg);
        cr_log_error("%s", msg);
    }
    bl_diags_clear(&diags);
    cr_assert_eq(rc, 0);
    const char *regs[] = {S_STATS_DIR "register1.csv",
                          S_STATS_DIR "register2.csv"};
    s_read_register(regs, 2, &fx->providers, &fx->n);
    fx->values = s_read_values(S_STATS_DIR "values.csv", 2025,
                               fx->cfg->catalogue, fx->providers, fx->n);
    fx->in.cfg = fx->cfg;
    fx->in.period = 2025;
    fx->in.n_providers = fx->n;
    fx->in.providers = fx->providers;
    fx->in.values = fx->values;
    bl_err_t err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(bc_compute(&fx->in, &fx->out, &err), 0, "%s", err.msg);
}

static void s_fixture_free(s_fixture_t *fx)
{
    bc_output_free(&fx->out);
    free(fx->values);
    free(fx->providers);
    bl_config_destroy(&fx->cfg);
}

static size_t s_provider(const s_fixture_t *fx, const char *id)
{
    for (size_t i = 0; i < fx->n; i++) {
        if (strcmp(fx->providers[i].id, id) == 0) {
            return i;
        }
    }
    cr_assert_fail("no provider %s", id);
    return 0;
}

Test(benchmark_compute, fixture_register_later_rows_win, .timeout = 10)
{
    s_fixture_t fx;
    s_fixture_load(&fx);
    cr_assert_eq(fx.n, 13);
    size_t d2 = s_provider(&fx, "NO-D2");
    cr_assert_str_eq(fx.providers[d2].service_type, "day_services");
    s_provider(&fx, "NO-B5");
    s_fixture_free(&fx);
}

Test(benchmark_compute, fixture_stats_match_check_stats, .timeout = 10)
{
    s_fixture_t fx;
    s_fixture_load(&fx);
    s_lines_t got = {0, 0, NULL};
    s_format_stats(&fx.in, &fx.out, &got);
    s_compare_file(&got, S_STATS_DIR "expected/stats.csv");
    s_lines_free(&got);
    s_fixture_free(&fx);
}

Test(benchmark_compute, fixture_positions_match_check_stats, .timeout = 10)
{
    s_fixture_t fx;
    s_fixture_load(&fx);
    s_lines_t got = {0, 0, NULL};
    s_format_positions(&fx.in, &fx.out, &got);
    s_compare_file(&got, S_STATS_DIR "expected/positions.csv");
    s_lines_free(&got);
    s_fixture_free(&fx);
}

Test(benchmark_compute, fixture_correlations_match_check_stats,
     .timeout = 10)
{
    s_fixture_t fx;
    s_fixture_load(&fx);
    s_lines_t got = {0, 0, NULL};
    s_format_corrs(&fx.in, &fx.out, &got);
    s_compare_file(&got, S_STATS_DIR "expected/correlations.csv");
    s_lines_free(&got);
    s_fixture_free(&fx);
}

Test(benchmark_compute, fixture_positions_point_at_their_stat,
     .timeout = 10)
{
    s_fixture_t fx;
    s_fixture_load(&fx);
    cr_assert_gt(fx.out.n_positions, 0);
    for (size_t x = 0; x < fx.out.n_positions; x++) {
        bc_position_t p_whole = s_pos(&fx.in, &fx.out, x);
        const bc_position_t *p = &p_whole;
        cr_assert_lt(p->stat, fx.out.n_stats);
        const bc_stat_t *st = &fx.out.stats[p->stat];
        cr_assert_eq(st->indicator, p->indicator);
        cr_assert_eq(st->group, p->group);
        char key[BC_KEY_MAX];
        bc_group_key(&fx.cfg->groups[p->group], &fx.providers[p->provider],
                     key, sizeof key);
        cr_assert_str_eq(key, st->group_key);
    }
    s_fixture_free(&fx);
}

/* ---- hand-built configurations ---------------------------------------- */

#define S_MAX_IND 8
#define S_MAX_GRP 4
#define S_MAX_PROV 64

/* A config and catalogue built in memory for one test. */
typedef struct s_hand {
    bl_catalogue_t cat;
    bl_indicator_t ind[S_MAX_IND];
    bl_config_t cfg;
    bl_peer_group_t grp[S_MAX_GRP];
    char *attrs[S_MAX_GRP][4];
    bc_provider_t prov[S_MAX_PROV];
    double values[S_MAX_PROV * S_MAX_IND];
    bc_input_t in;
    bc_output_t out;
} s_hand_t;

static s_hand_t *s_hand_new(int min_peers)
{
    s_hand_t *h = calloc(1, sizeof *h);
    cr_assert_not_null(h);
    h->cat.indicators = h->ind;
    h->cfg.catalogue = &h->cat;
    h->cfg.groups = h->grp;
    h->cfg.min_peers = min_peers;
    for (size_t x = 0; x < S_MAX_PROV * S_MAX_IND; x++) {
        h->values[x] = NAN;
    }
    h->in.cfg = &h->cfg;
    h->in.period = 2025;
    h->in.providers = h->prov;
    h->in.values = h->values;
    return h;
}

static void s_hand_free(s_hand_t *h)
{
    bc_output_free(&h->out);
    free(h);
}

static int s_hand_indicator(s_hand_t *h, char *id, bl_direction_t dir)
{
    cr_assert_lt(h->cat.n_indicators, S_MAX_IND);
    bl_indicator_t *ind = &h->ind[h->cat.n_indicators];
    memset(ind, 0, sizeof *ind);
    ind->id = id;
    ind->direction = dir;
    ind->ref_kind = BL_REF_NONE;
    ind->survey = -1;
    return (int)h->cat.n_indicators++;
}

/* A group with up to two attributes (NULL for fewer). */
static int s_hand_group(s_hand_t *h, char *id, char *a1, char *a2)
{
    cr_assert_lt(h->cfg.n_groups, S_MAX_GRP);
    size_t g = h->cfg.n_groups++;
    h->grp[g].id = id;
    h->grp[g].attrs = h->attrs[g];
    h->grp[g].n_attrs = 0;
    if (a1 != NULL) {
        h->attrs[g][h->grp[g].n_attrs++] = a1;
    }
    if (a2 != NULL) {
        h->attrs[g][h->grp[g].n_attrs++] = a2;
    }
    return (int)g;
}

/* Providers must be added in id order. */
static size_t s_hand_provider(s_hand_t *h, const char *id, const char *st,
                              long long users)
{
    cr_assert_lt(h->in.n_providers, S_MAX_PROV);
    size_t i = h->in.n_providers++;
    bc_provider_t *p = &h->prov[i];
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", id);
    snprintf(p->country, sizeof p->country, "NO");
    snprintf(p->service_type, sizeof p->service_type, "%s", st);
    snprintf(p->membership, sizeof p->membership, "assurance");
    p->users = users;
    if (i > 0) {
        cr_assert_lt(strcmp(h->prov[i - 1].id, id), 0);
    }
    return i;
}

/* Values are stored with stride S_MAX_IND, so n_indicators must not grow
 * past what the values were laid out for: the stride is fixed here. */
static void s_hand_set(s_hand_t *h, size_t i, int k, double v)
{
    h->values[i * S_MAX_IND + (size_t)k] = v;
}

/* Compacts values to stride n_indicators and runs bc_compute. */
static void s_hand_run(s_hand_t *h)
{
    size_t nk = h->cat.n_indicators;
    static double packed[S_MAX_PROV * S_MAX_IND];
    for (size_t i = 0; i < h->in.n_providers; i++) {
        for (size_t k = 0; k < nk; k++) {
            packed[i * nk + k] = h->values[i * S_MAX_IND + k];
        }
    }
    h->in.values = packed;
    bl_err_t err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(bc_compute(&h->in, &h->out, &err), 0, "%s", err.msg);
}

/* The position of provider i on indicator k in group g, whole, or NULL.
 * It is kept in one of four slots, so that a few found one after the
 * other stay readable. */
static const bc_position_t *s_find_pos(const s_hand_t *h, int k, int g,
                                       size_t i)
{
    static bc_position_t slots[4];
    static unsigned next;
    for (size_t x = 0; x < h->out.n_positions; x++) {
        bc_position_t p = s_pos(&h->in, &h->out, x);
        if (p.indicator == k && p.group == g && p.provider == i) {
            bc_position_t *slot = &slots[next++ % 4];
            *slot = p;
            return slot;
        }
    }
    return NULL;
}

static const bc_stat_t *s_find_stat(const s_hand_t *h, int k, int g,
                                    const char *key)
{
    for (size_t x = 0; x < h->out.n_stats; x++) {
        const bc_stat_t *s = &h->out.stats[x];
        if (s->indicator == k && s->group == g
            && strcmp(s->group_key, key) == 0) {
            return s;
        }
    }
    return NULL;
}

/* Values 10 20 20 30 40: n 5, mean 24, sd sqrt(520/4) = sqrt(130);
 * h = 4a: p10 14, p25 20, p50 20, p75 30, p90 36. */
static s_hand_t *s_five(bl_direction_t dir, int *k, int *g)
{
    s_hand_t *h = s_hand_new(5);
    *k = s_hand_indicator(h, "X", dir);
    *g = s_hand_group(h, "all", NULL, NULL);
    double v[] = {10, 20, 20, 30, 40};
    const char *ids[] = {"NO-1", "NO-2", "NO-3", "NO-4", "NO-5"};
    for (size_t i = 0; i < 5; i++) {
        s_hand_provider(h, ids[i], "a", 10);
        s_hand_set(h, i, *k, v[i]);
    }
    return h;
}

Test(benchmark_compute, ties_share_half_ranks_higher, .timeout = 10)
{
    int k, g;
    s_hand_t *h = s_five(BL_DIR_HIGHER, &k, &g);
    s_hand_run(h);
    cr_assert_eq(h->out.n_stats, 1);
    const bc_stat_t *st = &h->out.stats[0];
    cr_assert_str_eq(st->group_key, "");
    cr_assert_eq(st->s.n, 5);
    cr_assert_float_eq(st->s.mean, 24.0, EPS);
    cr_assert_float_eq(st->s.sd, sqrt(130.0), EPS);
    cr_assert_float_eq(st->s.p10, 14.0, EPS);
    cr_assert_float_eq(st->s.p25, 20.0, EPS);
    cr_assert_float_eq(st->s.p75, 30.0, EPS);
    cr_assert_float_eq(st->s.p90, 36.0, EPS);
    cr_assert_float_eq(st->best_in_class, 36.0, EPS);
    cr_assert_eq(h->out.n_positions, 5);
    double pr[] = {10, 40, 40, 70, 90};
    int band[] = {1, 3, 3, 4, 4};
    for (size_t i = 0; i < 5; i++) {
        const bc_position_t *p = s_find_pos(h, k, g, i);
        cr_assert_not_null(p);
        cr_assert_eq(p->provider, i);  /* sorted by provider id */
        cr_assert_float_eq(p->percentile_rank, pr[i], EPS, "%zu", i);
        cr_assert_eq(p->band, band[i], "%zu", i);
        cr_assert(p->has_z);
        cr_assert_float_eq(p->z, (p->value - 24.0) / sqrt(130.0), EPS);
        cr_assert_not(p->has_reference);
    }
    cr_assert_float_eq(s_pos(&h->in, &h->out, 1).z, -0.3508232077228117, EPS);
    s_hand_free(h);
}

Test(benchmark_compute, lower_is_better_flips_rank_band_z_and_gap,
     .timeout = 10)
{
    int k, g;
    s_hand_t *h = s_five(BL_DIR_LOWER, &k, &g);
    h->ind[k].ref_kind = BL_REF_VALUE;
    h->ind[k].ref_value = 15.0;
    s_hand_run(h);
    cr_assert_eq(h->out.n_stats, 1);
    cr_assert_float_eq(h->out.stats[0].best_in_class, 14.0, EPS);  /* p10 */
    /* 10: four worse -> 90, band 4, z +14/sd, gap 10 - 15 = -5
     * 20: 30 and 40 worse, 2 equal -> 60, band 4 (20 <= p25 20), gap 5
     * 30: 40 worse -> 30, band 2 (<= p75 30), gap 15
     * 40: none worse -> 10, band 1, z -16/sd, gap 25 */
    double pr[] = {90, 60, 60, 30, 10};
    int band[] = {4, 4, 4, 2, 1};
    double gap[] = {-5, 5, 5, 15, 25};
    for (size_t i = 0; i < 5; i++) {
        const bc_position_t *p = s_find_pos(h, k, g, i);
        cr_assert_not_null(p);
        cr_assert_float_eq(p->percentile_rank, pr[i], EPS, "%zu", i);
        cr_assert_eq(p->band, band[i], "%zu", i);
        cr_assert(p->has_z);
        cr_assert_float_eq(p->z, -(p->value - 24.0) / sqrt(130.0), EPS);
        cr_assert(p->has_reference);
        cr_assert_float_eq(p->reference, 15.0, EPS);
        cr_assert_float_eq(p->gap, gap[i], EPS, "%zu", i);
    }
    cr_assert_gt(s_find_pos(h, k, g, 0)->z, 0.0);
    cr_assert_lt(s_find_pos(h, k, g, 4)->z, 0.0);
    s_hand_free(h);
}

Test(benchmark_compute, exactly_min_peers_publishes_one_less_does_not,
     .timeout = 10)
{
    s_hand_t *h = s_hand_new(5);
    int k = s_hand_indicator(h, "X", BL_DIR_HIGHER);
    int g = s_hand_group(h, "type", "service_type", NULL);
    /* type a: 5 providers with values; type b: 5 providers, one without */
    char id[32];
    for (size_t i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "NO-%02zu", i);
        s_hand_provider(h, id, i < 5 ? "a" : "b", 10);
        if (i != 7) {
            s_hand_set(h, i, k, (double)i);
        }
    }
    s_hand_run(h);
    cr_assert_eq(h->out.n_stats, 1);
    cr_assert_str_eq(h->out.stats[0].group_key, "a");
    cr_assert_eq(h->out.stats[0].s.n, 5);
    cr_assert_eq(h->out.n_positions, 5);
    for (size_t x = 0; x < 5; x++) {
        cr_assert_lt(h->out.positions[x].provider, 5);
    }
    cr_assert_null(s_find_stat(h, k, g, "b"));
    /* no positions, so no areas or strengths for type b */
    for (size_t i = 5; i < 10; i++) {
        cr_assert_eq(h->out.providers[i].n_areas, 0);
        cr_assert_eq(h->out.providers[i].n_strengths, 0);
    }
    s_hand_free(h);
}

Test(benchmark_compute, all_equal_values_give_no_z_and_band_4,
     .timeout = 10)
{
    s_hand_t *h = s_hand_new(5);
    int k = s_hand_indicator(h, "X", BL_DIR_HIGHER);
    h->ind[k].ref_kind = BL_REF_VALUE;
    h->ind[k].ref_value = 7.0;
    s_hand_group(h, "all", NULL, NULL);
    char id[32];
    for (size_t i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "NO-%zu", i);
        s_hand_provider(h, id, "a", 10);
        /* equal within the SPEC tolerance, not bit for bit: its gap is
         * a hair above 0 but it is not short of the reference */
        s_hand_set(h, i, k, i == 3 ? 7.0 * (1 - 1e-12) : 7.0);
    }
    s_hand_run(h);
    cr_assert_eq(h->out.n_stats, 1);
    cr_assert(h->out.stats[0].s.all_equal);
    cr_assert_float_eq(h->out.stats[0].s.sd, 0.0, 0.0);
    cr_assert_eq(h->out.n_positions, 6);
    for (size_t x = 0; x < 6; x++) {
        bc_position_t p_whole = s_pos(&h->in, &h->out, x);
        const bc_position_t *p = &p_whole;
        cr_assert_not(p->has_z);
        cr_assert_eq(p->band, 4);
        cr_assert_float_eq(p->percentile_rank, 50.0, EPS);
        cr_assert(p->has_reference);
        /* gap 0 or a hair above it: never an area (equal to reference) */
        cr_assert_float_eq(p->gap, 0.0, 1e-9);
        cr_assert(!signbit(p->gap));
        cr_assert(x != 3 || p->gap > 0.0);
        cr_assert_eq(h->out.providers[x].n_areas, 0);
        cr_assert_eq(h->out.providers[x].n_strengths, 1);
        cr_assert_eq(h->out.providers[x].strengths[0], k);
    }
    s_hand_free(h);
}

Test(benchmark_compute, zero_gap_and_z_are_never_negative_zero,
     .timeout = 10)
{
    s_hand_t *h = s_hand_new(3);
    int k = s_hand_indicator(h, "X", BL_DIR_LOWER);
    h->ind[k].ref_kind = BL_REF_VALUE;
    h->ind[k].ref_value = -0.0;
    s_hand_group(h, "all", NULL, NULL);
    double v[] = {-1.0, 0.0, 1.0};
    char id[32];
    for (size_t i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "NO-%zu", i);
        s_hand_provider(h, id, "a", 10);
        s_hand_set(h, i, k, v[i]);
    }
    s_hand_run(h);
    bc_position_t p_whole = s_pos(&h->in, &h->out, 1);
    const bc_position_t *p = &p_whole;
    cr_assert_eq(p->value, 0.0);
    cr_assert(p->has_z);
    cr_assert_eq(p->z, 0.0);
    cr_assert(!signbit(p->z));
    cr_assert_eq(p->gap, 0.0);  /* 0 - (-0) */
    cr_assert(!signbit(p->gap));
    char buf[32];
    bl_stats_format(p->z, buf, sizeof buf);
    cr_assert_str_eq(buf, "0");
    s_hand_free(h);
}

Test(benchmark_compute, reference_stat_uses_the_providers_own_instance,
     .timeout = 10)
{
    s_hand_t *h = s_hand_new(3);
    int k = s_hand_indicator(h, "X", BL_DIR_HIGHER);
    int all = s_hand_group(h, "all", NULL, NULL);
    int type = s_hand_group(h, "type", "service_type", NULL);
    h->ind[k].ref_kind = BL_REF_STAT;
    h->ind[k].ref_stat = BL_STAT_P50;
    h->ind[k].ref_group = "type";
    /* type a: 1 2 3 (p50 2); type b: 10 20 30 (p50 20); type c: 5, 6
     * (too few peers: no reference) */
    const char *st[] = {"a", "a", "a", "b", "b", "b", "c", "c"};
    double v[] = {1, 2, 3, 10, 20, 30, 5, 6};
    char id[32];
    for (size_t i = 0; i < 8; i++) {
        snprintf(id, sizeof id, "NO-%zu", i);
        s_hand_provider(h, id, st[i], 10);
        s_hand_set(h, i, k, v[i]);
    }
    s_hand_run(h);
    for (size_t i = 0; i < 8; i++) {
        const bc_position_t *p = s_find_pos(h, k, all, i);
        cr_assert_not_null(p);
        if (i < 3) {
            cr_assert(p->has_reference);
            cr_assert_float_eq(p->reference, 2.0, EPS);
            cr_assert_float_eq(p->gap, 2.0 - v[i], EPS);
        } else if (i < 6) {
            cr_assert(p->has_reference);
            cr_assert_float_eq(p->reference, 20.0, EPS);
            cr_assert_float_eq(p->gap, 20.0 - v[i], EPS);
        } else {
            cr_assert_not(p->has_reference);
            cr_assert_null(s_find_pos(h, k, type, i));
        }
    }
    s_hand_free(h);
}

/* One external group "international: [service_type]" with one instance
 * per service type "a" and "b" on indicator k. */
static char *s_ext_attrs[] = {"service_type"};
static bl_peer_group_t s_ext_group = {"international", 1, s_ext_attrs};

static bc_ext_instance_t s_ext_inst(int k, const char *key, double p10,
                                    double p90)
{
    bc_ext_instance_t e;
    memset(&e, 0, sizeof e);
    e.indicator = k;
    e.group = 0;
    snprintf(e.group_key, sizeof e.group_key, "%s", key);
    e.s.n = 40;
    e.s.mean = 3.0;
    e.s.p10 = p10;
    e.s.p90 = p90;
    return e;
}

Test(benchmark_compute, reference_to_external_group_uses_own_instance,
     .timeout = 10)
{
    s_hand_t *h = s_hand_new(3);
    int k0 = s_hand_indicator(h, "A", BL_DIR_HIGHER);
    int k = s_hand_indicator(h, "B", BL_DIR_LOWER);
    int g = s_hand_group(h, "all", NULL, NULL);
    h->ind[k].ref_kind = BL_REF_STAT;
    h->ind[k].ref_stat = BL_STAT_BEST_IN_CLASS;
    h->ind[k].ref_group = "international";
    char id[32];
    for (size_t i = 0; i < 4; i++) {
        snprintf(id, sizeof id, "NO-%zu", i);
        s_hand_provider(h, id, i < 3 ? "a" : "b", 10);
        s_hand_set(h, i, k, (double)(i + 1));
        s_hand_set(h, i, k0, (double)(i + 1));
    }
    /* "b" first: the lookup does not depend on the order given */
    bc_ext_instance_t inst[2] = {s_ext_inst(k, "b", 2.5, 9.0),
                                 s_ext_inst(k, "a", 1.0, 9.0)};
    h->in.n_ext_groups = 1;
    h->in.ext_groups = &s_ext_group;
    h->in.n_ext_instances = 2;
    h->in.ext_instances = inst;
    s_hand_run(h);
    for (size_t i = 0; i < 4; i++) {
        const bc_position_t *p = s_find_pos(h, k, g, i);
        double ref = i < 3 ? 1.0 : 2.5;  /* lower: p10 of its instance */
        cr_assert(p->has_reference);
        cr_assert_float_eq(p->reference, ref, EPS);
        cr_assert_float_eq(p->gap, (double)(i + 1) - ref, EPS);
        cr_assert_not(s_find_pos(h, k0, g, i)->has_reference);
    }
    /* a gap > 0 is an area: NO-1 and NO-2 (bands 3 and 2 in "all", gaps
     * 1 and 2 to the external p10), NO-3 (band 1); NO-0 has gap 0 (its
     * area is A, band 1) */
    for (size_t i = 0; i < 4; i++) {
        const bc_provider_result_t *r = &h->out.providers[i];
        cr_assert_eq(r->n_areas, 1, "NO-%zu", i);
        cr_assert_eq(r->areas[0].indicator, i == 0 ? k0 : k, "NO-%zu", i);
    }
    s_hand_free(h);

    /* without the external group: no reference */
    h = s_hand_new(3);
    k = s_hand_indicator(h, "B", BL_DIR_LOWER);
    g = s_hand_group(h, "all", NULL, NULL);
    h->ind[k].ref_kind = BL_REF_STAT;
    h->ind[k].ref_stat = BL_STAT_P50;
    h->ind[k].ref_group = "international";
    for (size_t i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "NO-%zu", i);
        s_hand_provider(h, id, "a", 10);
        s_hand_set(h, i, k, (double)i);
    }
    s_hand_run(h);
    cr_assert_eq(h->out.n_positions, 3);
    for (size_t x = 0; x < 3; x++) {
        cr_assert_not(s_pos(&h->in, &h->out, x).has_reference);
    }
    s_hand_free(h);
}

/* Areas, strengths and learning partners, min_peers 3, groups all: [] and
 * type: [service_type], indicators A-G and H (higher) and E (all equal 5,
 * reference 6).  Values of H (A-G the same except A1 26):
 *   type a: A1 u100 10, A2 u100 20, A3 u130 95, A4 u100 25
 *   type b: B1 u100 88, B4 u100 30, B5 u10 35, B6 u100 40
 *   type c: C1 u101 92, C2 u99 93, C3 u100 50, C4 u100 60
 * all (n 12): p25 h 2.75 -> 28.75, p75 h 8.25 -> 89: band 4 = C1 C2 A3.
 * type a: p75 h 2.25 -> 42.5: band 4 = A3.  type b: p75 52: band 4 = B1
 * (B1 is band 3 in all: band 4 only in a group A1 is not in).
 * A1's H partners: A3 (same type), then C1 and C2 (users difference 1
 * each, by id); never B1 (difference 0). */
static s_hand_t *s_partners_case(int *kg, int *ke, int *kh, int *all,
                                 int *type)
{
    s_hand_t *h = s_hand_new(3);
    *kg = s_hand_indicator(h, "A-G", BL_DIR_HIGHER);
    *ke = s_hand_indicator(h, "E", BL_DIR_HIGHER);
    *kh = s_hand_indicator(h, "H", BL_DIR_HIGHER);
    h->ind[*ke].ref_kind = BL_REF_VALUE;
    h->ind[*ke].ref_value = 6.0;
    *all = s_hand_group(h, "all", NULL, NULL);
    *type = s_hand_group(h, "type", "service_type", NULL);
    struct {
        const char *id, *st;
        long long users;
        double v;
    } rows[] = {
        {"NO-A1", "a", 100, 10}, {"NO-A2", "a", 100, 20},
        {"NO-A3", "a", 130, 95}, {"NO-A4", "a", 100, 25},
        {"NO-B1", "b", 100, 88}, {"NO-B4", "b", 100, 30},
        {"NO-B5", "b", 10, 35},  {"NO-B6", "b", 100, 40},
        {"NO-C1", "c", 101, 92}, {"NO-C2", "c", 99, 93},
        {"NO-C3", "c", 100, 50}, {"NO-C4", "c", 100, 60},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        s_hand_provider(h, rows[i].id, rows[i].st, rows[i].users);
        s_hand_set(h, i, *kh, rows[i].v);
        s_hand_set(h, i, *kg, i == 0 ? 26.0 : rows[i].v);
        s_hand_set(h, i, *ke, 5.0);
    }
    s_hand_run(h);
    return h;
}

Test(benchmark_compute, areas_are_ordered_by_largest_minus_z,
     .timeout = 10)
{
    int kg, ke, kh, all, type;
    s_hand_t *h = s_partners_case(&kg, &ke, &kh, &all, &type);
    const bc_provider_result_t *r = &h->out.providers[0];  /* NO-A1 */
    cr_assert_eq(r->n_areas, 3);
    /* H: z in all -1.37056397, in type a -0.70808277; A-G: -0.95654428;
     * E: no z (all equal), gap 1 > 0, last */
    cr_assert_eq(r->areas[0].indicator, kh);
    cr_assert(r->areas[0].has_neg_z);
    cr_assert_float_eq(r->areas[0].neg_z, 1.3705639709597464, 1e-9);
    cr_assert_eq(r->areas[1].indicator, kg);
    cr_assert_float_eq(r->areas[1].neg_z, 0.9565442794378867, 1e-9);
    cr_assert_eq(r->areas[2].indicator, ke);
    cr_assert_not(r->areas[2].has_neg_z);
    /* the only strength: E (band 4 for all) */
    cr_assert_eq(r->n_strengths, 1);
    cr_assert_eq(r->strengths[0], ke);
    /* NO-A3 is strong everywhere; strengths by id: A-G, E, H */
    const bc_provider_result_t *a3 = &h->out.providers[2];
    cr_assert_eq(a3->n_strengths, 3);
    cr_assert_eq(a3->strengths[0], kg);
    cr_assert_eq(a3->strengths[1], ke);
    cr_assert_eq(a3->strengths[2], kh);
    /* E's gap (6 - 5) makes it an area for everyone */
    cr_assert_eq(a3->n_areas, 1);
    cr_assert_eq(a3->areas[0].indicator, ke);
    s_hand_free(h);
}

Test(benchmark_compute, partners_same_type_then_users_then_id,
     .timeout = 10)
{
    int kg, ke, kh, all, type;
    s_hand_t *h = s_partners_case(&kg, &ke, &kh, &all, &type);
    cr_assert_eq(s_find_pos(h, kh, type, 4)->band, 4);  /* B1 in type b */
    cr_assert_eq(s_find_pos(h, kh, all, 4)->band, 3);   /* not in all */
    const bc_provider_result_t *r = &h->out.providers[0];
    cr_assert_eq(r->areas[0].indicator, kh);
    const bc_area_t *a = &r->areas[0];
    cr_assert_eq(a->n_partners, 3);
    cr_assert_eq(a->partners[0], 2);  /* NO-A3 */
    cr_assert_eq(a->partners[1], 8);  /* NO-C1, users 101 */
    cr_assert_eq(a->partners[2], 9);  /* NO-C2, users 99 */
    /* E: everyone is band 4; same type first by users difference then
     * id: A2 (0), A4 (0), A3 (30) */
    const bc_area_t *e = &r->areas[2];
    cr_assert_eq(e->indicator, ke);
    cr_assert_eq(e->n_partners, 3);
    cr_assert_eq(e->partners[0], 1);
    cr_assert_eq(e->partners[1], 3);
    cr_assert_eq(e->partners[2], 2);
    /* B5 (type b, users 10): E partners B1 B4 B6 (difference 90, by id) */
    const bc_provider_result_t *b5 = &h->out.providers[6];
    cr_assert_eq(b5->n_areas, 1);
    cr_assert_eq(b5->areas[0].n_partners, 3);
    cr_assert_eq(b5->areas[0].partners[0], 4);
    cr_assert_eq(b5->areas[0].partners[1], 5);
    cr_assert_eq(b5->areas[0].partners[2], 7);
    /* never itself */
    for (size_t i = 0; i < h->in.n_providers; i++) {
        const bc_provider_result_t *pr = &h->out.providers[i];
        for (size_t x = 0; x < pr->n_areas; x++) {
            for (size_t q = 0; q < pr->areas[x].n_partners; q++) {
                cr_assert_neq(pr->areas[x].partners[q], i);
            }
        }
    }
    s_hand_free(h);
}

Test(benchmark_compute, partners_may_be_fewer_than_three, .timeout = 10)
{
    s_hand_t *h = s_hand_new(3);
    int k = s_hand_indicator(h, "X", BL_DIR_HIGHER);
    s_hand_group(h, "all", NULL, NULL);
    /* 1 2 3 4: p75 3.25 -> only NO-3 (4) is band 4 */
    for (size_t i = 0; i < 4; i++) {
        char id[32];
        snprintf(id, sizeof id, "NO-%zu", i);
        s_hand_provider(h, id, "a", 10);
        s_hand_set(h, i, k, (double)(i + 1));
    }
    s_hand_run(h);
    const bc_provider_result_t *r = &h->out.providers[0];
    cr_assert_eq(r->n_areas, 1);
    cr_assert_eq(r->areas[0].n_partners, 1);
    cr_assert_eq(r->areas[0].partners[0], 3);
    /* NO-3 itself: band 4, no area */
    cr_assert_eq(h->out.providers[3].n_areas, 0);
    cr_assert_eq(h->out.providers[3].n_strengths, 1);
    s_hand_free(h);
}

Test(benchmark_compute, group_key_joins_attributes, .timeout = 10)
{
    bc_provider_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.country, sizeof p.country, "NO");
    snprintf(p.service_type, sizeof p.service_type, "residential_care");
    snprintf(p.membership, sizeof p.membership, "excellence");
    p.share_identity = true;
    char *attrs[] = {"country", "service_type", "membership",
                     "share_identity"};
    bl_peer_group_t g = {"g", 4, attrs};
    char buf[BC_KEY_MAX];
    bc_group_key(&g, &p, buf, sizeof buf);
    cr_assert_str_eq(buf, "NO/residential_care/excellence/yes");
    g.n_attrs = 0;
    bc_group_key(&g, &p, buf, sizeof buf);
    cr_assert_str_eq(buf, "");
    char *one[] = {"share_identity"};
    bl_peer_group_t g1 = {"g", 1, one};
    p.share_identity = false;
    bc_group_key(&g1, &p, buf, sizeof buf);
    cr_assert_str_eq(buf, "no");
    char small[5];
    g.n_attrs = 2;
    bc_group_key(&g, &p, small, sizeof small);
    cr_assert_eq(strlen(small), 4);  /* truncated, terminated */
}

/* ---- correlations ----------------------------------------------------- */

static uint64_t s_rng_state = 88172645463325252ull;

static uint64_t s_rng(void)
{
    s_rng_state ^= s_rng_state << 13;
    s_rng_state ^= s_rng_state >> 7;
    s_rng_state ^= s_rng_state << 17;
    return s_rng_state;
}

/* Checks every correlation of a run against bl_stats_spearman over the
 * members holding both values, to the bit.  shared: D and B miss their
 * values for the same providers (a pair ranked over all its members,
 * without filtering); otherwise each value is missing on its own. */
static void s_corrs_against_spearman(bool shared)
{
    s_hand_t *h = s_hand_new(5);
    int ks[4];
    ks[0] = s_hand_indicator(h, "D", BL_DIR_HIGHER);
    ks[1] = s_hand_indicator(h, "B", BL_DIR_LOWER);
    ks[2] = s_hand_indicator(h, "C", BL_DIR_HIGHER);
    ks[3] = s_hand_indicator(h, "A", BL_DIR_HIGHER);  /* constant */
    s_hand_group(h, "all", NULL, NULL);
    s_hand_group(h, "type", "service_type", NULL);
    size_t n = 40;
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "NO-%02zu", i);
        /* type b has 11 providers, type c 9: too few for a rho */
        const char *st = i < 20 ? "a" : i < 31 ? "b" : "c";
        s_hand_provider(h, id, st, 10);
        bool has = s_rng() % 7 != 0;
        for (size_t x = 0; x < 3; x++) {
            if (shared && x < 2 ? has : s_rng() % 7 != 0) {  /* some missing */
                /* few distinct values: many ties */
                s_hand_set(h, i, ks[x], (double)(s_rng() % 6) * 0.1);
            }
        }
        s_hand_set(h, i, ks[3], 1.0);
    }
    s_hand_run(h);
    size_t nk = h->cat.n_indicators;
    cr_assert_gt(h->out.n_corrs, 0);
    size_t checked = 0;
    for (size_t x = 0; x < h->out.n_corrs; x++) {
        const bc_corr_t *c = &h->out.corrs[x];
        cr_assert_lt(strcmp(h->ind[c->a].id, h->ind[c->b].id), 0);
        cr_assert_neq(c->a, ks[3]);
        cr_assert_neq(c->b, ks[3]);
        double a[64], b[64];
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            char key[BC_KEY_MAX];
            bc_group_key(&h->grp[c->group], &h->prov[i], key, sizeof key);
            double va = h->in.values[i * nk + (size_t)c->a];
            double vb = h->in.values[i * nk + (size_t)c->b];
            if (strcmp(key, c->group_key) == 0 && !isnan(va)
                && !isnan(vb)) {
                a[m] = va;
                b[m] = vb;
                m++;
            }
        }
        cr_assert_eq(c->n, m);
        cr_assert_geq(m, 10);
        double rho;
        cr_assert(bl_stats_spearman(a, b, m, &rho));
        cr_assert_eq(rho, c->rho, "rho %.17g vs %.17g", rho, c->rho);
        cr_assert_str_neq(c->group_key, "c");
        checked++;
    }
    cr_assert_geq(checked, 3);
    /* sorted: group id, key, id(a), id(b) */
    for (size_t x = 1; x < h->out.n_corrs; x++) {
        const bc_corr_t *p = &h->out.corrs[x - 1];
        const bc_corr_t *c = &h->out.corrs[x];
        int d = strcmp(h->grp[p->group].id, h->grp[c->group].id);
        if (d == 0) {
            d = strcmp(p->group_key, c->group_key);
        }
        if (d == 0) {
            d = strcmp(h->ind[p->a].id, h->ind[c->a].id);
        }
        if (d == 0) {
            d = strcmp(h->ind[p->b].id, h->ind[c->b].id);
        }
        cr_assert_lt(d, 0);
    }
    s_hand_free(h);
}

Test(benchmark_compute, correlations_agree_with_bl_stats_spearman,
     .timeout = 10)
{
    s_corrs_against_spearman(false);
}

Test(benchmark_compute,
     correlations_of_indicators_with_the_same_members_agree_too,
     .timeout = 10)
{
    s_corrs_against_spearman(true);
}

Test(benchmark_compute, correlation_needs_ten_pairs, .timeout = 10)
{
    for (size_t n = 9; n <= 10; n++) {
        s_hand_t *h = s_hand_new(3);
        int a = s_hand_indicator(h, "A", BL_DIR_HIGHER);
        int b = s_hand_indicator(h, "B", BL_DIR_HIGHER);
        s_hand_group(h, "all", NULL, NULL);
        for (size_t i = 0; i < 12; i++) {
            char id[32];
            snprintf(id, sizeof id, "NO-%02zu", i);
            s_hand_provider(h, id, "a", 10);
            s_hand_set(h, i, a, (double)i);
            if (i < n) {
                s_hand_set(h, i, b, (double)(i * i));
            }
        }
        s_hand_run(h);
        if (n == 9) {
            cr_assert_eq(h->out.n_corrs, 0);
        } else {
            cr_assert_eq(h->out.n_corrs, 1);
            cr_assert_eq(h->out.corrs[0].n, 10);
            cr_assert_float_eq(h->out.corrs[0].rho, 1.0, 0.0);
        }
        s_hand_free(h);
    }
}

Test(benchmark_compute, empty_register_gives_empty_output, .timeout = 10)
{
    s_hand_t *h = s_hand_new(5);
    s_hand_indicator(h, "A", BL_DIR_HIGHER);
    s_hand_group(h, "all", NULL, NULL);
    s_hand_run(h);
    cr_assert_eq(h->out.n_stats, 0);
    cr_assert_eq(h->out.n_positions, 0);
    cr_assert_eq(h->out.n_corrs, 0);
    s_hand_free(h);
    bc_output_t out;
    bl_err_t err;
    cr_assert_eq(bc_compute(NULL, &out, &err), BL_EINVAL);
    cr_assert_eq(err.code, BL_EINVAL);
}

/* ---- random cases against brute force --------------------------------- */

/* A random register of n providers with 3 indicators, groups all, type
 * and membership; values with many ties and near-ties (equal within the
 * SPEC tolerance), users with many ties. */
static s_hand_t *s_random_case(size_t n, int min_peers)
{
    s_hand_t *h = s_hand_new(min_peers);
    s_hand_indicator(h, "K-2", BL_DIR_HIGHER);
    s_hand_indicator(h, "K-1", BL_DIR_LOWER);
    s_hand_indicator(h, "K-3", BL_DIR_HIGHER);
    h->ind[0].ref_kind = BL_REF_VALUE;
    h->ind[0].ref_value = 0.3;
    h->ind[1].ref_kind = BL_REF_STAT;
    h->ind[1].ref_stat = BL_STAT_MEAN;
    h->ind[1].ref_group = "type";
    s_hand_group(h, "type", "service_type", NULL);
    s_hand_group(h, "all", NULL, NULL);
    s_hand_group(h, "member", "membership", NULL);
    const char *types[] = {"a", "b", "c"};
    const char *members[] = {"assurance", "excellence"};
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "NO-%03zu", i);
        size_t at = s_hand_provider(h, id, types[s_rng() % 3],
                                    (long long)(s_rng() % 8));
        snprintf(h->prov[at].membership, sizeof h->prov[at].membership,
                 "%s", members[s_rng() % 2]);
        for (int k = 0; k < 3; k++) {
            if (s_rng() % 5 == 0) {
                continue;
            }
            double v = (double)(s_rng() % 7) * 0.1;
            if (s_rng() % 4 == 0) {
                v *= 1 + 1e-12;  /* equal to its neighbour within 1e-9 */
            }
            s_hand_set(h, i, k, v);
        }
    }
    s_hand_run(h);
    return h;
}

Test(benchmark_compute, positions_agree_with_bl_stats, .timeout = 10)
{
    s_hand_t *h = s_random_case(60, 4);
    size_t nk = h->cat.n_indicators;
    cr_assert_gt(h->out.n_positions, 100);
    for (size_t x = 0; x < h->out.n_positions; x++) {
        bc_position_t p_whole = s_pos(&h->in, &h->out, x);
        const bc_position_t *p = &p_whole;
        const bc_stat_t *st = &h->out.stats[p->stat];
        bool higher = h->ind[p->indicator].direction == BL_DIR_HIGHER;
        double vals[S_MAX_PROV];
        size_t m = 0;
        for (size_t i = 0; i < h->in.n_providers; i++) {
            char key[BC_KEY_MAX];
            bc_group_key(&h->grp[p->group], &h->prov[i], key, sizeof key);
            double v = h->in.values[i * nk + (size_t)p->indicator];
            if (strcmp(key, st->group_key) == 0 && !isnan(v)) {
                vals[m++] = v;
            }
        }
        cr_assert_eq(st->s.n, m);
        bl_stats_sort(vals, m);
        bl_summary_t s;
        bl_stats_summarise(vals, m, &s);
        cr_assert_eq(s.mean, st->s.mean);
        cr_assert_eq(s.p25, st->s.p25);
        cr_assert_eq(p->percentile_rank,
                     bl_stats_percentile_rank(vals, m, p->value, higher),
                     "row %zu", x);
        cr_assert_eq(p->band, bl_stats_band(&s, p->value, higher));
        double z = 0.0;
        cr_assert_eq(p->has_z, bl_stats_z(&s, p->value, higher, &z));
        if (p->has_z) {
            cr_assert_eq(p->z, z);
        }
    }
    s_hand_free(h);
}

/* Brute force: the band-4 providers of every instance i belongs to, by
 * (other type, users difference, index). */
static size_t s_brute_partners(const s_hand_t *h, size_t i, int k,
                               size_t *out)
{
    bool cand[S_MAX_PROV] = {false};
    for (size_t x = 0; x < h->out.n_positions; x++) {
        bc_position_t p_whole = s_pos(&h->in, &h->out, x);
        const bc_position_t *p = &p_whole;
        if (p->indicator != k || p->band != 4 || p->provider == i) {
            continue;
        }
        char key[BC_KEY_MAX];
        bc_group_key(&h->grp[p->group], &h->prov[i], key, sizeof key);
        if (strcmp(key, h->out.stats[p->stat].group_key) == 0) {
            cand[p->provider] = true;
        }
    }
    size_t n = 0;
    for (size_t taken = 0; taken < BC_PARTNERS_MAX; taken++) {
        size_t best = SIZE_MAX;
        for (size_t j = 0; j < h->in.n_providers; j++) {
            if (!cand[j]) {
                continue;
            }
            if (best == SIZE_MAX) {
                best = j;
                continue;
            }
            bool sj = strcmp(h->prov[j].service_type,
                             h->prov[i].service_type) == 0;
            bool sb = strcmp(h->prov[best].service_type,
                             h->prov[i].service_type) == 0;
            long long dj = llabs(h->prov[j].users - h->prov[i].users);
            long long db = llabs(h->prov[best].users - h->prov[i].users);
            if ((sj && !sb) || (sj == sb && dj < db)) {
                best = j;  /* equal: the lower index stays */
            }
        }
        if (best == SIZE_MAX) {
            break;
        }
        out[n++] = best;
        cand[best] = false;
    }
    return n;
}

Test(benchmark_compute, areas_and_partners_agree_with_brute_force,
     .timeout = 10)
{
    for (int round = 0; round < 5; round++) {
        s_hand_t *h = s_random_case(60, 3);
        size_t nk = h->cat.n_indicators;
        size_t n_areas = 0;
        for (size_t i = 0; i < h->in.n_providers; i++) {
            const bc_provider_result_t *r = &h->out.providers[i];
            /* which indicators are areas and strengths, by brute force */
            bool area[S_MAX_IND] = {false};
            bool strong[S_MAX_IND] = {false};
            bool has_nz[S_MAX_IND] = {false};
            double nz[S_MAX_IND] = {0};
            for (size_t x = 0; x < h->out.n_positions; x++) {
                bc_position_t p_whole = s_pos(&h->in, &h->out, x);
                const bc_position_t *p = &p_whole;
                if (p->provider != i) {
                    continue;
                }
                int k = p->indicator;
                area[k] = area[k] || p->band == 1
                          || (p->has_reference && p->gap > 0
                              && !bl_stats_equal(p->value, p->reference));
                strong[k] = strong[k] || p->band == 4;
                if (p->has_z && (!has_nz[k] || -p->z > nz[k])) {
                    has_nz[k] = true;
                    nz[k] = -p->z;
                }
            }
            size_t want_areas = 0;
            size_t want_strengths = 0;
            for (size_t k = 0; k < nk; k++) {
                want_areas += area[k];
                want_strengths += strong[k];
            }
            cr_assert_eq(r->n_areas, want_areas);
            cr_assert_eq(r->n_strengths, want_strengths);
            for (size_t x = 0; x < r->n_strengths; x++) {
                cr_assert(strong[r->strengths[x]]);
                if (x > 0) {
                    cr_assert_lt(strcmp(h->ind[r->strengths[x - 1]].id,
                                        h->ind[r->strengths[x]].id), 0);
                }
            }
            for (size_t x = 0; x < r->n_areas; x++) {
                const bc_area_t *a = &r->areas[x];
                cr_assert(area[a->indicator]);
                cr_assert_eq(a->has_neg_z, has_nz[a->indicator]);
                if (a->has_neg_z) {
                    cr_assert_float_eq(a->neg_z, nz[a->indicator], 1e-15);
                }
                if (x > 0) {
                    const bc_area_t *b = &r->areas[x - 1];
                    bool ordered =
                        (b->has_neg_z && !a->has_neg_z)
                        || (b->has_neg_z && a->has_neg_z
                            && b->neg_z > a->neg_z)
                        || (b->has_neg_z == a->has_neg_z
                            && (!a->has_neg_z || b->neg_z == a->neg_z)
                            && strcmp(h->ind[b->indicator].id,
                                      h->ind[a->indicator].id) < 0);
                    cr_assert(ordered, "provider %zu area %zu", i, x);
                }
                size_t want[BC_PARTNERS_MAX];
                size_t nw = s_brute_partners(h, i, a->indicator, want);
                cr_assert_eq(a->n_partners, nw, "provider %zu", i);
                for (size_t q = 0; q < nw; q++) {
                    cr_assert_eq(a->partners[q], want[q],
                                 "provider %zu area %zu partner %zu", i, x,
                                 q);
                }
                n_areas++;
            }
        }
        cr_assert_gt(n_areas, 20);
        s_hand_free(h);
    }
}

/* ---- size --------------------------------------------------------------- */

Test(benchmark_compute, fifty_thousand_providers_computed_in_full,
     .timeout = 120)
{
    size_t n = 50000;
    size_t nk = 46;
    bl_catalogue_t cat;
    memset(&cat, 0, sizeof cat);
    bl_indicator_t *ind = calloc(nk, sizeof *ind);
    char (*ids)[16] = calloc(nk, sizeof *ids);
    cr_assert(ind != NULL && ids != NULL);
    for (size_t k = 0; k < nk; k++) {
        snprintf(ids[k], sizeof ids[k], "I-%02zu", nk - k);
        ind[k].id = ids[k];
        ind[k].direction = k % 3 == 0 ? BL_DIR_LOWER : BL_DIR_HIGHER;
        ind[k].ref_kind = k % 2 ? BL_REF_STAT : BL_REF_VALUE;
        ind[k].ref_stat = BL_STAT_P75;
        ind[k].ref_group = "national";
        ind[k].ref_value = 50.0;
        ind[k].survey = -1;
    }
    cat.n_indicators = nk;
    cat.indicators = ind;
    char *a_nat[] = {"country", "service_type"};
    char *a_cty[] = {"country"};
    bl_peer_group_t groups[] = {
        {"national", 2, a_nat}, {"country", 1, a_cty}, {"all", 0, NULL}};
    bl_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.catalogue = &cat;
    cfg.min_peers = 5;
    cfg.n_groups = 3;
    cfg.groups = groups;
    bc_provider_t *ps = calloc(n, sizeof *ps);
    double *values = malloc(n * nk * sizeof *values);
    cr_assert(ps != NULL && values != NULL);
    const char *types[] = {"vocational_rehabilitation", "residential_care",
                           "day_services", "home_care"};
    for (size_t i = 0; i < n; i++) {
        snprintf(ps[i].id, sizeof ps[i].id, "NO-%06zu", i);
        snprintf(ps[i].country, sizeof ps[i].country, "NO");
        snprintf(ps[i].service_type, sizeof ps[i].service_type, "%s",
                 types[s_rng() % 4]);
        ps[i].users = (long long)(s_rng() % 500);
        for (size_t k = 0; k < nk; k++) {
            values[i * nk + k] = s_rng() % 10 == 0
                                     ? NAN
                                     : (double)(s_rng() % 1000) / 10.0;
        }
    }
    bc_input_t in = {.cfg = &cfg, .period = 2025, .n_providers = n,
                     .providers = ps, .values = values};
    bc_output_t out;
    /* Speed is measured in bench/, not here: the timeout only catches
     * work that grows out of bounds (quadratic work would take hours). */
    cr_assert_eq(bc_compute(&in, &out, NULL), 0);
    /* 4 national instances + country + all, each indicator */
    cr_assert_eq(out.n_stats, nk * 6);
    /* every value appears once per group */
    size_t have = 0;
    for (size_t x = 0; x < n * nk; x++) {
        have += !isnan(values[x]);
    }
    cr_assert_eq(out.n_positions, 3 * have);
    /* 1035 pairs in each of the 6 instances (independent values: rho
     * near 0 but never constant) */
    cr_assert_eq(out.n_corrs, 6 * nk * (nk - 1) / 2);
    for (size_t i = 0; i < n; i += 997) {
        for (size_t x = 0; x < out.providers[i].n_areas; x++) {
            cr_assert_eq(out.providers[i].areas[x].n_partners, 3);
        }
    }
    bc_output_free(&out);
    cr_assert_null(out.stats);
    free(values);
    free(ps);
    free(ind);
    free(ids);
}

/* ---- groups that come back from another node -------------------------- */

/* The id of partner x of a national run: its own provider, or the
 * foreign one's order, which is its index in the single run. */
static const char *s_partner_id(const s_hand_t *single, const s_hand_t *nat,
                                size_t x)
{
    if (x < nat->in.n_providers) {
        return nat->prov[x].id;
    }
    const bc_foreign_t *f = &nat->in.foreign[x - nat->in.n_providers];
    cr_assert_lt(f->order, single->in.n_providers);
    if (f->share_identity) {
        cr_assert_str_eq(f->id, single->prov[f->order].id);
    } else {
        cr_assert_str_eq(f->id, "");
    }
    return single->prov[f->order].id;
}

/* A single node over NO and PT with groups national [country,
 * service_type], international [service_type] and all []; the same run
 * split: a NO node with the national group only, given the single run's
 * international and all instances, positions and band-4 members as the
 * link brings them back (foreign identity only when shared).  Areas (in
 * order), partners, strengths, references and gaps must be equal. */
Test(benchmark_compute, external_groups_give_what_one_node_would,
     .timeout = 30)
{
    size_t abroad = 0;
    for (int round = 0; round < 20; round++) {
        s_hand_t *single = s_hand_new(3);
        s_hand_t *nat = s_hand_new(3);
        s_hand_t *both[2] = {single, nat};
        for (int w = 0; w < 2; w++) {
            s_hand_indicator(both[w], "K-2", BL_DIR_HIGHER);
            s_hand_indicator(both[w], "K-1", BL_DIR_LOWER);
            s_hand_indicator(both[w], "K-3", BL_DIR_HIGHER);
            both[w]->ind[1].ref_kind = BL_REF_STAT;
            both[w]->ind[1].ref_stat = BL_STAT_P50;
            both[w]->ind[1].ref_group = "international";
            s_hand_group(both[w], "national", "country", "service_type");
        }
        int gi = s_hand_group(single, "international", "service_type",
                              NULL);
        int ga = s_hand_group(single, "all", NULL, NULL);
        const char *types[] = {"a", "b", "c"};
        size_t n_no = 0;
        for (size_t i = 0; i < 60; i++) {
            char id[32];
            const char *cc = i < 30 ? "NO" : "PT";
            snprintf(id, sizeof id, "%s-%03zu", cc, i);
            const char *st = types[s_rng() % 3];
            long long users = (long long)(s_rng() % 6);
            bool share = s_rng() % 2 == 0;
            double v[3];
            for (int k = 0; k < 3; k++) {
                v[k] = s_rng() % 5 == 0 ? NAN
                                        : (double)(s_rng() % 9) * 0.1;
            }
            for (int w = 0; w < (i < 30 ? 2 : 1); w++) {
                size_t at = s_hand_provider(both[w], id, st, users);
                bc_provider_t *p = &both[w]->prov[at];
                snprintf(p->country, sizeof p->country, "%s", cc);
                p->share_identity = share;
                for (int k = 0; k < 3; k++) {
                    s_hand_set(both[w], at, k, v[k]);
                }
            }
            n_no += i < 30;
        }
        s_hand_run(single);
        /* what comes back over the link */
        static bc_ext_instance_t inst[256];
        static bc_ext_position_t pos[1024];
        static bc_foreign_t foreign[64];
        static bc_member_t members[1024];
        size_t n_inst = 0, n_pos = 0, n_foreign = 0, n_members = 0;
        bl_peer_group_t xg[2] = {single->grp[gi], single->grp[ga]};
        for (size_t s = 0; s < single->out.n_stats; s++) {
            const bc_stat_t *st = &single->out.stats[s];
            if (st->group != gi && st->group != ga) {
                continue;
            }
            cr_assert_lt(n_inst, 256);
            bc_ext_instance_t *e = &inst[n_inst];
            memset(e, 0, sizeof *e);
            e->indicator = st->indicator;
            e->group = st->group == gi ? 0 : 1;
            memcpy(e->group_key, st->group_key, BC_KEY_MAX);
            e->s = st->s;
            e->band4 = &members[n_members];
            for (size_t x = 0; x < single->out.n_positions; x++) {
                bc_position_t q_whole = s_pos(&single->in, &single->out, x);
                const bc_position_t *q = &q_whole;
                if (q->stat != s) {
                    continue;
                }
                if (q->provider < n_no) {
                    cr_assert_lt(n_pos, 1024);
                    pos[n_pos++] = (bc_ext_position_t){
                        q->provider, n_inst, q->value, q->percentile_rank,
                        q->band, q->has_z, q->z, q->has_reference,
                        q->reference, q->gap};
                }
                if (q->band != 4) {
                    continue;
                }
                cr_assert_lt(n_members, 1024);
                if (q->provider < n_no) {
                    members[n_members++] = (bc_member_t){true, q->provider};
                    e->n_band4++;
                    continue;
                }
                size_t f = 0;
                while (f < n_foreign && foreign[f].order != q->provider) {
                    f++;
                }
                if (f == n_foreign) {
                    const bc_provider_t *p = &single->prov[q->provider];
                    bc_foreign_t *nf = &foreign[n_foreign++];
                    memset(nf, 0, sizeof *nf);
                    if (p->share_identity) {
                        snprintf(nf->id, sizeof nf->id, "%s", p->id);
                    }
                    snprintf(nf->country, sizeof nf->country, "%s",
                             p->country);
                    snprintf(nf->service_type, sizeof nf->service_type,
                             "%s", p->service_type);
                    nf->share_identity = p->share_identity;
                    nf->users = p->users;
                    nf->order = q->provider;
                }
                members[n_members++] = (bc_member_t){false, f};
                e->n_band4++;
            }
            n_inst++;
        }
        nat->in.n_ext_groups = 2;
        nat->in.ext_groups = xg;
        nat->in.n_ext_instances = n_inst;
        nat->in.ext_instances = inst;
        nat->in.n_ext_positions = n_pos;
        nat->in.ext_positions = pos;
        nat->in.n_foreign = n_foreign;
        nat->in.foreign = foreign;
        s_hand_run(nat);
        for (size_t i = 0; i < n_no; i++) {
            const bc_provider_result_t *a = &single->out.providers[i];
            const bc_provider_result_t *b = &nat->out.providers[i];
            cr_assert_eq(b->n_areas, a->n_areas, "round %d %s", round,
                         single->prov[i].id);
            for (size_t x = 0; x < a->n_areas; x++) {
                cr_assert_eq(b->areas[x].indicator, a->areas[x].indicator);
                cr_assert_eq(b->areas[x].n_partners, a->areas[x].n_partners,
                             "round %d %s area %zu", round,
                             single->prov[i].id, x);
                for (size_t j = 0; j < a->areas[x].n_partners; j++) {
                    const char *want =
                        single->prov[a->areas[x].partners[j]].id;
                    const char *got =
                        s_partner_id(single, nat, b->areas[x].partners[j]);
                    cr_assert_str_eq(got, want, "round %d %s area %zu",
                                     round, single->prov[i].id, x);
                    abroad += strncmp(want, "PT", 2) == 0;
                }
            }
            cr_assert_eq(b->n_strengths, a->n_strengths);
            for (size_t x = 0; x < a->n_strengths; x++) {
                cr_assert_eq(b->strengths[x], a->strengths[x]);
            }
            /* the national group's reference to the international p50 */
            for (int k = 0; k < 3; k++) {
                const bc_position_t *p = s_find_pos(single, k, 0, i);
                const bc_position_t *q = s_find_pos(nat, k, 0, i);
                cr_assert_eq(p == NULL, q == NULL);
                if (p != NULL) {
                    cr_assert_eq(q->has_reference, p->has_reference);
                    cr_assert_eq(q->reference, p->reference);
                    cr_assert_eq(q->gap, p->gap);
                }
            }
        }
        s_hand_free(single);
        s_hand_free(nat);
    }
    cr_assert_gt(abroad, 0, "no partner abroad");
}

/* bc_id_index finds every provider (also among many that share hash
 * slots) and nothing else, as bc_find_provider does. */
/* ...and gives each provider's id from its packed copy. */
Test(benchmark_compute, the_id_index_finds_what_the_binary_search_finds,
     .timeout = 10)
{
    enum { N = 5000 };
    static bc_provider_t ps[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(ps[i].id, sizeof ps[i].id, "NO-%05zu", i);
    }
    bc_id_index_t x;
    cr_assert_eq(bc_id_index_build(&x, ps, N), 0);
    for (size_t i = 0; i < N; i++) {
        cr_assert_eq(bc_id_index_find_n(&x, ps[i].id, strlen(ps[i].id)),
                     (long)i);
        cr_assert_eq(bc_find_provider(ps, N, ps[i].id), (long)i);
        size_t len;
        const char *id = bc_id_index_id(&x, i, &len);
        cr_assert_str_eq(id, ps[i].id);
        cr_assert_eq(len, strlen(ps[i].id));
    }
    cr_assert_eq(bc_id_index_find_n(&x, "NO-99999", 8), -1);
    cr_assert_eq(bc_id_index_find_n(&x, "", 0), -1);
    bc_id_index_free(&x);
    cr_assert_eq(bc_id_index_find_n(&x, ps[0].id, strlen(ps[0].id)), -1,
                 "freed: finds nothing");
    cr_assert_eq(bc_id_index_build(&x, ps, 0), 0);
    cr_assert_eq(bc_id_index_find_n(&x, ps[0].id, strlen(ps[0].id)), -1);
    bc_id_index_free(&x);
}
