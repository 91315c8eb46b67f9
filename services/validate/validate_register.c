/*
 * validate_register: the register in validation (see
 * validate_register.h).  Register rows reach every validation worker:
 * each keeps the whole register ("register": provider -> entry in
 * bl_register_codec's layout) to judge the other rows of its providers,
 * and the provider's own worker judges the row and sends the entry to
 * every aggregation worker.
 */
#include "validate_register.h"

#include <stdio.h>
#include <string.h>

#include "bl_log.h"
#include "bl_records_codec.h"
#include "bl_register_codec.h"
#include "bl_str.h"
#include "validate_batch.h"

/* ---- lookups ------------------------------------------------------------ */

static int s_reg_get(validate_batch_t *b, const char *provider,
                     s_reg_t *out, bl_err_t *err)
{
    memset(out, 0, sizeof *out);
    MDB_val val;
    /* through the batch's read cursor: rows come in provider order, so
     * the next provider is mostly on the page of the last */
    int rc = bl_cursors_get(&b->reads, bl_daemon_dbi(b->v->d, DB_REGISTER),
                            provider, strlen(provider), &val, err);
    if (rc == BL_ENOTFOUND) {
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    bl_register_entry_t e;
    if (bl_register_decode_entry(val.mv_data, val.mv_size, &e, NULL) != 0) {
        return bl_err_set(err, BL_ESTORE, "register entry %s is corrupt",
                          provider);
    }
    bl_str_copy(out->country, sizeof out->country, e.country);
    bl_str_copy(out->service_type, sizeof out->service_type,
                e.service_type);
    bl_str_copy(out->membership, sizeof out->membership, e.membership);
    out->share_identity = e.share_identity;
    out->users = (double)e.users;
    out->staff = (double)e.staff;
    out->found = true;
    return 0;
}

void vreg_group_key(const validate_t *v, int g, const s_reg_t *reg,
                    char *buf, size_t size)
{
    buf[0] = '\0';
    if (g < 0) {
        return;
    }
    bl_group_attrs_t a = {reg->country, reg->service_type, reg->membership,
                          reg->share_identity};
    bl_group_key(&v->cfg->groups[g], &a, buf, size);
}

bool vreg_owns(const validate_t *v, const char *provider)
{
    int workers = v->cfg->workers[BL_STAGE_VALIDATE];
    return workers <= 1 ||
           bl_outbox_lane_of(provider, strlen(provider), (size_t)workers) ==
               (size_t)(bl_daemon_worker(v->d) - 1);
}

static int s_is_closed(validate_t *v, MDB_txn *txn, int period)
{
    char p[24];
    snprintf(p, sizeof p, "%d", period);
    MDB_val val;
    return bl_store_get(txn, bl_daemon_dbi(v->d, DB_CLOSED), p, strlen(p),
                        &val, NULL) == 0;
}

int vreg_provider_checks(validate_batch_t *b, MDB_txn *txn,
                         const char *provider, int period, bool closed_ok,
                         s_reg_t *reg, vr_outcome_t *o, bl_err_t *err)
{
    if (provider[0] == '\0') {
        return 0;
    }
    /* Rows come grouped by provider: look the register and the period up
     * once per run of rows (the cache lives for one message). */
    s_lookup_t *c = &b->lookup;
    if (!c->valid || strcmp(c->provider, provider) != 0) {
        c->has_national = false;
        c->has_seen = false;
        int rc = s_reg_get(b, provider, &c->reg, err);
        if (rc != 0) {
            return rc;
        }
        snprintf(c->provider, sizeof c->provider, "%s", provider);
        c->valid = true;
    }
    if (c->period != period) {
        c->period = period;
        c->closed = period > 0 && s_is_closed(b->v, txn, period);
    }
    *reg = c->reg;
    if (!reg->found && !o->rejected) {
        vr_add(o, true, "provider_id", "%s is not in the register", provider);
    }
    if (c->closed && !closed_ok) {
        vr_add(o, true, "period",
               "period %d is closed (benchlearn close --reopen %d opens it)",
               period, period);
    }
    return 0;
}

/* ---- register rows ------------------------------------------------------ */

/* The register entry of a checked register row. */
static void s_entry_of(const vr_register_t *g, bl_register_entry_t *e)
{
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", g->name);
    snprintf(e->country, sizeof e->country, "%s", g->country);
    snprintf(e->service_type, sizeof e->service_type, "%s",
             g->service_type);
    e->users = g->users;
    e->staff = g->staff;
    snprintf(e->membership, sizeof e->membership, "%s", g->membership);
    snprintf(e->member_since, sizeof e->member_since, "%s",
             g->member_since);
    e->share_identity = g->share_identity;
}

/* Stores the entry e of provider in this worker's register. */
static int s_store_entry(validate_t *v, MDB_txn *txn, const char *provider,
                         const bl_register_entry_t *e, bl_err_t *err)
{
    bl_mpw_t *w = &v->w;
    bl_mpw_reset(w);
    bl_register_write_entry(w, e);
    return bl_store_put(txn, bl_daemon_dbi(v->d, DB_REGISTER), provider,
                        strlen(provider), bl_mpw_data(w), bl_mpw_size(w),
                        err);
}

int vreg_judge_row(validate_batch_t *b, MDB_txn *txn, validate_line_t *row,
                   bl_err_t *err)
{
    validate_t *v = b->v;
    vr_context_t c = vbatch_context(b);
    vr_register_t g;
    vr_check_register(&c, row->fields, &g, row->o);
    /* Register rows reach every worker; the provider's own worker judges
     * the row, the others only keep the entry for their own checks. */
    const char *id = row->fields[b->sub->layout.col[BL_COL_PROVIDER_ID]];
    bool mine = vreg_owns(v, id);
    if (!mine) {
        row->not_mine = true;
    } else if (g.provider[0]) {
        int rc = vbatch_check_repeat(b, row, g.provider, "provider_id", err);
        if (rc != 0) {
            return rc;
        }
    }
    if (row->o->rejected || b->sub->dry_run) {
        return 0;
    }
    bl_register_entry_t e;
    s_entry_of(&g, &e);
    int rc = s_store_entry(v, txn, g.provider, &e, err);
    if (rc != 0 || !mine) {
        return rc;
    }
    /* Every aggregation worker needs the whole register. */
    bl_outbox_t *ob = bl_daemon_outbox(v->d);
    for (size_t l = 0; l < bl_outbox_lanes(ob); l++) {
        b->lane_count[l]++;
        bl_records_write_register(&b->lanes[l], g.provider, &e);
    }
    return 0;
}

/* ---- a new worker ------------------------------------------------------- */

int vreg_seed(validate_t *v, const char *db_name, bl_err_t *err)
{
    if (bl_daemon_worker(v->d) <= 1) {
        return 0;
    }
    uint64_t n = 0;
    int rc = bl_store_count(bl_daemon_store(v->d),
                            bl_daemon_dbi(v->d, DB_REGISTER), &n, err);
    if (rc != 0 || n > 0) {
        return rc;
    }
    char dir[4096];
    bl_daemon_store_dir(v->cfg, BL_STAGE_VALIDATE, 1, dir, sizeof dir);
    rc = bl_store_import(bl_daemon_store(v->d),
                         bl_daemon_dbi(v->d, DB_REGISTER), dir, db_name, err);
    if (rc == 0) {
        bl_log(BL_LOG_INFO, "register taken over from worker 1 store=%s",
               dir);
    }
    return rc;
}
