/*
 * End to end: the five daemons on ipc:// in a temporary directory; 100,000
 * survey rows (and a register of 200 providers) pushed through the chain
 * while a middle daemon is killed with SIGKILL halfway and started again.
 * The last stage that sees rows (aggregation) must have applied every row
 * exactly once: its persistent applied-counter and its stored-record count
 * both equal the rows sent.  Also: up/status/down of a healthy node.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bl_test_node.h"

#define S_PROVIDERS 200
#define S_RESPONDENTS 500  /* per provider: 100,000 rows */
#define S_ROWS (S_PROVIDERS * S_RESPONDENTS)

static bl_test_node_t s_node;

static void s_setup(void)
{
    cr_assert_eq(bl_test_node_init(&s_node,
                                   "role: national\ncountry: \"NO\"\n",
                                   "  national: [country, service_type]\n",
                                   NULL),
                 0);
}

static void s_teardown(void)
{
    bl_test_node_stop(&s_node);
}

static long s_status_field(const char *daemon, const char *field)
{
    return bl_test_node_status(&s_node, daemon, field, 0);
}

static void s_kill_and_restart(const char *victim)
{
    cr_assert_eq(bl_test_node_write_data(&s_node, S_PROVIDERS,
                                         S_RESPONDENTS),
                 0);
    cr_assert_eq(bl_test_node_cli(&s_node, NULL, "up"), 0);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "submit --wait register.csv");
    cr_assert_eq(rc, 0, "register: %s", out);
    free(out);
    /* Submit in the background; kill the victim once rows flow past it. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd %s && %s/benchlearn -c %s submit survey.csv > submit.out "
             "2>&1 &",
             s_node.dir, bl_test_binary_dir(), s_node.config);
    cr_assert_eq(system(cmd), 0);
    long applied = 0;
    for (int i = 0; i < 600 && applied < S_ROWS / 4; i++) {
        bl_test_sleep_ms(50);
        applied = s_status_field("aggregate", "records_applied");
    }
    cr_assert_geq(applied, S_ROWS / 4, "rows did not flow: %ld", applied);
    int pid = bl_test_node_pid(&s_node, victim);
    cr_assert_gt(pid, 0);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    cr_assert(bl_test_wait_gone(pid, 10000), "%s survived SIGKILL", victim);
    cr_assert_eq(bl_test_node_cli(&s_node, NULL, "up"), 0,
                 "the killed daemon did not come back");
    long want = S_ROWS + S_PROVIDERS;
    for (int i = 0; i < 1200 && applied < want; i++) {
        bl_test_sleep_ms(100);
        applied = s_status_field("aggregate", "records_applied");
    }
    /* Judge once nothing is pending: then nothing can be resent. */
    cr_assert(bl_test_node_wait_quiet(&s_node, 60000), "the node never "
              "settled: %ld pending", bl_test_node_pending(&s_node));
    applied = s_status_field("aggregate", "records_applied");
    long stored = s_status_field("aggregate", "records_stored");
    cr_assert_eq(applied, want, "applied %ld records, want %ld", applied,
                 want);
    /* Stored records are the survey rows; the register is kept apart. */
    cr_assert_eq(stored, S_ROWS, "stored %ld records, want %d", stored,
                 S_ROWS);
    cr_assert_eq(s_status_field("ingest", "rows_stored"), want);
}

Test(e2e_delivery, validate_killed_midway_loses_and_repeats_nothing,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    s_kill_and_restart("validate");
}

Test(e2e_delivery, aggregate_killed_midway_loses_and_repeats_nothing,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    s_kill_and_restart("aggregate");
}

Test(e2e_delivery, up_status_down_show_five_healthy_daemons,
     .init = s_setup, .fini = s_teardown, .timeout = 60)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "up"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "status"), 0, "%s", out);
    int up = 0;
    for (char *p = out; (p = strstr(p, " up ")) != NULL; p++) {
        up++;
    }
    cr_assert_eq(up, 5, "status: %s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "down"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_pid(&s_node, "ingest"), 0,
                 "pid file left behind");
    cr_assert_neq(bl_test_node_cli(&s_node, &out, "status"), 0);
    cr_assert_not_null(strstr(out, "down"));
    free(out);
}
