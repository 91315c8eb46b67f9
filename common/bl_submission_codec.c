/*
 * bl_submission_codec: encoding and bounded decoding of the submission
 * begin and end events (see bl_submission_codec.h).
 */
#include "bl_submission_codec.h"

#include <string.h>

#include "bl_codec.h"

static int s_bad(bl_err_t *err, const char *field)
{
    return bl_codec_bad(err, "submission message", field);
}

/* Copies the str at r into buf (size bytes with the NUL). */
static int s_text(bl_mpr_t *r, char *buf, size_t size, const char *field,
                  bl_err_t *err)
{
    return bl_codec_str(r, buf, size, "submission message", field, err);
}

int bl_submission_write(bl_mpw_t *w, const bl_submission_t *s)
{
    if (s->event == BL_SUBMISSION_END) {
        bl_mpw_map(w, 3);
        bl_mpw_str(w, "event");
        bl_mpw_str(w, "end");
        bl_mpw_str(w, "sub");
        bl_mpw_str(w, s->sub);
        bl_mpw_str(w, "rows");
        bl_mpw_uint(w, s->rows);
        return w->err ? BL_ENOMEM : 0;
    }
    if (s->event != BL_SUBMISSION_BEGIN) {
        return BL_EINVAL;
    }
    char delim = s->delimiter == ';' ? ';' : ',';
    bl_mpw_map(w, 6);
    bl_mpw_str(w, "event");
    bl_mpw_str(w, "begin");
    bl_mpw_str(w, "delimiter");
    bl_mpw_strn(w, &delim, 1);
    bl_mpw_str(w, "sub");
    bl_mpw_str(w, s->sub);
    bl_mpw_str(w, "file");
    bl_mpw_str(w, s->file);
    bl_mpw_str(w, "dry_run");
    bl_mpw_bool(w, s->dry_run);
    bl_mpw_str(w, "header");
    bl_mpw_array(w, s->n_header);
    for (uint32_t i = 0; i < s->n_header; i++) {
        bl_mpw_str(w, s->header[i]);
    }
    return w->err ? BL_ENOMEM : 0;
}

/* Reads the header array at r, checking every name. */
static int s_header(bl_mpr_t *r, bl_submission_t *s, bl_err_t *err)
{
    if (bl_mpr_array(r, &s->n_header) != 0) {
        return s_bad(err, "header");
    }
    if (s->n_header > BL_SUBMISSION_FIELDS_MAX) {
        return bl_err_set(err, BL_EPROTO,
                          "submission message: header: %u names, more "
                          "than %d",
                          s->n_header, BL_SUBMISSION_FIELDS_MAX);
    }
    s->header_names = *r;
    s->header_left = s->n_header;
    for (uint32_t i = 0; i < s->n_header; i++) {
        const char *name;
        uint32_t len;
        if (bl_mpr_str(r, &name, &len) != 0) {
            return bl_err_set(err, BL_EPROTO,
                              "submission message: header name %u: "
                              "missing, truncated or not text",
                              i + 1);
        }
        if (len > BL_SUBMISSION_NAME_MAX) {
            return bl_err_set(err, BL_EPROTO,
                              "submission message: header name %u: longer "
                              "than %d bytes",
                              i + 1, BL_SUBMISSION_NAME_MAX);
        }
    }
    return 0;
}

int bl_submission_decode(const void *data, size_t len, bl_submission_t *s,
                         bl_err_t *err)
{
    memset(s, 0, sizeof *s);
    s->delimiter = ',';
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return s_bad(err, "the message (a map)");
    }
    bool has_sub = false, has_file = false, has_header = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return s_bad(err, "a key");
        }
        int rc = 0;
        if (bl_mp_str_eq(k, kl, "event")) {
            const char *e;
            uint32_t el;
            if (bl_mpr_str(&r, &e, &el) != 0) {
                return s_bad(err, "event");
            }
            if (bl_mp_str_eq(e, el, "begin")) {
                s->event = BL_SUBMISSION_BEGIN;
            } else if (bl_mp_str_eq(e, el, "end")) {
                s->event = BL_SUBMISSION_END;
            } else {
                return bl_err_set(err, BL_EPROTO,
                                  "submission message: event: unknown "
                                  "event '%.*s'",
                                  (int)(el < 32 ? el : 32), e);
            }
        } else if (bl_mp_str_eq(k, kl, "sub")) {
            rc = s_text(&r, s->sub, sizeof s->sub, "sub", err);
            has_sub = true;
        } else if (bl_mp_str_eq(k, kl, "file")) {
            rc = s_text(&r, s->file, sizeof s->file, "file", err);
            has_file = true;
        } else if (bl_mp_str_eq(k, kl, "delimiter")) {
            const char *d;
            uint32_t dl;
            if (bl_mpr_str(&r, &d, &dl) != 0) {
                return s_bad(err, "delimiter");
            }
            if (dl != 1 || (d[0] != ',' && d[0] != ';')) {
                return bl_err_set(err, BL_EPROTO,
                                  "submission message: delimiter: neither "
                                  "',' nor ';'");
            }
            s->delimiter = d[0];
        } else if (bl_mp_str_eq(k, kl, "dry_run")) {
            if (bl_mpr_bool(&r, &s->dry_run) != 0) {
                return s_bad(err, "dry_run");
            }
        } else if (bl_mp_str_eq(k, kl, "header")) {
            rc = s_header(&r, s, err);
            has_header = true;
        } else if (bl_mp_str_eq(k, kl, "rows")) {
            if (bl_mpr_uint(&r, &s->rows) != 0) {
                return s_bad(err, "rows");
            }
        } else if (bl_mpr_skip(&r) != 0) {
            return s_bad(err, "an unknown key's value");
        }
        if (rc != 0) {
            return rc;
        }
    }
    if (s->event == 0) {
        return s_bad(err, "event");
    }
    if (!has_sub) {
        return s_bad(err, "sub");
    }
    if (s->event == BL_SUBMISSION_BEGIN && !has_file) {
        return s_bad(err, "file");
    }
    if (s->event == BL_SUBMISSION_BEGIN && !has_header) {
        return s_bad(err, "header");
    }
    if (!bl_mpr_done(&r)) {
        return bl_err_set(err, BL_EPROTO,
                          "submission message: bytes after the message");
    }
    return 0;
}

int bl_submission_next_name(bl_submission_t *s, const char **name,
                            uint32_t *len)
{
    if (s->header_left == 0) {
        return BL_ENOTFOUND;
    }
    if (bl_mpr_str(&s->header_names, name, len) != 0) {
        return BL_EPROTO;
    }
    s->header_left--;
    return 0;
}
