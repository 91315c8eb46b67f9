/*
 * validate: the stage — store, message dispatch, submissions, rows,
 * requests, health (see validate.h).  Its other parts:
 *   validate_row.c       checks of one row alone
 *   validate_rules.c     the configured rules and the change limit
 *   validate_outliers.c  values judged against their national peer group
 *   validate_learning.c  improvement actions and practices
 *   validate_close.c     the period close: completeness, close marker
 *   validate_expr.c      the rule expression language
 *   validate_stage.h     the state and store helpers they share
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
 *             line, numerator flag, submission (validate_outliers.c)
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
#include "bl_raw_rows_codec.h"
#include "bl_records_codec.h"
#include "bl_scan.h"
#include "bl_stats.h"
#include "bl_submission_codec.h"
#include "validate_close.h"
#include "validate_expr.h"
#include "validate_learning.h"
#include "validate_outliers.h"
#include "validate_row.h"
#include "validate_rules.h"
#include "validate_stage.h"

static const char *const s_dbs[] = {"subs",     "outcomes", "keys",
                                    "register", "vals",     "gvals",
                                    "closed",   "surveys",  "rowstate",
                                    "rejected", "touched"};

/* ---- small helpers ------------------------------------------------------ */

size_t validate_sub_key(const char *sub, const void *rest, size_t rest_len,
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

void validate_sub_free(s_sub_t *s)
{
    for (size_t i = 0; i < s->n_header; i++) {
        free(s->header[i]);
    }
    free(s->header);
    memset(s, 0, sizeof *s);
}

/* ---- submission state --------------------------------------------------- */

int validate_sub_save(validate_t *v, MDB_txn *txn, const s_sub_t *s,
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

/* Reads the stored record of a submission (validate_sub_save) into s and
 * works out its layout. */
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
    validate_sub_free(&v->sub);
    rc = s_sub_parse(v, val.mv_data, val.mv_size, &v->sub);
    snprintf(v->sub.id, sizeof v->sub.id, "%s", id);
    if (rc != 0) {
        validate_sub_free(&v->sub);
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
    bl_register_entry_t e;
    if (bl_register_decode_entry(val.mv_data, val.mv_size, &e, NULL) != 0) {
        return bl_err_set(err, BL_ESTORE, "register entry %s is corrupt",
                          provider);
    }
    snprintf(out->country, sizeof out->country, "%s", e.country);
    snprintf(out->service_type, sizeof out->service_type, "%s",
             e.service_type);
    snprintf(out->membership, sizeof out->membership, "%s", e.membership);
    out->share_identity = e.share_identity;
    out->users = (double)e.users;
    out->staff = (double)e.staff;
    out->found = true;
    return 0;
}

/* The register entry of a checked register row. */
static void s_entry_of(const vr_register_t *g, bl_register_entry_t *e)
{
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", g->name);
    snprintf(e->country, sizeof e->country, "%s", g->country);
    snprintf(e->service_type, sizeof e->service_type, "%s",
             g->service_type);
    e->users = g->users;
    e->staff = g->staff;
    snprintf(e->membership, sizeof e->membership, "%s", g->membership);
    snprintf(e->member_since, sizeof e->member_since, "%s",
             g->member_since);
    e->share_identity = g->share_identity;
}

void validate_group_key(const validate_t *v, int g, const s_reg_t *reg,
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

int validate_store_outcome(validate_t *v, MDB_txn *txn, uint64_t line,
                           const vr_outcome_t *o, bl_err_t *err)
{
    s_sub_t *s = &v->sub;
    validate_status_t status = o->rejected ? VALIDATE_REJECTED
                               : o->n > 0  ? VALIDATE_WARNED
                                           : VALIDATE_ACCEPTED;
    if (status == VALIDATE_REJECTED) {
        s->rejected++;
    } else if (status == VALIDATE_WARNED) {
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
    size_t kl = validate_sub_key(s->id, lk, sizeof lk, key, sizeof key);
    return bl_store_put(txn, bl_daemon_dbi(v->d, DB_OUTCOMES), key, kl,
                        bl_mpw_data(w), bl_mpw_size(w), err);
}

int validate_outcome_read(const MDB_val *val, validate_outcome_t *o)
{
    bl_mpr_t r;
    bl_mpr_init(&r, val->mv_data, val->mv_size);
    uint32_t two;
    uint64_t status;
    if (bl_mpr_array(&r, &two) != 0 || two != 2 ||
        bl_mpr_uint(&r, &status) != 0 || status > VALIDATE_REJECTED ||
        bl_mpr_raw(&r, &o->problems, &o->problems_len) != 0 ||
        !bl_mpr_done(&r)) {
        return BL_EPROTO;
    }
    o->status = (validate_status_t)status;
    return 0;
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
    size_t kl = validate_sub_key(v->sub.id, rowkey, strlen(rowkey), key,
                                 sizeof key);
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
        if (bl_records_write(w, v->sub.id, &v->lanes[l],
                             v->lane_count[l]) != 0) {
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

int validate_vals_get(validate_t *v, MDB_txn *txn, int period,
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
    validate_rules_check(v, txn, &row, &reg, o);
    if (o->rejected) {
        return 0;
    }
    validate_rules_check_change(v, txn, &row, o);
    if (v->sub.dry_run) {
        return validate_outliers_add(v, line, &row, &reg, err);
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
        rc = validate_outliers_put(v, txn, &row, &reg, line, err);
    }
    if (rc == 0) {
        rc = validate_outliers_add(v, line, &row, &reg, err);
    }
    if (rc != 0) {
        return rc;
    }
    bl_record_indicator_t rec = {.period = row.period,
                                 .has_numerator = row.has_num,
                                 .numerator = row.num,
                                 .has_denominator = row.has_den,
                                 .denominator = row.den,
                                 .has_value = row.has_value,
                                 .value = row.value};
    snprintf(rec.provider, sizeof rec.provider, "%s", row.provider);
    snprintf(rec.unit, sizeof rec.unit, "%s", row.unit);
    snprintf(rec.indicator, sizeof rec.indicator, "%s", ind);
    bl_records_write_indicator(s_lane_for(v, row.provider), &rec);
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
    bl_record_survey_t rec = {.period = row.period,
                              .n_answers = (uint32_t)row.n_items,
                              .answers = row.answers,
                              .no_answer = VR_NO_ANSWER};
    snprintf(rec.provider, sizeof rec.provider, "%s", row.provider);
    snprintf(rec.unit, sizeof rec.unit, "%s", row.unit);
    snprintf(rec.survey, sizeof rec.survey, "%s",
             v->cfg->catalogue->surveys[row.survey].id);
    snprintf(rec.respondent, sizeof rec.respondent, "%s", row.respondent);
    bl_records_write_survey(s_lane_for(v, row.provider), &rec);
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
    bl_learning_action_t rec = {.period = row.period,
                                .action = bl_learning_text(row.action),
                                .owner = bl_learning_text(row.owner),
                                .line = line};
    snprintf(rec.provider, sizeof rec.provider, "%s", row.provider);
    snprintf(rec.action_id, sizeof rec.action_id, "%s", row.action_id);
    snprintf(rec.indicator, sizeof rec.indicator, "%s",
             v->cfg->catalogue->indicators[row.indicator].id);
    snprintf(rec.due, sizeof rec.due, "%s", row.due);
    snprintf(rec.status, sizeof rec.status, "%s", row.status);
    snprintf(rec.sub, sizeof rec.sub, "%s", v->sub.id);
    bl_learning_write_action(s_lane_for(v, row.provider), &rec);
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
    bl_learning_practice_t rec = {
        .period = row.period,
        .title = bl_learning_text(row.title),
        .description = bl_learning_text(row.description),
        .contact = bl_learning_text(row.contact),
        .line = line};
    snprintf(rec.provider, sizeof rec.provider, "%s", row.provider);
    snprintf(rec.indicator, sizeof rec.indicator, "%s",
             v->cfg->catalogue->indicators[row.indicator].id);
    snprintf(rec.sub, sizeof rec.sub, "%s", v->sub.id);
    bl_learning_write_practice(s_lane_for(v, row.provider), &rec);
    return 0;
}

bool validate_owns(const validate_t *v, const char *provider)
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
    if (!validate_owns(v, fields[v->sub.layout.col[BL_COL_PROVIDER_ID]])) {
        v->not_mine = true;
        if (o->rejected || v->sub.dry_run) {
            return 0;
        }
        bl_register_entry_t e;
        s_entry_of(&g, &e);
        bl_mpw_reset(&v->w);
        bl_register_write_entry(&v->w, &e);
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
    bl_register_entry_t e;
    s_entry_of(&g, &e);
    bl_mpw_t *w = &v->w;
    bl_mpw_reset(w);
    bl_register_write_entry(w, &e);
    int rc = bl_store_put(txn, bl_daemon_dbi(v->d, DB_REGISTER), g.provider,
                          strlen(g.provider), bl_mpw_data(w), bl_mpw_size(w),
                          err);
    if (rc != 0) {
        return rc;
    }
    /* Every aggregation worker needs the whole register. */
    bl_outbox_t *ob = bl_daemon_outbox(v->d);
    for (size_t l = 0; l < bl_outbox_lanes(ob); l++) {
        v->lane_count[l]++;
        bl_records_write_register(&v->lanes[l], g.provider, &e);
    }
    return 0;
}

/* ---- messages from ingestion -------------------------------------------- */

static int s_apply_rows(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                        bl_err_t *err)
{
    bl_raw_rows_reader_t rd;
    if (bl_raw_rows_open(&rd, msg->payload, msg->payload_len, err) != 0) {
        return BL_EPROTO;
    }
    const char *id = rd.sub;
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
    bl_raw_row_t row;
    int more;
    while (rc == 0 &&
           (more = bl_raw_rows_next(&rd, &row, err)) != BL_ENOTFOUND) {
        if (more != 0) {
            rc = more;
            break;
        }
        uint64_t line = row.line;
        vr_outcome_t o;
        o.n = 0;  /* (the problems array is filled as it grows) */
        o.rejected = false;
        if (row.error != NULL) {
            vr_add(&o, true, "-", "%.*s",
                   (int)(row.error_len < 200 ? row.error_len : 200),
                   row.error);
        } else if (row.n_fields != v->sub.layout.n_columns) {
            vr_add(&o, true, "-", "expected %zu fields, found %u",
                   v->sub.layout.n_columns, row.n_fields);
        } else {
            size_t used = 0;
            const char *f;
            uint32_t fl;
            for (size_t i = 0; bl_raw_rows_next_field(&row, &f, &fl) == 0;
                 i++) {
                memcpy(owned + used, f, fl);
                owned[used + fl] = '\0';
                fields[i] = owned + used;
                used += (size_t)fl + 1;
            }
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
        }
        if (rc == 0 && !v->not_mine) {
            rc = validate_store_outcome(v, txn, line, &o, err);
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
        rc = validate_outliers_judge_batch(v, txn, err);
    }
    v->n_cand = 0;
    if (rc == 0) {
        rc = s_flush_lanes(v, txn, err);
    }
    if (rc == 0) {
        v->sub.rows += owned_rows;
        rc = validate_sub_save(v, txn, &v->sub, err);
    }
    /* The cache may now hold counts of an aborted transaction. */
    validate_sub_free(&v->sub);
    return rc;
}

/* A submission begins: what validation keeps of it, from the begin
 * event. */
static int s_sub_begin(validate_t *v, MDB_txn *txn, bl_submission_t *ev,
                       bl_err_t *err)
{
    s_sub_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.id, sizeof s.id, "%s", ev->sub);
    snprintf(s.file, sizeof s.file, "%s", ev->file);
    s.delimiter = ev->delimiter;
    s.dry_run = ev->dry_run;
    snprintf(s.state, sizeof s.state, "open");
    s.header = calloc(ev->n_header ? ev->n_header : 1, sizeof *s.header);
    int rc = s.header == NULL ? BL_ENOMEM : 0;
    const char *name;
    uint32_t len;
    while (rc == 0 && bl_submission_next_name(ev, &name, &len) == 0) {
        s.header[s.n_header] = strndup(name, len);
        if (s.header[s.n_header] == NULL) {
            rc = BL_ENOMEM;
        } else {
            s.n_header++;
        }
    }
    rc = rc != 0 ? bl_err_set(err, rc, "out of memory")
                 : validate_sub_save(v, txn, &s, err);
    validate_sub_free(&s);
    return rc;
}

static int s_apply_submission(validate_t *v, MDB_txn *txn,
                              const bl_msg_t *msg, bl_err_t *err)
{
    bl_submission_t ev;
    if (bl_submission_decode(msg->payload, msg->payload_len, &ev, err) !=
        0) {
        return BL_EPROTO;
    }
    if (ev.event == BL_SUBMISSION_BEGIN) {
        return s_sub_begin(v, txn, &ev, err);
    }
    const char *id = ev.sub;
    int rc = s_sub_load(v, txn, id, err);
    if (rc != 0) {
        return rc == BL_ENOTFOUND
                   ? bl_err_set(err, BL_EDATA, "end of unknown submission %s",
                                id)
                   : rc;
    }
    snprintf(v->sub.state, sizeof v->sub.state, "complete");
    if (!v->sub.dry_run) {
        rc = validate_outliers_judge_submission(v, txn, err);
    }
    if (rc == 0) {
        rc = validate_sub_save(v, txn, &v->sub, err);
    }
    bl_log(BL_LOG_DEBUG, "submission complete sub=%s", id);
    validate_sub_free(&v->sub);
    return rc;
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
        return validate_close_apply(v, txn, msg, err);
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
    validate_sub_free(&v->sub);
    return 0;
}

static int s_req_outcomes(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                          bl_mpw_t *reply, bl_err_t *err)
{
    char id[S_SUB_MAX];
    int64_t after = 0, limit = 1000;
    bool problems_only = false;
    if (bl_req_str(msg, "sub", id, sizeof id) != 0) {
        bl_reply_error(reply, "outcomes without a submission id");
        return 0;
    }
    bl_req_int(msg, "after", &after);
    bl_req_int(msg, "limit", &limit);
    if (limit < 1 || limit > 10000) {
        limit = 1000;
    }
    bl_req_bool(msg, "problems_only", &problems_only);
    unsigned char lk[8];
    bl_store_u64_key((uint64_t)after + 1, lk);
    unsigned char key[S_SUB_MAX + 9];
    size_t kl = validate_sub_key(id, lk, sizeof lk, key, sizeof key);
    size_t pl = kl - 8;
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, bl_daemon_dbi(v->d, DB_OUTCOMES), key,
                          pl, err);
    if (rc == 0) {
        rc = bl_scan_from(&scan, key, kl);
    }
    /* Collect first, since the array header needs the count. */
    bl_mpw_t rows;
    bl_mpw_init(&rows);
    uint32_t count = 0;
    bool more = false;
    MDB_val k, val;
    while (rc == 0 && (rc = bl_scan_next(&scan, &k, &val)) == 1) {
        rc = 0;
        validate_outcome_t o;
        if (k.mv_size != kl || validate_outcome_read(&val, &o) != 0 ||
            (problems_only && o.status == VALIDATE_ACCEPTED)) {
            continue;
        }
        if (count == (uint32_t)limit) {
            more = true;
            break;
        }
        bl_mpw_array(&rows, 3);
        bl_mpw_uint(&rows, bl_store_u64_from((unsigned char *)k.mv_data + pl));
        bl_mpw_uint(&rows, (uint64_t)o.status);
        bl_mpw_raw(&rows, o.problems, o.problems_len);
        count++;
    }
    bl_scan_close(&scan);
    if (rc < 0 || rows.err) {
        bl_mpw_destroy(&rows);
        return rc < 0 ? rc : bl_err_set(err, BL_ENOMEM, "out of memory");
    }
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
            if (validate_owns(v, provider)) {
                uint64_t sent = 0;
                for (size_t i = 0; i < total; i++) {
                    sent += validate_close_sent(v, txn, p, provider, i);
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
    int rc = validate_rules_compile(v, err);
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
    validate_rules_free(v);
    free(v->cand);
    validate_sub_free(&v->sub);
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
