/*
 * End to end, changing a stage's worker count on a node that holds data:
 * a node of two validation and two aggregation workers takes half the
 * sample files, is stopped, has both stages rebalanced to three workers
 * (`bl-validate --rebalance 2:3`, `bl-aggregate --rebalance 2:3`), is
 * started with three of each and takes the other half; its period close
 * then gives the same
 * statistics, positions, values and submission counts as a node of one
 * worker each.  Then down to one worker each (3:1), where the removed
 * workers' counts fold into worker 1 and a second close agrees again.
 * Also: the rebalance refuses while a worker runs; and a second report
 * worker made by `bl-report --rebalance 1:2` holds every result.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_store.h"
#include "bl_test_node.h"

/* The node of tests/data/validation (node.yaml there). */
#define S_ROLE BL_TEST_VALIDATION_ROLE
#define S_GROUPS BL_TEST_VALIDATION_GROUPS
#define S_EXTRA BL_TEST_VALIDATION_EXTRA

/* The files of test_e2e_workers (outcomes that do not depend on other
 * providers' rows: the outlier rule judges within a worker's share), the
 * first S_BEFORE sent before the workers change and the others after, so
 * that rows after the change meet the state of rows before it: the
 * previous period (the change factor), survey answers of the same
 * providers (aggregated together), rows still rejected. */
static const char *const s_files[] = {
    "register.csv", "prev-2024.csv", "duplicate-key.csv", "number-nan.csv",
    "negative.csv", "semicolon-decimal-comma.csv", "survey-off-scale.csv",
    "change-factor.csv", "rule-den-le-users.csv",
    "survey-respondent-repeated.csv", "unused-field.csv", "steps-invalid.csv",
    "denominator-zero.csv"};
#define S_N_FILES (sizeof s_files / sizeof s_files[0])
#define S_BEFORE 7

/* What a node says about the period and the submissions. */
typedef struct s_result {
    char *stats, *positions, *values;
    char *checks;      /* `check` of every submission, lines sorted */
    char *close_line;  /* the first line of `check close-2025` */
} s_result_t;

static void s_result_free(s_result_t *r)
{
    free(r->stats);
    free(r->positions);
    free(r->values);
    free(r->checks);
    free(r->close_line);
    memset(r, 0, sizeof *r);
}

/* Sends files [first, last) of s_files and waits until nothing is in
 * flight. */
static void s_submit(const bl_test_node_t *n, size_t first, size_t last)
{
    char files[4096] = "";
    for (size_t i = first; i < last; i++) {
        char one[600];
        snprintf(one, sizeof one, " %s/tests/data/validation/%s",
                 bl_test_source_dir(), s_files[i]);
        strncat(files, one, sizeof files - strlen(files) - 1);
    }
    char *out = NULL;
    bl_test_node_cli(n, &out, "submit --wait%s", files);
    cr_assert_not_null(out);
    cr_assert_not_null(strstr(out, "accepted"), "%s", out);
    free(out);
    cr_assert(bl_test_node_wait_quiet(n, 60000), "the node never settled");
}

static void s_close(const bl_test_node_t *n)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(n, &out, "close 2025"), 0, "%s", out);
    free(out);
    cr_assert(bl_test_node_wait_quiet(n, 60000), "the node never settled");
}

static char *s_export(const bl_test_node_t *n, const char *what)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(n, &out, "export 2025 --what %s", what), 0,
                 "%s", out);
    return out;
}

/* `check close-2025`: the first line (its counts) only: the outcomes'
 * line numbers follow the workers' shares. */
static char *s_close_line(const bl_test_node_t *n)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(n, &out, "check close-2025"), 0, "%s",
                 out);
    char *nl = strchr(out, '\n');
    if (nl) {
        nl[1] = '\0';
    }
    return out;
}

static void s_collect(const bl_test_node_t *n, s_result_t *r)
{
    r->stats = s_export(n, "stats");
    r->positions = s_export(n, "positions");
    r->values = s_export(n, "values");
    size_t cap = 1 << 16, len = 0;
    char *all = malloc(cap);
    cr_assert_not_null(all);
    all[0] = '\0';
    for (size_t i = 1; i <= S_N_FILES; i++) {
        char *out = NULL;
        cr_assert_eq(bl_test_node_cli(n, &out, "check t1-%06zu", i), 0, "%s",
                     out);
        size_t l = strlen(out);
        if (len + l + 1 > cap) {
            cap = 2 * (len + l + 1);
            all = realloc(all, cap);
            cr_assert_not_null(all);
        }
        memcpy(all + len, out, l + 1);
        len += l;
        free(out);
    }
    r->checks = bl_test_sorted_lines(all);
    free(all);
    r->close_line = s_close_line(n);
}

