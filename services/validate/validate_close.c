/*
 * validate_close: the period close in validation (see validate_close.h):
 * the "closed" mark, completeness warnings stored as the outcomes of the
 * submission "close-PERIOD", and the close marker passed downstream with
 * the rows still rejected ("rejected" database, kept by
 * validate_batch.c); and the portal's completeness request.
 */
#include "validate_close.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_close_codec.h"
#include "bl_log.h"
#include "bl_net.h"
#include "bl_outbox.h"
#include "bl_page.h"
#include "bl_scan.h"
#include "validate_batch.h"
#include "validate_register.h"
#include "validate_submission.h"

size_t validate_close_sent(validate_t *v, MDB_txn *txn, const char *period,
                           const char *provider, bool *sent)
{
    const bl_catalogue_t *cat = v->cfg->catalogue;
    memset(sent, 0, cat->n_indicators * sizeof *sent);
    /* The provider's rows of the period ("vals" is in provider order):
     * the indicator is each key's last part. */
    char key[S_KEY_MAX];
    const char *parts[] = {period, provider, ""};
    size_t kl = bl_page_join(key, sizeof key, parts, 3);
    bl_scan_t scan;
    MDB_val k;
    char id[S_KEY_MAX];
    if (kl > 0 && bl_scan_open(&scan, txn, bl_daemon_dbi(v->d, DB_VALS), key,
                               kl, NULL) == 0) {
        while (bl_scan_next(&scan, &k, NULL) == 1) {
            size_t il;
            int ind = vbatch_vals_indicator(v, &k, &il);
            if (ind >= 0) {
                sent[ind] = true;
            }
        }
        bl_scan_close(&scan);
    }
    /* A survey indicator: answers to its survey ("surveys": period,
     * provider, survey), the provider's surveys read in one walk. */
    for (size_t i = 0; i < cat->n_indicators; i++) {
        if (cat->indicators[i].survey >= 0) {
            sent[i] = false;
        }
    }
    if (kl > 0 && bl_scan_open(&scan, txn, bl_daemon_dbi(v->d, DB_SURVEYS),
                               key, kl, NULL) == 0) {
        while (bl_scan_next(&scan, &k, NULL) == 1) {
            size_t sl = k.mv_size - kl;
            if (sl == 0 || sl >= sizeof id) {
                continue;
            }
            memcpy(id, (const char *)k.mv_data + kl, sl);
            id[sl] = '\0';
            int sv = bl_catalogue_find_survey(cat, id);
            for (size_t i = 0; sv >= 0 && i < cat->n_indicators; i++) {
                sent[i] = sent[i] || cat->indicators[i].survey == sv;
            }
        }
        bl_scan_close(&scan);
    }
    size_t n = 0;
    for (size_t i = 0; i < cat->n_indicators; i++) {
        n += sent[i];
    }
    return n;
}

/* Called for a registered provider of this worker. */
typedef int (*s_provider_fn)(validate_t *v, MDB_txn *txn,
                             const char *provider, void *ctx, bl_err_t *err);

/* Calls fn for each registered provider this worker owns, in key order,
 * until it returns non-zero.  Returns 0, fn's code, or a scan error. */
static int s_each_provider(validate_t *v, MDB_txn *txn, s_provider_fn fn,
                           void *ctx, bl_err_t *err)
{
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, bl_daemon_dbi(v->d, DB_REGISTER), "", 0,
                          err);
    MDB_val k;
    int more = 0;
    while (rc == 0 && (more = bl_scan_next(&scan, &k, NULL)) == 1) {
        char provider[VR_ID_MAX];
        if (k.mv_size < sizeof provider) {
            memcpy(provider, k.mv_data, k.mv_size);
            provider[k.mv_size] = '\0';
            if (vreg_owns(v, provider)) {
                rc = fn(v, txn, provider, ctx, err);
            }
        }
    }
    bl_scan_close(&scan);
    return rc == 0 && more < 0 ? more : rc;
}

/* The close-PERIOD submission being written, for s_warn_missing. */
typedef struct s_completeness {
    s_sub_t *sub;
    const char *period;        /* the year as text */
    bool *sent;                /* per catalogue indicator, for each
                                  provider in turn */
} s_completeness_t;

/* The outcome of provider at close: a warning naming the catalogue's
 * indicators it has not sent. */
static int s_warn_missing(validate_t *v, MDB_txn *txn, const char *provider,
                          void *ctx, bl_err_t *err)
{
    s_completeness_t *c = ctx;
    char missing[VR_REASON_MAX] = "";
    size_t n_missing = 0, n_listed = 0, used = 0;
    validate_close_sent(v, txn, c->period, provider, c->sent);
    for (size_t i = 0; i < v->cfg->catalogue->n_indicators; i++) {
        if (c->sent[i]) {
            continue;
        }
        const char *id = v->cfg->catalogue->indicators[i].id;
        if (used + strlen(id) + 80 < sizeof missing) {
            used += (size_t)snprintf(missing + used, sizeof missing - used,
                                     "%s%s", n_missing ? ", " : "", id);
            n_listed++;
        }
        n_missing++;
    }
    vr_outcome_t o;
    memset(&o, 0, sizeof o);
    if (n_missing > 0) {
        vr_add(&o, false, provider,
               "has not sent %zu of the catalogue's %zu indicators for %s: "
               "%s%s",
               n_missing, v->cfg->catalogue->n_indicators, c->period, missing,
               n_listed < n_missing ? ", ..." : "");
    }
    c->sub->rows++;
    return vsub_store_outcome(v, txn, NULL, c->sub, c->sub->rows, &o, err);
}

