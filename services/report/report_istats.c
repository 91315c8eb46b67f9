/*
 * report_istats: the instances' statistics the stored results refer to
 * (see report_istats.h).
 */
#include "report_istats.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bl_page.h"
#include "bl_store.h"

/* The store key of an instance: period \x1f indicator \x1f group \x1f key;
 * its length, 0 when it does not fit. */
static size_t s_key(char *out, size_t size, int64_t period,
                    const char *indicator, const char *group,
                    const char *key)
{
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    const char *parts[] = {p, indicator, group, key};
    return bl_page_join(out, size, parts, 4);
}

int report_istats_begin(report_t *rp, MDB_txn *txn, int64_t period,
                        int64_t generation, bl_err_t *err)
{
    char mk[48];
    snprintf(mk, sizeof mk, "istats.%" PRId64, period);
    uint64_t stored = 0;
    int rc = bl_store_get_u64(txn, bl_daemon_meta(rp->d), mk, &stored, err);
    if (rc != 0 || stored == (uint64_t)generation + 1) {
        return rc;
    }
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    rc = bl_page_delete(txn, bl_daemon_dbi(rp->d, REPORT_DB_ISTATS), prefix,
                        pl, err);
    return rc != 0 ? rc
                   : bl_store_put_u64(txn, bl_daemon_meta(rp->d), mk,
                                      (uint64_t)generation + 1, err);
}

int report_istats_put(report_t *rp, MDB_txn *txn, int64_t period,
                      const void *item, size_t len, bl_err_t *err)
{
    bl_results_stats_t st;
    if (bl_results_stats_decode(item, len, &st, err) != 0) {
        return BL_EPROTO;
    }
    char key[REPORT_KEY_MAX];
    size_t kl = s_key(key, sizeof key, period, st.indicator, st.group,
                      st.key);
    if (kl == 0) {
        return bl_err_set(err, BL_EPROTO, "instance statistics: key of "
                          "'%s' too long", st.indicator);
    }
    return bl_store_put(txn, bl_daemon_dbi(rp->d, REPORT_DB_ISTATS), key, kl,
                        item, len, err);
}

int report_istats_get(void *ctx, const char *indicator, const char *group,
                      const char *key, bl_results_stats_t *out)
{
    const report_istats_source_t *src = ctx;
    char k[REPORT_KEY_MAX];
    size_t kl = s_key(k, sizeof k, src->period, indicator, group, key);
    if (kl == 0) {
        return BL_ENOTFOUND;
    }
    MDB_val v;
    int rc = bl_store_get(src->txn,
                          bl_daemon_dbi(src->rp->d, REPORT_DB_ISTATS), k, kl,
                          &v, NULL);
    if (rc != 0) {
        return rc;
    }
    return bl_results_stats_decode(v.mv_data, v.mv_size, out, NULL);
}
