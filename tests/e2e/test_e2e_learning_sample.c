/*
 * End to end: the learning cycle of SPEC section 10 on the sample data
 * (bl-gen-sample with 25 providers per country: the sample's shapes, a
 * shorter close), in the order of deploy/sample.sh: each period's figures,
 * its close, then its improvement actions and practices.  Every 2024
 * action is exported with its 2025 follow-up, and `export --what
 * learning-needs` of both periods equals the independent computation of
 * tests/tools/check_learning.py from the positions export.  The hand-made
 * cases (thresholds, band 1 to band 3, warnings) are in
 * test_e2e_learning.c.  Its own file: a sample cycle takes minutes on a
 * loaded machine.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_test_node.h"

static bl_test_node_t s_node;

static void s_teardown(void)
{
    bl_test_node_stop(&s_node);
}

static char *s_read(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_node.dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = calloc(1, (size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        buf[0] = '\0';
    }
    fclose(f);
    return buf;
}

/* Runs benchlearn; asserts the exit status; returns the output. */
static char *s_cli(int want, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *s_cli(int want, const char *fmt, ...)
{
    char args[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "%s", args);
    cr_assert_not_null(out, "no output from benchlearn %s", args);
    cr_assert_eq(rc, want, "benchlearn %s: exit %d, not %d:\n%s", args, rc,
                 want, out);
    return out;
}

/* Waits until `export PERIOD --what actions` has n data rows (the actions
 * reach the benchmark daemon after validation answers); returns it. */
static char *s_actions_export(int period, long n)
{
    for (int tries = 0; tries < 600; tries++) {
        char *out = s_cli(0, "export %d --what actions", period);
        long lines = 0;
        for (const char *c = out; *c; c++) {
            lines += *c == '\n';
        }
        if (lines - 1 >= n) {
            return out;
        }
        free(out);
        bl_test_sleep_ms(100);
    }
    cr_assert_fail("the actions never reached the export");
    return NULL;
}

/* ---- the sample data ---------------------------------------------------- */

/* Counts the data rows of a CSV export (lines after the header). */
static long s_data_rows(const char *text)
{
    long n = -1;
    for (const char *c = text; *c; c++) {
        n += *c == '\n';
    }
    return n;
}

/* Runs check_learning.py on the period's exports in the node directory. */
static void s_check_needs(int period)
{
    free(s_cli(0, "export %d --what learning-needs -o needs-%d.csv", period,
               period));
    free(s_cli(0, "export %d --what positions -o positions-%d.csv", period,
               period));
    int rc = bl_test_sh("python3 %s/tests/tools/check_learning.py "
                        "--positions %s/positions-%d.csv --register "
                        "%s/data/register.csv --catalogue "
                        "%s/config/catalogue.yaml --period %d --compare "
                        "%s/needs-%d.csv > %s/check-%d.out 2>&1",
                        bl_test_source_dir(), s_node.dir, period, s_node.dir,
                        bl_test_source_dir(), period, s_node.dir, period,
                        s_node.dir, period);
    char name[64];
    snprintf(name, sizeof name, "check-%d.out", period);
    char *check = s_read(name);
    cr_expect_eq(rc, 0, "check_learning %d: %s", period, check ? check : "");
    cr_expect_not_null(check ? strstr(check, " 0 mismatches") : NULL, "%s",
                       check ? check : "");
    free(check);
    snprintf(name, sizeof name, "needs-%d.csv", period);
    char *needs = s_read(name);
    cr_assert_not_null(needs);
    /* Every country shows up, and the sample has events of both kinds. */
    cr_expect_gt(s_data_rows(needs), 50, "%s", needs);
    cr_expect_not_null(strstr(needs, ",international\n"), "%s", needs);
    cr_expect_not_null(strstr(needs, ",LT,"), "%s", needs);
    free(needs);
}

static void s_node_sample(void)
{
    memset(&s_node, 0, sizeof s_node);
    cr_assert_eq(bl_test_node_init(&s_node, "role: international\n",
                                   "  national: [country, service_type]\n"
                                   "  international: [service_type]\n",
                                   NULL),
                 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "up"), 0, "%s", out);
    free(out);
}

/* The cycle of deploy/sample.sh: each period's figures, its close, then
 * its actions and practices. */
Test(learning_sample, cycle_learning_needs_match_independent_computation,
     .init = s_node_sample, .fini = s_teardown, .timeout = 600)
{
    /* 25 providers per country (the sample has 44): the same shapes, a
     * shorter close. */
    cr_assert_eq(bl_test_sh("%s/bl-gen-sample --providers 25 -o %s/data "
                            "> %s/gen.out",
                            bl_test_binary_dir(), s_node.dir, s_node.dir),
                 0);
    char *gen = s_read("gen.out");
    cr_assert_not_null(gen);
    long actions = 0;
    for (const char *l = strstr(gen, "actions-"); l != NULL;
         l = strstr(l + 1, "actions-")) {
        actions += atol(strchr(l, ' ') + 1);
    }
    free(gen);
    cr_assert_gt(actions, 50);
    for (int period = 2024; period <= 2025; period++) {
        free(s_cli(0, "submit --wait data/register.csv "
                      "data/indicators-*-%d.csv data/survey-*-%d.csv",
                   period, period));
        free(s_cli(0, "close %d", period));
        char *out = s_cli(0, "submit --wait %s data/practices-*-%d.csv",
                          period == 2024 ? "data/actions-*-2024.csv" : "",
                          period);
        cr_expect_null(strstr(out, "rejected\n") &&
                               !strstr(out, " 0 rejected\n")
                           ? out
                           : NULL,
                       "%s", out);
        free(out);
    }
    /* Every 2024 action is exported, most with their 2025 follow-up. */
    char *exp = s_actions_export(2024, actions);
    cr_expect_eq(s_data_rows(exp), actions, "%s", exp);
    long followed = 0;
    for (const char *l = strchr(exp, '\n'); l != NULL && l[1] != '\0';
         l = strchr(l + 1, '\n')) {
        const char *end = strchr(l + 1, '\n');
        followed += end != NULL && end[-1] != ',';
    }
    cr_expect_gt(followed * 2, actions, "%ld of %ld followed up:\n%s",
                 followed, actions, exp);
    free(exp);
    s_check_needs(2024);
    s_check_needs(2025);
}
