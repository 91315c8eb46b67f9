/*
 * Tests of bl_submit_client's sending of a file, against a fake ingestion
 * daemon (a ROUTER on a thread of its own, tests/support/bl_test_daemon.c)
 * that records each row it is sent: a file in provider order goes out
 * in file order; a survey in the order its answers came is sent window by
 * window (a small window here, so that the file spans many) with its rows
 * gathered by provider — every line once, each provider's lines in file
 * order, no line before the window it was read in, and few runs.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_catalogue.h"
#include "bl_config.h"
#include "bl_msg.h"
#include "bl_raw_rows_codec.h"
#include "bl_rpc.h"
#include "bl_submit_client.h"
#include "bl_test_daemon.h"

#define S_PROVIDERS 300
#define S_ROWS 12000
#define S_WINDOW 65536        /* bytes: the file is about 6 windows */

static bl_test_place_t s_place;
static bl_catalogue_t s_cat = {.name = "elc", .version = "1"};
static bl_config_t s_cfg = {.node = "test", .catalogue = &s_cat};

/* What the fake ingestion was sent. */
typedef struct s_seen {
    void *router;
    uint64_t line[S_ROWS];       /* each row's line, in the order sent */
    int prov[S_ROWS];            /* its provider's number */
    size_t n;
    int batches;
} s_seen_t;

static s_seen_t s_seen;

static void s_setup(void)
{
    bl_test_place_open(&s_place);
    memset(&s_seen, 0, sizeof s_seen);
}

static void s_teardown(void)
{
    bl_test_place_close(&s_place);
}

/* Answers {"ok": true} and, for submit_begin, the id and kind. */
static void s_ok(void *r, const char *id, size_t idl, bool begin)
{
    bl_mpw_t p;
    bl_mpw_init(&p);
    bl_reply_begin(&p, begin ? 2 : 0);
    if (begin) {
        bl_mpw_str(&p, "sub");
        bl_mpw_str(&p, "t1-000001");
        bl_mpw_str(&p, "kind");
        bl_mpw_str(&p, "survey");
    }
    bl_test_daemon_answer(r, id, idl, &p);
    bl_mpw_destroy(&p);
}

/* The fake ingestion: records every row until submit_end. */
static void *s_ingest(void *arg)
{
    s_seen_t *seen = arg;
    for (;;) {
        char id[256];
        void *body;
        size_t len;
        size_t idl = bl_test_daemon_take_body(seen->router, id, sizeof id,
                                              &body, &len);
        bl_msg_t msg;
        cr_assert_eq(bl_msg_decode(body, len, &msg, NULL), 0);
        char cmd[32] = "";
        bl_req_str(&msg, "cmd", cmd, sizeof cmd);
        if (strcmp(cmd, "submit_rows") == 0) {
            bl_raw_rows_reader_t rd;
            bl_err_t err = {0};
            cr_assert_eq(bl_raw_rows_open(&rd, msg.payload, msg.payload_len,
                                          &err),
                         0, "%s", err.msg);
            bl_raw_row_t row;
            while (bl_raw_rows_next(&rd, &row, &err) == 0) {
                const char *f;
                uint32_t fl;
                cr_assert_lt(seen->n, S_ROWS, "more rows than the file");
                cr_assert_eq(bl_raw_rows_next_field(&row, &f, &fl), 0);
                seen->line[seen->n] = row.line;
                seen->prov[seen->n] = atoi(f + 3);   /* NO-0042 */
                seen->n++;
            }
            seen->batches++;
        }
        s_ok(seen->router, id, idl, strcmp(cmd, "submit_begin") == 0);
        free(body);
        if (strcmp(cmd, "submit_end") == 0) {
            return NULL;
        }
    }
}

/* Row i of the file (line i + 2) when shuffled: its provider. */
static int s_prov_of(size_t i, bool shuffled)
{
    return shuffled ? (int)((i * 7919u + 13u) % S_PROVIDERS)
                    : (int)(i / (S_ROWS / S_PROVIDERS));
}

