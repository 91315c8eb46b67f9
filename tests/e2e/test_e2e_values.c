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

Test(e2e_values, respondents_without_answers_give_suppressed_n_0_rows,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    s_write("register.csv",
            "provider_id,name,country,service_type,users,staff,membership,"
            "member_since\n"
            "NO-0001,One,NO,residential_care,50,20,assurance,2020-01-01\n");
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
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "up"), 0, "%s", out);
    free(out);
    int rc = bl_test_node_cli(&s_node, &out,
                              "submit --wait register.csv survey.csv");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    rc = bl_test_node_cli(&s_node, &out, "close 2023");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    rc = bl_test_node_cli(&s_node, &out, "export 2023 --what values");
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
