/*
 * cli_health: asks a daemon for its health and reads the reply (see
 * cli_health.h).
 */
#include "cli_health.h"

#include <stdio.h>
#include <string.h>

#include "bl_rpc.h"

int cli_health(void *zctx, const bl_config_t *cfg, const char *endpoint,
                   int timeout_ms, cli_health_t *h)
{
    memset(h, 0, sizeof *h);
    bl_rpc_t *rpc;
    bl_err_t err = {0};
    int rc = bl_rpc_open(&rpc, zctx, cfg, endpoint, &err);
    if (rc != 0) {
        return rc;
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "health", 0);
    bl_reply_t reply;
    rc = bl_rpc_call(rpc, &w, &reply, timeout_ms, &err);
    bl_mpw_destroy(&w);
    bl_rpc_close(&rpc);
    if (rc != 0) {
        return rc;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, reply.msg.payload, reply.msg.payload_len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        bl_reply_free(&reply);
        return BL_EPROTO;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        uint64_t v = 0;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            break;
        }
        bl_mpr_t at = r;
        const char *sv;
        uint32_t sl;
        if (bl_mpr_uint(&r, &v) != 0) {
            r = at;
            if (bl_mpr_str(&r, &sv, &sl) == 0 && h->n_extra < 6 &&
                !bl_mp_str_eq(k, kl, "daemon")) {
                snprintf(h->extra_names[h->n_extra], sizeof h->extra_names[0],
                         "%.*s", (int)kl, k);
                snprintf(h->extra_values[h->n_extra],
                         sizeof h->extra_values[0], "%.*s", (int)sl, sv);
                h->n_extra++;
            } else {
                r = at;
                bl_mpr_skip(&r);
            }
            continue;
        }
        if (bl_mp_str_eq(k, kl, "pid")) {
            h->pid = (int)v;
        } else if (bl_mp_str_eq(k, kl, "in")) {
            h->in = v;
        } else if (bl_mp_str_eq(k, kl, "out")) {
            h->out = v;
        } else if (bl_mp_str_eq(k, kl, "pending")) {
            h->pending = v;
        } else if (bl_mp_str_eq(k, kl, "refused")) {
            h->refused = v;
        } else if (bl_mp_str_eq(k, kl, "store_used")) {
            h->store_used = v;
        } else if (!bl_mp_str_eq(k, kl, "duplicates") &&
                   !bl_mp_str_eq(k, kl, "requests") && h->n_extra < 6) {
            snprintf(h->extra_names[h->n_extra], sizeof h->extra_names[0],
                     "%.*s", (int)kl, k);
            snprintf(h->extra_values[h->n_extra], sizeof h->extra_values[0],
                     "%llu", (unsigned long long)v);
            h->n_extra++;
        }
    }
    bl_reply_free(&reply);
    return 0;
}
