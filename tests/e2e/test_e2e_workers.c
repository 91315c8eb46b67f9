/*
 * End to end with several workers of a stage: three validation workers
 * and two aggregation workers give the same outcomes (listed in the same
 * line order), values and positions as one of each; and a validation worker killed with SIGKILL mid-stream
 * loses nothing once it is started again.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bl_test_node.h"

/* The node of tests/data/validation (node.yaml there). */
#define S_ROLE BL_TEST_VALIDATION_ROLE
#define S_GROUPS BL_TEST_VALIDATION_GROUPS
#define S_EXTRA BL_TEST_VALIDATION_EXTRA

/* Fixtures whose outcomes do not depend on other providers' rows (the
 * outlier rule judges within a worker's share of a peer group). */
static const char *const s_files[] = {
    "register.csv", "prev-2024.csv", "change-factor.csv", "duplicate-key.csv",
    "number-nan.csv", "negative.csv", "rule-den-le-users.csv",
    "semicolon-decimal-comma.csv", "survey-off-scale.csv",
    "survey-respondent-repeated.csv", "unused-field.csv", "steps-invalid.csv",
    "denominator-zero.csv"};

typedef struct s_result {
    char *listed;     /* submit --wait's output as printed */
    char *outcomes;   /* its lines sorted */
    char *values;     /* export values */
    char *positions;  /* export positions */
} s_result_t;

static void s_run(const char *workers, s_result_t *res)
{
    bl_test_node_t n;
    cr_assert_eq(bl_test_node_init(&n, S_ROLE, S_GROUPS, S_EXTRA), 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&n, &out, "up %s", workers), 0, "%s", out);
    free(out);
    char files[4096] = "";
    for (size_t i = 0; i < sizeof s_files / sizeof *s_files; i++) {
        char one[600];
        snprintf(one, sizeof one, " %s/tests/data/validation/%s",
                 bl_test_source_dir(), s_files[i]);
        strncat(files, one, sizeof files - strlen(files) - 1);
    }
    bl_test_node_cli(&n, &out, "submit --wait%s", files);
    cr_assert_not_null(out);
    res->listed = strdup(out);
    cr_assert_not_null(res->listed);
    res->outcomes = bl_test_sorted_lines(out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &out, "close 2025"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &res->values, "export 2025 --what "
                                                    "values"),
                 0);
    cr_assert_eq(bl_test_node_cli(&n, &res->positions,
                                  "export 2025 --what positions"),
                 0);
    bl_test_node_stop(&n);
}

Test(e2e_workers, three_validation_workers_judge_as_one, .timeout = 300)
{
    s_result_t one, many;
    s_run("", &one);
    s_run("--workers validate=3,aggregate=2", &many);
    cr_assert_not_null(strstr(one.outcomes, "rejected"));
    cr_assert_not_null(strstr(one.outcomes, "warning:"));
    cr_assert_str_eq(many.outcomes, one.outcomes);
    /* ... and lists them in the same order: each file's from its first
     * line on, whichever worker judged each provider's rows */
    cr_assert_str_eq(many.listed, one.listed);
    cr_assert_gt(strlen(one.values), 200, "%s", one.values);
    cr_assert_str_eq(many.values, one.values);
    cr_assert_str_eq(many.positions, one.positions);
    free(one.listed);
    free(many.listed);
    free(one.outcomes);
    free(one.values);
    free(one.positions);
    free(many.outcomes);
    free(many.values);
    free(many.positions);
}

#define S_PROVIDERS 200
#define S_RESPONDENTS 250

Test(e2e_workers, a_killed_validation_worker_loses_nothing, .timeout = 300)
{
    bl_test_node_t n;
    cr_assert_eq(bl_test_node_init(&n, S_ROLE, S_GROUPS, NULL), 0);
    cr_assert_eq(bl_test_node_write_data(&n, S_PROVIDERS, S_RESPONDENTS), 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&n, &out, "up --workers validate=3"), 0,
                 "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &out, "submit --wait register.csv"), 0,
                 "%s", out);
    free(out);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd %s && %s/benchlearn -c %s submit survey.csv > submit.out "
             "2>&1 &",
             n.dir, bl_test_binary_dir(), n.config);
    cr_assert_eq(system(cmd), 0);
    long rows = S_PROVIDERS * S_RESPONDENTS;
    long applied = 0;
    for (int i = 0; i < 600 && applied < rows / 4; i++) {
        bl_test_sleep_ms(50);
        applied = bl_test_node_status(&n, "aggregate", "records_applied", 0);
    }
    int pid = bl_test_node_pid(&n, "validate.2");
    cr_assert_gt(pid, 0);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    cr_assert(bl_test_wait_gone(pid, 10000), "validate.2 survived SIGKILL");
    cr_assert_eq(bl_test_node_cli(&n, NULL, "up"), 0);
    long want = rows + S_PROVIDERS;
    for (int i = 0; i < 1200 && applied < want; i++) {
        bl_test_sleep_ms(100);
        applied = bl_test_node_status(&n, "aggregate", "records_applied", 0);
    }
    /* Judge once nothing is pending: then nothing can be resent. */
    cr_assert(bl_test_node_wait_quiet(&n, 60000), "the node never settled: "
              "%ld pending", bl_test_node_pending(&n));
    cr_assert_eq(bl_test_node_status(&n, "aggregate", "records_applied", 0),
                 want);
    cr_assert_eq(bl_test_node_status(&n, "aggregate", "records_stored", 0),
                 rows);
    cr_assert_eq(bl_test_node_status(&n, "validate", "rows_judged", 1),
                 rows + S_PROVIDERS);
    bl_test_node_stop(&n);
}

/* A node that adds workers keeps its state: the register sent to one
 * worker serves the rows that three workers judge afterwards. */
Test(e2e_workers, adding_workers_keeps_the_register_and_the_flow,
     .timeout = 300)
{
    bl_test_node_t n;
    cr_assert_eq(bl_test_node_init(&n, S_ROLE, S_GROUPS, NULL), 0);
    cr_assert_eq(bl_test_node_write_data(&n, 60, 20), 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&n, &out, "up"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &out, "submit --wait register.csv"), 0,
                 "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &out, "down"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &out,
                                  "up --workers validate=3,aggregate=2"),
                 0, "%s", out);
    free(out);
    int rc = bl_test_node_cli(&n, &out, "submit --wait survey.csv");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_not_null(strstr(out, "1200 accepted, 0 with warnings, 0 "
                                   "rejected"),
                       "%s", out);
    free(out);
    bl_test_node_stop(&n);
}
