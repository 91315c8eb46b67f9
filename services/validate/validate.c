/*
 * validate: row outcomes, cross-row checks and forwarding (see validate.h).
 *
 * Store (keys use \x1f between parts):
 *   subs      sub -> {file, delimiter, dry_run, header, state, rows,
 *                     accepted, warned, rejected}
 *   outcomes  sub \0 line(8) -> [status, [[error?, field, reason]...]]
 *   keys      sub \0 row key -> line(8): the first line of each key
 *   register  provider -> [name, country, service_type, users, staff,
 *                          membership, member_since, share_identity]
 *   vals      period \x1f indicator \x1f provider \x1f unit -> 3 doubles
 *             (numerator, denominator, value; NaN when absent)
 *   gvals     period \x1f indicator \x1f group key \x1f provider -> value,
 *             line, numerator flag, submission (see s_read_group)
 *   closed    period -> close generation (8 bytes)
 *   surveys   period \x1f provider \x1f survey -> "" once it sent answers
 *   rowstate  row key -> "" while the row's latest version is rejected
 *   rejected  period \x1f provider -> rows still rejected (msgpack uint)
 *   touched   sub \0 gvals group prefix -> "": groups to judge at its end
 * Records for aggregation are partitioned by provider over its workers.
 * Improvement actions and practices (validate_learning.c) are checked and
 * passed on like indicator rows, but are accepted for a closed period.
 */
#include "validate.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bl_layout.h"
#include "bl_log.h"
#include "bl_page.h"
#include "bl_stats.h"
#include "validate_expr.h"
#include "validate_learning.h"
#include "validate_row.h"

enum { DB_SUBS = 0, DB_OUTCOMES, DB_KEYS, DB_REGISTER, DB_VALS, DB_GVALS,
       DB_CLOSED, DB_SURVEYS, DB_ROWSTATE, DB_REJECTED, DB_TOUCHED };
static const char *const s_dbs[] = {"subs",     "outcomes", "keys",
                                    "register", "vals",     "gvals",
                                    "closed",   "surveys",  "rowstate",
                                    "rejected", "touched"};

#define S_SUB_MAX 64
#define S_KEY_MAX BL_STORE_KEY_MAX
#define S_OUTLIER_MIN 10

typedef struct s_rule {
    const bl_rule_t *def;
    validate_expr_t *left, *right;
} s_rule_t;

/* What validation remembers of one submission. */
typedef struct s_sub {
    char id[S_SUB_MAX];
    char file[1024];
    bool dry_run;
    char delimiter;
    char state[16];            /* open, complete */
    uint64_t rows, accepted, warned, rejected;
    size_t n_header;
    char **header;
    bl_layout_t layout;
    int layout_ok;
} s_sub_t;

typedef struct s_candidate s_candidate_t;

typedef struct s_reg {
    bool found;
    char country[3];
    char service_type[64];
    char membership[16];
    bool share_identity;
    double users, staff;
} s_reg_t;

/* The last provider and period looked up, for runs of rows of one
 * provider.  Valid for one message: reset when a message starts. */
typedef struct s_lookup {
    bool valid;
    char provider[VR_ID_MAX];
    s_reg_t reg;
    int period;                /* 0 = none yet */
    bool closed;
    char survey_key[S_KEY_MAX];  /* the last "surveys" key written */
} s_lookup_t;

typedef struct validate {
    bl_daemon_t *d;
    const bl_config_t *cfg;
    int national_group;        /* peer group for outliers, -1 none */
    s_rule_t *rules;
    size_t n_rules;
    s_sub_t sub;               /* cache of the last submission used */
    bl_mpw_t w;                /* scratch */
    bl_mpw_t lanes[BL_OUTBOX_LANES_MAX];  /* records per aggregation lane */
    uint32_t lane_count[BL_OUTBOX_LANES_MAX];
    int current_year;
    s_candidate_t *cand;       /* values to judge for outliers */
    s_lookup_t lookup;         /* see s_provider_checks */
    struct {
        bool valid;            /* the row has a key */
        bool repeat;           /* it repeats a key of its file */
        char key[S_KEY_MAX];
        char provider[VR_ID_MAX];
        int period;
    } track;                   /* the row being judged, see s_track */
    size_t n_cand, cap_cand;
    bool not_mine;             /* the row being judged belongs to another
                                  validation worker (broadcast register) */
} validate_t;

/* ---- small helpers ------------------------------------------------------ */

static size_t s_sub_key(const char *sub, const void *rest, size_t rest_len,
                        unsigned char *key, size_t size)
{
    size_t l = strlen(sub);
    if (l + 1 + rest_len > size) {
        return 0;
    }
    memcpy(key, sub, l);
    key[l] = '\0';
    memcpy(key + l + 1, rest, rest_len);
    return l + 1 + rest_len;
}

static void s_sub_free(s_sub_t *s)
{
    for (size_t i = 0; i < s->n_header; i++) {
        free(s->header[i]);
    }
    free(s->header);
    memset(s, 0, sizeof *s);
}

/* ---- submission state --------------------------------------------------- */

static int s_sub_save(validate_t *v, MDB_txn *txn, const s_sub_t *s,
                      bl_err_t *err)
{
    bl_mpw_t *w = &v->w;
    bl_mpw_reset(w);
    bl_mpw_map(w, 9);
    bl_mpw_str(w, "file");
    bl_mpw_str(w, s->file);
    bl_mpw_str(w, "delimiter");
    bl_mpw_strn(w, &s->delimiter, 1);
    bl_mpw_str(w, "dry_run");
    bl_mpw_bool(w, s->dry_run);
    bl_mpw_str(w, "state");
    bl_mpw_str(w, s->state);
    bl_mpw_str(w, "rows");
    bl_mpw_uint(w, s->rows);
    bl_mpw_str(w, "accepted");
    bl_mpw_uint(w, s->accepted);
    bl_mpw_str(w, "warned");
    bl_mpw_uint(w, s->warned);
    bl_mpw_str(w, "rejected");
    bl_mpw_uint(w, s->rejected);
    bl_mpw_str(w, "header");
    bl_mpw_array(w, (uint32_t)s->n_header);
    for (size_t i = 0; i < s->n_header; i++) {
        bl_mpw_str(w, s->header[i]);
    }
    if (w->err) {
        return bl_err_set(err, w->err, "cannot encode submission");
    }
    return bl_store_put(txn, bl_daemon_dbi(v->d, DB_SUBS), s->id,
                        strlen(s->id), bl_mpw_data(w), bl_mpw_size(w), err);
}

/* Reads the header array at r into s. */
static int s_read_header(bl_mpr_t *r, s_sub_t *s)
{
    uint32_t n;
    if (bl_mpr_array(r, &n) != 0 || n > BL_LAYOUT_COLUMNS_MAX) {
        return BL_EPROTO;
    }
    s->header = calloc(n ? n : 1, sizeof *s->header);
    if (s->header == NULL) {
        return BL_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *f;
        uint32_t fl;
        if (bl_mpr_str(r, &f, &fl) != 0) {
            return BL_EPROTO;
        }
        s->header[i] = strndup(f, fl);
        if (s->header[i] == NULL) {
            return BL_ENOMEM;
        }
        s->n_header = i + 1;
    }
    return 0;
}

static int s_sub_parse(validate_t *v, const void *data, size_t len,
                       s_sub_t *s)
{
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    s->delimiter = ',';
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return BL_EPROTO;
        }
        int rc = 0;
        if (bl_mp_str_eq(k, kl, "file")) {
            rc = bl_mpr_str_copy(&r, s->file, sizeof s->file);
        } else if (bl_mp_str_eq(k, kl, "sub")) {
            rc = bl_mpr_str_copy(&r, s->id, sizeof s->id);
        } else if (bl_mp_str_eq(k, kl, "delimiter")) {
            char d[4];
            rc = bl_mpr_str_copy(&r, d, sizeof d);
            s->delimiter = d[0] == ';' ? ';' : ',';
        } else if (bl_mp_str_eq(k, kl, "dry_run")) {
            rc = bl_mpr_bool(&r, &s->dry_run);
        } else if (bl_mp_str_eq(k, kl, "state")) {
            rc = bl_mpr_str_copy(&r, s->state, sizeof s->state);
        } else if (bl_mp_str_eq(k, kl, "rows")) {
            rc = bl_mpr_uint(&r, &s->rows);
        } else if (bl_mp_str_eq(k, kl, "accepted")) {
            rc = bl_mpr_uint(&r, &s->accepted);
        } else if (bl_mp_str_eq(k, kl, "warned")) {
            rc = bl_mpr_uint(&r, &s->warned);
        } else if (bl_mp_str_eq(k, kl, "rejected")) {
            rc = bl_mpr_uint(&r, &s->rejected);
        } else if (bl_mp_str_eq(k, kl, "header")) {
            rc = s_read_header(&r, s);
        } else {
            rc = bl_mpr_skip(&r);
        }
        if (rc != 0) {
            return rc;
        }
    }
    bl_diags_t diags = {0};
    s->layout_ok = bl_layout_from_header(v->cfg->catalogue, s->file,
                                         (const char *const *)s->header,
                                         s->n_header, &s->layout,
                                         &diags) == 0;
    bl_diags_clear(&diags);
    return 0;
}

/* Loads submission id into the cache (v->sub). */
static int s_sub_load(validate_t *v, MDB_txn *txn, const char *id,
                      bl_err_t *err)
{
    MDB_val val;
    int rc = bl_store_get(txn, bl_daemon_dbi(v->d, DB_SUBS), id, strlen(id),
                          &val, err);
    if (rc != 0) {
        return rc;
    }
    s_sub_free(&v->sub);
    rc = s_sub_parse(v, val.mv_data, val.mv_size, &v->sub);
    snprintf(v->sub.id, sizeof v->sub.id, "%s", id);
    if (rc != 0) {
        s_sub_free(&v->sub);
        return bl_err_set(err, BL_ESTORE, "submission %s is corrupt", id);
    }
    return 0;
}

