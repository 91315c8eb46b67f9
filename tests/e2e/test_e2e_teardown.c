/*
 * The end-to-end teardown is an oracle too: a daemon that crashes (a
 * signal other than SIGKILL) or logs an unexpected error line fails the
 * test, a declared error does not, and a clean node passes.  A real node
 * from the build directory, stopped with bl_test_node_stop_check.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_test_node.h"

static bl_test_node_t s_node;

static void s_up(void)
{
    cr_assert_eq(bl_test_node_init(&s_node, "role: national\n"
                                   "country: \"NO\"\n",
                                   "  national: [service_type]\n", NULL),
                 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "up"), 0, "%s", out);
    free(out);
}

static void s_log(const char *daemon, const char *line)
{
    char path[512];
    snprintf(path, sizeof path, "%s/var/log/%s.log", s_node.dir, daemon);
    FILE *f = fopen(path, "a");
    cr_assert_not_null(f, "%s", path);
    fprintf(f, "%s\n", line);
    fclose(f);
}

Test(e2e_teardown, a_clean_node_passes, .timeout = 120)
{
    s_up();
    char why[4096];
    cr_assert_eq(bl_test_node_stop_check(&s_node, why, sizeof why), 0, "%s",
                 why);
}

Test(e2e_teardown, a_crashed_daemon_fails_the_test, .timeout = 120)
{
    s_up();
    int pid = bl_test_node_pid(&s_node, "aggregate");
    cr_assert_gt(pid, 0);
    cr_assert_eq(kill(pid, SIGSEGV), 0);
    cr_assert(bl_test_wait_gone(pid, 10000), "aggregate survived SIGSEGV");
    char why[4096];
    size_t n = bl_test_node_stop_check(&s_node, why, sizeof why);
    cr_assert_geq(n, 1, "no problem found");
    cr_assert_not_null(strstr(why, "aggregate"), "%s", why);
    /* Under AddressSanitizer the crash is caught and exits with 1. */
    cr_assert(strstr(why, "signal 11") != NULL ||
              strstr(why, "exited with status") != NULL, "%s", why);
}

Test(e2e_teardown, an_unexpected_error_line_fails_the_test, .timeout = 120)
{
    s_up();
    s_log("ingest", "2026-01-31T12:00:00.123Z ingest[1] E store broke");
    s_log("ingest", "2026-01-31T12:00:00.124Z ingest[1] W only a warning");
    s_log("validate", "2026-01-31T12:00:00.125Z validate[1] E bad peer x");
    bl_test_node_expect_error(&s_node, "bad peer");
    char why[4096];
    size_t n = bl_test_node_stop_check(&s_node, why, sizeof why);
    cr_assert_eq(n, 1, "one problem expected, found %zu: %s", n, why);
    cr_assert_not_null(strstr(why, "ingest.log:"), "%s", why);
    cr_assert_not_null(strstr(why, "store broke"), "%s", why);
}

/* `up` names a daemon that did not start with the end of its log, so the
 * reason is on the screen: here aggregation's store is a file. */
Test(e2e_teardown, a_daemon_that_cannot_start_is_named_with_its_reason,
     .timeout = 120)
{
    cr_assert_eq(bl_test_node_init(&s_node, "role: national\n"
                                   "country: \"NO\"\n",
                                   "  national: [service_type]\n", NULL),
                 0);
    cr_assert_eq(bl_test_sh("mkdir -p %s/var && echo x > %s/var/aggregate",
                            s_node.dir, s_node.dir),
                 0);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "up");
    cr_assert_neq(rc, 0, "%s", out);
    cr_assert_not_null(strstr(out, "aggregate did not start ("), "%s", out);
    cr_assert_not_null(strstr(out, "  aggregate: "), "%s", out);
    cr_assert_not_null(strstr(out, "cannot open store"), "%s", out);
    free(out);
    char why[4096];
    bl_test_node_stop_check(&s_node, why, sizeof why);
    cr_assert_not_null(strstr(why, "cannot open store"), "%s", why);
}
