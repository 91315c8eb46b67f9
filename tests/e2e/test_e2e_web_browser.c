/*
 * The web portal in a real browser: a node with bl-web is started by
 * `benchlearn up`, the register and the other providers' survey answers
 * are sent with `benchlearn submit`, a coordinator account is made with
 * `benchlearn user add`, and tests/browser/web_flow.py drives headless
 * Chromium through the portal (the coordinator makes the provider's login,
 * the provider's first log-in and own password, a file with bad rows and
 * its errors on the page, the corrected file, the coordinator's count and
 * close, the report in the page and its PDF downloaded).
 *
 * Without chromium, chromium-driver or python3-selenium the test fails and
 * says what to install; BL_SKIP_BROWSER=1 skips it instead.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl_test_node.h"

static bl_test_node_t s_node;

static void s_setup(void)
{
    cr_assert_eq(bl_test_node_init(&s_node, "role: national\ncountry: NO\n",
                                   "  national: [country]\n",
                                   "web:\n  listen: 127.0.0.1:0\n"),
                 0);
}

static void s_teardown(void)
{
    bl_test_node_stop(&s_node);
}

static void s_need_browser(void)
{
    if (access("/usr/bin/chromedriver", X_OK) == 0 &&
        bl_test_sh("/usr/bin/python3 -c 'import selenium' 2>/dev/null") ==
            0) {
        return;
    }
    const char *skip = getenv("BL_SKIP_BROWSER");
    if (skip != NULL && strcmp(skip, "1") == 0) {
        cr_skip_test("BL_SKIP_BROWSER=1: not testing in a browser");
    }
    cr_assert_fail("chromium-driver or python3-selenium not found: "
                   "apt-get install chromium chromium-driver "
                   "python3-selenium (CI does), or set BL_SKIP_BROWSER=1");
}

Test(web_browser, provider_uploads_fixes_and_reads_its_report,
     .init = s_setup, .fini = s_teardown, .timeout = 900)
{
    s_need_browser();
    const char *d = s_node.dir;
    cr_assert_eq(bl_test_node_write_data(&s_node, 6, 6), 0);
    /* NO-0001's answers are the provider's to send; the rest go now. */
    cr_assert_eq(bl_test_sh("cd %s && head -1 survey.csv > good.csv && "
                            "cp good.csv others.csv && "
                            "grep '^NO-0001,' survey.csv >> good.csv && "
                            "grep -v '^NO-0001,' survey.csv | tail -n +2 "
                            ">> others.csv", d),
                 0);
    /* Line 3 is another provider's row, line 4 an answer out of range. */
    cr_assert_eq(bl_test_sh("cd %s && head -2 good.csv > bad.csv && "
                            "echo 'NO-0002,,2025,user,x1,1,2,3' >> bad.csv "
                            "&& echo 'NO-0001,,2025,user,x2,9,2,3' >> "
                            "bad.csv", d),
                 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "up"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "submit --wait "
                                  "register.csv others.csv"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_sh("cd %s && echo coordinator-secret > pwc", d), 0);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "user add boss "
                                  "--coordinator --password-file pwc"), 0,
                 "%s", out);
    free(out);
    char path[512], url[128] = "";
    snprintf(path, sizeof path, "%s/var/run/web.addr", d);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(url, sizeof url, f));
    fclose(f);
    url[strcspn(url, "\n")] = '\0';
    int rc = bl_test_sh("/usr/bin/python3 %s/tests/browser/web_flow.py %s %s "
                        "NO-0001 p1 provider-one-secret boss "
                        "coordinator-secret > %s/flow.log 2>&1",
                        bl_test_source_dir(), url, d, d);
    if (rc != 0) {
        bl_test_sh("cat %s/flow.log >&2; tail -20 %s/var/log/web.log >&2",
                   d, d);
    }
    cr_assert_eq(rc, 0, "web_flow.py failed (its output is above)");
    /* Nothing went wrong on the portal's side. */
    cr_assert_neq(bl_test_sh("grep -q ' E ' %s/var/log/web.log", d), 0,
                  "bl-web logged an error");
}