/* ---- register ----------------------------------------------------------- */


static int s_reg_get(validate_t *v, MDB_txn *txn, const char *provider,
                     s_reg_t *out, bl_err_t *err)
{
    memset(out, 0, sizeof *out);
    MDB_val val;
    int rc = bl_store_get(txn, bl_daemon_dbi(v->d, DB_REGISTER), provider,
                          strlen(provider), &val, err);
    if (rc == BL_ENOTFOUND) {
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, val.mv_data, val.mv_size);
    uint32_t n;
    int64_t users, staff;
    bl_mpr_array(&r, &n);
    bl_mpr_skip(&r); /* name */
    bl_mpr_str_copy(&r, out->country, sizeof out->country);
    bl_mpr_str_copy(&r, out->service_type, sizeof out->service_type);
    bl_mpr_int(&r, &users);
    bl_mpr_int(&r, &staff);
    bl_mpr_str_copy(&r, out->membership, sizeof out->membership);
    bl_mpr_skip(&r); /* member_since */
    bl_mpr_bool(&r, &out->share_identity);
    if (r.err || n != 8) {
        return bl_err_set(err, BL_ESTORE, "register entry %s is corrupt",
                          provider);
    }
    out->users = (double)users;
    out->staff = (double)staff;
    out->found = true;
    return 0;
}

static void s_write_register(bl_mpw_t *w, const vr_register_t *g)
{
    bl_mpw_array(w, 8);
    bl_mpw_str(w, g->name);
    bl_mpw_str(w, g->country);
    bl_mpw_str(w, g->service_type);
    bl_mpw_int(w, g->users);
    bl_mpw_int(w, g->staff);
    bl_mpw_str(w, g->membership);
    bl_mpw_str(w, g->member_since);
    bl_mpw_bool(w, g->share_identity);
}

/* The group key of a provider in peer group g ("NO/residential_care"). */
static void s_group_key(const validate_t *v, int g, const s_reg_t *reg,
                        char *buf, size_t size)
{
    buf[0] = '\0';
    if (g < 0) {
        return;
    }
    bl_group_attrs_t a = {reg->country, reg->service_type, reg->membership,
                          reg->share_identity};
    bl_group_key(&v->cfg->groups[g], &a, buf, size);
}

/* ---- outcome storage ---------------------------------------------------- */

static int s_store_outcome(validate_t *v, MDB_txn *txn, uint64_t line,
                           const vr_outcome_t *o, bl_err_t *err)
{
    s_sub_t *s = &v->sub;
    int status = o->rejected ? 2 : (o->n > 0 ? 1 : 0);
    if (status == 2) {
        s->rejected++;
    } else if (status == 1) {
        s->warned++;
    } else {
        s->accepted++;
    }
    bl_mpw_t *w = &v->w;
    bl_mpw_reset(w);
    bl_mpw_array(w, 2);
    bl_mpw_uint(w, (uint64_t)status);
    bl_mpw_array(w, (uint32_t)o->n);
    for (size_t i = 0; i < o->n; i++) {
        bl_mpw_array(w, 3);
        bl_mpw_bool(w, o->items[i].error);
        bl_mpw_str(w, o->items[i].field);
        bl_mpw_str(w, o->items[i].reason);
    }
    unsigned char lk[8];
    bl_store_u64_key(line, lk);
    unsigned char key[S_SUB_MAX + 9];
    size_t kl = s_sub_key(s->id, lk, sizeof lk, key, sizeof key);
    return bl_store_put(txn, bl_daemon_dbi(v->d, DB_OUTCOMES), key, kl,
                        bl_mpw_data(w), bl_mpw_size(w), err);
}

/* Notes the key of the row being judged, for s_track. */
static void s_track_row(validate_t *v, const char *key, const char *provider,
                        int period)
{
    size_t kl = strlen(key), pl = strlen(provider);
    if (kl >= sizeof v->track.key || pl >= sizeof v->track.provider) {
        return;
    }
    v->track.valid = true;
    memcpy(v->track.key, key, kl + 1);
    memcpy(v->track.provider, provider, pl + 1);
    v->track.period = period;
}

/* Keeps "rows still rejected" per provider and period: a rejected row
 * counts until a later version of it (same key) is accepted.  A row that
 * only repeats a key of its own file does not count: its first line
 * stands. */
