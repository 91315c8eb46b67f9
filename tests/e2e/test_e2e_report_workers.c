/*
 * End to end with several report workers: a node with three of them
 * renders, at a close, the very same HTML, CSV and JSON files and summary
 * as a node with one (each worker renders its share of the providers into
 * the same folder), `close` waits for all three, and `benchlearn report`
 * still renders any provider's PDF.
 *
 * The data is bl_test_node_write_data's: 24 residential-care providers in
 * NO with user-survey rows for 2025.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl_test_node.h"

#define S_ROLE "role: national\ncountry: \"NO\"\n"
#define S_GROUPS "  national: [country, service_type]\n"
#define S_PROVIDERS 24

static char s_saved[] = "/tmp/bl-report-workers.XXXXXX";

static void s_setup(void)
{
    cr_assert_not_null(mkdtemp(s_saved));
}

static void s_teardown(void)
{
    bl_test_sh("rm -rf %s", s_saved);
}

/* Runs a node with `workers` report workers through submit and close
 * 2025, and copies its reports folder of 2025 to s_saved/name. */
static void s_run(int workers, const char *name)
{
    bl_test_node_t n;
    cr_assert_eq(bl_test_node_init(&n, S_ROLE, S_GROUPS, NULL), 0);
    cr_assert_eq(bl_test_node_write_data(&n, S_PROVIDERS, 6), 0);
    char *out = NULL;
    int rc = bl_test_node_cli(&n, &out, "up --workers report=%d", workers);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    for (int k = 1; workers > 1 && k <= workers; k++) {
        char name_k[32];
        snprintf(name_k, sizeof name_k, "report.%d", k);
        cr_assert_gt(bl_test_node_pid(&n, name_k), 0, "%s is not running",
                     name_k);
    }
    rc = bl_test_node_cli(&n, &out, "submit --wait register.csv survey.csv");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    rc = bl_test_node_cli(&n, &out, "close 2025");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_not_null(strstr(out, "reports in"), "%s", out);
    free(out);
    /* Every worker holds every result: any provider's PDF on request. */
    rc = bl_test_node_cli(&n, &out,
                          "report 2025 --provider NO-0007 --format pdf");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_not_null(strstr(out, "1 pdf file in"), "%s", out);
    free(out);
    /* Each worker wrote its share: worker 1's log counts fewer files than
     * the whole period's (3 per provider and the summary). */
    if (workers > 1) {
        cr_assert_eq(bl_test_sh("grep -h 'rendered period=2025 ' "
                                "%s/var/log/report.1.log | grep -vq "
                                "'files=%d '",
                                n.dir, 3 * S_PROVIDERS + 1),
                     0, "worker 1 rendered every report alone");
    }
    cr_assert_eq(bl_test_sh("cp -r %s/var/reports/2025 %s/%s && "
                            "rm -f %s/%s/*.pdf",
                            n.dir, s_saved, name, s_saved, name),
                 0);
    bl_test_node_stop(&n);
}

Test(e2e_report_workers, three_report_workers_write_the_files_of_one,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    s_run(1, "one");
    s_run(3, "three");
    /* Every provider's HTML, CSV and JSON and the summary ... */
    for (int p = 1; p <= S_PROVIDERS; p++) {
        static const char *const exts[] = {"html", "csv", "json"};
        for (int i = 0; i < 3; i++) {
            char path[512];
            snprintf(path, sizeof path, "%s/three/NO-%04d.%s", s_saved, p,
                     exts[i]);
            cr_assert_eq(access(path, R_OK), 0, "missing %s", path);
        }
    }
    char path[512];
    snprintf(path, sizeof path, "%s/three/summary.html", s_saved);
    cr_assert_eq(access(path, R_OK), 0, "missing %s", path);
    /* ... byte for byte those of one worker, and no other file. */
    cr_assert_eq(bl_test_sh("diff -r %s/one %s/three >&2", s_saved,
                            s_saved),
                 0, "three report workers wrote other files than one");
    cr_assert_eq(bl_test_sh("test \"$(ls %s/three | wc -l)\" -eq %d",
                            s_saved, 3 * S_PROVIDERS + 1),
                 0);
}
