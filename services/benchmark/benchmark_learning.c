/*
 * benchmark_learning: the learning cycle on the benchmarking stage (see
 * benchmark_learning.h), and the table of contents of its files.  This
 * file opens the module, applies the learning message (the actions to
 * benchmark_actions.c, the practices to benchmark_practices.c), stores at
 * each computation what the exports read — the lstate rows
 * (benchmark_actions.c), the learning needs (benchmark_needs.c), the
 * period as closed, the actions judged again, and on the international
 * node the xpractices rows (benchmark_practices.c) — and sends each
 * request to the file that answers it.  It also reads the rows all of
 * them share: lstate and lclosed.
 *
 * What a close stores is what the exports read, so an export never
 * recomputes the benchmark: `actions` joins the stored actions with the
 * lstate rows of PERIOD and PERIOD + 1; `learning-needs` is the lneeds
 * database as it stands.
 */
#include "benchmark_learning.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark_learning_int.h"
#include "bl_learning_codec.h"
#include "bl_bundle.h"
#include "bl_page.h"

MDB_dbi benchmark_learning_dbi(const benchmark_learning_t *l, size_t i)
{
    return bl_daemon_dbi(l->d, l->first_db + i);
}

int benchmark_learning_open(benchmark_learning_t **out, bl_daemon_t *d,
                            size_t first_db, bl_err_t *err)
{
    benchmark_learning_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    l->d = d;
    l->first_db = first_db;
    bl_mpw_init(&l->w);
    *out = l;
    return 0;
}

void benchmark_learning_close(benchmark_learning_t **l)
{
    if (l == NULL || *l == NULL) {
        return;
    }
    bl_mpw_destroy(&(*l)->w);
    free(*l);
    *l = NULL;
}

/* ---- what a close stored ------------------------------------------------ */

int benchmark_learning_state_get(benchmark_learning_t *l, MDB_txn *txn,
                                 int64_t period, const char *provider,
                                 const char *indicator,
                                 benchmark_lstate_t *st, bl_err_t *err)
{
    memset(st, 0, sizeof *st);
    char p[24], key[LEARNING_KEY_MAX];
    snprintf(p, sizeof p, "%" PRId64, period);
    const char *parts[] = {p, provider};
    size_t kl = bl_page_join(key, sizeof key, parts, 2);
    if (kl == 0) {
        return BL_ENOTFOUND;
    }
    /* a provider's states are one bundle (bl_bundle.h) */
    MDB_val v;
    int rc = bl_bundle_get(txn, benchmark_learning_dbi(l, LEARNING_DB_STATE),
                           key, kl, indicator, &v, err);
    if (rc != 0) {
        return rc;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, v.mv_data, v.mv_size);
    uint32_t arity;
    double band = 0;
    /* Rows stored before the rank was kept have four elements. */
    if (bl_mpr_array(&r, &arity) != 0 || (arity != 4 && arity != 5) ||
        bl_mpr_opt_double(&r, &st->has_value, &st->value) != 0 ||
        bl_mpr_opt_double(&r, &st->has_band, &band) != 0 ||
        bl_mpr_bool(&r, &st->area) != 0 || bl_mpr_bool(&r, &st->band4) != 0 ||
        (arity == 5 &&
         bl_mpr_opt_double(&r, &st->has_rank, &st->rank) != 0)) {
        return bl_err_set(err, BL_ESTORE, "learning state %s/%s is corrupt",
                          key, indicator);
    }
    st->band = (int64_t)band;
    return 0;
}

/* lclosed's value: "" computed and closed; S_REOPENED while reopened,
 * whatever is computed meanwhile (results coming back from abroad). */
#define S_REOPENED "reopened"

/* Whether lclosed has a row for period, and its value's size in *size. */
static bool s_lclosed(benchmark_learning_t *l, MDB_txn *txn, int64_t period,
                      size_t *size)
{
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    MDB_val v;
    if (bl_store_get(txn, benchmark_learning_dbi(l, LEARNING_DB_CLOSED), p,
                     strlen(p), &v, NULL) != 0) {
        return false;
    }
    *size = v.mv_size;
    return true;
}

bool benchmark_learning_closed(benchmark_learning_t *l, MDB_txn *txn,
                               int64_t period)
{
    size_t size;
    return s_lclosed(l, txn, period, &size) && size == 0;
}

/* Whether period has been reopened and not closed again since. */
static bool s_reopened(benchmark_learning_t *l, MDB_txn *txn, int64_t period)
{
    size_t size;
    return s_lclosed(l, txn, period, &size) && size > 0;
}

