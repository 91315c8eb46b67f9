/*
 * End to end: a survey file whose rows are in no provider order (a survey
 * tool's export, in the order the answers came) is judged and counted as
 * the same rows in provider order.  The CLI gathers such rows by provider
 * before it sends them (bl_row_group.h); each row keeps its line, so the
 * listing names the same rows, in line order, a repeated respondent
 * names its first line, and the values are those of the file in order.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_test_node.h"

#define S_PROVIDERS 100
#define S_RESPONDENTS 30
#define S_ROWS (S_PROVIDERS * S_RESPONDENTS + 2)

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

/* One survey row: a respondent of a provider; the repeat answers again
 * as respondent r7 of NO-0042, the bad row has an answer 'x'. */
typedef struct s_row {
    int p, r;
    enum { S_PLAIN, S_REPEAT, S_BAD } what;
} s_row_t;

/* Writes rows (in their order) as name with period; *first, *repeat and
 * *bad get the file lines of the row the repeat repeats, the repeat and
 * the bad row. */
static void s_write(const char *name, int period, const s_row_t *rows,
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
static void s_submit(const char *name, uint64_t first, uint64_t repeat,
                     uint64_t bad)
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

Test(e2e_order, a_survey_in_no_provider_order_counts_as_the_same_in_order,
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
    s_write("in-order.csv", 2024, rows, &first, &repeat, &bad);
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
    s_write("shuffled.csv", 2025, rows, &first, &repeat, &bad);
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
    s_submit("in-order.csv", first_in, repeat_in, bad_in);
    s_submit("shuffled.csv", first, repeat, bad);
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