static void s_assert_same(const s_result_t *got, const s_result_t *want,
                          const char *when)
{
    cr_assert_gt(strlen(want->stats), 200, "%s", want->stats);
    cr_assert_gt(strlen(want->positions), 200, "%s", want->positions);
    cr_assert_str_eq(got->stats, want->stats, "%s: stats", when);
    cr_assert_str_eq(got->positions, want->positions, "%s: positions", when);
    cr_assert_str_eq(got->values, want->values, "%s: values", when);
    cr_assert_str_eq(got->checks, want->checks, "%s: checks", when);
    cr_assert_str_eq(got->close_line, want->close_line, "%s: close", when);
}

/* Runs bl-STAGE --rebalance FROM:TO; returns its exit status and its
 * output (stdout and stderr) in *out. */
static int s_rebalance(const bl_test_node_t *n, const char *stage,
                       const char *counts, char **out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/bl-%s -c %s --rebalance %s 2>&1",
             bl_test_binary_dir(), stage, n->config, counts);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 4096, len = 0, got;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 512) {
            cap *= 2;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
    }
    buf[len] = '\0';
    int status = pclose(p);
    *out = buf;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void s_rebalance_ok(const bl_test_node_t *n, const char *stage,
                           const char *counts)
{
    char *out = NULL;
    int rc = s_rebalance(n, stage, counts, &out);
    cr_assert_eq(rc, 0, "bl-%s --rebalance %s: %s", stage, counts, out);
    cr_assert_not_null(strstr(out, "rebalanced"), "%s", out);
    free(out);
}

static void s_cli_ok(const bl_test_node_t *n, const char *args)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(n, &out, "%s", args), 0, "%s: %s", args,
                 out);
    free(out);
}

static void s_reference(s_result_t *r)
{
    bl_test_node_t n;
    cr_assert_eq(bl_test_node_init(&n, S_ROLE, S_GROUPS, S_EXTRA), 0);
    s_cli_ok(&n, "up");
    s_submit(&n, 0, S_N_FILES);
    s_close(&n);
    s_collect(&n, r);
    bl_test_node_stop(&n);
}

Test(e2e_rebalance, two_to_three_workers_and_back_to_one_agree_with_one,
     .timeout = 600)
{
    s_result_t one, many;
    memset(&many, 0, sizeof many);
    s_reference(&one);

    bl_test_node_t n;
    cr_assert_eq(bl_test_node_init(&n, S_ROLE, S_GROUPS, S_EXTRA), 0);
    s_cli_ok(&n, "up --workers validate=2,aggregate=2,report=1");
    s_submit(&n, 0, S_BEFORE);

    /* Refused while the stage runs, and nothing changes. */
    char *out = NULL;
    cr_assert_eq(s_rebalance(&n, "validate", "2:3", &out), 2, "%s", out);
    cr_assert_not_null(strstr(out, "runs"), "%s", out);
    free(out);

    s_cli_ok(&n, "down");
    s_rebalance_ok(&n, "validate", "2:3");
    s_rebalance_ok(&n, "aggregate", "2:3");
    /* A second run finds everything in place. */
    cr_assert_eq(s_rebalance(&n, "aggregate", "2:3", &out), 0, "%s", out);
    cr_assert_not_null(strstr(out, ": 0 keys moved"), "%s", out);
    free(out);
    s_cli_ok(&n, "up --workers validate=3,aggregate=3,report=1");
    s_submit(&n, S_BEFORE, S_N_FILES);
    s_close(&n);
    s_collect(&n, &many);
    s_assert_same(&many, &one, "2:3");
    s_result_free(&many);

    /* Down to one worker each: the removed workers' outcomes and counts
     * fold into worker 1, so `check` agrees before any new close. */
    s_cli_ok(&n, "down");
    s_rebalance_ok(&n, "validate", "3:1");
    s_rebalance_ok(&n, "aggregate", "3:1");
    s_cli_ok(&n, "up --workers validate=1,aggregate=1,report=1");
    s_collect(&n, &many);
    s_assert_same(&many, &one, "3:1 before closing again");
    s_result_free(&many);
    s_close(&n);
    s_collect(&n, &many);
    s_assert_same(&many, &one, "3:1 closed again");
    s_result_free(&many);
    bl_test_node_stop(&n);
    s_result_free(&one);
}

