/*
 * bl_uplink_codec: encoding and bounded decoding of the uplink message
 * (see bl_uplink_codec.h).
 */
#include "bl_uplink_codec.h"

#include <string.h>

static const char *const s_kinds[] = {"unknown", "begin", "register",
                                      "values", "groups", "stats", "close",
                                      "practices"};

const char *bl_uplink_kind_name(bl_uplink_kind_t kind)
{
    if ((size_t)kind >= sizeof s_kinds / sizeof s_kinds[0]) {
        return s_kinds[0];
    }
    return s_kinds[kind];
}

int bl_uplink_write_marker(bl_mpw_t *w, bl_uplink_kind_t kind,
                           int64_t period, int64_t generation)
{
    bl_mpw_map(w, 3);
    bl_mpw_str(w, "kind");
    bl_mpw_str(w, bl_uplink_kind_name(kind));
    bl_mpw_str(w, "period");
    bl_mpw_int(w, period);
    bl_mpw_str(w, "generation");
    bl_mpw_int(w, generation);
    return w->err ? BL_ENOMEM : 0;
}

int bl_uplink_write_rows(bl_mpw_t *w, bl_uplink_kind_t kind, int64_t period,
                         const bl_mpw_t *rows, uint32_t n_rows)
{
    bl_mpw_map(w, 3);
    bl_mpw_str(w, "kind");
    bl_mpw_str(w, bl_uplink_kind_name(kind));
    bl_mpw_str(w, "period");
    bl_mpw_int(w, period);
    bl_mpw_str(w, "rows");
    bl_mpw_array(w, n_rows);
    bl_mpw_raw(w, bl_mpw_data(rows), bl_mpw_size(rows));
    return w->err || rows->err ? BL_ENOMEM : 0;
}

void bl_uplink_write_register_row(bl_mpw_t *rows, const char *provider,
                                  size_t provider_len, const void *entry,
                                  size_t entry_len)
{
    bl_mpw_array(rows, 2);
    bl_mpw_strn(rows, provider, provider_len);
    bl_mpw_raw(rows, entry, entry_len);
}

void bl_uplink_write_value_row(bl_mpw_t *rows, const char *provider,
                               const char *indicator, const void *value,
                               size_t value_len)
{
    bl_mpw_array(rows, 3);
    bl_mpw_str(rows, provider);
    bl_mpw_str(rows, indicator);
    bl_mpw_raw(rows, value, value_len);
}

void bl_uplink_write_stat_row(bl_mpw_t *rows, const char *indicator,
                              const char *group, const char *key,
                              const void *stat, size_t stat_len)
{
    bl_mpw_array(rows, 4);
    bl_mpw_str(rows, indicator);
    bl_mpw_str(rows, group);
    bl_mpw_str(rows, key);
    bl_mpw_raw(rows, stat, stat_len);
}

void bl_uplink_write_practice_row(bl_mpw_t *rows,
                                  const bl_uplink_practice_t *p)
{
    bl_mpw_array(rows, 7);
    bl_mpw_str(rows, p->provider);
    bl_mpw_str(rows, p->indicator);
    bl_mpw_int(rows, p->period);
    bl_mpw_strn(rows, p->title, p->title_len);
    bl_mpw_strn(rows, p->description, p->description_len);
    bl_mpw_strn(rows, p->contact, p->contact_len);
    bl_mpw_bool(rows, p->band4);
}

static bl_uplink_kind_t s_kind_of(const char *s, uint32_t len)
{
    for (size_t i = 1; i < sizeof s_kinds / sizeof s_kinds[0]; i++) {
        if (bl_mp_str_eq(s, len, s_kinds[i])) {
            return (bl_uplink_kind_t)i;
        }
    }
    return BL_UPLINK_UNKNOWN;
}

