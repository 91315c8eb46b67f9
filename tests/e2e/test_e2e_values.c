/*
 * End to end: survey values of SPEC section 4 in `export --what values`.
 * A provider or unit with respondents in a survey but none who answered an
 * indicator's items gets a suppressed row with n 0; one whose respondents
 * answered gets its n.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_test_node.h"

static bl_test_node_t s_node;

static void s_setup(void)
{
    cr_assert_eq(bl_test_node_init(&s_node, "role: national\ncountry: "
                                   "\"NO\"\n",
                                   "  national: [country, service_type]\n",
                                   NULL),
                 0);
}

static void s_teardown(void)
{
    bl_test_node_stop(&s_node);
}

static void s_write(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_node.dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

/* The register: one provider, NO-0001. */
static void s_write_register(void)
{
    s_write("register.csv",
            "provider_id,name,country,service_type,users,staff,membership,"
            "member_since\n"
            "NO-0001,One,NO,residential_care,50,20,assurance,2020-01-01\n");
}

/* Runs the CLI command cmd on the node; it must succeed. */
static void s_run(const char *cmd)
{
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "%s", cmd);
    cr_assert_eq(rc, 0, "%s: %s", cmd, out);
    free(out);
}

Test(e2e_values, respondents_without_answers_give_suppressed_n_0_rows,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    s_write_register();
    /* Six respondents of the whole provider answer U1-U3; six of unit
     * "north" answer U1 only.  Nobody answers U4. */
    char survey[4096];
    size_t used = (size_t)snprintf(survey, sizeof survey,
                                   "provider_id,unit_id,period,survey,"
                                   "respondent_id,U1,U2,U3,U4\n");
    for (int r = 0; r < 6; r++) {
        used += (size_t)snprintf(survey + used, sizeof survey - used,
                                 "NO-0001,,2023,user,p%d,4,5,3,\n"
                                 "NO-0001,north,2023,user,n%d,%d,,,\n", r,
                                 r, 1 + r % 5);
    }
    s_write("survey.csv", survey);
    s_run("up");
    s_run("submit --wait register.csv survey.csv");
    s_run("close 2023");
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "export 2023 --what values");
    cr_assert_eq(rc, 0, "%s", out);
    /* RIG-03 is U3, ETH-01 U2, RES-01 U1, PTC-01 U4. */
    static const char *const want[] = {
        "\n2023,NO-0001,north,RIG-03,,,,0,suppressed\n",
        "\n2023,NO-0001,north,ETH-01,,,,0,suppressed\n",
        "\n2023,NO-0001,north,PTC-01,,,,0,suppressed\n",
        "\n2023,NO-0001,,PTC-01,,,,0,suppressed\n",
        ",,,12,ok\n",       /* the provider's RES-01: all 12 answered U1 */
        ",,,6,ok\n",        /* north's RES-01, and the provider's RIG-03 */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cr_assert_not_null(strstr(out, want[i]), "missing %s in\n%s",
                           want[i], out);
    }
    cr_assert_not_null(strstr(out, "\n2023,NO-0001,north,RES-01,"), "%s",
                       out);
    cr_assert_not_null(strstr(out, "\n2023,NO-0001,,RIG-03,"), "%s", out);
    free(out);
}

/* The line of out that starts with prefix (after a newline), copied into
 * line (without its newline). */
static void s_line(const char *out, const char *prefix, char *line,
                   size_t size)
{
    const char *at = strstr(out, prefix);
    cr_assert_not_null(at, "no %s in\n%s", prefix, out);
    at++;
    size_t l = strcspn(at, "\n");
    cr_assert_lt(l, size);
    memcpy(line, at, l);
    line[l] = '\0';
}

/* SPEC section 2: a respondent re-sent in a later submission replaces
 * the earlier answers.  The first file: p0-p5 answer U3 with 4; the
 * second: p0 again with 1, and p6 with 5.  RIG-03 (U3 >= 4): 6 of 7
 * respondents, not 7 of 8. */
Test(e2e_values, a_respondent_re_sent_in_a_later_file_replaces_its_answers,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    s_write_register();
    char survey[2048];
    size_t used = (size_t)snprintf(survey, sizeof survey,
                                   "provider_id,unit_id,period,survey,"
                                   "respondent_id,U3\n");
    for (int r = 0; r < 6; r++) {
        used += (size_t)snprintf(survey + used, sizeof survey - used,
                                 "NO-0001,,2023,user,p%d,4\n", r);
    }
    s_write("survey-1.csv", survey);
    s_write("survey-2.csv", "provider_id,unit_id,period,survey,"
                            "respondent_id,U3\n"
                            "NO-0001,,2023,user,p0,1\n"
                            "NO-0001,,2023,user,p6,5\n");
    s_run("up");
    s_run("submit --wait register.csv survey-1.csv");
    s_run("submit --wait survey-2.csv");
    cr_assert_eq(bl_test_node_status(&s_node, "aggregate", "records_stored",
                                     0),
                 7, "p0 is stored once");
    s_run("close 2023");
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "export 2023 --what values");
    cr_assert_eq(rc, 0, "%s", out);
    char line[256];
    s_line(out, "\n2023,NO-0001,,RIG-03,", line, sizeof line);
    cr_expect_str_eq(line, "2023,NO-0001,,RIG-03,85.71428571,,,7,ok");
    free(out);
}
