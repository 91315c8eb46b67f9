/*
 * End to end: survey values of SPEC section 4 in `export --what values`.
 * A provider or unit with respondents in a survey but none who answered an
 * indicator's items gets a suppressed row with n 0; one whose respondents
 * answered gets its n.  A respondent re-sent in a later file replaces its
 * answers, and a file in no provider order counts as the same rows in
 * order.
 */
#include <criterion/criterion.h>
#include <stdint.h>
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

/* ---- a file in no provider order ---------------------------------------- */

/* A survey file whose rows are in no provider order (a survey tool's
 * export, in the order the answers came) is judged and counted as the
 * same rows in provider order.  The CLI gathers such rows by provider
 * before it sends them (bl_row_group.h); each row keeps its line, so the
 * listing names the same rows, in line order, a repeated respondent
 * names its first line, and the values are those of the file in order. */

#define S_PROVIDERS 100
#define S_RESPONDENTS 30
#define S_ROWS (S_PROVIDERS * S_RESPONDENTS + 2)

/* One survey row: a respondent of a provider; the repeat answers again
 * as respondent r7 of NO-0042, the bad row has an answer 'x'. */
typedef struct s_row {
    int p, r;
    enum { S_PLAIN, S_REPEAT, S_BAD } what;
} s_row_t;

/* Writes rows (in their order) as name with period; *first, *repeat and
 * *bad get the file lines of the row the repeat repeats, the repeat and
 * the bad row. */
static void s_write_rows(const char *name, int period, const s_row_t *rows,
                         uint64_t *first, uint64_t *repeat, uint64_t *bad)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_node.dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "provider_id,unit_id,period,survey,respondent_id,U1,U2,U3\n");
    for (size_t i = 0; i < S_ROWS; i++) {
        const s_row_t *q = &rows[i];
        uint64_t line = i + 2;
        if (q->what == S_BAD) {
            fprintf(f, "NO-%04d,,%d,user,r%d,x,1,1\n", q->p, period, q->r);
            *bad = line;
        } else if (q->what == S_REPEAT) {
            fprintf(f, "NO-%04d,,%d,user,r%d,5,5,5\n", q->p, period, q->r);
            *repeat = line;
        } else {
            if (q->p == 42 && q->r == 7) {
                *first = line;
            }
            fprintf(f, "NO-%04d,,%d,user,r%d,%d,%d,%d\n", q->p, period, q->r,
                    1 + q->r % 5, 1 + (q->r + q->p) % 5,
                    1 + (q->r * 7) % 5);
        }
    }
    cr_assert_eq(fclose(f), 0);
}

/* Submits name with --wait: its listing must name the bad row and the
 * repeat (which names the line it repeats), in line order, and the counts
 * must be those of every other row accepted. */
static void s_submit_listed(const char *name, uint64_t first,
                            uint64_t repeat, uint64_t bad)
{
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "submit --wait %s/%s",
                              s_node.dir, name);
    cr_assert_eq(rc, 1, "rows were rejected: %s", out);
    char want_bad[400], want_repeat[400], why[96];
    snprintf(want_bad, sizeof want_bad, "%s/%s:%lu: U1: ", s_node.dir, name,
             (unsigned long)bad);
    snprintf(want_repeat, sizeof want_repeat, "%s/%s:%lu: ", s_node.dir,
             name, (unsigned long)repeat);
    snprintf(why, sizeof why, "repeats the key of line %lu in this file",
             (unsigned long)first);
    const char *at_bad = strstr(out, want_bad);
    const char *at_repeat = strstr(out, want_repeat);
    cr_assert_not_null(at_bad, "no %s in\n%s", want_bad, out);
    cr_assert_not_null(at_repeat, "no %s in\n%s", want_repeat, out);
    const char *why_at = strstr(at_repeat, why);
    cr_assert(why_at != NULL && why_at < at_repeat + strcspn(at_repeat, "\n"),
              "line %lu does not say '%s':\n%s", (unsigned long)repeat, why,
              out);
    cr_expect((bad < repeat) == (at_bad < at_repeat),
              "the listing is not in line order:\n%s", out);
    char counts[96];
    snprintf(counts, sizeof counts, "%d accepted, 0 with warnings, "
             "2 rejected", S_ROWS - 2);
    cr_expect_not_null(strstr(out, counts), "%s", out);
    free(out);
}

