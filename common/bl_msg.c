/*
 * bl_msg: encoding and bounded decoding of the message envelope.  The
 * decoder accepts the keys in any order, refuses unknown versions and types,
 * and requires every key.
 */
#include "bl_msg.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const s_type_names[] = {
#define BL_MSG_NAME(e, name) name,
    BL_MSG_TYPES(BL_MSG_NAME)
#undef BL_MSG_NAME
};

const char *bl_msg_type_name(bl_msg_type_t type)
{
    if ((unsigned)type >= BL_MSG_TYPE_COUNT) {
        return "?";
    }
    return s_type_names[type];
}

int bl_msg_encode(bl_mpw_t *w, const bl_msg_t *m)
{
    if ((unsigned)m->type >= BL_MSG_TYPE_COUNT) {
        return BL_EINVAL;
    }
    if (m->payload_len > BL_MSG_MAX - 1024) {
        return BL_ETOOBIG;
    }
    char id[3 * BL_MSG_NAME_MAX];
    bl_msg_id(m, id, sizeof id);
    bl_mpw_map(w, 10);
    bl_mpw_str(w, "v");
    bl_mpw_uint(w, BL_MSG_VERSION);
    bl_mpw_str(w, "t");
    bl_mpw_str(w, s_type_names[m->type]);
    bl_mpw_str(w, "id");
    bl_mpw_str(w, id);
    bl_mpw_str(w, "s");
    bl_mpw_str(w, m->sender);
    bl_mpw_str(w, "e");
    bl_mpw_uint(w, m->epoch);
    bl_mpw_str(w, "q");
    bl_mpw_uint(w, m->seq);
    bl_mpw_str(w, "o");
    bl_mpw_str(w, m->origin);
    bl_mpw_str(w, "cn");
    bl_mpw_str(w, m->cat_name);
    bl_mpw_str(w, "cv");
    bl_mpw_str(w, m->cat_version);
    bl_mpw_str(w, "p");
    if (m->payload_len == 0) {
        bl_mpw_nil(w);
    } else {
        bl_mpw_raw(w, m->payload, m->payload_len);
    }
    return w->err;
}

/* Where a value of env lies: [start, end) as offsets. */
typedef struct s_span {
    size_t start, end;
} s_span_t;

int bl_msg_reseq(bl_mpw_t *out, const void *env, size_t len, uint64_t seq)
{
    const uint8_t *base = env;
    bl_mpr_t r;
    bl_mpr_init(&r, env, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    s_span_t id = {0, 0}, q = {0, 0};
    const char *idv = NULL;
    uint32_t idl = 0;
    /* The keys before the payload are small: walk them, not the payload. */
    for (uint32_t i = 0; i < n && (id.end == 0 || q.end == 0); i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return BL_EPROTO;
        }
        size_t at = (size_t)(r.p - base);
        uint64_t old;
        int rc;
        if (kl == 2 && memcmp(k, "id", 2) == 0) {
            rc = bl_mpr_str(&r, &idv, &idl);
            id = (s_span_t){at, (size_t)(r.p - base)};
        } else if (kl == 1 && k[0] == 'q') {
            rc = bl_mpr_uint(&r, &old);
            q = (s_span_t){at, (size_t)(r.p - base)};
        } else {
            rc = bl_mpr_skip(&r);
        }
        if (rc != 0) {
            return BL_EPROTO;
        }
    }
    /* the id is "sender:epoch:seq": its last part is the seq */
    size_t keep = idl;
    while (keep > 0 && idv[keep - 1] != ':') {
        keep--;
    }
    if (id.end == 0 || q.end == 0 || keep == 0 || id.start > q.start) {
        return BL_EPROTO;
    }
    char nid[3 * BL_MSG_NAME_MAX + 24];
    if (keep > sizeof nid - 24) {
        return BL_EPROTO;
    }
    memcpy(nid, idv, keep);
    int dl = snprintf(nid + keep, 24, "%" PRIu64, seq);
    bl_mpw_raw(out, base, id.start);
    bl_mpw_strn(out, nid, keep + (size_t)dl);
    bl_mpw_raw(out, base + id.end, q.start - id.end);
    bl_mpw_uint(out, seq);
    bl_mpw_raw(out, base + q.end, len - q.end);
    return out->err;
}

void bl_msg_id(const bl_msg_t *m, char *buf, size_t size)
{
    snprintf(buf, size, "%s:%" PRIu64 ":%" PRIu64, m->sender, m->epoch,
             m->seq);
}

enum {
    KEY_V = 1 << 0,
    KEY_T = 1 << 1,
    KEY_ID = 1 << 2,
    KEY_S = 1 << 3,
    KEY_E = 1 << 4,
    KEY_Q = 1 << 5,
    KEY_O = 1 << 6,
    KEY_CN = 1 << 7,
    KEY_CV = 1 << 8,
    KEY_P = 1 << 9,
    KEY_ALL = (1 << 10) - 1,
};

static int s_refuse(bl_err_t *err, const char *what)
{
    return bl_err_set(err, BL_EPROTO, "malformed envelope: %s", what);
}

