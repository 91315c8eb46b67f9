/*
 * libFuzzer target for the bounded MessagePack reader (bl_mp): walks the
 * input as a sequence of objects, descending into maps and arrays with the
 * typed readers and taking each scalar with every reader that might fit,
 * and checks the reader's promises: it never moves past the end, never
 * moves backwards, a failed read sets the sticky error, and bl_mpr_raw
 * spans exactly what bl_mpr_skip skips.  The sanitizers and these
 * invariants are the oracle.
 */
#include "bl_mp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_check(int ok)
{
    if (!ok) {
        abort();
    }
}

/* Reads one object of r (at most depth levels down); 0 or BL_EPROTO. */
static int s_walk(bl_mpr_t *r, int depth)
{
    const uint8_t *before = r->p;
    s_check(r->p <= r->end);
    if (depth > BL_MP_DEPTH_MAX) {
        return bl_mpr_skip(r);
    }
    /* Each typed reader works on a copy of the reader. */
    bl_mpr_t t = *r;
    uint32_t n;
    if (bl_mpr_map(&t, &n) == 0) {
        s_check(t.err == 0 && (size_t)(t.end - t.p) >= n);
        for (uint32_t i = 0; i < 2 * n && t.err == 0; i++) {
            s_walk(&t, depth + 1);
        }
        *r = t;
        return r->err;
    }
    s_check(t.err != 0);
    t = *r;
    if (bl_mpr_array(&t, &n) == 0) {
        s_check((size_t)(t.end - t.p) >= n);
        for (uint32_t i = 0; i < n && t.err == 0; i++) {
            s_walk(&t, depth + 1);
        }
        *r = t;
        return r->err;
    }
    t = *r;
    const char *s;
    uint32_t len;
    if (bl_mpr_str(&t, &s, &len) == 0) {
        s_check(s >= (const char *)before && s + len <= (const char *)t.end);
        char small[8];
        bl_mpr_t c = *r;
        int rc = bl_mpr_str_copy(&c, small, sizeof small);
        s_check(rc != 0 || (len < sizeof small && strlen(small) <= len));
        *r = t;
        return 0;
    }
    t = *r;
    const void *b;
    if (bl_mpr_bin(&t, &b, &len) == 0) {
        s_check((const uint8_t *)b + len <= t.end);
        *r = t;
        return 0;
    }
    t = *r;
    int64_t i64;
    uint64_t u64;
    double d;
    bool flag, has;
    bl_mpr_t u = *r, f = *r, o = *r;
    int int_rc = bl_mpr_int(&t, &i64);
    int uint_rc = bl_mpr_uint(&u, &u64);
    if (int_rc == 0 && uint_rc == 0) {
        s_check((uint64_t)i64 == u64 && i64 >= 0);
    }
    int dbl_rc = bl_mpr_double(&f, &d);
    int opt_rc = bl_mpr_opt_double(&o, &has, &d);
    s_check(dbl_rc != 0 || opt_rc == 0);
    t = *r;
    (void)bl_mpr_bool(&t, &flag);
    t = *r;
    (void)bl_mpr_nil(&t);
    /* Whatever it is, skip and raw agree on its extent. */
    bl_mpr_t sk = *r, rw = *r;
    int skip_rc = bl_mpr_skip(&sk);
    const uint8_t *start = NULL;
    size_t span = 0;
    int raw_rc = bl_mpr_raw(&rw, &start, &span);
    s_check((skip_rc == 0) == (raw_rc == 0));
    if (skip_rc == 0) {
        s_check(start == before && start + span == sk.p && sk.p == rw.p);
        s_check(sk.p > before && sk.p <= sk.end);
    }
    *r = sk;
    return skip_rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bl_mpr_t r;
    bl_mpr_init(&r, data, size);
    while (!bl_mpr_done(&r) && r.err == 0) {
        const uint8_t *before = r.p;
        if (s_walk(&r, 0) != 0) {
            s_check(r.err != 0);
            break;
        }
        s_check(r.p > before && r.p <= r.end);
    }
    return 0;
}
