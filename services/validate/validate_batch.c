/*
 * validate_batch: the rows of one raw_rows message, judged one after the
 * other (see validate_batch.h).  A row is checked alone first
 * (validate_row.c, validate_learning.c), then against the store: the
 * register and closed periods (validate_register.c), repeated keys, the
 * rules and the change limit (validate_rules.c), outliers
 * (validate_outliers.c).  An accepted row is remembered ("vals",
 * "surveys") and becomes a record in its provider's aggregation lane.
 */
#include "validate_batch.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bl_layout.h"
#include "bl_number.h"
#include "bl_page.h"
#include "bl_records_codec.h"
#include "validate_learning.h"
#include "validate_outliers.h"
#include "validate_register.h"
#include "validate_rules.h"
#include "validate_submission.h"

/* ---- the batch ---------------------------------------------------------- */

int vbatch_init(validate_batch_t *b, validate_t *v, MDB_txn *txn,
                s_sub_t *sub, size_t payload_len, bl_err_t *err)
{
    memset(b, 0, sizeof *b);
    b->v = v;
    b->sub = sub;
    bl_cursors_init(&b->cur, txn);
    bl_cursors_init(&b->reads, txn);
    b->keys = &v->keys;
    vkeys_begin(b->keys, txn, bl_daemon_dbi(v->d, DB_KEYS), sub->id);
    for (size_t l = 0; l < BL_OUTBOX_LANES_MAX; l++) {
        bl_mpw_init(&b->lanes[l]);
    }
    b->fields = calloc(sub->layout.n_columns + 1, sizeof *b->fields);
    /* One buffer holds a row's fields with their NULs: a row is never
     * longer than the message it came in. */
    b->text = malloc(payload_len + sub->layout.n_columns + 1);
    if (b->fields == NULL || b->text == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    return 0;
}

void vbatch_free(validate_batch_t *b)
{
    bl_cursors_close(&b->cur);
    bl_cursors_close(&b->reads);
    if (b->keys != NULL) {
        vkeys_end(b->keys);
    }
    free(b->fields);
    free(b->text);
    free(b->cand);
    free(b->cand_text);
    free(b->seen);
    free(b->seen_text);
    free(b->seen_ind);
    b->seen = NULL;
    b->seen_text = NULL;
    b->seen_ind = NULL;
    b->n_seen = b->cap_seen = b->n_seen_text = b->cap_seen_text = 0;
    b->cap_seen_ind = 0;
    b->fields = NULL;
    b->text = NULL;
    b->cand = NULL;
    b->cand_text = NULL;
    b->n_cand = b->cap_cand = 0;
    b->n_cand_text = b->cap_cand_text = 0;
    for (size_t l = 0; l < BL_OUTBOX_LANES_MAX; l++) {
        bl_mpw_destroy(&b->lanes[l]);
    }
}

vr_context_t vbatch_context(const validate_batch_t *b)
{
    vr_context_t c = {b->v->cfg, &b->sub->layout, b->sub->delimiter == ';',
                      b->v->current_year, &b->sub->indicator_hint};
    return c;
}

/* ---- rows still rejected ------------------------------------------------ */

/* Notes that the row being judged has a key (already in row->track.key),
 * for s_track. */
static void s_track_row(validate_line_t *row, const char *provider,
                        int period)
{
    size_t pl = strlen(provider);
    if (pl >= sizeof row->track.provider) {
        return;
    }
    row->track.valid = true;
    memcpy(row->track.provider, provider, pl + 1);
    row->track.period = period;
}

/* Keeps "rows still rejected" per provider and period: a rejected row
 * counts until a later version of it (same key) is accepted.  A row that
 * only repeats a key of its own file does not count: its first line
 * stands. */
static int s_track(validate_batch_t *b, MDB_txn *txn,
                   const validate_line_t *row, bl_err_t *err)
{
    if (!row->track.valid || row->track.repeat || b->sub->dry_run) {
        return 0;
    }
    bool rejected = row->o->rejected;
    MDB_dbi state = bl_daemon_dbi(b->v->d, DB_ROWSTATE);
    if (b->rowstate == 0) {
        MDB_stat st;
        int src = mdb_stat(txn, state, &st);
        if (src != 0) {
            return bl_store_fail(err, src, "rowstate: stat");
        }
        b->rowstate = st.ms_entries == 0 ? 1 : 2;
    }
    if (!rejected && b->rowstate == 1) {
        return 0;   /* no rejected key at all: nothing to clear */
    }
    size_t kl = strlen(row->track.key);
    MDB_val val;
    int rc = bl_store_get(txn, state, row->track.key, kl, &val, err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    bool was = rc == 0;
    if (was == rejected) {
        return 0;
    }
    rc = rejected ? bl_store_put(txn, state, row->track.key, kl, "", 0, err)
                  : bl_store_del(txn, state, row->track.key, kl, err);
    if (rc != 0) {
        return rc;
    }
    b->rowstate = 2;
    char p[BL_NUMBER_INT_MAX], key[S_KEY_MAX];
    bl_number_int(p, row->track.period);
    const char *parts[] = {p, row->track.provider};
    size_t pl = bl_page_join(key, sizeof key, parts, 2);
    MDB_dbi count_db = bl_daemon_dbi(b->v->d, DB_REJECTED);
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

int vbatch_check_repeat(validate_batch_t *b, validate_line_t *row,
                        const char *rowkey, const char *field, bl_err_t *err)
{
    uint64_t first;
    int rc = vkeys_check(b->keys, rowkey, strlen(rowkey), row->line, &first,
                         err);
    if (rc == BL_ETOOBIG) {
        vr_add(row->o, true, field, "the row's key is too long");
        return 0;
    }
    if (rc == 0 && first != row->line) {
        vr_add(row->o, true, field,
               "repeats the key of line %" PRIu64 " in this file", first);
        row->track.repeat = true;
    }
    return rc;
}

/* Notes the row's key (parts joined) for the rejected count and checks it
 * is not repeated in its file; a key too long to join is not checked. */
static int s_row_key(validate_batch_t *b, validate_line_t *row,
                     const char *const *parts, size_t n,
                     const char *provider, int period, const char *field,
                     bl_err_t *err)
{
    /* Joined where s_track will read it. */
    char *key = row->track.key;
    if (bl_page_join(key, sizeof row->track.key, parts, n) == 0) {
        return 0;
    }
    s_track_row(row, provider, period);
    return vbatch_check_repeat(b, row, key, field, err);
}

/* ---- records for aggregation -------------------------------------------- */

static bl_mpw_t *s_lane_for(validate_batch_t *b, const char *provider)
{
    bl_outbox_t *ob = bl_daemon_outbox(b->v->d);
    size_t lane = bl_outbox_lane_for(ob, provider, strlen(provider));
    b->lane_count[lane]++;
    return &b->lanes[lane];
}

static int s_flush_lanes(validate_batch_t *b, MDB_txn *txn, bl_err_t *err)
{
    bl_outbox_t *ob = bl_daemon_outbox(b->v->d);
    for (size_t l = 0; l < bl_outbox_lanes(ob); l++) {
        if (b->lane_count[l] == 0) {
            continue;
        }
        bl_mpw_t *w = &b->v->w;
        bl_mpw_reset(w);
        if (bl_records_write(w, b->sub->id, &b->lanes[l],
                             b->lane_count[l]) != 0) {
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

/* ---- indicator values --------------------------------------------------- */

static size_t s_vals_key(char *buf, size_t size, int period,
                         const char *indicator, const char *provider,
                         const char *unit)
{
    char p[BL_NUMBER_INT_MAX];
    bl_number_int(p, period);
    const char *parts[] = {p, provider, unit, indicator};
    return bl_page_join(buf, size, parts, 4);
}

int vbatch_vals_indicator(const validate_t *v, const MDB_val *key,
                          size_t *il)
{
    const char *ks = key->mv_data;
    size_t n = 0;
    while (n < key->mv_size && ks[key->mv_size - n - 1] != '\x1f') {
        n++;
    }
    char id[S_KEY_MAX];
    if (n == 0 || n >= sizeof id) {
        return -1;
    }
    memcpy(id, ks + key->mv_size - n, n);
    id[n] = '\0';
    *il = n;
    return bl_catalogue_find_indicator(v->cfg->catalogue, id);
}

int vbatch_vals_get(validate_batch_t *b, int period, const char *indicator,
                    const char *provider, const char *unit, double out[3],
                    bl_err_t *err)
{
    char key[S_KEY_MAX];
    size_t kl = s_vals_key(key, sizeof key, period, indicator, provider, unit);
    MDB_val val;
    int rc = bl_cursors_get(&b->reads, bl_daemon_dbi(b->v->d, DB_VALS), key,
                            kl, &val, err);
    if (rc != 0) {
        return rc;
    }
    if (val.mv_size < 3 * sizeof(double)) {
        return BL_ENOTFOUND;
    }
    memcpy(out, val.mv_data, 3 * sizeof(double));
    return 0;
}

/* ---- one row of each kind ----------------------------------------------- */

/* Whether the row's unit id was read: empty, or valid and copied.  A row
 * whose key fields could not be read has no key to repeat. */
static bool s_unit_read(const validate_batch_t *b, const char **fields,
                        const char *unit)
{
    int i = b->sub->layout.col[BL_COL_UNIT_ID];
    return unit[0] != '\0' || i < 0 || fields[i][0] == '\0';
}

/* Stores an accepted indicator row's figures for the checks of later rows
 * (rules, change) and its value for the outliers of its peer group. */
static int s_keep_indicator(validate_batch_t *b, const validate_line_t *row,
                            const vr_indicator_row_t *r, const s_reg_t *reg,
                            bl_err_t *err)
{
    validate_t *v = b->v;
    const char *ind = v->cfg->catalogue->indicators[r->indicator].id;
    double f[3] = {r->has_num ? r->num : NAN, r->has_den ? r->den : NAN,
                   r->has_value ? r->value : NAN};
    /* The figures, then what the outlier check reads of the row. */
    unsigned char val[sizeof f + VALIDATE_OUTLIERS_TAIL_MAX];
    memcpy(val, f, sizeof f);
    size_t vl = sizeof f + validate_outliers_tail(b, r, reg, row->line,
                                                  val + sizeof f,
                                                  sizeof val - sizeof f);
    char key[S_KEY_MAX];
    size_t kl = s_vals_key(key, sizeof key, r->period, ind, r->provider,
                           r->unit);
    return bl_cursors_put(&b->cur, bl_daemon_dbi(v->d, DB_VALS), key, kl,
                          val, vl, 0, NULL, err);
}

static int s_row_indicator(validate_batch_t *b, MDB_txn *txn,
                           validate_line_t *row, bl_err_t *err)
{
    validate_t *v = b->v;
    vr_context_t c = vbatch_context(b);
    vr_outcome_t *o = row->o;
    vr_indicator_row_t r;
    vr_check_indicator(&c, row->fields, &r, o);
    s_reg_t reg;
    int rc = vreg_provider_checks(b, txn, r.provider, r.period, false, &reg,
                                  o, err);
    if (rc != 0) {
        return rc;
    }
    if (r.indicator >= 0 && r.provider[0] && r.period > 0 &&
        s_unit_read(b, row->fields, r.unit)) {
        char p[BL_NUMBER_INT_MAX];
        bl_number_int(p, r.period);
        const char *parts[] = {r.provider, r.unit, p,
                               v->cfg->catalogue->indicators[r.indicator].id};
        rc = s_row_key(b, row, parts, 4, r.provider, r.period,
                       "indicator_id", err);
        if (rc != 0) {
            return rc;
        }
    }
    if (o->rejected) {
        return 0;
    }
    validate_rules_check(b, &r, &reg, o);
    if (o->rejected) {
        return 0;
    }
    validate_rules_check_change(b, &r, o);
    if (!b->sub->dry_run) {
        rc = s_keep_indicator(b, row, &r, &reg, err);
    }
    if (rc == 0) {
        rc = validate_outliers_add(b, row->line, &r, &reg, err);
    }
    if (rc != 0 || b->sub->dry_run) {
        return rc;
    }
    /* Accepted: pass it on. */
    bl_record_indicator_t rec = {.period = r.period,
                                 .has_numerator = r.has_num,
                                 .numerator = r.num,
                                 .has_denominator = r.has_den,
                                 .denominator = r.den,
                                 .has_value = r.has_value,
                                 .value = r.value};
    vr_copy(rec.provider, sizeof rec.provider, r.provider);
    vr_copy(rec.unit, sizeof rec.unit, r.unit);
    vr_copy(rec.indicator, sizeof rec.indicator,
           v->cfg->catalogue->indicators[r.indicator].id);
    bl_records_write_indicator(s_lane_for(b, r.provider), &rec);
    return 0;
}

/* Notes once per run of rows that provider answered survey in period
 * (the "surveys" database, for completeness at the close). */
static int s_note_survey(validate_batch_t *b, MDB_txn *txn,
                         const vr_survey_row_t *r, bl_err_t *err)
{
    char p[BL_NUMBER_INT_MAX];
    bl_number_int(p, r->period);
    const char *parts[] = {p, r->provider,
                           b->v->cfg->catalogue->surveys[r->survey].id};
    char key[S_KEY_MAX];
    size_t kl = bl_page_join(key, sizeof key, parts, 3);
    if (strcmp(key, b->lookup.survey_key) == 0) {
        return 0;
    }
    int rc = bl_store_put(txn, bl_daemon_dbi(b->v->d, DB_SURVEYS), key, kl,
                          "", 0, err);
    if (rc == 0) {
        memcpy(b->lookup.survey_key, key, kl + 1);
    }
    return rc;
}

static int s_row_survey(validate_batch_t *b, MDB_txn *txn,
                        validate_line_t *row, bl_err_t *err)
{
    validate_t *v = b->v;
    vr_context_t c = vbatch_context(b);
    vr_survey_row_t r;
    vr_check_survey(&c, row->fields, &r, row->o);
    s_reg_t reg;
    int rc = vreg_provider_checks(b, txn, r.provider, r.period, false, &reg,
                                  row->o, err);
    if (rc != 0) {
        return rc;
    }
    if (r.survey >= 0 && r.provider[0] && r.respondent[0] && r.period > 0) {
        char p[BL_NUMBER_INT_MAX];
        bl_number_int(p, r.period);
        const char *parts[] = {r.provider, p,
                               v->cfg->catalogue->surveys[r.survey].id,
                               r.respondent};
        rc = s_row_key(b, row, parts, 4, r.provider, r.period,
                       "respondent_id", err);
        if (rc != 0) {
            return rc;
        }
    }
    if (row->o->rejected || b->sub->dry_run) {
        return 0;
    }
    rc = s_note_survey(b, txn, &r, err);
    if (rc != 0) {
        return rc;
    }
    /* Field by field, not an initializer that clears 400 bytes per row. */
    bl_record_survey_t rec;
    rec.period = r.period;
    rec.n_answers = (uint32_t)r.n_items;
    rec.answers = r.answers;
    rec.no_answer = VR_NO_ANSWER;
    rec.answers_raw = NULL;
    rec.answers_len = 0;
    vr_copy(rec.provider, sizeof rec.provider, r.provider);
    vr_copy(rec.unit, sizeof rec.unit, r.unit);
    vr_copy(rec.survey, sizeof rec.survey,
           v->cfg->catalogue->surveys[r.survey].id);
    vr_copy(rec.respondent, sizeof rec.respondent, r.respondent);
    bl_records_write_survey(s_lane_for(b, r.provider), &rec);
    return 0;
}

/* Notes the key of a learning row (parts: provider, period, a tag that no
 * survey id has, the row's own id) and checks it is not repeated. */
static int s_learning_key(validate_batch_t *b, validate_line_t *row,
                          const char *provider,
                          int period, const char *tag, const char *id,
                          const char *field, bl_err_t *err)
{
    if (provider[0] == '\0' || period <= 0 || id[0] == '\0') {
        return 0;
    }
    char p[BL_NUMBER_INT_MAX];
    bl_number_int(p, period);
    const char *parts[] = {provider, p, tag, id};
    return s_row_key(b, row, parts, 4, provider, period, field, err);
}

/* An improvement action (SPEC section 10): accepted for a closed period
 * too; passed on as ["a", provider, period, action_id, indicator, action,
 * owner, due, status, sub, line]. */
static int s_row_action(validate_batch_t *b, MDB_txn *txn,
                        validate_line_t *row, bl_err_t *err)
{
    vr_context_t c = vbatch_context(b);
    vl_action_t r;
    vl_check_action(&c, row->fields, &r, row->o);
    s_reg_t reg;
    int rc = vreg_provider_checks(b, txn, r.provider, r.period, true, &reg,
                                  row->o, err);
    if (rc == 0) {
        rc = s_learning_key(b, row, r.provider, r.period, "#action",
                            r.action_id, "action_id", err);
    }
    if (rc != 0 || row->o->rejected || b->sub->dry_run) {
        return rc;
    }
    bl_learning_action_t rec = {.period = r.period,
                                .action = bl_learning_text(r.action),
                                .owner = bl_learning_text(r.owner),
                                .line = row->line};
    vr_copy(rec.provider, sizeof rec.provider, r.provider);
    vr_copy(rec.action_id, sizeof rec.action_id, r.action_id);
    vr_copy(rec.indicator, sizeof rec.indicator,
           b->v->cfg->catalogue->indicators[r.indicator].id);
    vr_copy(rec.due, sizeof rec.due, r.due);
    vr_copy(rec.status, sizeof rec.status, r.status);
    vr_copy(rec.sub, sizeof rec.sub, b->sub->id);
    bl_learning_write_action(s_lane_for(b, r.provider), &rec);
    return 0;
}

/* A practice (SPEC section 10): accepted for a closed period too; passed
 * on as ["p", provider, period, indicator, title, description, contact,
 * sub, line]. */
static int s_row_practice(validate_batch_t *b, MDB_txn *txn,
                          validate_line_t *row, bl_err_t *err)
{
    const bl_catalogue_t *cat = b->v->cfg->catalogue;
    vr_context_t c = vbatch_context(b);
    vl_practice_t r;
    vl_check_practice(&c, row->fields, &r, row->o);
    s_reg_t reg;
    int rc = vreg_provider_checks(b, txn, r.provider, r.period, true, &reg,
                                  row->o, err);
    if (rc == 0 && r.indicator >= 0) {
        rc = s_learning_key(b, row, r.provider, r.period, "#practice",
                            cat->indicators[r.indicator].id, "indicator_id",
                            err);
    }
    if (rc != 0 || row->o->rejected || b->sub->dry_run) {
        return rc;
    }
    bl_learning_practice_t rec = {
        .period = r.period,
        .title = bl_learning_text(r.title),
        .description = bl_learning_text(r.description),
        .contact = bl_learning_text(r.contact),
        .line = row->line};
    vr_copy(rec.provider, sizeof rec.provider, r.provider);
    vr_copy(rec.indicator, sizeof rec.indicator,
           cat->indicators[r.indicator].id);
    vr_copy(rec.sub, sizeof rec.sub, b->sub->id);
    bl_learning_write_practice(s_lane_for(b, r.provider), &rec);
    return 0;
}

/* ---- the batch's rows -------------------------------------------------- */

/* Copies the raw row's fields, NUL-terminated, into the batch's buffer:
 * the encoded fields in one piece, then each field's NUL over the header
 * of the field after it (already read, from the message) or just past the
 * last one. */
static void s_read_fields(validate_batch_t *b, bl_raw_row_t *raw)
{
    const char *start = (const char *)raw->field_r.p;
    size_t len = (size_t)((const char *)raw->raw + raw->raw_len - start);
    memcpy(b->text, start, len);
    b->text[len] = '\0';
    const char *f;
    uint32_t fl;
    for (size_t i = 0; bl_raw_rows_next_field(raw, &f, &fl) == 0; i++) {
        size_t at = (size_t)(f - start);
        b->fields[i] = b->text + at;
        b->text[at + fl] = '\0';
    }
}

int vbatch_row(validate_batch_t *b, MDB_txn *txn, bl_raw_row_t *raw,
               bl_err_t *err)
{
    vr_outcome_t o;
    o.n = 0;  /* (the problems array is filled as it grows) */
    o.rejected = false;
    /* Not an initializer: that would clear the key buffers, 600 bytes,
     * on every row; they are only read once track.valid is set. */
    validate_line_t row;
    row.fields = b->fields;
    row.line = raw->line;
    row.o = &o;
    row.not_mine = false;
    row.track.valid = false;
    row.track.repeat = false;
    row.track.period = 0;
    const bl_layout_t *layout = &b->sub->layout;
    int rc = 0;
    if (raw->error != NULL) {
        vr_add(&o, true, "-", "%.*s",
               (int)(raw->error_len < 200 ? raw->error_len : 200),
               raw->error);
    } else if (raw->n_fields != layout->n_columns) {
        vr_add(&o, true, "-", "expected %zu fields, found %u",
               layout->n_columns, raw->n_fields);
    } else {
        s_read_fields(b, raw);
        switch (layout->kind) {
        case BL_FILE_INDICATORS:
            rc = s_row_indicator(b, txn, &row, err);
            break;
        case BL_FILE_SURVEY:
            rc = s_row_survey(b, txn, &row, err);
            break;
        case BL_FILE_REGISTER:
            rc = vreg_judge_row(b, txn, &row, err);
            break;
        case BL_FILE_ACTIONS:
            rc = s_row_action(b, txn, &row, err);
            break;
        case BL_FILE_PRACTICES:
            rc = s_row_practice(b, txn, &row, err);
            break;
        default:
            break;
        }
    }
    if (rc == 0 && !row.not_mine) {
        rc = vsub_store_outcome(b->v, txn, &b->cur, b->sub, row.line, &o,
                                err);
        b->sub->rows++;
    }
    if (rc == 0) {
        rc = s_track(b, txn, &row, err);
    }
    return rc;
}

int vbatch_finish(validate_batch_t *b, MDB_txn *txn, bl_err_t *err)
{
    int rc = vkeys_flush(b->keys, err);
    if (rc == 0) {
        rc = validate_outliers_judge_batch(b, txn, err);
    }
    if (rc == 0) {
        rc = s_flush_lanes(b, txn, err);
    }
    return rc;
}