int bl_msg_decode(const void *frame, size_t len, bl_msg_t *m, bl_err_t *err)
{
    if (len > BL_MSG_MAX) {
        return bl_err_set(err, BL_ETOOBIG,
                          "message of %zu bytes is over the bound of %u",
                          len, BL_MSG_MAX);
    }
    memset(m, 0, sizeof *m);
    bl_mpr_t r;
    bl_mpr_init(&r, frame, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n)) {
        return s_refuse(err, "not a map");
    }
    if (n != 10) {
        return s_refuse(err, "wrong number of keys");
    }
    unsigned seen = 0;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl)) {
            return s_refuse(err, "key is not a string");
        }
        unsigned bit;
        int rc = 0;
        if (bl_mp_str_eq(k, kl, "v")) {
            bit = KEY_V;
            uint64_t v;
            rc = bl_mpr_uint(&r, &v);
            if (rc == 0 && v != BL_MSG_VERSION) {
                return bl_err_set(err, BL_EPROTO,
                                  "unsupported envelope version %llu",
                                  (unsigned long long)v);
            }
            if (rc == 0) {
                m->version = (uint32_t)v;
            }
        } else if (bl_mp_str_eq(k, kl, "t")) {
            bit = KEY_T;
            const char *t;
            uint32_t tl;
            rc = bl_mpr_str(&r, &t, &tl);
            if (rc == 0) {
                m->type = BL_MSG_TYPE_COUNT;
                for (unsigned j = 0; j < BL_MSG_TYPE_COUNT; j++) {
                    if (bl_mp_str_eq(t, tl, s_type_names[j])) {
                        m->type = (bl_msg_type_t)j;
                    }
                }
                if (m->type == BL_MSG_TYPE_COUNT) {
                    return s_refuse(err, "unknown message type");
                }
            }
        } else if (bl_mp_str_eq(k, kl, "id")) {
            bit = KEY_ID;
            const char *id;
            uint32_t il;
            rc = bl_mpr_str(&r, &id, &il);
            if (rc == 0 && il >= 3 * BL_MSG_NAME_MAX) {
                return s_refuse(err, "id too long");
            }
        } else if (bl_mp_str_eq(k, kl, "s")) {
            bit = KEY_S;
            rc = bl_mpr_str_copy(&r, m->sender, sizeof m->sender);
        } else if (bl_mp_str_eq(k, kl, "e")) {
            bit = KEY_E;
            rc = bl_mpr_uint(&r, &m->epoch);
        } else if (bl_mp_str_eq(k, kl, "q")) {
            bit = KEY_Q;
            rc = bl_mpr_uint(&r, &m->seq);
        } else if (bl_mp_str_eq(k, kl, "o")) {
            bit = KEY_O;
            rc = bl_mpr_str_copy(&r, m->origin, sizeof m->origin);
        } else if (bl_mp_str_eq(k, kl, "cn")) {
            bit = KEY_CN;
            rc = bl_mpr_str_copy(&r, m->cat_name, sizeof m->cat_name);
        } else if (bl_mp_str_eq(k, kl, "cv")) {
            bit = KEY_CV;
            rc = bl_mpr_str_copy(&r, m->cat_version, sizeof m->cat_version);
        } else if (bl_mp_str_eq(k, kl, "p")) {
            bit = KEY_P;
            rc = bl_mpr_raw(&r, &m->payload, &m->payload_len);
        } else {
            return s_refuse(err, "unknown key");
        }
        if (rc != 0) {
            return bl_err_set(err, BL_EPROTO,
                              "malformed envelope: bad value for key '%.*s'",
                              (int)kl, k);
        }
        if (seen & bit) {
            return s_refuse(err, "repeated key");
        }
        seen |= bit;
    }
    if (seen != KEY_ALL) {
        return s_refuse(err, "missing key");
    }
    if (!bl_mpr_done(&r)) {
        return s_refuse(err, "trailing bytes");
    }
    return 0;
}

/* ---- request payload helpers ------------------------------------------ */

int bl_req_find(const bl_msg_t *msg, const char *key, bl_mpr_t *r)
{
    bl_mpr_init(r, msg->payload, msg->payload_len);
    uint32_t n;
    if (bl_mpr_map(r, &n) != 0) {
        return BL_ENOTFOUND;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(r, &k, &kl) != 0) {
            return BL_ENOTFOUND;
        }
        if (bl_mp_str_eq(k, kl, key)) {
            return 0;
        }
        if (bl_mpr_skip(r) != 0) {
            return BL_ENOTFOUND;
        }
    }
    return BL_ENOTFOUND;
}

int bl_req_str(const bl_msg_t *msg, const char *key, char *buf, size_t size)
{
    bl_mpr_t r;
    if (bl_req_find(msg, key, &r) != 0) {
        return BL_ENOTFOUND;
    }
    return bl_mpr_str_copy(&r, buf, size);
}

int bl_req_int(const bl_msg_t *msg, const char *key, int64_t *v)
{
    bl_mpr_t r;
    if (bl_req_find(msg, key, &r) != 0) {
        return BL_ENOTFOUND;
    }
    return bl_mpr_int(&r, v);
}

int bl_req_bool(const bl_msg_t *msg, const char *key, bool *v)
{
    bl_mpr_t r;
    if (bl_req_find(msg, key, &r) != 0) {
        return BL_ENOTFOUND;
    }
    return bl_mpr_bool(&r, v);
}

void bl_reply_error(bl_mpw_t *reply, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    bl_mpw_map(reply, 2);
    bl_mpw_str(reply, "ok");
    bl_mpw_bool(reply, false);
    bl_mpw_str(reply, "error");
    bl_mpw_str(reply, buf);
}

void bl_reply_begin(bl_mpw_t *reply, uint32_t n_fields)
{
    bl_mpw_map(reply, n_fields + 1);
    bl_mpw_str(reply, "ok");
    bl_mpw_bool(reply, true);
}
