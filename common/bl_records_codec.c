/*
 * bl_records_codec: encoding and bounded decoding of the records message
 * (see bl_records_codec.h).
 */
#include "bl_records_codec.h"

#include <string.h>

#include "bl_codec.h"

static int s_bad(bl_err_t *err, const char *field)
{
    return bl_codec_bad(err, "records message", field);
}

static int s_id(bl_mpr_t *r, char *buf, size_t size, const char *field,
                bl_err_t *err)
{
    return bl_codec_str(r, buf, size, "records message", field, err);
}

void bl_records_write_indicator(bl_mpw_t *recs,
                                const bl_record_indicator_t *r)
{
    bl_mpw_array(recs, 8);
    bl_mpw_str(recs, "i");
    bl_mpw_str(recs, r->provider);
    bl_mpw_str(recs, r->unit);
    bl_mpw_int(recs, r->period);
    bl_mpw_str(recs, r->indicator);
    bl_mpw_opt_double(recs, r->has_numerator, r->numerator);
    bl_mpw_opt_double(recs, r->has_denominator, r->denominator);
    bl_mpw_opt_double(recs, r->has_value, r->value);
}

void bl_records_write_survey(bl_mpw_t *recs, const bl_record_survey_t *r)
{
    bl_mpw_array(recs, 7);
    bl_mpw_str(recs, "s");
    bl_mpw_str(recs, r->provider);
    bl_mpw_str(recs, r->unit);
    bl_mpw_int(recs, r->period);
    bl_mpw_str(recs, r->survey);
    bl_mpw_str(recs, r->respondent);
    bl_mpw_array(recs, r->n_answers);
    for (uint32_t i = 0; i < r->n_answers; i++) {
        if (r->answers[i] == r->no_answer) {
            bl_mpw_nil(recs);
        } else {
            bl_mpw_int(recs, r->answers[i]);
        }
    }
}

void bl_records_write_register(bl_mpw_t *recs, const char *provider,
                               const bl_register_entry_t *entry)
{
    bl_mpw_array(recs, 3);
    bl_mpw_str(recs, "r");
    bl_mpw_str(recs, provider);
    bl_register_write_entry(recs, entry);
}

int bl_records_write(bl_mpw_t *w, const char *sub, const bl_mpw_t *recs,
                     uint32_t n_recs)
{
    bl_mpw_map(w, 2);
    bl_mpw_str(w, "sub");
    bl_mpw_str(w, sub);
    bl_mpw_str(w, "recs");
    bl_mpw_array(w, n_recs);
    if (bl_mpw_size(recs) > 0) {
        bl_mpw_raw(w, bl_mpw_data(recs), bl_mpw_size(recs));
    }
    return w->err || recs->err ? BL_ENOMEM : 0;
}

int bl_records_read_answer(bl_mpr_t *r, bool *given, int64_t *answer)
{
    *answer = 0;
    *given = !bl_mpr_nil(r);
    if (*given && bl_mpr_int(r, answer) != 0) {
        return BL_EPROTO;
    }
    return 0;
}

static int s_read_indicator(bl_mpr_t *r, bl_record_indicator_t *x,
                            bl_err_t *err)
{
    if (s_id(r, x->provider, sizeof x->provider, "provider", err) != 0 ||
        s_id(r, x->unit, sizeof x->unit, "unit", err) != 0) {
        return BL_EPROTO;
    }
    if (bl_mpr_int(r, &x->period) != 0) {
        return s_bad(err, "period");
    }
    if (s_id(r, x->indicator, sizeof x->indicator, "indicator", err) != 0) {
        return BL_EPROTO;
    }
    if (bl_mpr_opt_double(r, &x->has_numerator, &x->numerator) != 0) {
        return s_bad(err, "numerator");
    }
    if (bl_mpr_opt_double(r, &x->has_denominator, &x->denominator) != 0) {
        return s_bad(err, "denominator");
    }
    if (bl_mpr_opt_double(r, &x->has_value, &x->value) != 0) {
        return s_bad(err, "value");
    }
    return 0;
}

static int s_read_survey(bl_mpr_t *r, bl_record_survey_t *x, bl_err_t *err)
{
    if (s_id(r, x->provider, sizeof x->provider, "provider", err) != 0 ||
        s_id(r, x->unit, sizeof x->unit, "unit", err) != 0) {
        return BL_EPROTO;
    }
    if (bl_mpr_int(r, &x->period) != 0) {
        return s_bad(err, "period");
    }
    if (s_id(r, x->survey, sizeof x->survey, "survey", err) != 0 ||
        s_id(r, x->respondent, sizeof x->respondent, "respondent", err) !=
            0) {
        return BL_EPROTO;
    }
    x->answers_raw = r->p;
    if (bl_mpr_array(r, &x->n_answers) != 0) {
        return s_bad(err, "answers");
    }
    if (x->n_answers > BL_RECORDS_ANSWERS_MAX) {
        return bl_err_set(err, BL_EPROTO,
                          "records message: answers: %u answers, more than "
                          "%d",
                          x->n_answers, BL_RECORDS_ANSWERS_MAX);
    }
    for (uint32_t i = 0; i < x->n_answers; i++) {
        bool given;
        int64_t a;
        if (bl_records_read_answer(r, &given, &a) != 0) {
            return bl_err_set(err, BL_EPROTO,
                              "records message: answer %u: neither an "
                              "integer nor nil",
                              i + 1);
        }
    }
    x->answers_len = (size_t)(r->p - x->answers_raw);
    return 0;
}