/* Writes the survey, submits it through the fake ingestion, and waits
 * for it. */
static void s_submit(bool shuffled)
{
    char path[128];
    snprintf(path, sizeof path, "%s/survey.csv", s_place.dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "provider_id,unit_id,period,survey,respondent_id,U1\n");
    for (size_t i = 0; i < S_ROWS; i++) {
        fprintf(f, "NO-%04d,,2025,user,r%zu,%zu\n", s_prov_of(i, shuffled),
                i, 1 + i % 5);
    }
    cr_assert_eq(fclose(f), 0);

    s_seen.router = bl_test_daemon_bind(s_place.ctx, s_place.ep);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, s_ingest, &s_seen), 0);
    bl_rpc_t *rpc = NULL;
    bl_err_t err = {0};
    cr_assert_eq(bl_rpc_open(&rpc, s_place.ctx, &s_cfg, s_place.ep, &err), 0,
                 "%s", err.msg);
    FILE *in = fopen(path, "r");
    cr_assert_not_null(in);
    bl_submit_req_t req = {rpc, fileno(in), "survey.csv", false, 30000,
                           S_WINDOW};
    char sub[BL_SUBMIT_ID_MAX];
    uint64_t rows = 0;
    int rc = bl_submit_csv(&req, NULL, sub, sizeof sub, &rows, &err);
    cr_assert_eq(rc, BL_SUBMIT_STORED, "%d: %s", rc, err.msg);
    cr_assert_eq(rows, S_ROWS);
    cr_assert_str_eq(sub, "t1-000001");
    cr_assert_eq(pthread_join(t, NULL), 0);
    fclose(in);
    bl_rpc_close(&rpc);
    zmq_close(s_seen.router);
    cr_assert_eq(s_seen.n, S_ROWS);
}

Test(bl_submit_client, a_file_in_provider_order_goes_out_in_file_order,
     .init = s_setup, .fini = s_teardown, .timeout = 60)
{
    s_submit(false);
    for (size_t i = 0; i < S_ROWS; i++) {
        cr_assert_eq(s_seen.line[i], i + 2, "row %zu", i);
    }
}

Test(bl_submit_client,
     a_survey_in_answer_order_is_sent_by_provider_a_window_at_a_time,
     .init = s_setup, .fini = s_teardown, .timeout = 60)
{
    s_submit(true);
    static bool got[S_ROWS + 2];
    static uint64_t last[S_PROVIDERS];
    size_t runs = 0;
    uint64_t window_end = 0;    /* the greatest line sent so far */
    for (size_t i = 0; i < S_ROWS; i++) {
        uint64_t line = s_seen.line[i];
        int p = s_seen.prov[i];
        cr_assert(line >= 2 && line < S_ROWS + 2 && !got[line],
                  "line %lu sent twice or out of the file",
                  (unsigned long)line);
        got[line] = true;
        cr_assert_eq(p, s_prov_of(line - 2, true), "line %lu's provider",
                     (unsigned long)line);
        cr_assert_gt(line, last[p], "provider %d: line %lu after %lu", p,
                     (unsigned long)line, (unsigned long)last[p]);
        last[p] = line;
        runs += i == 0 || s_seen.prov[i - 1] != p;
        window_end = line > window_end ? line : window_end;
    }
    cr_assert_eq(window_end, S_ROWS + 1);
    /* The first rows go out as they come (each another provider's), until
     * the runs are seen to be short; then about one run per provider and
     * window. */
    size_t windows = (size_t)(S_ROWS * 30 / S_WINDOW) + 2;
    cr_expect_lt(runs, 1024 + windows * S_PROVIDERS,
                 "%zu runs: the rows were not gathered", runs);
    cr_expect_gt(runs, 1024 + S_PROVIDERS,
                 "%zu runs: one window only?", runs);
}
