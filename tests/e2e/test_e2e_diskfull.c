/*
 * End to end: a node whose data folder is a small tmpfs fills up during a
 * survey submission.  Every daemon must still be the same process, the
 * submitter must get "node out of disk space in ..." (exit 2) at once,
 * status and exports must still be answered, and each daemon's log must
 * say so once.  After the tmpfs is enlarged the same submission goes
 * through without `benchlearn up`, and after the close the exports equal
 * those of a node that never ran out.
 *
 * Mounting needs root (CI runs as root); elsewhere the test is skipped
 * with a message.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl_test_node.h"

#define S_PROVIDERS 100
#define S_RESPONDENTS 1000       /* 100,000 rows: ingestion alone keeps
                                    about 10 MB of them */
/* The tmpfs at first: five stores preallocate about 4 MB each, so about
 * 12 MB are free, 4 MB above the reserve.  Ingestion alone runs out during
 * the survey whatever the pace of the later stages. */
#define S_SMALL "32m"
#define S_LARGE "400m"           /* after it is enlarged */
#define S_RESERVE "disk_reserve_mb: 8\n"

static const char *const s_daemons[] = {"ingest", "validate", "aggregate",
                                        "benchmark", "report"};

static bl_test_node_t s_full;    /* the node that runs out */
static bl_test_node_t s_calm;    /* the node that never does */
static int s_mounted;

static void s_setup(void)
{
    cr_assert_eq(bl_test_node_init(&s_full,
                                   "role: national\ncountry: \"NO\"\n",
                                   "  national: [country, service_type]\n",
                                   S_RESERVE),
                 0);
    cr_assert_eq(bl_test_node_init(&s_calm,
                                   "role: national\ncountry: \"NO\"\n",
                                   "  national: [country, service_type]\n",
                                   S_RESERVE),
                 0);
}

static void s_teardown(void)
{
    bl_test_node_cli(&s_full, NULL, "down");
    if (s_mounted) {
        bl_test_sh("umount %s/var", s_full.dir);
        s_mounted = 0;
    }
    bl_test_node_stop(&s_full);
    bl_test_node_stop(&s_calm);
}

/* Submits the register and the survey, closes 2025 and returns the
 * exports of values and statistics, concatenated (malloc'd). */
static char *s_exports(const bl_test_node_t *n)
{
    char *values = NULL, *stats = NULL;
    cr_assert_eq(bl_test_node_cli(n, &values, "export 2025 --what values"),
                 0, "%s", values);
    cr_assert_eq(bl_test_node_cli(n, &stats, "export 2025 --what stats"), 0,
                 "%s", stats);
    size_t len = strlen(values) + strlen(stats) + 1;
    char *all = malloc(len);
    cr_assert_not_null(all);
    snprintf(all, len, "%s%s", values, stats);
    free(values);
    free(stats);
    return all;
}

static void s_close(const bl_test_node_t *n)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(n, &out, "close 2025"), 0, "%s", out);
    free(out);
}

/* Lines of the daemon's log that contain needle. */
static int s_log_count(const bl_test_node_t *n, const char *daemon,
                       const char *needle)
{
    char path[512];
    snprintf(path, sizeof path, "%s/var/log/%s.log", n->dir, daemon);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no log %s", path);
    char line[8192];
    int count = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        count += strstr(line, needle) != NULL;
    }
    fclose(f);
    return count;
}