/* Reads the record at r, whose array header says n fields and whose tag
 * has been read. */
static int s_read_record(bl_mpr_t *r, uint32_t n, const char *t,
                         uint32_t tl, bl_record_t *rec, bl_err_t *err)
{
    if (bl_mp_str_eq(t, tl, "i") && n == 8) {
        rec->kind = BL_RECORD_INDICATOR;
        memset(&rec->indicator, 0, sizeof rec->indicator);
        return s_read_indicator(r, &rec->indicator, err);
    }
    if (bl_mp_str_eq(t, tl, "s") && n == 7) {
        rec->kind = BL_RECORD_SURVEY;
        memset(&rec->survey, 0, sizeof rec->survey);
        return s_read_survey(r, &rec->survey, err);
    }
    if (bl_mp_str_eq(t, tl, "r") && n == 3) {
        rec->kind = BL_RECORD_REGISTER;
        rec->entry_raw = NULL;
        rec->entry_len = 0;
        if (s_id(r, rec->provider, sizeof rec->provider, "provider", err) !=
            0) {
            return BL_EPROTO;
        }
        rec->entry_raw = r->p;
        if (bl_register_read_entry(r, &rec->entry, err) != 0) {
            return BL_EPROTO;
        }
        rec->entry_len = (size_t)(r->p - rec->entry_raw);
        return 0;
    }
    return bl_err_set(err, BL_EPROTO,
                      "records message: unknown record '%.*s' of %u fields",
                      (int)(tl < 16 ? tl : 16), t, n);
}

int bl_records_open(bl_records_reader_t *rd, const void *data, size_t len,
                    bl_err_t *err)
{
    memset(rd, 0, sizeof *rd);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return s_bad(err, "the message (a map)");
    }
    bool has_sub = false, has_recs = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return s_bad(err, "a key");
        }
        if (bl_mp_str_eq(k, kl, "sub")) {
            if (s_id(&r, rd->sub, sizeof rd->sub, "sub", err) != 0) {
                return BL_EPROTO;
            }
            has_sub = true;
        } else if (bl_mp_str_eq(k, kl, "recs")) {
            if (bl_mpr_array(&r, &rd->n_recs) != 0) {
                return s_bad(err, "recs");
            }
            if (bl_codec_list(&r, rd->n_recs, BL_RECORDS_MAX, i + 1 == n, &rd->recs,
                              "records message", "recs", "records", "record",
                              err) != 0) {
                return BL_EPROTO;
            }
            has_recs = true;
        } else if (bl_mpr_skip(&r) != 0) {
            return s_bad(err, "an unknown key's value");
        }
    }
    if (!has_sub) {
        return s_bad(err, "sub");
    }
    if (!has_recs) {
        return s_bad(err, "recs");
    }
    if (bl_codec_end(&r, "records message", err) != 0) {
        return BL_EPROTO;
    }
    rd->left = rd->n_recs;
    return 0;
}

int bl_records_next(bl_records_reader_t *rd, bl_record_t *rec,
                    bl_err_t *err)
{
    if (rd->left == 0) {
        return BL_ENOTFOUND;
    }
    /* Only the kind and the member it names are filled (the member
     * cleared first): clearing all of rec, 2 KB, cost more than reading a
     * survey record. */
    uint32_t i = rd->n_recs - rd->left + 1;
    /* Peek at the tag: actions and practices are read whole by the
     * learning codec. */
    bl_mpr_t peek = rd->recs;
    uint32_t n;
    const char *t;
    uint32_t tl;
    int rc;
    if (bl_mpr_array(&peek, &n) != 0 || bl_mpr_str(&peek, &t, &tl) != 0) {
        rc = s_bad(err, "the record's tag");
    } else if (bl_mp_str_eq(t, tl, "a") || bl_mp_str_eq(t, tl, "p")) {
        rc = bl_learning_read_row(&rd->recs, &rec->learning, err);
        rec->kind = rec->learning.kind == BL_LEARNING_ACTION
                        ? BL_RECORD_ACTION
                        : BL_RECORD_PRACTICE;
    } else {
        rd->recs = peek;
        rc = s_read_record(&rd->recs, n, t, tl, rec, err);
    }
    if (rc != 0) {
        bl_err_prefix(err, "record %u", i);
        return BL_EPROTO;
    }
    rd->left--;
    return bl_codec_list_last(&rd->recs, rd->left, "records message",
                              "record", err);
}