static int s_track(validate_t *v, MDB_txn *txn, bool rejected, bl_err_t *err)
{
    if (!v->track.valid || v->track.repeat || v->sub.dry_run) {
        return 0;
    }
    MDB_dbi state = bl_daemon_dbi(v->d, DB_ROWSTATE);
    size_t kl = strlen(v->track.key);
    MDB_val val;
    int rc = bl_store_get(txn, state, v->track.key, kl, &val, err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    bool was = rc == 0;
    if (was == rejected) {
        return 0;
    }
    rc = rejected ? bl_store_put(txn, state, v->track.key, kl, "", 0, err)
                  : bl_store_del(txn, state, v->track.key, kl, err);
    if (rc != 0) {
        return rc;
    }
    char p[24], key[S_KEY_MAX];
    snprintf(p, sizeof p, "%d", v->track.period);
    const char *parts[] = {p, v->track.provider};
    size_t pl = bl_page_join(key, sizeof key, parts, 2);
    MDB_dbi count_db = bl_daemon_dbi(v->d, DB_REJECTED);
    uint64_t n = 0;
    if (bl_store_get(txn, count_db, key, pl, &val, NULL) == 0) {
        bl_mpr_t r;
        bl_mpr_init(&r, val.mv_data, val.mv_size);
        bl_mpr_uint(&r, &n);
    }
    n = rejected ? n + 1 : (n > 0 ? n - 1 : 0);
    if (n == 0) {
        return bl_store_del(txn, count_db, key, pl, err);
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_uint(&w, n);
    rc = bl_store_put(txn, count_db, key, pl, bl_mpw_data(&w),
                      bl_mpw_size(&w), err);
    bl_mpw_destroy(&w);
    return rc;
}

/* Records key's first line in this file; reports a repeat. */
static int s_check_repeat(validate_t *v, MDB_txn *txn, const char *rowkey,
                          uint64_t line, const char *field, vr_outcome_t *o,
                          bl_err_t *err)
{
    unsigned char key[S_KEY_MAX + S_SUB_MAX + 2];
    size_t kl = s_sub_key(v->sub.id, rowkey, strlen(rowkey), key, sizeof key);
    if (kl == 0 || kl > BL_STORE_KEY_MAX) {
        vr_add(o, true, field, "the row's key is too long");
        return 0;
    }
    MDB_val val;
    int rc = bl_store_get(txn, bl_daemon_dbi(v->d, DB_KEYS), key, kl, &val,
                          err);
    if (rc == 0 && val.mv_size == 8) {
        uint64_t first = bl_store_u64_from(val.mv_data);
        if (first != line) {
            vr_add(o, true, field,
                   "repeats the key of line %" PRIu64 " in this file", first);
            v->track.repeat = true;
        }
        return 0;
    }
    if (rc != BL_ENOTFOUND && rc != 0) {
        return rc;
    }
    unsigned char lv[8];
    bl_store_u64_key(line, lv);
    return bl_store_put(txn, bl_daemon_dbi(v->d, DB_KEYS), key, kl, lv,
                        sizeof lv, err);
}

/* ---- records for aggregation -------------------------------------------- */

static bl_mpw_t *s_lane_for(validate_t *v, const char *provider)
{
    bl_outbox_t *ob = bl_daemon_outbox(v->d);
    size_t lane = bl_outbox_lane_for(ob, provider, strlen(provider));
    v->lane_count[lane]++;
    return &v->lanes[lane];
}

static int s_flush_lanes(validate_t *v, MDB_txn *txn, bl_err_t *err)
{
    bl_outbox_t *ob = bl_daemon_outbox(v->d);
    for (size_t l = 0; l < bl_outbox_lanes(ob); l++) {
        if (v->lane_count[l] == 0) {
            continue;
        }
        bl_mpw_t *w = &v->w;
        bl_mpw_reset(w);
        bl_mpw_map(w, 2);
        bl_mpw_str(w, "sub");
        bl_mpw_str(w, v->sub.id);
        bl_mpw_str(w, "recs");
        bl_mpw_array(w, v->lane_count[l]);
        bl_mpw_raw(w, bl_mpw_data(&v->lanes[l]), bl_mpw_size(&v->lanes[l]));
        if (w->err || v->lanes[l].err) {
            return bl_err_set(err, BL_ENOMEM, "cannot encode records");
        }
        int rc = bl_outbox_put(ob, txn, l, BL_MSG_RECORDS, bl_mpw_data(w),
                               bl_mpw_size(w), err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static void s_reset_lanes(validate_t *v)
{
    for (size_t l = 0; l < BL_OUTBOX_LANES_MAX; l++) {
        bl_mpw_reset(&v->lanes[l]);
        v->lane_count[l] = 0;
    }
}

/* ---- cross-row checks of indicator values -------------------------------- */

static size_t s_vals_key(char *buf, size_t size, int period,
                         const char *indicator, const char *provider,
                         const char *unit)
{
    char p[24];
    snprintf(p, sizeof p, "%d", period);
    const char *parts[] = {p, indicator, provider, unit};
    return bl_page_join(buf, size, parts, 4);
}

static int s_vals_get(validate_t *v, MDB_txn *txn, int period,
                      const char *indicator, const char *provider,
                      const char *unit, double out[3], bl_err_t *err)
{
    char key[S_KEY_MAX];
    size_t kl = s_vals_key(key, sizeof key, period, indicator, provider, unit);
    MDB_val val;
    int rc = bl_store_get(txn, bl_daemon_dbi(v->d, DB_VALS), key, kl, &val,
                          err);
    if (rc != 0) {
        return rc;
    }
    if (val.mv_size != 3 * sizeof(double)) {
        return BL_ENOTFOUND;
    }
    memcpy(out, val.mv_data, 3 * sizeof(double));
    return 0;
}

/* A provider-level value to judge against its national peer group once
 * the batch it came in is stored. */
struct s_candidate {
    uint64_t line;
    char prefix[S_KEY_MAX];    /* period \x1f indicator \x1f group key \x1f */
    size_t pl;
    double value;
    bool numerator;            /* the value came from a ratio */
    bool dry;                  /* a dry run: the value is not stored */
};

static int s_add_candidate(validate_t *v, uint64_t line,
                           const vr_indicator_row_t *row, const s_reg_t *reg,
                           bl_err_t *err)
{
    if (v->national_group < 0 || row->unit[0] != '\0' || !row->has_value) {
        return 0;
    }
    if (v->n_cand == v->cap_cand) {
        size_t cap = v->cap_cand ? v->cap_cand * 2 : 256;
        s_candidate_t *c = realloc(v->cand, cap * sizeof *c);
        if (c == NULL) {
            return bl_err_set(err, BL_ENOMEM, "out of memory");
        }
        v->cand = c;
        v->cap_cand = cap;
    }
    s_candidate_t *c = &v->cand[v->n_cand];
    char gk[256], p[24];
    s_group_key(v, v->national_group, reg, gk, sizeof gk);
    snprintf(p, sizeof p, "%d", row->period);
    const char *parts[] = {p, v->cfg->catalogue->indicators[row->indicator].id,
                           gk, ""};
    c->pl = bl_page_join(c->prefix, sizeof c->prefix, parts, 4);
    if (c->pl == 0) {
        return 0;
    }
    c->line = line;
    c->value = row->value;
    c->numerator = row->has_num;
    c->dry = v->sub.dry_run;
    v->n_cand++;
    return 0;
}

static int s_cmp_candidate(const void *a, const void *b)
{
    const s_candidate_t *x = a, *y = b;
    int c = strcmp(x->prefix, y->prefix);
    return c ? c : (x->line < y->line ? -1 : x->line > y->line);
}

/* Adds a warning to the stored outcome of line (it was accepted, or had
 * warnings already). */
static int s_amend_outcome(validate_t *v, MDB_txn *txn, uint64_t line,
                           const char *field, const char *reason,
                           bl_err_t *err)
{
    unsigned char lk[8];
    bl_store_u64_key(line, lk);
    unsigned char key[S_SUB_MAX + 9];
    size_t kl = s_sub_key(v->sub.id, lk, sizeof lk, key, sizeof key);
    MDB_val val;
    int rc = bl_store_get(txn, bl_daemon_dbi(v->d, DB_OUTCOMES), key, kl,
                          &val, err);
    if (rc != 0) {
        return rc == BL_ENOTFOUND ? 0 : rc;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, val.mv_data, val.mv_size);
    uint32_t two, np;
    uint64_t status;
    if (bl_mpr_array(&r, &two) || bl_mpr_uint(&r, &status) ||
        bl_mpr_array(&r, &np) || status == 2) {
        return 0;
    }
    bl_mpw_t *w = &v->w;
    bl_mpw_reset(w);
    bl_mpw_array(w, 2);
    bl_mpw_uint(w, 1);
    bl_mpw_array(w, np + 1);
    bl_mpw_raw(w, r.p, (size_t)(r.end - r.p));
    bl_mpw_array(w, 3);
    bl_mpw_bool(w, false);
    bl_mpw_str(w, field);
    bl_mpw_str(w, reason);
    if (status == 0) {
        v->sub.accepted--;
        v->sub.warned++;
    }
    return bl_store_put(txn, bl_daemon_dbi(v->d, DB_OUTCOMES), key, kl,
                        bl_mpw_data(w), bl_mpw_size(w), err);
}

/* The median and MAD of xs (n >= S_OUTLIER_MIN; xs is reordered).  False
 * when the group is too small or has no spread. */
static bool s_median_mad(double *xs, size_t n, double *med, double *mad)
{
    if (n < S_OUTLIER_MIN) {
        return false;
    }
    bl_stats_sort(xs, n);
    *med = bl_stats_quantile(xs, n, 0.5);
    for (size_t x = 0; x < n; x++) {
        xs[x] = fabs(xs[x] - *med);
    }
    bl_stats_sort(xs, n);
    *mad = bl_stats_quantile(xs, n, 0.5);
    return *mad > 0;
}

/* Warns line if value is an outlier by the modified z-score (the issue's
 * robust rule: |0.6745 (x - median) / MAD| > 3.5) among n peers. */
static int s_warn_outlier(validate_t *v, MDB_txn *txn, uint64_t line,
                          bool numerator, double value, size_t n, double med,
                          double mad, bl_err_t *err)
{
    double mz = 0.6745 * (value - med) / mad;
    if (fabs(mz) <= 3.5) {
        return 0;
    }
    char reason[VR_REASON_MAX];
    snprintf(reason, sizeof reason,
             "%.10g is an outlier among %zu %s peers (modified z-score %.1f, "
             "median %.10g)",
             value, n, v->cfg->groups[v->national_group].id, mz, med);
    return s_amend_outcome(v, txn, line, numerator ? "numerator" : "value",
                           reason, err);
}

/* A group's stored values (gvals: 8-byte value, 8-byte line, 1 byte
 * numerator flag, then the submission id), with the entries of one
 * submission picked out. */
typedef struct s_group_read {
    double *xs;             /* every value of the group */
    size_t n, cap;
    struct s_mine {
        uint64_t line;
        double value;
        bool numerator;
    } *mine;                /* the submission's own rows */
    size_t n_mine, cap_mine;
} s_group_read_t;

static int s_read_group(validate_t *v, MDB_txn *txn, const char *prefix,
                        size_t pl, const char *sub, s_group_read_t *g,
                        bl_err_t *err)
{
    g->n = 0;
    g->n_mine = 0;
    size_t sl = sub ? strlen(sub) : 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, bl_daemon_dbi(v->d, DB_GVALS), &cur);
    if (rc != 0) {
        return bl_err_set(err, BL_ESTORE, "mdb_cursor_open: %s",
                          mdb_strerror(rc));
    }
    MDB_val k = {pl, (void *)prefix}, val;
    int mrc = mdb_cursor_get(cur, &k, &val, MDB_SET_RANGE);
    rc = 0;
    while (mrc == 0 && k.mv_size >= pl && memcmp(k.mv_data, prefix, pl) == 0) {
        if (val.mv_size >= 17) {
            if (g->n + 1 >= g->cap) {
                size_t cap = g->cap ? g->cap * 2 : 1024;
                double *nx = realloc(g->xs, cap * sizeof *nx);
                if (nx == NULL) {
                    rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                    break;
                }
                g->xs = nx;
                g->cap = cap;
            }
            const unsigned char *d = val.mv_data;
            double x;
            memcpy(&x, d, sizeof x);
            g->xs[g->n++] = x;
            if (sub && val.mv_size == 17 + sl && memcmp(d + 17, sub, sl) == 0) {
                if (g->n_mine == g->cap_mine) {
                    size_t cap = g->cap_mine ? g->cap_mine * 2 : 64;
                    struct s_mine *nm = realloc(g->mine, cap * sizeof *nm);
                    if (nm == NULL) {
                        rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                        break;
                    }
                    g->mine = nm;
                    g->cap_mine = cap;
                }
                struct s_mine *m = &g->mine[g->n_mine++];
                memcpy(&m->line, d + 8, 8);
                m->value = x;
                m->numerator = d[16] != 0;
            }
        }
        mrc = mdb_cursor_get(cur, &k, &val, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc;
}

/* After each message.  A real submission's values are judged when the
 * submission ends (s_judge_submission): here the peer groups it touched
 * are recorded.  A dry run stores no values, so its rows are judged now,
 * against the stored group and the dry run's own values. */
static int s_judge_outliers(validate_t *v, MDB_txn *txn, bl_err_t *err)
{
    if (v->n_cand == 0) {
        return 0;  /* (and qsort must not see the NULL of an empty list) */
    }
    qsort(v->cand, v->n_cand, sizeof *v->cand, s_cmp_candidate);
    s_group_read_t g;
    memset(&g, 0, sizeof g);
    int rc = 0;
    for (size_t i = 0; i < v->n_cand && rc == 0;) {
        size_t j = i;
        while (j < v->n_cand &&
               strcmp(v->cand[j].prefix, v->cand[i].prefix) == 0) {
            j++;
        }
        if (!v->cand[i].dry) {
            unsigned char key[S_SUB_MAX + S_KEY_MAX + 1];
            size_t kl = s_sub_key(v->sub.id, v->cand[i].prefix,
                                  v->cand[i].pl, key, sizeof key);
            rc = kl ? bl_store_put(txn, bl_daemon_dbi(v->d, DB_TOUCHED), key,
                                   kl, "", 0, err)
                    : 0;
            i = j;
            continue;
        }
        rc = s_read_group(v, txn, v->cand[i].prefix, v->cand[i].pl, NULL, &g,
                          err);
        for (size_t c = i; c < j && rc == 0; c++) {
            if (g.n + 1 >= g.cap) {
                size_t cap = g.cap ? g.cap * 2 : 1024;
                double *nx = realloc(g.xs, cap * sizeof *nx);
                if (nx == NULL) {
                    rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                    break;
                }
                g.xs = nx;
                g.cap = cap;
            }
            g.xs[g.n++] = v->cand[c].value;
        }
        double med, mad;
        size_t n = g.n;
        if (rc == 0 && s_median_mad(g.xs, n, &med, &mad)) {
            for (size_t c = i; c < j && rc == 0; c++) {
                rc = s_warn_outlier(v, txn, v->cand[c].line,
                                    v->cand[c].numerator, v->cand[c].value, n,
                                    med, mad, err);
            }
        }
        i = j;
    }
    free(g.xs);
    free(g.mine);
    v->n_cand = 0;
    return rc;
}

/* At the end of a submission, judges its rows against their national peer
 * groups as they now stand: each group it touched is read once. */
static int s_judge_submission(validate_t *v, MDB_txn *txn, bl_err_t *err)
{
    unsigned char prefix[S_SUB_MAX + 1];
    size_t pl = s_sub_key(v->sub.id, "", 0, prefix, sizeof prefix);
    MDB_dbi touched = bl_daemon_dbi(v->d, DB_TOUCHED);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, touched, &cur);
    if (rc != 0) {
        return bl_err_set(err, BL_ESTORE, "mdb_cursor_open: %s",
                          mdb_strerror(rc));
    }
    /* Collect the groups first: amending outcomes writes in the txn. */
    size_t n_groups = 0, cap = 0;
    char (*groups)[S_KEY_MAX] = NULL;
    MDB_val k = {pl, prefix}, val;
    int mrc = mdb_cursor_get(cur, &k, &val, MDB_SET_RANGE);
    while (mrc == 0 && k.mv_size > pl && memcmp(k.mv_data, prefix, pl) == 0 &&
           k.mv_size - pl < S_KEY_MAX) {
        if (n_groups == cap) {
            cap = cap ? cap * 2 : 256;
            char(*ng)[S_KEY_MAX] = realloc(groups, cap * sizeof *ng);
            if (ng == NULL) {
                rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                break;
            }
            groups = ng;
        }
        memcpy(groups[n_groups], (const char *)k.mv_data + pl,
               k.mv_size - pl);
        groups[n_groups][k.mv_size - pl] = '\0';
        n_groups++;
        mrc = mdb_cursor_get(cur, &k, &val, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    s_group_read_t g;
    memset(&g, 0, sizeof g);
    for (size_t i = 0; i < n_groups && rc == 0; i++) {
        rc = s_read_group(v, txn, groups[i], strlen(groups[i]), v->sub.id, &g,
                          err);
        double med, mad;
        size_t n = g.n;
        if (rc == 0 && g.n_mine > 0 && s_median_mad(g.xs, n, &med, &mad)) {
            for (size_t m = 0; m < g.n_mine && rc == 0; m++) {
                rc = s_warn_outlier(v, txn, g.mine[m].line,
                                    g.mine[m].numerator, g.mine[m].value, n,
                                    med, mad, err);
            }
        }
    }
    free(g.xs);
    free(g.mine);
    free(groups);
    if (rc == 0) {
        rc = bl_page_delete(txn, touched, (const char *)prefix, pl, err);
    }
    return rc;
}

static int s_put_gval(validate_t *v, MDB_txn *txn,
                      const vr_indicator_row_t *row, const s_reg_t *reg,
                      uint64_t line, bl_err_t *err)
{
    if (v->national_group < 0 || row->unit[0] != '\0') {
        return 0;
    }
    char gk[256];
    s_group_key(v, v->national_group, reg, gk, sizeof gk);
    char p[24];
    snprintf(p, sizeof p, "%d", row->period);
    const char *ind = v->cfg->catalogue->indicators[row->indicator].id;
    const char *parts[] = {p, ind, gk, row->provider};
    char key[S_KEY_MAX];
    size_t kl = bl_page_join(key, sizeof key, parts, 4);
    if (kl == 0) {
        return 0;
    }
    /* value, then where it came from, for judging at the end of the
     * submission */
    unsigned char val[17 + S_SUB_MAX];
    size_t sl = strlen(v->sub.id);
    memcpy(val, &row->value, 8);
    memcpy(val + 8, &line, 8);
    val[16] = row->has_num ? 1 : 0;
    memcpy(val + 17, v->sub.id, sl);
    return bl_store_put(txn, bl_daemon_dbi(v->d, DB_GVALS), key, kl, val,
                        17 + sl, err);
}

/* Lookup for rule expressions: the provider's figures for the period, with
 * the row being checked taking the place of what is stored. */
typedef struct s_rule_ctx {
    validate_t *v;
    MDB_txn *txn;
    const vr_indicator_row_t *row;
    const s_reg_t *reg;
} s_rule_ctx_t;

static int s_rule_lookup(void *ctx, const char *indicator_id,
                         const char *field, double *out)
{
    s_rule_ctx_t *c = ctx;
    if (indicator_id == NULL) {
        if (!c->reg->found) {
            return 1;
        }
        *out = strcmp(field, "users") == 0 ? c->reg->users : c->reg->staff;
        return 0;
    }
    double f[3];
    const bl_indicator_t *ind =
        &c->v->cfg->catalogue->indicators[c->row->indicator];
    if (strcmp(indicator_id, ind->id) == 0) {
        f[0] = c->row->has_num ? c->row->num : NAN;
        f[1] = c->row->has_den ? c->row->den : NAN;
        f[2] = c->row->has_value ? c->row->value : NAN;
    } else if (s_vals_get(c->v, c->txn, c->row->period, indicator_id,
                          c->row->provider, "", f, NULL) != 0) {
        return 1;
    }
    double x = strcmp(field, "numerator") == 0     ? f[0]
               : strcmp(field, "denominator") == 0 ? f[1]
                                                   : f[2];
    if (isnan(x)) {
        return 1;
    }
    *out = x;
    return 0;
}

static void s_check_rules(validate_t *v, MDB_txn *txn,
                          const vr_indicator_row_t *row, const s_reg_t *reg,
                          vr_outcome_t *o)
{
    const char *ind = v->cfg->catalogue->indicators[row->indicator].id;
    for (size_t i = 0; i < v->n_rules; i++) {
        s_rule_t *r = &v->rules[i];
        /* A rule is checked on the rows of the indicators it names. */
        bool uses = false;
        validate_expr_t *sides[] = {r->left, r->right};
        for (int s = 0; s < 2 && !uses; s++) {
            for (size_t k = 0; k < validate_expr_ref_count(sides[s]); k++) {
                const validate_expr_ref_t *ref = validate_expr_ref(sides[s],
                                                                   k);
                if (ref->indicator_id && strcmp(ref->indicator_id, ind) == 0) {
                    uses = true;
                    break;
                }
            }
        }
        if (!uses) {
            continue;
        }
        s_rule_ctx_t c = {v, txn, row, reg};
        double l, rr;
        if (validate_expr_eval(r->left, s_rule_lookup, &c, &l) != 0 ||
            validate_expr_eval(r->right, s_rule_lookup, &c, &rr) != 0) {
            continue;
        }
        if (validate_rule_holds(l, r->def->op, rr) == 0) {
            vr_add(o, r->def->severity == BL_SEV_ERROR, ind,
                   "%s (rule %s: %s %s %s, here %.10g %s %.10g)",
                   r->def->message, r->def->name, r->def->left, r->def->op,
                   r->def->right, l, r->def->op, rr);
        }
    }
}

static void s_check_change(validate_t *v, MDB_txn *txn,
                           const vr_indicator_row_t *row, vr_outcome_t *o)
{
    double f = v->cfg->change_factor;
    if (f <= 0 || !row->has_value) {
        return;
    }
    double prev[3];
    const char *ind = v->cfg->catalogue->indicators[row->indicator].id;
    if (s_vals_get(v, txn, row->period - 1, ind, row->provider, row->unit,
                   prev, NULL) != 0 ||
        isnan(prev[2]) || prev[2] <= 0 || row->value <= 0) {
        return;
    }
    double ratio = row->value / prev[2];
    if (ratio > f || ratio < 1.0 / f) {
        vr_add(o, false, row->has_num ? "numerator" : "value",
               "%.10g changed by a factor of %.2f against the previous "
               "period (%.10g); the node's limit is %.10g",
               row->value, ratio, prev[2], f);
    }
}

/* ---- one row ------------------------------------------------------------ */

/* Whether the row's unit id was read: empty, or valid and copied.  A row
 * whose key fields could not be read has no key to repeat. */
static bool s_unit_read(const validate_t *v, const char **fields,
                        const char *unit)
{
    int i = v->sub.layout.col[BL_COL_UNIT_ID];
    return unit[0] != '\0' || i < 0 || fields[i][0] == '\0';
}

static int s_is_closed(validate_t *v, MDB_txn *txn, int period)
{
    char p[24];
    snprintf(p, sizeof p, "%d", period);
    MDB_val val;
    return bl_store_get(txn, bl_daemon_dbi(v->d, DB_CLOSED), p, strlen(p),
                        &val, NULL) == 0;
}

/* closed_ok: the row's kind is accepted for a closed period (actions and
 * practices, SPEC section 10). */
static int s_provider_checks(validate_t *v, MDB_txn *txn,
                             const char *provider, int period, bool closed_ok,
                             s_reg_t *reg, vr_outcome_t *o, bl_err_t *err)
{
    if (provider[0] == '\0') {
        return 0;
    }
    /* Rows come grouped by provider: look the register and the period up
     * once per run of rows (the cache lives for one message). */
    s_lookup_t *c = &v->lookup;
    if (!c->valid || strcmp(c->provider, provider) != 0) {
        int rc = s_reg_get(v, txn, provider, &c->reg, err);
        if (rc != 0) {
            return rc;
        }
        snprintf(c->provider, sizeof c->provider, "%s", provider);
        c->valid = true;
    }
    if (c->period != period) {
        c->period = period;
        c->closed = period > 0 && s_is_closed(v, txn, period);
    }
    *reg = c->reg;
    if (!reg->found && !o->rejected) {
        vr_add(o, true, "provider_id", "%s is not in the register", provider);
    }
    if (c->closed && !closed_ok) {
        vr_add(o, true, "period",
               "period %d is closed (benchlearn close --reopen %d opens it)",
               period, period);
    }
    return 0;
}

static int s_row_indicator(validate_t *v, MDB_txn *txn, const char **fields,
                           uint64_t line, vr_outcome_t *o, bl_err_t *err)
{
    vr_context_t c = {v->cfg, &v->sub.layout, v->sub.delimiter == ';',
                      v->current_year};
    vr_indicator_row_t row;
    vr_check_indicator(&c, fields, &row, o);
    s_reg_t reg;
    int rc = s_provider_checks(v, txn, row.provider, row.period, false, &reg,
                               o, err);
    if (rc != 0) {
        return rc;
    }
    if (row.indicator >= 0 && row.provider[0] && row.period > 0 &&
        s_unit_read(v, fields, row.unit)) {
        char p[24];
        snprintf(p, sizeof p, "%d", row.period);
        const char *parts[] = {row.provider, row.unit, p,
                               v->cfg->catalogue->indicators[row.indicator].id};
        char key[S_KEY_MAX];
        if (bl_page_join(key, sizeof key, parts, 4) > 0) {
            s_track_row(v, key, row.provider, row.period);
            rc = s_check_repeat(v, txn, key, line, "indicator_id", o, err);
            if (rc != 0) {
                return rc;
            }
        }
    }
    if (o->rejected) {
        return 0;
    }
    s_check_rules(v, txn, &row, &reg, o);
    if (o->rejected) {
        return 0;
    }
    s_check_change(v, txn, &row, o);
    if (v->sub.dry_run) {
        return s_add_candidate(v, line, &row, &reg, err);
    }
    /* Accepted: remember it for later checks and pass it on. */
    const char *ind = v->cfg->catalogue->indicators[row.indicator].id;
    double f[3] = {row.has_num ? row.num : NAN, row.has_den ? row.den : NAN,
                   row.has_value ? row.value : NAN};
    char key[S_KEY_MAX];
    size_t kl = s_vals_key(key, sizeof key, row.period, ind, row.provider,
                           row.unit);
    rc = bl_store_put(txn, bl_daemon_dbi(v->d, DB_VALS), key, kl, f,
                      sizeof f, err);
    if (rc == 0) {
        rc = s_put_gval(v, txn, &row, &reg, line, err);
    }
    if (rc == 0) {
        rc = s_add_candidate(v, line, &row, &reg, err);
    }
    if (rc != 0) {
        return rc;
    }
    bl_mpw_t *w = s_lane_for(v, row.provider);
    bl_mpw_array(w, 8);
    bl_mpw_str(w, "i");
    bl_mpw_str(w, row.provider);
    bl_mpw_str(w, row.unit);
    bl_mpw_int(w, row.period);
    bl_mpw_str(w, ind);
    bl_mpw_opt_double(w, row.has_num, row.num);
    bl_mpw_opt_double(w, row.has_den, row.den);
    bl_mpw_opt_double(w, row.has_value, row.value);
    return 0;
}

static int s_row_survey(validate_t *v, MDB_txn *txn, const char **fields,
                        uint64_t line, vr_outcome_t *o, bl_err_t *err)
{
    vr_context_t c = {v->cfg, &v->sub.layout, v->sub.delimiter == ';',
                      v->current_year};
    vr_survey_row_t row;
    vr_check_survey(&c, fields, &row, o);
    s_reg_t reg;
    int rc = s_provider_checks(v, txn, row.provider, row.period, false, &reg,
                               o, err);
    if (rc != 0) {
        return rc;
    }
    if (row.survey >= 0 && row.provider[0] && row.respondent[0] &&
        row.period > 0) {
        char p[24];
        snprintf(p, sizeof p, "%d", row.period);
        const char *parts[] = {row.provider, p,
                               v->cfg->catalogue->surveys[row.survey].id,
                               row.respondent};
        char key[S_KEY_MAX];
        if (bl_page_join(key, sizeof key, parts, 4) > 0) {
            s_track_row(v, key, row.provider, row.period);
            rc = s_check_repeat(v, txn, key, line, "respondent_id", o, err);
            if (rc != 0) {
                return rc;
            }
        }
    }
    if (o->rejected || v->sub.dry_run) {
        return 0;
    }
    {
        char p[24];
        snprintf(p, sizeof p, "%d", row.period);
        const char *parts[] = {p, row.provider,
                               v->cfg->catalogue->surveys[row.survey].id};
        char key[S_KEY_MAX];
        size_t kl = bl_page_join(key, sizeof key, parts, 3);
        if (strcmp(key, v->lookup.survey_key) != 0) {
            rc = bl_store_put(txn, bl_daemon_dbi(v->d, DB_SURVEYS), key, kl,
                              "", 0, err);
            if (rc != 0) {
                return rc;
            }
            memcpy(v->lookup.survey_key, key, kl + 1);
        }
    }
    bl_mpw_t *w = s_lane_for(v, row.provider);
    bl_mpw_array(w, 7);
    bl_mpw_str(w, "s");
    bl_mpw_str(w, row.provider);
    bl_mpw_str(w, row.unit);
    bl_mpw_int(w, row.period);
    bl_mpw_str(w, v->cfg->catalogue->surveys[row.survey].id);
    bl_mpw_str(w, row.respondent);
    bl_mpw_array(w, (uint32_t)row.n_items);
    for (size_t i = 0; i < row.n_items; i++) {
        if (row.answers[i] == VR_NO_ANSWER) {
            bl_mpw_nil(w);
        } else {
            bl_mpw_int(w, row.answers[i]);
        }
    }
    return 0;
}

/* Notes the key of a learning row (parts: provider, period, a tag that no
 * survey id has, the row's own id) and checks it is not repeated. */
static int s_learning_key(validate_t *v, MDB_txn *txn, const char *provider,
                          int period, const char *tag, const char *id,
                          uint64_t line, const char *field, vr_outcome_t *o,
                          bl_err_t *err)
{
    if (provider[0] == '\0' || period <= 0 || id[0] == '\0') {
        return 0;
    }
    char p[24];
    snprintf(p, sizeof p, "%d", period);
    const char *parts[] = {provider, p, tag, id};
    char key[S_KEY_MAX];
    if (bl_page_join(key, sizeof key, parts, 4) == 0) {
        return 0;
    }
    s_track_row(v, key, provider, period);
    return s_check_repeat(v, txn, key, line, field, o, err);
}

/* An improvement action (SPEC section 10): accepted for a closed period
 * too; passed on as ["a", provider, period, action_id, indicator, action,
 * owner, due, status, sub, line]. */
static int s_row_action(validate_t *v, MDB_txn *txn, const char **fields,
                        uint64_t line, vr_outcome_t *o, bl_err_t *err)
{
    vr_context_t c = {v->cfg, &v->sub.layout, v->sub.delimiter == ';',
                      v->current_year};
    vl_action_t row;
    vl_check_action(&c, fields, &row, o);
    s_reg_t reg;
    int rc = s_provider_checks(v, txn, row.provider, row.period, true, &reg,
                               o, err);
    if (rc == 0) {
        rc = s_learning_key(v, txn, row.provider, row.period, "#action",
                            row.action_id, line, "action_id", o, err);
    }
    if (rc != 0 || o->rejected || v->sub.dry_run) {
        return rc;
    }
    bl_mpw_t *w = s_lane_for(v, row.provider);
    bl_mpw_array(w, 11);
    bl_mpw_str(w, "a");
    bl_mpw_str(w, row.provider);
    bl_mpw_int(w, row.period);
    bl_mpw_str(w, row.action_id);
    bl_mpw_str(w, v->cfg->catalogue->indicators[row.indicator].id);
    bl_mpw_str(w, row.action);
    bl_mpw_str(w, row.owner);
    bl_mpw_str(w, row.due);
    bl_mpw_str(w, row.status);
    bl_mpw_str(w, v->sub.id);
    bl_mpw_uint(w, line);
    return 0;
}

/* A practice (SPEC section 10): accepted for a closed period too; passed
 * on as ["p", provider, period, indicator, title, description, contact,
 * sub, line]. */
static int s_row_practice(validate_t *v, MDB_txn *txn, const char **fields,
                          uint64_t line, vr_outcome_t *o, bl_err_t *err)
{
    vr_context_t c = {v->cfg, &v->sub.layout, v->sub.delimiter == ';',
                      v->current_year};
    vl_practice_t row;
    vl_check_practice(&c, fields, &row, o);
    s_reg_t reg;
    int rc = s_provider_checks(v, txn, row.provider, row.period, true, &reg,
                               o, err);
    if (rc == 0 && row.indicator >= 0) {
        rc = s_learning_key(v, txn, row.provider, row.period, "#practice",
                            v->cfg->catalogue->indicators[row.indicator].id,
                            line, "indicator_id", o, err);
    }
    if (rc != 0 || o->rejected || v->sub.dry_run) {
        return rc;
    }
    bl_mpw_t *w = s_lane_for(v, row.provider);
    bl_mpw_array(w, 9);
    bl_mpw_str(w, "p");
    bl_mpw_str(w, row.provider);
    bl_mpw_int(w, row.period);
    bl_mpw_str(w, v->cfg->catalogue->indicators[row.indicator].id);
    bl_mpw_str(w, row.title);
    bl_mpw_str(w, row.description);
    bl_mpw_str(w, row.contact);
    bl_mpw_str(w, v->sub.id);
    bl_mpw_uint(w, line);
    return 0;
}

/* True when this validation worker is the one for provider (the same
 * rule ingestion uses to spread rows). */
static bool s_owns(const validate_t *v, const char *provider)
{
    int workers = v->cfg->workers[BL_STAGE_VALIDATE];
    return workers <= 1 ||
           bl_outbox_lane_of(provider, strlen(provider), (size_t)workers) ==
               (size_t)(bl_daemon_worker(v->d) - 1);
}

static int s_row_register(validate_t *v, MDB_txn *txn, const char **fields,
                          uint64_t line, vr_outcome_t *o, bl_err_t *err)
{
    vr_context_t c = {v->cfg, &v->sub.layout, v->sub.delimiter == ';',
                      v->current_year};
    vr_register_t g;
    vr_check_register(&c, fields, &g, o);
    /* Register rows reach every worker; the provider's own worker judges
     * the row, the others only keep the entry for their own checks. */
    if (!s_owns(v, fields[v->sub.layout.col[BL_COL_PROVIDER_ID]])) {
        v->not_mine = true;
        if (o->rejected || v->sub.dry_run) {
            return 0;
        }
        bl_mpw_reset(&v->w);
        s_write_register(&v->w, &g);
        return bl_store_put(txn, bl_daemon_dbi(v->d, DB_REGISTER), g.provider,
                            strlen(g.provider), bl_mpw_data(&v->w),
                            bl_mpw_size(&v->w), err);
    }
    if (g.provider[0]) {
        int rc = s_check_repeat(v, txn, g.provider, line, "provider_id", o,
                                err);
        if (rc != 0) {
            return rc;
        }
    }
    if (o->rejected || v->sub.dry_run) {
        return 0;
    }
    bl_mpw_t *w = &v->w;
    bl_mpw_reset(w);
    s_write_register(w, &g);
    int rc = bl_store_put(txn, bl_daemon_dbi(v->d, DB_REGISTER), g.provider,
                          strlen(g.provider), bl_mpw_data(w), bl_mpw_size(w),
                          err);
    if (rc != 0) {
        return rc;
    }
    /* Every aggregation worker needs the whole register. */
    bl_outbox_t *ob = bl_daemon_outbox(v->d);
    for (size_t l = 0; l < bl_outbox_lanes(ob); l++) {
        bl_mpw_t *lw = &v->lanes[l];
        v->lane_count[l]++;
        bl_mpw_array(lw, 3);
        bl_mpw_str(lw, "r");
        bl_mpw_str(lw, g.provider);
        s_write_register(lw, &g);
    }
    return 0;
}

/* ---- messages from ingestion -------------------------------------------- */

static int s_apply_rows(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                        bl_err_t *err)
{
    bl_mpr_t r;
    bl_mpr_init(&r, msg->payload, msg->payload_len);
    uint32_t n;
    char id[S_SUB_MAX];
    const char *k;
    uint32_t kl;
    if (bl_mpr_map(&r, &n) != 0 || n != 2 || bl_mpr_str(&r, &k, &kl) != 0 ||
        !bl_mp_str_eq(k, kl, "sub") ||
        bl_mpr_str_copy(&r, id, sizeof id) != 0 ||
        bl_mpr_str(&r, &k, &kl) != 0 || !bl_mp_str_eq(k, kl, "rows") ||
        bl_mpr_array(&r, &n) != 0) {
        return bl_err_set(err, BL_EPROTO, "malformed raw_rows message");
    }
    int rc = s_sub_load(v, txn, id, err);
    if (rc == BL_ENOTFOUND) {
        return bl_err_set(err, BL_EDATA, "rows of unknown submission %s", id);
    }
    if (rc != 0) {
        return rc;
    }
    if (!v->sub.layout_ok) {
        return bl_err_set(err, BL_EDATA, "submission %s has no usable header",
                          id);
    }
    s_reset_lanes(v);
    const char **fields = calloc(v->sub.layout.n_columns + 1, sizeof *fields);
    /* One buffer holds a row's fields with their NULs: a row is never
     * longer than the message it came in. */
    char *owned = malloc(msg->payload_len + v->sub.layout.n_columns + 1);
    if (fields == NULL || owned == NULL) {
        free(fields);
        free(owned);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    uint64_t owned_rows = 0;
    v->not_mine = false;
    memset(&v->track, 0, sizeof v->track);
    memset(&v->lookup, 0, sizeof v->lookup);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        uint32_t three, nf;
        uint64_t line;
        vr_outcome_t o;
        o.n = 0;  /* (the problems array is filled as it grows) */
        o.rejected = false;
        if (bl_mpr_array(&r, &three) != 0 || three != 3 ||
            bl_mpr_uint(&r, &line) != 0) {
            rc = bl_err_set(err, BL_EPROTO, "malformed row in %s", id);
            break;
        }
        if (!bl_mpr_nil(&r)) {
            const char *e;
            uint32_t el;
            if (bl_mpr_str(&r, &e, &el) != 0) {
                rc = bl_err_set(err, BL_EPROTO, "malformed row in %s", id);
                break;
            }
            vr_add(&o, true, "-", "%.*s", (int)(el < 200 ? el : 200), e);
            bl_mpr_skip(&r);
        } else if (bl_mpr_array(&r, &nf) != 0) {
            rc = bl_err_set(err, BL_EPROTO, "malformed row in %s", id);
            break;
        } else if (nf != v->sub.layout.n_columns) {
            vr_add(&o, true, "-", "expected %zu fields, found %u",
                   v->sub.layout.n_columns, nf);
            for (uint32_t f = 0; f < nf; f++) {
                bl_mpr_skip(&r);
            }
        } else {
            size_t used = 0;
            for (uint32_t f = 0; f < nf; f++) {
                const char *s;
                uint32_t sl;
                if (bl_mpr_str(&r, &s, &sl) != 0) {
                    rc = BL_EPROTO;
                    break;
                }
                memcpy(owned + used, s, sl);
                owned[used + sl] = '\0';
                fields[f] = owned + used;
                used += (size_t)sl + 1;
            }
            if (rc == 0) {
                switch (v->sub.layout.kind) {
                case BL_FILE_INDICATORS:
                    rc = s_row_indicator(v, txn, fields, line, &o, err);
                    break;
                case BL_FILE_SURVEY:
                    rc = s_row_survey(v, txn, fields, line, &o, err);
                    break;
                case BL_FILE_REGISTER:
                    rc = s_row_register(v, txn, fields, line, &o, err);
                    break;
                case BL_FILE_ACTIONS:
                    rc = s_row_action(v, txn, fields, line, &o, err);
                    break;
                case BL_FILE_PRACTICES:
                    rc = s_row_practice(v, txn, fields, line, &o, err);
                    break;
                default:
                    break;
                }
            } else {
                bl_err_set(err, BL_EPROTO, "malformed field in %s", id);
            }
        }
        if (rc == 0 && !v->not_mine) {
            rc = s_store_outcome(v, txn, line, &o, err);
            owned_rows++;
        }
        if (rc == 0) {
            rc = s_track(v, txn, o.rejected, err);
        }
        v->not_mine = false;
        memset(&v->track, 0, sizeof v->track);
    }
    free(fields);
    free(owned);
    if (rc == 0) {
        rc = s_judge_outliers(v, txn, err);
    }
    v->n_cand = 0;
    if (rc == 0) {
        rc = s_flush_lanes(v, txn, err);
    }
    if (rc == 0) {
        v->sub.rows += owned_rows;
        rc = s_sub_save(v, txn, &v->sub, err);
    }
    /* The cache may now hold counts of an aborted transaction. */
    s_sub_free(&v->sub);
    return rc;
}

static int s_apply_submission(validate_t *v, MDB_txn *txn,
                              const bl_msg_t *msg, bl_err_t *err)
{
    bl_mpr_t r;
    char event[16];
    bl_msg_t m = *msg;
    if (bl_req_str(&m, "event", event, sizeof event) != 0) {
        return bl_err_set(err, BL_EPROTO, "submission without event");
    }
    char id[S_SUB_MAX];
    if (bl_req_str(&m, "sub", id, sizeof id) != 0) {
        return bl_err_set(err, BL_EPROTO, "submission without id");
    }
    (void)r;
    if (strcmp(event, "begin") == 0) {
        s_sub_t s;
        memset(&s, 0, sizeof s);
        int rc = s_sub_parse(v, msg->payload, msg->payload_len, &s);
        if (rc != 0) {
            s_sub_free(&s);
            return bl_err_set(err, BL_EPROTO, "malformed submission begin");
        }
        snprintf(s.state, sizeof s.state, "open");
        rc = s_sub_save(v, txn, &s, err);
        s_sub_free(&s);
        return rc;
    }
    int rc = s_sub_load(v, txn, id, err);
    if (rc != 0) {
        return rc == BL_ENOTFOUND
                   ? bl_err_set(err, BL_EDATA, "end of unknown submission %s",
                                id)
                   : rc;
    }
    snprintf(v->sub.state, sizeof v->sub.state, "complete");
    if (!v->sub.dry_run) {
        rc = s_judge_submission(v, txn, err);
    }
    if (rc == 0) {
        rc = s_sub_save(v, txn, &v->sub, err);
    }
    bl_log(BL_LOG_DEBUG, "submission complete sub=%s", id);
    s_sub_free(&v->sub);
    return rc;
}

/* True when a key of dbi starts with prefix. */
static bool s_has_prefix(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                         size_t pl)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, dbi, &cur) != 0) {
        return false;
    }
    MDB_val k = {pl, (void *)prefix}, val;
    bool found = mdb_cursor_get(cur, &k, &val, MDB_SET_RANGE) == 0 &&
                 k.mv_size >= pl && memcmp(k.mv_data, prefix, pl) == 0;
    mdb_cursor_close(cur);
    return found;
}

/* Whether provider sent indicator k for period: a row of it (provider or
 * unit level), or for a survey indicator answers to its survey. */
static bool s_sent(validate_t *v, MDB_txn *txn, const char *period,
                   const char *provider, size_t k)
{
    const bl_indicator_t *ind = &v->cfg->catalogue->indicators[k];
    char key[S_KEY_MAX];
    if (ind->survey >= 0) {
        const char *parts[] = {period, provider,
                               v->cfg->catalogue->surveys[ind->survey].id};
        size_t kl = bl_page_join(key, sizeof key, parts, 3);
        MDB_val val;
        return kl > 0 && bl_store_get(txn, bl_daemon_dbi(v->d, DB_SURVEYS),
                                      key, kl, &val, NULL) == 0;
    }
    const char *parts[] = {period, ind->id, provider, ""};
    size_t kl = bl_page_join(key, sizeof key, parts, 4);
    return kl > 0 &&
           s_has_prefix(txn, bl_daemon_dbi(v->d, DB_VALS), key, kl);
}

/* At close, an outcome per registered provider of this worker under the
 * submission "close-PERIOD": a warning naming the catalogue's indicators
 * it has not sent.  A second close replaces the first one's outcomes. */
static int s_check_completeness(validate_t *v, MDB_txn *txn, int64_t period,
                                bl_err_t *err)
{
    s_sub_t *s = &v->sub;
    s_sub_free(s);
    snprintf(s->id, sizeof s->id, "close-%" PRId64, period);
    snprintf(s->file, sizeof s->file, "period %" PRId64 " close", period);
    snprintf(s->state, sizeof s->state, "complete");
    s->delimiter = ',';
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    unsigned char prefix[S_SUB_MAX + 1];
    size_t pl = s_sub_key(s->id, "", 0, prefix, sizeof prefix);
    int rc = bl_page_delete(txn, bl_daemon_dbi(v->d, DB_OUTCOMES),
                            (const char *)prefix, pl, err);
    MDB_cursor *cur;
    if (rc == 0 &&
        (rc = mdb_cursor_open(txn, bl_daemon_dbi(v->d, DB_REGISTER), &cur)) !=
            0) {
        return bl_err_set(err, BL_ESTORE, "mdb_cursor_open: %s",
                          mdb_strerror(rc));
    }
    if (rc != 0) {
        return rc;
    }
    MDB_val k, val;
    int mrc = mdb_cursor_get(cur, &k, &val, MDB_FIRST);
    while (rc == 0 && mrc == 0) {
        char provider[VR_ID_MAX];
        if (k.mv_size < sizeof provider) {
            memcpy(provider, k.mv_data, k.mv_size);
            provider[k.mv_size] = '\0';
        }
        if (k.mv_size < sizeof provider && s_owns(v, provider)) {
            char missing[VR_REASON_MAX] = "";
            size_t n_missing = 0, n_listed = 0, used = 0;
            for (size_t i = 0; i < v->cfg->catalogue->n_indicators; i++) {
                if (s_sent(v, txn, p, provider, i)) {
                    continue;
                }
                const char *id = v->cfg->catalogue->indicators[i].id;
                if (used + strlen(id) + 80 < sizeof missing) {
                    used += (size_t)snprintf(missing + used,
                                             sizeof missing - used, "%s%s",
                                             n_missing ? ", " : "", id);
                    n_listed++;
                }
                n_missing++;
            }
            vr_outcome_t o;
            memset(&o, 0, sizeof o);
            if (n_missing > 0) {
                vr_add(&o, false, provider,
                       "has not sent %zu of the catalogue's %zu indicators "
                       "for %s: %s%s",
                       n_missing, v->cfg->catalogue->n_indicators, p, missing,
                       n_listed < n_missing ? ", ..." : "");
            }
            s->rows++;
            rc = s_store_outcome(v, txn, s->rows, &o, err);
        }
        mrc = mdb_cursor_get(cur, &k, &val, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc == 0) {
        rc = s_sub_save(v, txn, s, err);
    }
    s_sub_free(s);
    return rc;
}

/* Rows still rejected, gathered for the close marker: [provider, count]. */
typedef struct s_rejected {
    bl_mpw_t *w;
    uint32_t n;
} s_rejected_t;

static int s_rejected_row(void *ctx, const char *const *parts, size_t n,
                          const MDB_val *value)
{
    s_rejected_t *rj = ctx;
    bl_mpr_t r;
    uint64_t count;
    bl_mpr_init(&r, value->mv_data, value->mv_size);
    if (n != 2 || bl_mpr_uint(&r, &count) != 0 || count == 0) {
        return 0;
    }
    bl_mpw_array(rj->w, 2);
    bl_mpw_str(rj->w, parts[1]);
    bl_mpw_uint(rj->w, count);
    rj->n++;
    return 0;
}

/* At close: mark the period, warn about indicators not sent, pass the
 * marker on with the rows still rejected. */
static int s_apply_close(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                         bl_err_t *err)
{
    int64_t period, gen;
    bool reopen = false;
    bl_mpr_t r;
    if (bl_req_int(msg, "period", &period) != 0 ||
        bl_req_int(msg, "generation", &gen) != 0) {
        return bl_err_set(err, BL_EPROTO, "malformed close message");
    }
    if (bl_req_find(msg, "reopen", &r) == 0) {
        bl_mpr_bool(&r, &reopen);
    }
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    int rc;
    if (reopen) {
        rc = bl_store_del(txn, bl_daemon_dbi(v->d, DB_CLOSED), p, strlen(p),
                          err);
    } else {
        unsigned char g[8];
        bl_store_u64_key((uint64_t)gen, g);
        rc = bl_store_put(txn, bl_daemon_dbi(v->d, DB_CLOSED), p, strlen(p),
                          g, sizeof g, err);
        if (rc == 0) {
            rc = s_check_completeness(v, txn, period, err);
        }
    }
    if (rc != 0) {
        return rc;
    }
    /* The marker carries this worker's rows still rejected per provider
     * downstream, for the coordinator's summary. */
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
    bl_mpw_t counts;
    bl_mpw_init(&counts);
    s_rejected_t rj = {&counts, 0};
    rc = bl_page_each(txn, bl_daemon_dbi(v->d, DB_REJECTED), prefix, pl,
                      s_rejected_row, &rj, err);
    bl_mpw_t *w = &v->w;
    bl_mpw_reset(w);
    bl_mpw_map(w, 4);
    bl_mpw_str(w, "period");
    bl_mpw_int(w, period);
    bl_mpw_str(w, "generation");
    bl_mpw_int(w, gen);
    bl_mpw_str(w, "reopen");
    bl_mpw_bool(w, reopen);
    bl_mpw_str(w, "rejected");
    bl_mpw_array(w, rj.n);
    if (bl_mpw_size(&counts) > 0) {
        bl_mpw_raw(w, bl_mpw_data(&counts), bl_mpw_size(&counts));
    }
    if (rc == 0 && (w->err || counts.err)) {
        rc = bl_err_set(err, BL_ENOMEM, "cannot encode a close marker");
    }
    bl_mpw_destroy(&counts);
    if (rc != 0) {
        return rc;
    }
    return bl_outbox_put_all(bl_daemon_outbox(v->d), txn, BL_MSG_CLOSE,
                             bl_mpw_data(w), bl_mpw_size(w), err);
}

static int s_apply(void *svc, MDB_txn *txn, const bl_msg_t *msg,
                   bl_err_t *err)
{
    validate_t *v = svc;
    switch (msg->type) {
    case BL_MSG_RAW_ROWS:
        return s_apply_rows(v, txn, msg, err);
    case BL_MSG_SUBMISSION:
        return s_apply_submission(v, txn, msg, err);
    case BL_MSG_CLOSE:
        return s_apply_close(v, txn, msg, err);
    default:
        return bl_err_set(err, BL_EDATA, "validation takes no %s messages",
                          bl_msg_type_name(msg->type));
    }
}

/* ---- requests ----------------------------------------------------------- */

static int s_req_status(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                        bl_mpw_t *reply, bl_err_t *err)
{
    char id[S_SUB_MAX];
    if (bl_req_str(msg, "sub", id, sizeof id) != 0) {
        bl_reply_error(reply, "sub_status without a submission id");
        return 0;
    }
    int rc = s_sub_load(v, txn, id, err);
    if (rc == BL_ENOTFOUND) {
        bl_reply_error(reply, "no submission %s here", id);
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    s_sub_t *s = &v->sub;
    bl_reply_begin(reply, 7);
    bl_mpw_str(reply, "sub");
    bl_mpw_str(reply, id);
    bl_mpw_str(reply, "file");
    bl_mpw_str(reply, s->file);
    bl_mpw_str(reply, "state");
    bl_mpw_str(reply, s->state);
    bl_mpw_str(reply, "rows");
    bl_mpw_uint(reply, s->rows);
    bl_mpw_str(reply, "accepted");
    bl_mpw_uint(reply, s->accepted);
    bl_mpw_str(reply, "warned");
    bl_mpw_uint(reply, s->warned);
    bl_mpw_str(reply, "rejected");
    bl_mpw_uint(reply, s->rejected);
    s_sub_free(&v->sub);
    return 0;
}

static int s_req_outcomes(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                          bl_mpw_t *reply, bl_err_t *err)
{
    (void)err;
    char id[S_SUB_MAX];
    int64_t after = 0, limit = 1000;
    bool problems_only = false;
    bl_mpr_t r;
    if (bl_req_str(msg, "sub", id, sizeof id) != 0) {
        bl_reply_error(reply, "outcomes without a submission id");
        return 0;
    }
    bl_req_int(msg, "after", &after);
    bl_req_int(msg, "limit", &limit);
    if (limit < 1 || limit > 10000) {
        limit = 1000;
    }
    if (bl_req_find(msg, "problems_only", &r) == 0) {
        bl_mpr_bool(&r, &problems_only);
    }
    unsigned char lk[8];
    bl_store_u64_key((uint64_t)after + 1, lk);
    unsigned char key[S_SUB_MAX + 9];
    size_t kl = s_sub_key(id, lk, sizeof lk, key, sizeof key);
    size_t pl = kl - 8;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, bl_daemon_dbi(v->d, DB_OUTCOMES), &cur);
    if (rc != 0) {
        return bl_err_set(err, BL_ESTORE, "mdb_cursor_open: %s",
                          mdb_strerror(rc));
    }
    /* Collect first, since the array header needs the count. */
    bl_mpw_t rows;
    bl_mpw_init(&rows);
    uint32_t count = 0;
    bool more = false;
    MDB_val k = {kl, key}, val;
    rc = mdb_cursor_get(cur, &k, &val, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == kl && memcmp(k.mv_data, key, pl) == 0) {
        uint64_t line = bl_store_u64_from((unsigned char *)k.mv_data + pl);
        bl_mpr_t vr;
        bl_mpr_init(&vr, val.mv_data, val.mv_size);
        uint32_t two;
        uint64_t status;
        if (bl_mpr_array(&vr, &two) == 0 && bl_mpr_uint(&vr, &status) == 0 &&
            (!problems_only || status > 0)) {
            if (count == (uint32_t)limit) {
                more = true;
                break;
            }
            bl_mpw_array(&rows, 3);
            bl_mpw_uint(&rows, line);
            bl_mpw_uint(&rows, status);
            bl_mpw_raw(&rows, vr.p, (size_t)(vr.end - vr.p));
            count++;
        }
        rc = mdb_cursor_get(cur, &k, &val, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    bl_reply_begin(reply, 2);
    bl_mpw_str(reply, "rows");
    bl_mpw_array(reply, count);
    bl_mpw_raw(reply, bl_mpw_data(&rows), bl_mpw_size(&rows));
    bl_mpw_str(reply, "more");
    bl_mpw_bool(reply, more);
    bl_mpw_destroy(&rows);
    return 0;
}

/* completeness {period}: per registered provider of this worker, how many
 * of the catalogue's indicators it has sent for period (as the close's
 * completeness warnings count them).  Read-only, for the portal's
 * dashboard: {total, providers: [[provider, sent], ...]}. */
static int s_req_completeness(validate_t *v, MDB_txn *txn,
                              const bl_msg_t *msg, bl_mpw_t *reply,
                              bl_err_t *err)
{
    int64_t period;
    if (bl_req_int(msg, "period", &period) != 0 || period < 0 ||
        period > 9999) {
        bl_reply_error(reply, "completeness needs a period");
        return 0;
    }
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, bl_daemon_dbi(v->d, DB_REGISTER), &cur);
    if (rc != 0) {
        return bl_err_set(err, BL_ESTORE, "mdb_cursor_open: %s",
                          mdb_strerror(rc));
    }
    bl_mpw_t rows;
    bl_mpw_init(&rows);
    uint32_t count = 0;
    size_t total = v->cfg->catalogue->n_indicators;
    MDB_val k, val;
    rc = mdb_cursor_get(cur, &k, &val, MDB_FIRST);
    while (rc == 0) {
        char provider[VR_ID_MAX];
        if (k.mv_size < sizeof provider) {
            memcpy(provider, k.mv_data, k.mv_size);
            provider[k.mv_size] = '\0';
            if (s_owns(v, provider)) {
                uint64_t sent = 0;
                for (size_t i = 0; i < total; i++) {
                    sent += s_sent(v, txn, p, provider, i);
                }
                bl_mpw_array(&rows, 2);
                bl_mpw_str(&rows, provider);
                bl_mpw_uint(&rows, sent);
                count++;
            }
        }
        rc = mdb_cursor_get(cur, &k, &val, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND || rows.err) {
        bl_mpw_destroy(&rows);
        return rc != MDB_NOTFOUND
                   ? bl_err_set(err, BL_ESTORE, "mdb_cursor_get: %s",
                                mdb_strerror(rc))
                   : bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    bl_reply_begin(reply, 2);
    bl_mpw_str(reply, "total");
    bl_mpw_uint(reply, total);
    bl_mpw_str(reply, "providers");
    bl_mpw_array(reply, count);
    bl_mpw_raw(reply, bl_mpw_data(&rows), bl_mpw_size(&rows));
    bl_mpw_destroy(&rows);
    return 0;
}

static int s_request(void *svc, MDB_txn *txn, const char *cmd,
                     const bl_msg_t *msg, bl_mpw_t *reply, bl_err_t *err)
{
    validate_t *v = svc;
    if (strcmp(cmd, "sub_status") == 0) {
        return s_req_status(v, txn, msg, reply, err);
    }
    if (strcmp(cmd, "rejected") == 0) {
        /* Rows still rejected per provider of a period, a page at a time:
         * rows [period, provider, count]. */
        return bl_page_request(txn, bl_daemon_dbi(v->d, DB_REJECTED), msg,
                               reply, err);
    }
    if (strcmp(cmd, "outcomes") == 0) {
        return s_req_outcomes(v, txn, msg, reply, err);
    }
    if (strcmp(cmd, "completeness") == 0) {
        return s_req_completeness(v, txn, msg, reply, err);
    }
    bl_reply_error(reply, "unknown command '%s'", cmd);
    return 0;
}

static uint32_t s_health(void *svc, MDB_txn *txn, bl_mpw_t *reply)
{
    validate_t *v = svc;
    MDB_stat st;
    uint64_t outcomes = 0;
    if (mdb_stat(txn, bl_daemon_dbi(v->d, DB_OUTCOMES), &st) == 0) {
        outcomes = st.ms_entries;
    }
    bl_mpw_str(reply, "rows_judged");
    bl_mpw_uint(reply, outcomes);
    return 1;
}

/* ---- life cycle ---------------------------------------------------------- */

static int s_compile_rules(validate_t *v, bl_err_t *err)
{
    v->n_rules = v->cfg->n_rules;
    v->rules = calloc(v->n_rules ? v->n_rules : 1, sizeof *v->rules);
    if (v->rules == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < v->n_rules; i++) {
        const bl_rule_t *def = &v->cfg->rules[i];
        v->rules[i].def = def;
        size_t col = 0;
        if (validate_expr_compile(&v->rules[i].left, def->left, &col, err) !=
                0 ||
            validate_expr_compile(&v->rules[i].right, def->right, &col,
                                  err) != 0) {
            bl_err_prefix(err, "%s:%zu: rule %s, column %zu", v->cfg->path,
                          def->line, def->name, col);
            return BL_ECONFIG;
        }
        validate_expr_t *sides[] = {v->rules[i].left, v->rules[i].right};
        for (int s = 0; s < 2; s++) {
            for (size_t k = 0; k < validate_expr_ref_count(sides[s]); k++) {
                const validate_expr_ref_t *ref = validate_expr_ref(sides[s],
                                                                   k);
                if (ref->indicator_id &&
                    bl_catalogue_find_indicator(v->cfg->catalogue,
                                                ref->indicator_id) < 0) {
                    return bl_err_set(err, BL_ECONFIG,
                                      "%s:%zu: rule %s: unknown indicator "
                                      "'%s'",
                                      v->cfg->path, def->line, def->name,
                                      ref->indicator_id);
                }
            }
        }
    }
    return 0;
}

static void s_close(void **svc);

/* A validation worker added to a node that already has data starts with
 * the register that worker 1 keeps (every register row reaches every
 * worker from then on). */
static int s_seed_register(validate_t *v, bl_err_t *err)
{
    if (bl_daemon_worker(v->d) <= 1) {
        return 0;
    }
    MDB_txn *txn;
    int rc = bl_store_read(bl_daemon_store(v->d), &txn, err);
    if (rc != 0) {
        return rc;
    }
    MDB_stat st;
    rc = mdb_stat(txn, bl_daemon_dbi(v->d, DB_REGISTER), &st);
    mdb_txn_abort(txn);
    if (rc != 0 || st.ms_entries > 0) {
        return 0;
    }
    char dir[4096];
    bl_daemon_store_dir(v->cfg, BL_STAGE_VALIDATE, 1, dir, sizeof dir);
    rc = bl_store_import(bl_daemon_store(v->d),
                         bl_daemon_dbi(v->d, DB_REGISTER), dir,
                         s_dbs[DB_REGISTER], err);
    if (rc == 0) {
        bl_log(BL_LOG_INFO, "register taken over from worker 1 store=%s",
               dir);
    }
    return rc;
}

static int s_open(void **svc, bl_daemon_t *d, bl_err_t *err)
{
    validate_t *v = calloc(1, sizeof *v);
    if (v == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    v->d = d;
    v->cfg = bl_daemon_config(d);
    bl_mpw_init(&v->w);
    for (size_t l = 0; l < BL_OUTBOX_LANES_MAX; l++) {
        bl_mpw_init(&v->lanes[l]);
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    v->current_year = tm.tm_year + 1900;
    v->national_group = bl_config_find_group(v->cfg, "national");
    if (v->national_group < 0 && v->cfg->n_groups > 0) {
        v->national_group = 0;
    }
    *svc = v;
    int rc = s_compile_rules(v, err);
    if (rc == 0) {
        rc = s_seed_register(v, err);
    }
    return rc;
}

static void s_close(void **svc)
{
    validate_t *v = *svc;
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < v->n_rules; i++) {
        validate_expr_destroy(&v->rules[i].left);
        validate_expr_destroy(&v->rules[i].right);
    }
    free(v->rules);
    free(v->cand);
    s_sub_free(&v->sub);
    bl_mpw_destroy(&v->w);
    for (size_t l = 0; l < BL_OUTBOX_LANES_MAX; l++) {
        bl_mpw_destroy(&v->lanes[l]);
    }
    free(v);
    *svc = NULL;
}

const bl_stage_ops_t validate_ops = {
    .stage = BL_STAGE_VALIDATE,
    .db_names = s_dbs,
    .n_dbs = sizeof s_dbs / sizeof s_dbs[0],
    .has_outbox = 1,
    .open = s_open,
    .apply = s_apply,
    .request = s_request,
    .health = s_health,
    .committed = NULL,
    .tick = NULL,
    .close = s_close,
};
