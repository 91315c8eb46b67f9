/*
 * bl_downlink_codec: encoding and bounded decoding of the downlink
 * requests and state reply (see bl_downlink_codec.h).
 */
#include "bl_downlink_codec.h"

#include <string.h>

#include "bl_store.h"

static const char *const s_whats[] = {"stats", "positions", "band4",
                                      "practices"};

const char *bl_downlink_what_name(bl_downlink_what_t what)
{
    return (size_t)what < BL_DOWNLINK_WHAT_COUNT ? s_whats[what] : "?";
}

int bl_downlink_write_state_request(bl_mpw_t *w)
{
    bl_mpw_map(w, 1);
    bl_mpw_str(w, "cmd");
    bl_mpw_str(w, BL_DOWNLINK_STATE_CMD);
    return w->err ? BL_ENOMEM : 0;
}

int bl_downlink_write_page_request(bl_mpw_t *w,
                                   const bl_downlink_page_t *req)
{
    bl_mpw_map(w, req->after ? 5 : 4);
    bl_mpw_str(w, "cmd");
    bl_mpw_str(w, BL_DOWNLINK_PAGE_CMD);
    bl_mpw_str(w, "period");
    bl_mpw_int(w, req->period);
    bl_mpw_str(w, "what");
    bl_mpw_str(w, bl_downlink_what_name(req->what));
    bl_mpw_str(w, "limit");
    bl_mpw_uint(w, req->limit);
    if (req->after) {
        bl_mpw_str(w, "after");
        bl_mpw_strn(w, req->after, req->after_len);
    }
    return w->err ? BL_ENOMEM : 0;
}

int bl_downlink_read_page_request(const void *data, size_t len,
                                  uint64_t def_limit,
                                  bl_downlink_page_t *req)
{
    memset(req, 0, sizeof *req);
    req->limit = def_limit;
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    bool has_period = false, has_what = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k, *s;
        uint32_t kl, sl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return BL_EPROTO;
        }
        int rc = 0;
        if (bl_mp_str_eq(k, kl, "period")) {
            rc = bl_mpr_int(&r, &req->period);
            has_period = true;
        } else if (bl_mp_str_eq(k, kl, "what")) {
            rc = bl_mpr_str(&r, &s, &sl);
            for (size_t w = 0; rc == 0 && w < BL_DOWNLINK_WHAT_COUNT; w++) {
                if (bl_mp_str_eq(s, sl, s_whats[w])) {
                    req->what = (bl_downlink_what_t)w;
                    has_what = true;
                }
            }
        } else if (bl_mp_str_eq(k, kl, "limit")) {
            uint64_t lim;
            rc = bl_mpr_uint(&r, &lim);
            if (rc == 0 && lim >= 1 && lim <= BL_DOWNLINK_LIMIT_MAX) {
                req->limit = lim;
            }
        } else if (bl_mp_str_eq(k, kl, "after")) {
            rc = bl_mpr_str(&r, &s, &sl);
            if (rc == 0 && sl > BL_STORE_KEY_MAX) {
                rc = BL_EPROTO;
            }
            req->after = s;
            req->after_len = sl;
        } else {
            rc = bl_mpr_skip(&r);
        }
        if (rc != 0) {
            return BL_EPROTO;
        }
    }
    return has_period && has_what && bl_mpr_done(&r) ? 0 : BL_EPROTO;
}

int bl_downlink_write_state(bl_mpw_t *reply, const char *cn, const char *cv,
                            const void *groups, size_t groups_len,
                            const bl_mpw_t *periods, uint32_t n_periods)
{
    bl_mpw_map(reply, 5);
    bl_mpw_str(reply, "ok");
    bl_mpw_bool(reply, true);
    bl_mpw_str(reply, "cn");
    bl_mpw_str(reply, cn);
    bl_mpw_str(reply, "cv");
    bl_mpw_str(reply, cv);
    bl_mpw_str(reply, "groups");
    bl_mpw_raw(reply, groups, groups_len);
    bl_mpw_str(reply, "periods");
    bl_mpw_array(reply, n_periods);
    bl_mpw_raw(reply, bl_mpw_data(periods), bl_mpw_size(periods));
    return reply->err || periods->err ? BL_ENOMEM : 0;
}

void bl_downlink_write_period(bl_mpw_t *periods, int64_t period,
                              uint64_t generation)
{
    bl_mpw_array(periods, 2);
    bl_mpw_int(periods, period);
    bl_mpw_uint(periods, generation);
}