char *benchmark_learning_dup(const char *s, uint32_t len)
{
    char *d = malloc((size_t)len + 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* ---- rows in ------------------------------------------------------------ */

int benchmark_learning_apply(benchmark_learning_t *l, MDB_txn *txn,
                             const bl_msg_t *msg, bl_err_t *err)
{
    bl_learning_reader_t rd;
    if (bl_learning_open(&rd, msg->payload, msg->payload_len, err) != 0) {
        return BL_EPROTO;
    }
    bl_learning_row_t row;
    int rc;
    while ((rc = bl_learning_next(&rd, &row, err)) == 0) {
        rc = row.kind == BL_LEARNING_ACTION
                 ? benchmark_actions_put(l, txn, &row.action, err)
                 : benchmark_practices_put(l, txn, &row.practice, err);
        if (rc != 0) {
            return rc;
        }
    }
    return rc == BL_ENOTFOUND ? 0 : rc;
}

/* ---- at a close --------------------------------------------------------- */

int benchmark_learning_store(benchmark_learning_t *l, MDB_txn *txn,
                             int64_t period, const bc_input_t *in,
                             const bc_output_t *out, bl_err_t *err)
{
    size_t nk = in->cfg->catalogue->n_indicators;
    size_t cells = (in->n_providers ? in->n_providers : 1) * nk;
    unsigned char *flags = calloc(cells, 1);
    int *band0 = calloc(cells, sizeof *band0);
    double *rank0 = calloc(cells, sizeof *rank0);
    if (flags == NULL || band0 == NULL || rank0 == NULL) {
        free(flags);
        free(band0);
        free(rank0);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    for (size_t q = 0; q < out->n_positions; q++) {
        bc_position_t pb;
        bc_position(in, out, q, &pb);
        const bc_position_t *pos = &pb;
        size_t cell = pos->provider * nk + (size_t)pos->indicator;
        flags[cell] |= LEARNING_POSITION;
        if (pos->group == 0) {
            band0[cell] = pos->band;
            rank0[cell] = pos->percentile_rank;
        }
    }
    for (size_t i = 0; i < in->n_providers; i++) {
        const bc_provider_result_t *pr = &out->providers[i];
        for (size_t a = 0; a < pr->n_areas; a++) {
            flags[i * nk + (size_t)pr->areas[a].indicator] |= LEARNING_AREA;
        }
        for (size_t s = 0; s < pr->n_strengths; s++) {
            flags[i * nk + (size_t)pr->strengths[s]] |= LEARNING_BAND4;
        }
    }
    char p[24], prefix[32];
    snprintf(p, sizeof p, "%" PRId64, period);
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
    int rc = bl_page_delete(txn, benchmark_learning_dbi(l, LEARNING_DB_STATE),
                            prefix, pl, err);
    if (rc == 0) {
        rc = bl_page_delete(txn, benchmark_learning_dbi(l, LEARNING_DB_NEEDS),
                            prefix, pl, err);
    }
    if (rc == 0) {
        rc = benchmark_actions_store_state(l, txn, p, in, flags, band0, rank0,
                                           err);
    }
    if (rc == 0) {
        rc = benchmark_needs_store(l, txn, p, in, flags, err);
    }
    free(flags);
    free(band0);
    free(rank0);
    if (rc == 0 && !s_reopened(l, txn, period)) {
        rc = bl_store_put(txn, benchmark_learning_dbi(l, LEARNING_DB_CLOSED),
                          p, strlen(p), "", 0, err);
    }
    if (rc == 0) {
        rc = benchmark_actions_judge(l, txn, period, err);
    }
    if (rc == 0 && in->cfg->role == BL_ROLE_INTERNATIONAL) {
        rc = benchmark_practices_store_x(l, txn, period, in, err);
    }
    return rc;
}

int benchmark_learning_after_close(benchmark_learning_t *l, MDB_txn *txn,
                                   int64_t period, bool reopen,
                                   bl_err_t *err)
{
    /* The close computed the period (benchmark_learning_store ran): closed
     * now, or reopened until the next close whatever is computed before. */
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    const char *v = reopen ? S_REOPENED : "";
    return bl_store_put(txn, benchmark_learning_dbi(l, LEARNING_DB_CLOSED), p,
                        strlen(p), v, strlen(v), err);
}

/* ---- requests ----------------------------------------------------------- */

bool benchmark_learning_answers(const char *cmd, const bl_msg_t *msg)
{
    if (strcmp(cmd, "learning_warnings") == 0) {
        return true;
    }
    char what[32];
    return strcmp(cmd, "export") == 0 &&
           bl_req_str(msg, "what", what, sizeof what) == 0 &&
           (strcmp(what, "actions") == 0 ||
            strcmp(what, "learning-needs") == 0);
}

int benchmark_learning_request(benchmark_learning_t *l, MDB_txn *txn,
                               const char *cmd, const bl_msg_t *msg,
                               bl_mpw_t *reply, bl_err_t *err)
{
    if (strcmp(cmd, "learning_warnings") == 0) {
        return benchmark_actions_warnings(l, txn, msg, reply, err);
    }
    char what[32] = "";
    bl_req_str(msg, "what", what, sizeof what);
    if (strcmp(what, "actions") == 0) {
        return benchmark_actions_export(l, txn, msg, reply, err);
    }
    return bl_page_request(txn, benchmark_learning_dbi(l, LEARNING_DB_NEEDS),
                           msg, reply, err);
}