int bl_uplink_decode(const void *data, size_t len, bl_uplink_t *out)
{
    memset(out, 0, sizeof *out);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    bool has_kind = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return BL_EPROTO;
        }
        int rc;
        if (bl_mp_str_eq(k, kl, "kind")) {
            const char *s;
            uint32_t sl;
            rc = bl_mpr_str(&r, &s, &sl);
            if (rc == 0 && sl >= sizeof out->kind_text) {
                rc = BL_EPROTO;
            }
            if (rc == 0) {
                memcpy(out->kind_text, s, sl);
                out->kind_text[sl] = '\0';
                out->kind = s_kind_of(s, sl);
                has_kind = true;
            }
        } else if (bl_mp_str_eq(k, kl, "period")) {
            rc = bl_mpr_int(&r, &out->period);
        } else if (bl_mp_str_eq(k, kl, "generation")) {
            rc = bl_mpr_int(&r, &out->generation);
        } else if (bl_mp_str_eq(k, kl, "rows")) {
            out->rows_array = r;
            rc = bl_mpr_array(&r, &out->n_rows);
            if (rc == 0 && out->n_rows > BL_UPLINK_ROWS_MAX) {
                rc = BL_EPROTO;
            }
            out->rows = r;
            for (uint32_t j = 0; rc == 0 && j < out->n_rows; j++) {
                rc = bl_mpr_skip(&r);
            }
            out->has_rows = true;
        } else {
            rc = bl_mpr_skip(&r);
        }
        if (rc != 0) {
            return BL_EPROTO;
        }
    }
    return has_kind && bl_mpr_done(&r) ? 0 : BL_EPROTO;
}

int bl_uplink_read_register_row(bl_mpr_t *rows,
                                char provider[BL_UPLINK_ID_MAX],
                                const uint8_t **entry, size_t *entry_len)
{
    uint32_t two;
    if (bl_mpr_array(rows, &two) != 0 || two != 2 ||
        bl_mpr_str_copy(rows, provider, BL_UPLINK_ID_MAX) != 0 ||
        bl_mpr_raw(rows, entry, entry_len) != 0) {
        return BL_EPROTO;
    }
    return 0;
}

int bl_uplink_read_value_row(bl_mpr_t *rows, char provider[BL_UPLINK_ID_MAX],
                             char indicator[BL_UPLINK_ID_MAX],
                             const uint8_t **value, size_t *value_len)
{
    uint32_t three;
    if (bl_mpr_array(rows, &three) != 0 || three != 3 ||
        bl_mpr_str_copy(rows, provider, BL_UPLINK_ID_MAX) != 0 ||
        bl_mpr_str_copy(rows, indicator, BL_UPLINK_ID_MAX) != 0 ||
        bl_mpr_raw(rows, value, value_len) != 0) {
        return BL_EPROTO;
    }
    return 0;
}

int bl_uplink_read_stat_row(bl_mpr_t *rows, char indicator[BL_UPLINK_ID_MAX],
                            char group[BL_UPLINK_ID_MAX],
                            char key[BL_UPLINK_KEY_MAX],
                            const uint8_t **stat, size_t *stat_len)
{
    uint32_t four;
    if (bl_mpr_array(rows, &four) != 0 || four != 4 ||
        bl_mpr_str_copy(rows, indicator, BL_UPLINK_ID_MAX) != 0 ||
        bl_mpr_str_copy(rows, group, BL_UPLINK_ID_MAX) != 0 ||
        bl_mpr_str_copy(rows, key, BL_UPLINK_KEY_MAX) != 0 ||
        bl_mpr_raw(rows, stat, stat_len) != 0) {
        return BL_EPROTO;
    }
    return 0;
}

/* A string of at most max bytes, borrowed. */
static int s_text(bl_mpr_t *r, const char **s, uint32_t *len, uint32_t max)
{
    return bl_mpr_str(r, s, len) == 0 && *len <= max ? 0 : BL_EPROTO;
}

int bl_uplink_read_practice_row(bl_mpr_t *rows, bl_uplink_practice_t *p)
{
    memset(p, 0, sizeof *p);
    uint32_t seven;
    if (bl_mpr_array(rows, &seven) != 0 || seven != 7 ||
        bl_mpr_str_copy(rows, p->provider, BL_UPLINK_ID_MAX) != 0 ||
        bl_mpr_str_copy(rows, p->indicator, BL_UPLINK_ID_MAX) != 0 ||
        bl_mpr_int(rows, &p->period) != 0 ||
        s_text(rows, &p->title, &p->title_len, BL_UPLINK_TITLE_MAX) != 0 ||
        s_text(rows, &p->description, &p->description_len,
               BL_UPLINK_TEXT_MAX) != 0 ||
        s_text(rows, &p->contact, &p->contact_len, BL_UPLINK_TITLE_MAX) !=
            0 ||
        bl_mpr_bool(rows, &p->band4) != 0) {
        return BL_EPROTO;
    }
    return 0;
}