int bl_downlink_read_state(const void *data, size_t len,
                           bl_downlink_state_t *st)
{
    memset(st, 0, sizeof *st);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    bool ok = false, has_groups = false, has_periods = false;
    bool has_cn = false, has_cv = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return BL_EPROTO;
        }
        int rc;
        if (bl_mp_str_eq(k, kl, "ok")) {
            rc = bl_mpr_bool(&r, &ok);
        } else if (bl_mp_str_eq(k, kl, "cn")) {
            rc = bl_mpr_str_copy(&r, st->cn, sizeof st->cn);
            has_cn = true;
        } else if (bl_mp_str_eq(k, kl, "cv")) {
            rc = bl_mpr_str_copy(&r, st->cv, sizeof st->cv);
            has_cv = true;
        } else if (bl_mp_str_eq(k, kl, "groups")) {
            st->groups = r;
            rc = bl_mpr_skip(&r);
            has_groups = true;
        } else if (bl_mp_str_eq(k, kl, "periods")) {
            rc = bl_mpr_array(&r, &st->n_periods);
            if (rc == 0 && st->n_periods > BL_DOWNLINK_PERIODS_MAX) {
                rc = BL_EPROTO;
            }
            st->periods = r;
            for (uint32_t j = 0; rc == 0 && j < st->n_periods; j++) {
                rc = bl_mpr_skip(&r);
            }
            has_periods = true;
        } else {
            rc = bl_mpr_skip(&r);
        }
        if (rc != 0) {
            return BL_EPROTO;
        }
    }
    return ok && has_cn && has_cv && has_groups && has_periods &&
                   bl_mpr_done(&r)
               ? 0
               : BL_EPROTO;
}

int bl_downlink_next_period(bl_downlink_state_t *st, int64_t *period,
                            int64_t *generation)
{
    if (st->n_periods == 0) {
        return BL_ENOTFOUND;
    }
    uint32_t two;
    if (bl_mpr_array(&st->periods, &two) != 0 || two != 2 ||
        bl_mpr_int(&st->periods, period) != 0 ||
        bl_mpr_int(&st->periods, generation) != 0) {
        return BL_EPROTO;
    }
    st->n_periods--;
    return 0;
}

int bl_downlink_write_practice(bl_mpw_t *w, const bl_downlink_practice_t *p)
{
    bl_mpw_array(w, 8);
    bl_mpw_str(w, p->id);
    bl_mpw_strn(w, p->name, p->name_len);
    bl_mpw_str(w, p->country);
    bl_mpw_str(w, p->service_type);
    bl_mpw_bool(w, p->share);
    bl_mpw_strn(w, p->title, p->title_len);
    bl_mpw_strn(w, p->description, p->description_len);
    bl_mpw_strn(w, p->contact, p->contact_len);
    return w->err ? BL_ENOMEM : 0;
}

/* A string of at most max bytes, borrowed. */
static int s_text(bl_mpr_t *r, const char **s, uint32_t *len, uint32_t max)
{
    return bl_mpr_str(r, s, len) == 0 && *len <= max ? 0 : BL_EPROTO;
}

int bl_downlink_read_practice(const void *data, size_t len,
                              bl_downlink_practice_t *p)
{
    memset(p, 0, sizeof *p);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t eight;
    if (bl_mpr_array(&r, &eight) != 0 || eight != 8 ||
        bl_mpr_str_copy(&r, p->id, sizeof p->id) != 0 ||
        s_text(&r, &p->name, &p->name_len, BL_DOWNLINK_TITLE_MAX) != 0 ||
        bl_mpr_str_copy(&r, p->country, sizeof p->country) != 0 ||
        bl_mpr_str_copy(&r, p->service_type, sizeof p->service_type) != 0 ||
        bl_mpr_bool(&r, &p->share) != 0 ||
        s_text(&r, &p->title, &p->title_len, BL_DOWNLINK_TITLE_MAX) != 0 ||
        s_text(&r, &p->description, &p->description_len,
               BL_DOWNLINK_TEXT_MAX) != 0 ||
        s_text(&r, &p->contact, &p->contact_len, BL_DOWNLINK_TITLE_MAX) !=
            0 ||
        !bl_mpr_done(&r)) {
        return BL_EPROTO;
    }
    if (!p->share &&
        (p->id[0] != '\0' || p->name_len > 0 || p->contact_len > 0)) {
        return BL_EPROTO;
    }
    return 0;
}