/* ---- the report stage ---------------------------------------------------- */

static const char *const s_report_dbs[] = {"meta", "seen",     "outbox",
                                           "prov", "summary",  "rejected",
                                           "jobs", "done",     "istats"};

/* Entries of database db (an index of s_report_dbs) in the report store
 * under dir, and the meta counter key (-1 when absent) into *meta. */
static size_t s_report_entries(const char *dir, size_t db, const char *key,
                               long *meta)
{
    bl_store_t *s = NULL;
    bl_err_t err = {0};
    cr_assert_eq(bl_store_open(&s, dir, s_report_dbs,
                               sizeof s_report_dbs / sizeof *s_report_dbs, 0,
                               &err),
                 0, "%s", err.msg);
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s, &txn, &err), 0, "%s", err.msg);
    MDB_stat st;
    cr_assert_eq(mdb_stat(txn, bl_store_dbi(s, db), &st), 0);
    MDB_val v;
    *meta = bl_store_get(txn, bl_store_dbi(s, 0), key, strlen(key), &v,
                         NULL) == 0 && v.mv_size == 8
                ? (long)bl_store_u64_from(v.mv_data)
                : -1;
    mdb_txn_abort(txn);
    bl_store_close(&s);
    return st.ms_entries;
}

/* A second report worker gets every result and the periods' state, and
 * the pair renders a close; going back to one renames the second store. */
Test(e2e_rebalance, a_new_report_worker_holds_every_result, .timeout = 600)
{
    bl_test_node_t n;
    cr_assert_eq(bl_test_node_init(&n, S_ROLE, S_GROUPS, S_EXTRA), 0);
    s_cli_ok(&n, "up");
    s_submit(&n, 0, S_N_FILES);
    s_close(&n);
    s_cli_ok(&n, "down");
    s_rebalance_ok(&n, "report", "1:2");
    char one[600], two[600];
    snprintf(one, sizeof one, "%s/var/report", n.dir);
    snprintf(two, sizeof two, "%s/var/report.2", n.dir);
    long rendered1, rendered2, closes1, closes2;
    size_t prov1 = s_report_entries(one, 3, "rendered.2025", &rendered1);
    size_t prov2 = s_report_entries(two, 3, "rendered.2025", &rendered2);
    s_report_entries(one, 3, "closes.2025", &closes1);
    s_report_entries(two, 3, "closes.2025", &closes2);
    cr_assert_gt(prov1, 5);
    cr_assert_eq(prov2, prov1);
    cr_assert_gt(rendered1, 0);
    cr_assert_eq(rendered2, rendered1);
    cr_assert_eq(closes2, closes1);
    long unused;
    cr_assert_eq(s_report_entries(two, 4, "", &unused),
                 s_report_entries(one, 4, "", &unused), "summary");
    /* The instances' statistics the results refer to, and their
     * generation, go with them. */
    long igen1, igen2;
    size_t istats1 = s_report_entries(one, 8, "istats.2025", &igen1);
    size_t istats2 = s_report_entries(two, 8, "istats.2025", &igen2);
    cr_assert_gt(istats1, 0);
    cr_assert_eq(istats2, istats1);
    cr_assert_gt(igen1, 0);
    cr_assert_eq(igen2, igen1);
    s_cli_ok(&n, "up --workers report=2");
    s_close(&n);
    s_cli_ok(&n, "down");
    /* A newer generation's statistics replace the period's: as many
     * instances, not old and new together. */
    long igen_after;
    cr_assert_eq(s_report_entries(two, 8, "istats.2025", &igen_after),
                 istats1);
    cr_assert_gt(igen_after, igen1);
    cr_assert_eq(s_report_entries(one, 8, "istats.2025", &unused), istats1);
    s_rebalance_ok(&n, "report", "2:1");
    cr_assert_eq(bl_test_sh("test ! -e %s", two), 0);
    cr_assert_eq(bl_test_sh("ls -d %s.removed.* > /dev/null", two), 0);
    s_cli_ok(&n, "up --workers report=1");
    s_close(&n);
    bl_test_node_stop(&n);
}