/* The values of period, the period left out of each line, sorted. */
static char *s_values(int period)
{
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "export %d --what values",
                              period);
    cr_assert_eq(rc, 0, "%s", out);
    size_t n = 0, cap = 64;
    char **lines = malloc(cap * sizeof *lines);
    cr_assert_not_null(lines);
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%d,", period);
    for (char *save = NULL, *l = strtok_r(out, "\n", &save); l != NULL;
         l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, prefix, strlen(prefix)) != 0) {
            continue;   /* the header */
        }
        if (n == cap) {
            cap *= 2;
            lines = realloc(lines, cap * sizeof *lines);
            cr_assert_not_null(lines);
        }
        lines[n++] = l + strlen(prefix);
    }
    cr_assert_gt(n, S_PROVIDERS, "values of %d:\n%s", period, out);
    qsort(lines, n, sizeof *lines, (int (*)(const void *, const void *))
                                       strcmp);
    size_t len = 1;
    for (size_t i = 0; i < n; i++) {
        len += strlen(lines[i]) + 1;
    }
    char *all = malloc(len);
    cr_assert_not_null(all);
    all[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(strcat(all, lines[i]), "\n");
    }
    free(lines);
    free(out);
    return all;
}

Test(e2e_values, a_survey_in_no_provider_order_counts_as_the_same_in_order,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    cr_assert_eq(bl_test_node_write_data(&s_node, S_PROVIDERS, 0), 0);
    static s_row_t rows[S_ROWS];
    size_t n = 0;
    for (int p = 1; p <= S_PROVIDERS; p++) {
        for (int r = 0; r < S_RESPONDENTS; r++) {
            rows[n++] = (s_row_t){p, r, S_PLAIN};
            if (p == 42 && r == 7) {
                rows[n++] = (s_row_t){p, r, S_REPEAT};
            }
        }
        if (p == 13) {
            rows[n++] = (s_row_t){p, 99, S_BAD};
        }
    }
    cr_assert_eq(n, S_ROWS);
    uint64_t first, repeat, bad;
    s_write_rows("in-order.csv", 2024, rows, &first, &repeat, &bad);
    uint64_t first_in = first, repeat_in = repeat, bad_in = bad;
    /* The same rows shuffled (a fixed permutation), the repeat after the
     * row it repeats, both past the rows the CLI sends before it sees
     * that the runs are short. */
    uint64_t x = 12345;
    for (size_t i = S_ROWS - 1; i > 0; i--) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        size_t j = (size_t)((x >> 33) % (i + 1));
        s_row_t t = rows[i];
        rows[i] = rows[j];
        rows[j] = t;
    }
    size_t at_first = 0, at_repeat = 0;
    for (size_t i = 0; i < S_ROWS; i++) {
        if (rows[i].p == 42 && rows[i].r == 7) {
            *(rows[i].what == S_REPEAT ? &at_repeat : &at_first) = i;
        }
    }
    s_row_t t = rows[at_first];
    rows[at_first] = rows[2000];
    rows[2000] = t;
    at_repeat = at_repeat == 2000 ? at_first : at_repeat;
    t = rows[at_repeat];
    rows[at_repeat] = rows[2500];
    rows[2500] = t;
    s_write_rows("shuffled.csv", 2025, rows, &first, &repeat, &bad);
    cr_assert_eq(first, 2002);
    cr_assert_eq(repeat, 2502);

    cr_assert_eq(bl_test_node_cli(&s_node, NULL, "up --workers "
                                  "validate=2,aggregate=2"),
                 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "submit --wait %s/"
                                  "register.csv", s_node.dir),
                 0, "%s", out);
    free(out);
    s_submit_listed("in-order.csv", first_in, repeat_in, bad_in);
    s_submit_listed("shuffled.csv", first, repeat, bad);
    cr_assert_eq(bl_test_node_status(&s_node, "aggregate", "records_stored",
                                     1),
                 2 * (S_ROWS - 2), "each accepted respondent stored once");
    cr_assert_eq(bl_test_node_cli(&s_node, NULL, "close 2024"), 0);
    cr_assert_eq(bl_test_node_cli(&s_node, NULL, "close 2025"), 0);
    char *in_order = s_values(2024), *shuffled = s_values(2025);
    cr_expect_str_eq(shuffled, in_order);
    free(in_order);
    free(shuffled);
}
