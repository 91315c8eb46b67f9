/*
 * bl_outcomes_client: a submission's row outcomes in line order over every
 * validation worker (see bl_outcomes_client.h).
 *
 * An "outcomes" answer: {rows: [[line, status, [[error, field, why]...]]
 * ...], more: bool}, rows in line order after the request's `after`.
 */
#include "bl_outcomes_client.h"

#include <stdlib.h>
#include <string.h>

#include "bl_msg.h"
#include "bl_rpc.h"

/* One worker's place in its outcomes. */
typedef struct s_cur {
    bl_reply_t reply;           /* the page being read */
    bool has_reply;
    bl_mpr_t rows;              /* its rows not read yet */
    uint32_t left;
    bool page_more;             /* more pages after it */
    uint64_t after;             /* the last line read */
    bool done;
    bool has_row;               /* row is its next one */
    bl_outcome_row_t row;
} s_cur_t;

typedef struct s_merge {
    const char *sub;
    bool problems_only;
    uint32_t page_rows;
    bl_sub_ask_fn ask;
    void *ask_ctx;
    bl_mpw_t w;
} s_merge_t;

/* Asks worker k for its page after cur->after. */
static int s_fetch(s_merge_t *m, int k, s_cur_t *cur, bl_err_t *err)
{
    if (cur->has_reply) {
        bl_reply_free(&cur->reply);
        cur->has_reply = false;
    }
    bl_mpw_reset(&m->w);
    bl_rpc_request(&m->w, "outcomes", 4);
    bl_mpw_str(&m->w, "sub");
    bl_mpw_str(&m->w, m->sub);
    bl_mpw_str(&m->w, "after");
    bl_mpw_uint(&m->w, cur->after);
    bl_mpw_str(&m->w, "limit");
    bl_mpw_uint(&m->w, m->page_rows);
    bl_mpw_str(&m->w, "problems_only");
    bl_mpw_bool(&m->w, m->problems_only);
    if (m->w.err != 0) {
        return bl_err_set(err, BL_ENOMEM, "cannot encode a request");
    }
    int rc = m->ask(m->ask_ctx, k, &m->w, &cur->reply, err);
    if (rc != 0) {
        return rc;
    }
    cur->has_reply = true;
    cur->page_more = false;
    bl_mpr_t r;
    if (bl_req_find(&cur->reply.msg, "more", &r) == 0 &&
        bl_mpr_bool(&r, &cur->page_more) != 0) {
        return bl_err_set(err, BL_EPROTO, "outcomes: 'more' is not a bool");
    }
    cur->left = 0;
    if (bl_req_find(&cur->reply.msg, "rows", &cur->rows) == 0 &&
        bl_mpr_array(&cur->rows, &cur->left) != 0) {
        return bl_err_set(err, BL_EPROTO, "outcomes: 'rows' is not a list");
    }
    if (cur->left == 0) {
        cur->done = true;   /* (whatever `more` says: nothing came) */
    }
    return 0;
}

/* Reads worker k's next row into cur->row, fetching a page when its page
 * is read; cur->done when it has none. */
static int s_next(s_merge_t *m, int k, s_cur_t *cur, bl_err_t *err)
{
    while (!cur->has_row && !cur->done) {
        if (cur->left == 0) {
            if (cur->has_reply && !cur->page_more) {
                cur->done = true;
                break;
            }
            int rc = s_fetch(m, k, cur, err);
            if (rc != 0) {
                return rc;
            }
            continue;
        }
        bl_outcome_row_t *row = &cur->row;
        uint32_t three;
        if (bl_mpr_array(&cur->rows, &three) != 0 || three != 3 ||
            bl_mpr_uint(&cur->rows, &row->line) != 0 ||
            bl_mpr_uint(&cur->rows, &row->status) != 0 ||
            bl_mpr_array(&cur->rows, &row->n_problems) != 0) {
            return bl_err_set(err, BL_EPROTO, "outcomes: a malformed row");
        }
        row->problems = cur->rows;
        for (uint32_t j = 0; j < row->n_problems; j++) {
            if (bl_mpr_skip(&cur->rows) != 0) {
                return bl_err_set(err, BL_EPROTO,
                                  "outcomes: a malformed problem");
            }
        }
        if (row->line <= cur->after && cur->after > 0) {
            return bl_err_set(err, BL_EPROTO,
                              "outcomes: line %llu after line %llu",
                              (unsigned long long)row->line,
                              (unsigned long long)cur->after);
        }
        cur->after = row->line;
        cur->left--;
        cur->has_row = true;
    }
    return 0;
}

int bl_outcomes_each(const char *sub, int workers, bool problems_only,
                     uint32_t page_rows, uint64_t max, bl_sub_ask_fn ask,
                     void *ask_ctx, bl_outcome_row_fn fn, void *ctx,
                     bool *more, bl_err_t *err)
{
    if (more != NULL) {
        *more = false;
    }
    if (workers < 1) {
        return 0;
    }
    s_cur_t *cur = calloc((size_t)workers, sizeof *cur);
    if (cur == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    s_merge_t m;
    memset(&m, 0, sizeof m);
    m.sub = sub;
    m.problems_only = problems_only;
    m.page_rows = page_rows ? page_rows : 1000;
    m.ask = ask;
    m.ask_ctx = ask_ctx;
    bl_mpw_init(&m.w);
    int rc = 0;
    for (uint64_t count = 0; rc == 0;) {
        int best = -1;
        for (int k = 0; k < workers && rc == 0; k++) {
            rc = s_next(&m, k + 1, &cur[k], err);
            if (rc == 0 && cur[k].has_row &&
                (best < 0 || cur[k].row.line < cur[best].row.line)) {
                best = k;
            }
        }
        if (rc != 0 || best < 0) {
            break;
        }
        if (max > 0 && count == max) {
            if (more != NULL) {
                *more = true;
            }
            break;
        }
        rc = fn(ctx, &cur[best].row);
        cur[best].has_row = false;
        count++;
    }
    for (int k = 0; k < workers; k++) {
        if (cur[k].has_reply) {
            bl_reply_free(&cur[k].reply);
        }
    }
    free(cur);
    bl_mpw_destroy(&m.w);
    return rc;
}

int bl_outcome_problem(bl_mpr_t *r, bool *error, const char **field,
                       uint32_t *fl, const char **why, uint32_t *wl)
{
    uint32_t n;
    if (bl_mpr_array(r, &n) != 0 || n != 3 || bl_mpr_bool(r, error) != 0 ||
        bl_mpr_str(r, field, fl) != 0 || bl_mpr_str(r, why, wl) != 0) {
        return BL_EPROTO;
    }
    return 0;
}