/* At close, an outcome per registered provider of this worker under the
 * submission "close-PERIOD" (s_warn_missing).  A second close replaces
 * the first one's outcomes. */
static int s_check_completeness(validate_t *v, MDB_txn *txn, int64_t period,
                                bl_err_t *err)
{
    s_sub_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.id, sizeof s.id, "close-%" PRId64, period);
    snprintf(s.file, sizeof s.file, "period %" PRId64 " close", period);
    snprintf(s.state, sizeof s.state, "complete");
    s.delimiter = ',';
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    unsigned char prefix[S_SUB_MAX + 1];
    size_t pl = vsub_key(s.id, "", 0, prefix, sizeof prefix);
    int rc = bl_page_delete(txn, bl_daemon_dbi(v->d, DB_OUTCOMES),
                            (const char *)prefix, pl, err);
    s_completeness_t c = {&s, p,
                          calloc(v->cfg->catalogue->n_indicators + 1,
                                 sizeof(bool))};
    if (rc == 0 && c.sent == NULL) {
        rc = bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        rc = s_each_provider(v, txn, s_warn_missing, &c, err);
    }
    free(c.sent);
    if (rc == 0) {
        rc = vsub_save(v, txn, &s, err);
    }
    vsub_free(&s);
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
    bl_close_write_count(rj->w, parts[1], count);
    rj->n++;
    return 0;
}

/* At close: mark the period, warn about indicators not sent, pass the
 * marker on with the rows still rejected. */
int validate_close_apply(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                         bl_err_t *err)
{
    bl_close_t in;
    if (bl_close_decode(msg->payload, msg->payload_len, &in, err) != 0) {
        return BL_EPROTO;
    }
    int64_t period = in.period, gen = in.generation;
    bool reopen = in.reopen;
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
        int64_t t0 = bl_net_now_ms();
        if (rc == 0) {
            rc = s_check_completeness(v, txn, period, err);
        }
        if (rc == 0) {
            bl_log(BL_LOG_INFO, "closed period=%" PRId64 " generation=%"
                   PRId64 " completeness_s=%.2f", period, gen,
                   (double)(bl_net_now_ms() - t0) / 1e3);
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
    bl_close_t out = {.period = period, .generation = gen, .reopen = reopen,
                      .has_rejected = true, .n_rejected = rj.n,
                      .rejected = bl_mpw_data(&counts),
                      .rejected_len = bl_mpw_size(&counts)};
    if (rc == 0 && (counts.err || bl_close_write(w, &out) != 0)) {
        rc = bl_err_set(err, BL_ENOMEM, "cannot encode a close marker");
    }
    bl_mpw_destroy(&counts);
    if (rc != 0) {
        return rc;
    }
    return bl_outbox_put_all(bl_daemon_outbox(v->d), txn, BL_MSG_CLOSE,
                             bl_mpw_data(w), bl_mpw_size(w), err);
}

/* The reply's rows being written, for s_count_sent. */
typedef struct s_sent {
    bl_mpw_t rows;             /* [[provider, sent]...] */
    uint32_t count;            /* rows in it */
    const char *period;        /* the year as text */
    bool *sent;                /* per catalogue indicator */
} s_sent_t;

/* A row [provider, indicators sent] of the completeness request. */
static int s_count_sent(validate_t *v, MDB_txn *txn, const char *provider,
                        void *ctx, bl_err_t *err)
{
    (void)err;
    s_sent_t *c = ctx;
    uint64_t sent = validate_close_sent(v, txn, c->period, provider,
                                        c->sent);
    bl_mpw_array(&c->rows, 2);
    bl_mpw_str(&c->rows, provider);
    bl_mpw_uint(&c->rows, sent);
    c->count++;
    return 0;
}

int validate_close_req_completeness(validate_t *v, MDB_txn *txn,
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
    s_sent_t c = {.count = 0, .period = p,
                  .sent = calloc(v->cfg->catalogue->n_indicators + 1,
                                 sizeof(bool))};
    bl_mpw_init(&c.rows);
    int rc = c.sent ? s_each_provider(v, txn, s_count_sent, &c, err)
                    : bl_err_set(err, BL_ENOMEM, "out of memory");
    free(c.sent);
    if (rc != 0 || c.rows.err) {
        bl_mpw_destroy(&c.rows);
        return rc != 0 ? rc : bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    bl_reply_begin(reply, 2);
    bl_mpw_str(reply, "total");
    bl_mpw_uint(reply, v->cfg->catalogue->n_indicators);
    bl_mpw_str(reply, "providers");
    bl_mpw_array(reply, c.count);
    bl_mpw_raw(reply, bl_mpw_data(&c.rows), bl_mpw_size(&c.rows));
    bl_mpw_destroy(&c.rows);
    return 0;
}
