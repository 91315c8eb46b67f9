/*
 * web_backend: the portal's requests to the node's other daemons, the same
 * requests `benchlearn` makes (services/cli): submission rows to ingest;
 * outcomes, completeness and rejected-row counts from validation; the
 * rendered generation from the report daemon; health from every daemon.
 * The portal reaches nothing else of theirs.
 *
 * Calls block for at most their timeout.  One connection per daemon is
 * kept open and dropped after any failure (a late reply must not be read
 * as the answer to the next request).  Single-threaded.
 */
#ifndef WEB_BACKEND_H
#define WEB_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "bl_config.h"
#include "bl_error.h"
#include "bl_mp.h"
#include "bl_rpc.h"
#include "bl_submit_client.h"

typedef struct web_backend web_backend_t;

int web_backend_new(web_backend_t **out, void *zctx, const bl_config_t *cfg,
                    bl_err_t *err);
void web_backend_destroy(web_backend_t **b);

/* Sends request w to worker k (1-based) of stage and waits for its reply;
 * 0 with *reply to free, or an error (err says which daemon). */
int web_backend_call(web_backend_t *b, bl_stage_t stage, int k,
                     const bl_mpw_t *w, bl_reply_t *reply, int timeout_ms,
                     bl_err_t *err);

/* The connection to worker k (1-based) of stage, opened when needed (for
 * bl_submit_csv, which keeps several requests in flight on it). */
int web_backend_rpc(web_backend_t *b, bl_stage_t stage, int k,
                    bl_rpc_t **rpc, bl_err_t *err);

/* Drops the connection to stage (after a failure mid-way). */
void web_backend_reset(web_backend_t *b, bl_stage_t stage);

/* What validation counted for a submission, over its workers. */
typedef bl_sub_counts_t web_counts_t;

int web_backend_sub_status(web_backend_t *b, const char *sub,
                           web_counts_t *out, bl_err_t *err);

/* One problem of a row. */
typedef struct web_problem {
    uint64_t line;
    bool error;              /* false: a warning */
    const char *field;       /* borrowed, fl bytes */
    uint32_t fl;
    const char *why;         /* borrowed, wl bytes */
    uint32_t wl;
} web_problem_t;

/* Calls fn for each problem of sub's rows (problems only), at most max
 * rows over every worker; *more is set when some were left out. */
int web_backend_outcomes(web_backend_t *b, const char *sub, uint64_t max,
                         void (*fn)(void *ctx, const web_problem_t *p),
                         void *ctx, bool *more, bl_err_t *err);

/* The file name and state ("open", "complete", "rejected") ingest keeps
 * for sub, and (why, may be NULL) a rejected file's reasons, one a line:
 * 0, BL_ENOTFOUND, or an error. */
int web_backend_sub_info(web_backend_t *b, const char *sub, char *file,
                         size_t fsize, char *state, size_t ssize,
                         char *why, size_t wsize, bl_err_t *err);

/* Rows still rejected per provider in period: fn(provider, count). */
int web_backend_rejected(web_backend_t *b, int64_t period,
                         void (*fn)(void *ctx, const char *provider,
                                    uint64_t n),
                         void *ctx, bl_err_t *err);

/* Completeness of period per registered provider, from every validation
 * worker: fn(provider, indicators sent, indicators of the catalogue). */
int web_backend_completeness(web_backend_t *b, int64_t period,
                             void (*fn)(void *ctx, const char *provider,
                                        uint64_t sent, uint64_t total),
                             void *ctx, bl_err_t *err);

/* The last close generation rendered for period (0: none). */
int web_backend_rendered(web_backend_t *b, int64_t period, uint64_t *gen,
                         bl_err_t *err);

/* Closes period through ingest, as `benchlearn close` does. */
int web_backend_close(web_backend_t *b, int64_t period, bl_err_t *err);

/* Asks the report daemon to render one provider's PDF of period (a close
 * renders no PDFs; the report daemon keeps the file in the period's
 * folder once written).  Queues the job and returns at once: 0, or an
 * error code with err set. */
int web_backend_render_pdf(web_backend_t *b, int64_t period,
                           const char *provider, bl_err_t *err);

#endif