Test(e2e_diskfull, full_disk_refuses_work_and_resumes_without_restart,
     .init = s_setup, .fini = s_teardown, .timeout = 600)
{
    if (geteuid() != 0) {
        cr_skip_test("mounting a small tmpfs needs root (CI runs as root)");
    }
    cr_assert_eq(bl_test_sh("mkdir -p %s/var", s_full.dir), 0);
    if (bl_test_sh("mount -t tmpfs -o size=%s tmpfs %s/var 2>/dev/null",
                   S_SMALL, s_full.dir) != 0) {
        cr_skip_test("cannot mount a tmpfs here (a container without "
                     "CAP_SYS_ADMIN?)");
    }
    s_mounted = 1;

    /* The node that never runs out: the figures to compare with. */
    cr_assert_eq(bl_test_node_write_data(&s_calm, S_PROVIDERS,
                                         S_RESPONDENTS),
                 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_calm, &out, "up"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_calm, &out, "submit --wait register.csv "
                                  "survey.csv"),
                 0, "%s", out);
    free(out);
    s_close(&s_calm);
    char *want = s_exports(&s_calm);
    bl_test_node_cli(&s_calm, NULL, "down");

    /* The node on the small tmpfs. */
    cr_assert_eq(bl_test_node_write_data(&s_full, S_PROVIDERS,
                                         S_RESPONDENTS),
                 0);
    cr_assert_eq(bl_test_node_cli(&s_full, &out, "up"), 0, "%s", out);
    free(out);
    int pids[5];
    for (int i = 0; i < 5; i++) {
        pids[i] = bl_test_node_pid(&s_full, s_daemons[i]);
        cr_assert_gt(pids[i], 0, "%s has no pid", s_daemons[i]);
    }
    cr_assert_eq(bl_test_node_cli(&s_full, &out, "submit --wait "
                                  "register.csv"),
                 0, "%s", out);
    free(out);
    int rc = bl_test_node_cli(&s_full, &out, "submit survey.csv");
    cr_assert_eq(rc, 2, "the submission did not fail with 2: %s", out);
    cr_assert_not_null(strstr(out, "benchlearn: node out of disk space in "),
                       "%s", out);
    cr_assert_not_null(strstr(out, " MB reserve)"), "%s", out);
    free(out);

    /* Nobody died; health and exports are answered while the disk is
     * full, and status names the full store. */
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(bl_test_node_pid(&s_full, s_daemons[i]), pids[i],
                     "%s is not the same process", s_daemons[i]);
        cr_assert_eq(kill(pids[i], 0), 0, "%s is gone", s_daemons[i]);
    }
    rc = bl_test_node_cli(&s_full, &out, "status");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_not_null(strstr(out, "ingest "), "%s", out);
    cr_assert_not_null(strstr(out, "disk=\"node out of disk space in "),
                       "%s", out);
    free(out);
    rc = bl_test_node_cli(&s_full, &out, "export 2025 --what values");
    cr_assert_eq(rc, 0, "export while full: %s", out);
    cr_assert_not_null(strstr(out, "period,provider_id"), "%s", out);
    free(out);
    /* Each daemon looks at its disk once a second: give them time.  The
     * state change is logged once ("... refused until space is freed");
     * a write that met the full disk may also name it in its own line. */
    for (int i = 0; i < 5; i++) {
        int logged = 0;
        for (int t = 0; t < 100 && logged == 0; t++) {
            logged = s_log_count(&s_full, s_daemons[i],
                                 "new work is refused until space is freed");
            if (logged == 0) {
                bl_test_sleep_ms(100);
            }
        }
        cr_assert_eq(logged, 1, "%s logged the full disk %d times, not once",
                     s_daemons[i], logged);
    }

    /* Space comes back: the same submission goes through, no `up`. */
    cr_assert_eq(bl_test_sh("mount -o remount,size=%s %s/var", S_LARGE,
                            s_full.dir),
                 0);
    cr_assert_eq(bl_test_node_cli(&s_full, &out, "submit --wait survey.csv"),
                 0, "%s", out);
    free(out);
    s_close(&s_full);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(bl_test_node_pid(&s_full, s_daemons[i]), pids[i],
                     "%s is not the same process", s_daemons[i]);
    }
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(s_log_count(&s_full, s_daemons[i],
                                 "disk space is back in"),
                     1, "%s did not log once that space is back",
                     s_daemons[i]);
    }
    char *got = s_exports(&s_full);
    cr_assert_str_eq(got, want);
    free(got);
    free(want);
}
