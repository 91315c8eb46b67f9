/*
 * End-to-end test of validation: every row of every submission gets an
 * outcome.  Each fixture of tests/data/validation goes to a fresh national
 * NO node (the settings of tests/data/validation/node.yaml) after
 * register.csv, through `benchlearn submit --wait`, and the output must
 * hold exactly the outcomes MANIFEST.tsv lists for it: each listed problem
 * at its file:line, with its field, its reason and its kind (error or
 * warning), no problem that is not listed, and the accepted / with
 * warnings / rejected counts those imply (every row not listed is accepted
 * without warnings).  `benchlearn check` must then list every row.  Also:
 * a dry run reports the same and stores nothing; a store of an earlier
 * release (values keyed by indicator first) is moved when validation
 * opens.
 *
 * It does not test the reading rules one by one (tests/unit/test_bl_csv.c
 * does) nor aggregation of the stored rows; the number of rows per fixture
 * is written down here, not counted with the reader under test.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_page.h"
#include "bl_scan.h"
#include "bl_store.h"
#include "bl_test_node.h"

#define S_EXPECT_MAX 64
#define S_PROBLEM_MAX 128

/* The node of tests/data/validation (node.yaml there). */
#define S_ROLE BL_TEST_VALIDATION_ROLE
#define S_GROUPS BL_TEST_VALIDATION_GROUPS
#define S_EXTRA BL_TEST_VALIDATION_EXTRA

/* One MANIFEST line. */
typedef struct s_expect {
    char file[64];
    char outcome[16];          /* rejected, warning, file_rejected */
    int line;
    char field[64];            /* "-": not checked */
    char reason[128];
} s_expect_t;

/* One `FILE:LINE: FIELD: [warning: ]REASON` line of the output. */
typedef struct s_problem {
    int line;
    char field[64];
    bool warning;
    char reason[512];
} s_problem_t;

static bl_test_node_t s_node;

/* ---- helpers ------------------------------------------------------------ */

static void s_setup(void)
{
    memset(&s_node, 0, sizeof s_node);
    cr_assert_eq(bl_test_node_init(&s_node, S_ROLE, S_GROUPS, S_EXTRA), 0,
                 "cannot make the node's directory");
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "up");
    cr_assert_eq(rc, 0, "benchlearn up failed:\n%s", out ? out : "");
    free(out);
}

static void s_teardown(void)
{
    bl_test_node_stop(&s_node);
}

static void s_path(char *buf, size_t size, const char *file)
{
    int n = snprintf(buf, size, "%s/tests/data/validation/%s",
                     bl_test_source_dir(), file);
    cr_assert(n > 0 && (size_t)n < size, "path too long");
}

/* Runs `benchlearn submit OPTS PATH-OF-FILE`; returns the exit status. */
static int s_submit(const char *opts, const char *file, char **out)
{
    char path[1024];
    s_path(path, sizeof path, file);
    int rc = bl_test_node_cli(&s_node, out, "submit %s '%s'", opts, path);
    cr_assert_not_null(*out, "no output from benchlearn submit");
    return rc;
}

/* Reads the MANIFEST lines about file (NULL: every file) into e; returns
 * how many. */
static size_t s_manifest(const char *file, s_expect_t *e, size_t max)
{
    char path[1024];
    s_path(path, sizeof path, "MANIFEST.tsv");
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    char line[1024];
    bool header = true;
    size_t n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') {
            continue;
        }
        if (header) {
            header = false;
            continue;
        }
        char *col[5];
        char *save = NULL;
        size_t nc = 0;
        for (char *t = strtok_r(line, "\t", &save); t != NULL && nc < 5;
             t = strtok_r(NULL, "\t", &save)) {
            col[nc++] = t;
        }
        cr_assert_eq(nc, 5, "MANIFEST line with %zu columns", nc);
        if (file != NULL && strcmp(col[0], file) != 0) {
            continue;
        }
        cr_assert_lt(n, max, "too many MANIFEST lines for %s", file);
        snprintf(e[n].file, sizeof e[n].file, "%s", col[0]);
        snprintf(e[n].outcome, sizeof e[n].outcome, "%s", col[1]);
        e[n].line = atoi(col[2]);
        snprintf(e[n].field, sizeof e[n].field, "%s", col[3]);
        snprintf(e[n].reason, sizeof e[n].reason, "%s", col[4]);
        n++;
    }
    fclose(f);
    return n;
}

/* The problem lines about path in out; returns how many. */
static size_t s_problems(const char *out, const char *path, s_problem_t *p,
                         size_t max)
{
    size_t pl = strlen(path), n = 0;
    for (const char *l = out; *l != '\0';) {
        const char *end = strchr(l, '\n');
        size_t len = end ? (size_t)(end - l) : strlen(l);
        char *rest;
        if (len > pl + 1 && strncmp(l, path, pl) == 0 && l[pl] == ':' &&
            l[pl + 1] >= '0' && l[pl + 1] <= '9') {
            cr_assert_lt(n, max, "too many problem lines");
            char buf[1024];
            snprintf(buf, sizeof buf, "%.*s", (int)(len - pl - 1),
                     l + pl + 1);
            p[n].line = (int)strtol(buf, &rest, 10);
            cr_assert(strncmp(rest, ": ", 2) == 0, "bad line: %s", buf);
            rest += 2;
            char *sep = strstr(rest, ": ");
            p[n].field[0] = '\0';
            if (sep == NULL) {   /* "FILE:LINE: accepted" */
                snprintf(p[n].reason, sizeof p[n].reason, "%s", rest);
            } else {
                snprintf(p[n].field, sizeof p[n].field, "%.*s",
                         (int)(sep - rest), rest);
                rest = sep + 2;
                p[n].warning = strncmp(rest, "warning: ", 9) == 0;
                snprintf(p[n].reason, sizeof p[n].reason, "%s",
                         p[n].warning ? rest + 9 : rest);
            }
            n++;
        }
        l += len + (end ? 1 : 0);
    }
    return n;
}

static bool s_matches(const s_expect_t *e, const s_problem_t *p)
{
    bool warning = strcmp(e->outcome, "warning") == 0;
    return p->line == e->line && p->field[0] != '\0' &&
           p->warning == warning &&
           (strcmp(e->field, "-") == 0 || strcmp(e->field, p->field) == 0) &&
           strstr(p->reason, e->reason) != NULL;
}

/* The row counts the expectations imply for a file of `rows` rows. */
static void s_counts(const s_expect_t *e, size_t n, int rows, int *accepted,
                     int *warned, int *rejected)
{
    *warned = *rejected = 0;
    for (size_t i = 0; i < n; i++) {
        bool first = true, rej = false;
        for (size_t j = 0; j < n; j++) {
            if (e[j].line == e[i].line) {
                first = first && j >= i;
                rej = rej || strcmp(e[j].outcome, "rejected") == 0;
            }
        }
        if (first) {
            *rejected += rej;
            *warned += !rej;
        }
    }
    *accepted = rows - *warned - *rejected;
}

/* Checks that the problems in out are exactly the expectations. */
static void s_check_problems(const char *file, const char *path,
                             const char *out, const s_expect_t *e, size_t n)
{
    s_problem_t *p = calloc(S_PROBLEM_MAX, sizeof *p);
    cr_assert_not_null(p);
    size_t np = s_problems(out, path, p, S_PROBLEM_MAX);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < np && !found; j++) {
            found = s_matches(&e[i], &p[j]);
        }
        cr_expect(found, "%s:%d: expected %s on field %s with '%s'; got:\n%s",
                  file, e[i].line, e[i].outcome, e[i].field, e[i].reason,
                  out);
    }
    for (size_t j = 0; j < np; j++) {
        if (p[j].field[0] == '\0') {
            continue;          /* an "accepted" line of check */
        }
        bool listed = false;
        for (size_t i = 0; i < n && !listed; i++) {
            listed = s_matches(&e[i], &p[j]);
        }
        cr_expect(listed, "%s:%d: %s: %s%s: not in the MANIFEST", file,
                  p[j].line, p[j].field, p[j].warning ? "warning: " : "",
                  p[j].reason);
    }
    free(p);
}

/* The file being checked was sent with --dry-run. */
static bool s_dry_run;

/* Checks a file rejected as a whole: line 1 names each column. */
static void s_check_file_rejected(const char *file, const char *path,
                                  const char *out, int rc,
                                  const s_expect_t *e, size_t n)
{
    cr_expect_eq(rc, 1, "%s: exit status %d", file, rc);
    char want[1200];
    /* a dry run keeps nothing; a submission names its id for `check` */
    bool dry = s_dry_run;
    snprintf(want, sizeof want, dry ? "%s: rejected as a whole\n"
                                    : "%s: rejected as a whole (benchlearn "
                                      "check ",
             path);
    const char *said = strstr(out, want);
    cr_expect(said != NULL, "no '%s' in:\n%s", want, out);
    /* `check ID` says why again, as ingestion kept it */
    char id[128] = "";
    if (said != NULL && !dry) {
        sscanf(said + strlen(want), "%127[^)]", id);
        char *again = NULL;
        bl_test_node_cli(&s_node, &again, "check %s", id);
        cr_assert_not_null(again);
        snprintf(want, sizeof want, "%s: rejected as a whole (its header)",
                 path);
        cr_expect(strstr(again, want) != NULL, "no '%s' in:\n%s", want,
                  again);
        snprintf(want, sizeof want, "%s:1: header: ", path);
        cr_expect(strstr(again, want) != NULL, "check %s gives no reason:\n"
                  "%s", id, again);
        free(again);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(want, sizeof want, "%s:1: header: ", path);
        bool found = false;
        for (const char *l = strstr(out, want); l != NULL && !found;
             l = strstr(l + 1, want)) {
            const char *end = strchr(l, '\n');
            size_t len = end ? (size_t)(end - l) : strlen(l);
            char buf[1024];
            snprintf(buf, sizeof buf, "%.*s", (int)len, l);
            found = strstr(buf, e[i].field) != NULL &&
                    strstr(buf, e[i].reason) != NULL;
        }
        cr_expect(found, "%s:1: no header message with %s and '%s' in:\n%s",
                  file, e[i].field, e[i].reason, out);
    }
    snprintf(want, sizeof want, " %s\n", path);
    cr_expect(strstr(out, want) == NULL, "%s got a submission id:\n%s", file,
              out);
}

/* The submission id from the "SUBID PATH" line, or "". */
static void s_sub_id(const char *out, const char *path, char *id,
                     size_t size)
{
    id[0] = '\0';
    size_t pl = strlen(path);
    for (const char *l = out; *l != '\0';) {
        const char *end = strchr(l, '\n');
        size_t len = end ? (size_t)(end - l) : strlen(l);
        const char *sp = memchr(l, ' ', len);
        if (sp != NULL && (size_t)(sp - l) < size &&
            (size_t)(l + len - sp - 1) >= pl &&
            strncmp(sp + 1, path, pl) == 0 &&
            (sp[1 + pl] == '\n' || sp[1 + pl] == '\0' || sp[1 + pl] == ' ')) {
            snprintf(id, size, "%.*s", (int)(sp - l), l);
            return;
        }
        l += len + (end ? 1 : 0);
    }
}

/* Checks output of submit --wait (or --dry-run) of file against the
 * MANIFEST; returns the submission id in id ("" if rejected whole). */
static void s_check_submit(const char *file, int rows, const char *out,
                           int rc, char *id, size_t size)
{
    char path[1024];
    s_path(path, sizeof path, file);
    s_expect_t e[S_EXPECT_MAX];
    size_t n = s_manifest(file, e, S_EXPECT_MAX);
    id[0] = '\0';
    if (n > 0 && strcmp(e[0].outcome, "file_rejected") == 0) {
        s_check_file_rejected(file, path, out, rc, e, n);
        return;
    }
    s_sub_id(out, path, id, size);
    cr_assert(id[0] != '\0', "%s: no submission id in:\n%s", file, out);
    int acc, warn, rej;
    s_counts(e, n, rows, &acc, &warn, &rej);
    char want[1200];
    snprintf(want, sizeof want,
             "%s: %d accepted, %d with warnings, %d rejected\n", path, acc,
             warn, rej);
    cr_expect(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
    cr_expect_eq(rc, rej > 0 ? 1 : 0, "%s: exit status %d", file, rc);
    s_check_problems(file, path, out, e, n);
}

/* Checks `benchlearn check id`: every row listed, once accepted or with
 * its problems. */
static void s_check_listing(const char *file, int rows, const char *id)
{
    char path[1024];
    s_path(path, sizeof path, file);
    s_expect_t e[S_EXPECT_MAX];
    size_t n = s_manifest(file, e, S_EXPECT_MAX);
    int acc, warn, rej;
    s_counts(e, n, rows, &acc, &warn, &rej);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "check %s", id);
    cr_assert_not_null(out);
    cr_expect_eq(rc, 0, "check %s: exit status %d:\n%s", id, rc, out);
    char want[1400];
    snprintf(want, sizeof want,
             "%s %s: validated; %d rows: %d accepted, %d with warnings, "
             "%d rejected\n",
             id, path, rows, acc, warn, rej);
    cr_expect(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
    s_problem_t *p = calloc(S_PROBLEM_MAX, sizeof *p);
    cr_assert_not_null(p);
    size_t np = s_problems(out, path, p, S_PROBLEM_MAX);
    int lines = 0, accepted = 0;
    for (size_t j = 0; j < np; j++) {
        bool first = true;
        for (size_t k = 0; k < j; k++) {
            first = first && p[k].line != p[j].line;
        }
        lines += first;
        if (p[j].field[0] == '\0') {
            cr_expect_str_eq(p[j].reason, "accepted");
            accepted++;
        }
    }
    cr_expect_eq(lines, rows, "%s: check lists %d rows, not %d:\n%s", file,
                 lines, rows, out);
    cr_expect_eq(accepted, acc, "%s: check lists %d accepted rows:\n%s",
                 file, accepted, out);
    free(p);
    s_check_problems(file, path, out, e, n);
    free(out);
}

/* Submits register.csv, which must give its MANIFEST outcome. */
static void s_register(void)
{
    char *out = NULL, id[128];
    int rc = s_submit("--wait", "register.csv", &out);
    s_check_submit("register.csv", 15, out, rc, id, sizeof id);
    free(out);
}

/* The whole round for one fixture of `rows` rows; returns the submission
 * id in id, if any. */
static void s_fixture(const char *file, int rows, char *id, size_t size)
{
    s_register();
    if (strcmp(file, "change-factor.csv") == 0) {
        char *out = NULL, pid[128];
        int rc = s_submit("--wait", "prev-2024.csv", &out);
        s_check_submit("prev-2024.csv", 4, out, rc, pid, sizeof pid);
        free(out);
    }
    char *out = NULL;
    int rc = s_submit("--wait", file, &out);
    s_check_submit(file, rows, out, rc, id, size);
    free(out);
    if (id[0] != '\0') {
        s_check_listing(file, rows, id);
    }
}

/* Runs `benchlearn check id` and returns the lines about line numbers:
 * e.g. "2 4 8" for the rows accepted. */
static void s_accepted_lines(const char *file, const char *id, char *buf,
                             size_t size)
{
    char path[1024];
    s_path(path, sizeof path, file);
    char *out = NULL;
    bl_test_node_cli(&s_node, &out, "check %s", id);
    cr_assert_not_null(out);
    s_problem_t *p = calloc(S_PROBLEM_MAX, sizeof *p);
    cr_assert_not_null(p);
    size_t np = s_problems(out, path, p, S_PROBLEM_MAX);
    size_t len = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < np && len < size; j++) {
        if (p[j].field[0] == '\0') {
            int w = snprintf(buf + len, size - len, len ? " %d" : "%d",
                             p[j].line);
            len += w > 0 ? (size_t)w : 0;
        }
    }
    free(p);
    free(out);
}

/* ---- one test per fixture ----------------------------------------------- */

/* The fixtures and their number of rows (records, not lines). */
static const struct {
    const char *file;
    int rows;
} s_fixtures[] = {
    {"actions-due-invalid.csv", 5},
    {"actions-duplicate-key.csv", 5},
    {"actions-id-invalid.csv", 4},
    {"actions-indicator-unknown.csv", 3},
    {"actions-missing-column.csv", 1},
    {"actions-provider-period.csv", 4},
    {"actions-status-invalid.csv", 4},
    {"actions-text-length.csv", 3},
    {"actions-unknown-column.csv", 1},
    {"bom-crlf-blank.csv", 4},
    {"change-factor.csv", 5},
    {"denominator-zero.csv", 4},
    {"duplicate-key.csv", 6},
    {"empty-rows.csv", 2},
    {"field-count.csv", 4},
    {"indicator-unknown.csv", 3},
    {"invalid-utf8.csv", 3},
    {"joined-files.csv", 5},
    {"missing-column.csv", 2},
    {"negative.csv", 3},
    {"number-inf.csv", 5},
    {"number-nan.csv", 4},
    {"number-trailing.csv", 6},
    {"numerator-above-denominator.csv", 5},
    {"outlier.csv", 13},
    {"outlier-groups-periods.csv", 25},
    {"practices-duplicate-key.csv", 4},
    {"practices-indicator-provider.csv", 4},
    {"practices-text-missing.csv", 3},
    {"period-future.csv", 3},
    {"period-not-year.csv", 4},
    {"prev-2024.csv", 4},
    {"provider-id-case.csv", 3},
    {"provider-other-country.csv", 3},
    {"provider-unknown.csv", 3},
    {"quoted-newline.csv", 3},
    {"range-outside.csv", 2},
    {"register.csv", 15},
    {"register-country.csv", 3},
    {"register-dates.csv", 8},
    {"register-service-type.csv", 2},
    {"rule-den-le-users.csv", 4},
    {"semicolon-decimal-comma.csv", 6},
    {"steps-invalid.csv", 5},
    {"survey-item-case.csv", 1},
    {"survey-items-lower.csv", 1},
    {"survey-off-scale.csv", 6},
    {"survey-other-survey-item.csv", 2},
    {"survey-respondent-control.csv", 5},
    {"survey-respondent-repeated.csv", 6},
    {"survey-unknown-item.csv", 2},
    {"survey-unknown.csv", 3},
    {"unit-invalid.csv", 4},
    {"unknown-column.csv", 2},
    {"unused-field.csv", 4},
};

static int s_rows(const char *file)
{
    for (size_t i = 0; i < sizeof s_fixtures / sizeof s_fixtures[0]; i++) {
        if (strcmp(s_fixtures[i].file, file) == 0) {
            return s_fixtures[i].rows;
        }
    }
    cr_assert_fail("%s is not in the test's fixture table", file);
    return 0;
}

#define S_FIXTURE_TEST(name, file)                                           \
    Test(validation, name, .init = s_setup, .fini = s_teardown,              \
         .timeout = 120)                                                     \
    {                                                                        \
        char id[128];                                                        \
        s_fixture(file, s_rows(file), id, sizeof id);                        \
    }

S_FIXTURE_TEST(change_factor_warns_against_previous_period,
               "change-factor.csv")
S_FIXTURE_TEST(denominator_zero_is_rejected, "denominator-zero.csv")
S_FIXTURE_TEST(duplicate_key_rejects_later_line_naming_first,
               "duplicate-key.csv")
S_FIXTURE_TEST(wrong_field_count_rejects_only_that_line, "field-count.csv")
S_FIXTURE_TEST(unknown_indicator_is_rejected, "indicator-unknown.csv")
S_FIXTURE_TEST(a_header_repeated_among_the_rows_is_named,
               "joined-files.csv")
S_FIXTURE_TEST(invalid_utf8_line_is_rejected_rest_read_on,
               "invalid-utf8.csv")
S_FIXTURE_TEST(missing_column_rejects_file, "missing-column.csv")
S_FIXTURE_TEST(negative_numbers_are_rejected, "negative.csv")
S_FIXTURE_TEST(infinite_numbers_are_rejected, "number-inf.csv")
S_FIXTURE_TEST(nan_is_rejected, "number-nan.csv")
S_FIXTURE_TEST(trailing_characters_hex_and_separators_are_rejected,
               "number-trailing.csv")
S_FIXTURE_TEST(numerator_above_capped_denominator_is_rejected,
               "numerator-above-denominator.csv")
S_FIXTURE_TEST(outlier_warned_within_national_group_only, "outlier.csv")
S_FIXTURE_TEST(outliers_of_each_group_and_period_in_one_message_are_warned,
               "outlier-groups-periods.csv")
S_FIXTURE_TEST(future_period_is_rejected, "period-future.csv")
S_FIXTURE_TEST(period_not_a_year_is_rejected, "period-not-year.csv")
S_FIXTURE_TEST(previous_period_file_is_accepted, "prev-2024.csv")
S_FIXTURE_TEST(provider_of_other_country_is_rejected,
               "provider-other-country.csv")
S_FIXTURE_TEST(provider_id_in_lower_case_names_its_spelling,
               "provider-id-case.csv")
S_FIXTURE_TEST(provider_not_in_register_is_rejected, "provider-unknown.csv")
S_FIXTURE_TEST(value_out_of_range_is_rejected, "range-outside.csv")
S_FIXTURE_TEST(register_rejects_provider_of_other_country, "register.csv")
S_FIXTURE_TEST(a_country_not_a_code_names_the_provider_ids,
               "register-country.csv")
S_FIXTURE_TEST(a_date_not_written_yyyy_mm_dd_names_the_date_meant,
               "register-dates.csv")
S_FIXTURE_TEST(unknown_service_type_lists_the_catalogues,
               "register-service-type.csv")
S_FIXTURE_TEST(rule_warning_goes_on_row_giving_indicator,
               "rule-den-le-users.csv")
S_FIXTURE_TEST(steps_must_be_integer_0_to_4, "steps-invalid.csv")
S_FIXTURE_TEST(survey_answer_off_scale_or_fractional_is_rejected,
               "survey-off-scale.csv")
S_FIXTURE_TEST(other_surveys_item_rejects_file,
               "survey-other-survey-item.csv")
S_FIXTURE_TEST(repeated_respondent_rejects_later_line,
               "survey-respondent-repeated.csv")
S_FIXTURE_TEST(respondent_id_with_a_control_byte_is_rejected,
               "survey-respondent-control.csv")
S_FIXTURE_TEST(unknown_survey_item_rejects_file, "survey-unknown-item.csv")
S_FIXTURE_TEST(survey_item_in_lower_case_names_its_spelling,
               "survey-item-case.csv")
S_FIXTURE_TEST(survey_items_all_in_lower_case_name_their_spelling,
               "survey-items-lower.csv")
S_FIXTURE_TEST(unknown_survey_is_rejected, "survey-unknown.csv")
S_FIXTURE_TEST(invalid_unit_id_is_rejected_without_false_repeat,
               "unit-invalid.csv")
S_FIXTURE_TEST(unknown_column_rejects_file, "unknown-column.csv")
S_FIXTURE_TEST(unused_field_warns_and_row_is_kept, "unused-field.csv")
S_FIXTURE_TEST(action_id_must_match_its_pattern, "actions-id-invalid.csv")
S_FIXTURE_TEST(action_status_must_be_one_of_four,
               "actions-status-invalid.csv")
S_FIXTURE_TEST(action_due_must_be_a_real_date, "actions-due-invalid.csv")
S_FIXTURE_TEST(action_text_is_1_to_2000_characters,
               "actions-text-length.csv")
S_FIXTURE_TEST(action_key_repeated_rejects_later_line_naming_first,
               "actions-duplicate-key.csv")
S_FIXTURE_TEST(action_on_unknown_indicator_is_rejected,
               "actions-indicator-unknown.csv")
S_FIXTURE_TEST(action_of_unknown_or_foreign_provider_or_future_is_rejected,
               "actions-provider-period.csv")
S_FIXTURE_TEST(actions_unknown_column_rejects_file,
               "actions-unknown-column.csv")
S_FIXTURE_TEST(actions_missing_column_rejects_file,
               "actions-missing-column.csv")
S_FIXTURE_TEST(practice_key_repeated_rejects_later_line_naming_first,
               "practices-duplicate-key.csv")
S_FIXTURE_TEST(practice_of_unknown_indicator_or_provider_is_rejected,
               "practices-indicator-provider.csv")
S_FIXTURE_TEST(practice_needs_title_and_description,
               "practices-text-missing.csv")

/* Submits file (rows rows) and expects the lines of its accepted rows
 * to be want ("2 4 8"). */
static void s_expect_accepted(const char *file, int rows, const char *want)
{
    char id[128], lines[256];
    s_fixture(file, rows, id, sizeof id);
    s_accepted_lines(file, id, lines, sizeof lines);
    cr_expect_str_eq(lines, want);
}

Test(validation, rows_of_empty_fields_are_skipped_as_blank_lines,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    /* ",,,,,," rows, as a spreadsheet writes emptied cells: no row, no
     * outcome, and the lines after them keep their numbers */
    s_expect_accepted("empty-rows.csv", 2, "2 4");
}

/* Creates name in the node's folder (its path in path) with indicator
 * data's header; the rows are the caller's to write. */
static FILE *s_indicator_file(const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", s_node.dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "provider_id,unit_id,period,indicator_id,numerator,"
               "denominator,value\n");
    return f;
}

Test(validation, a_long_listing_ends_with_its_most_common_problems,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    s_register();
    /* 30 rows: 20 values not numbers, 10 negative */
    char path[512];
    FILE *f = s_indicator_file("many.csv", path, sizeof path);
    for (int i = 0; i < 30; i++) {
        if (i % 3 == 2) {
            fprintf(f, "NO-001,u%d,2025,COM-01,,,-%d\n", i, i + 1);
        } else {
            fprintf(f, "NO-001,u%d,2025,COM-01,,,x%d\n", i, i);
        }
    }
    cr_assert_eq(fclose(f), 0);
    char *out = NULL;
    bl_test_node_cli(&s_node, &out, "submit --wait %s", path);
    cr_assert_not_null(out);
    cr_expect_not_null(strstr(out, "many.csv: 30 problems; the most "
                                   "common:\n"), "%s", out);
    cr_expect_not_null(strstr(out, "      20 like line 2: value: 'x0' is "
                                   "not a number\n"), "%s", out);
    cr_expect_not_null(strstr(out, "      10 like line 4: value: -3 is "
                                   "negative\n"), "%s", out);
    free(out);
}

Test(validation, a_file_of_only_a_header_says_it_has_no_rows,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    s_register();
    char path[512];
    FILE *f = s_indicator_file("header-only.csv", path, sizeof path);
    fputs("\n", f);
    cr_assert_eq(fclose(f), 0);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "submit --wait %s", path);
    cr_assert_eq(rc, 0, "%s", out);
    cr_expect_not_null(strstr(out, "header-only.csv: 0 accepted, 0 with "
                                   "warnings, 0 rejected (the file has no "
                                   "rows after its header)\n"), "%s", out);
    free(out);
}

Test(validation, bom_crlf_and_blank_lines_keep_physical_line_numbers,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    s_expect_accepted("bom-crlf-blank.csv", 4, "2 4 8");
}

Test(validation, quoted_line_breaks_count_as_lines, .init = s_setup,
     .fini = s_teardown, .timeout = 120)
{
    s_expect_accepted("quoted-newline.csv", 3, "2 5");
}

Test(validation, semicolon_file_with_decimal_commas_is_fully_accepted,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    char id[128], lines[256];
    s_fixture("semicolon-decimal-comma.csv", 6, id, sizeof id);
    s_accepted_lines("semicolon-decimal-comma.csv", id, lines, sizeof lines);
    cr_expect_str_eq(lines, "2 3 4 5 6 7");
}

/* ---- period close ---------------------------------------------------- */

static FILE *s_survey_file(char *path, size_t size, const char *name);

/* At close every registered provider gets an outcome in "close-PERIOD":
 * a warning naming what it has not sent; unit rows count as sent, and a
 * survey answered counts for every indicator of that survey (the user
 * survey: 6). */
Test(validation, close_warns_about_indicators_not_sent, .init = s_setup,
     .fini = s_teardown, .timeout = 120)
{
    char id[128];
    s_fixture("semicolon-decimal-comma.csv", 6, id, sizeof id);
    char path[512];
    FILE *f = s_survey_file(path, sizeof path, "survey-no-007.csv");
    fprintf(f, "NO-007,,2025,user,r1,4,4,4,4,4,4,4\n");
    cr_assert_eq(fclose(f), 0);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "submit --wait '%s'", path);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    rc = bl_test_node_cli(&s_node, &out, "close 2025");
    cr_assert_eq(rc, 0, "close: %s", out);
    cr_expect_not_null(strstr(out, "14 of 14 providers have not sent every "
                                   "indicator"),
                       "%s", out);
    free(out);
    rc = bl_test_node_cli(&s_node, &out, "check close-2025");
    cr_assert_eq(rc, 0, "check: %s", out);
    cr_expect_not_null(strstr(out, "14 rows: 0 accepted, 14 with warnings"),
                       "%s", out);
    /* NO-001 sent STA-03 only; NO-003 sent RES-02 by a unit; NO-007
     * answered the user survey only. */
    const char *want[] = {
        "NO-001: warning: has not sent 45 of the catalogue's 46",
        "NO-003: warning: has not sent 45 of the catalogue's 46",
        "NO-007: warning: has not sent 40 of the catalogue's 46"};
    for (size_t i = 0; i < 3; i++) {
        cr_expect_not_null(strstr(out, want[i]), "missing '%s' in:\n%s",
                           want[i], out);
    }
    char *no1 = strstr(out, "NO-001: warning:");
    cr_assert_not_null(no1);
    char *eol = strchr(no1, '\n');
    if (eol != NULL) {
        *eol = '\0';
    }
    cr_expect_null(strstr(no1, "STA-03"), "STA-03 was sent: %s", no1);
    cr_expect_not_null(strstr(no1, "LEA-01"), "%s", no1);
    free(out);
}

/* ---- repeated keys across messages -------------------------------------- */

/* A survey file at path, its header written, for the rows to follow. */
static FILE *s_survey_file(char *path, size_t size, const char *name)
{
    s_register();
    snprintf(path, size, "%s/%s", s_node.dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "provider_id,unit_id,period,survey,respondent_id,"
               "U1,U2,U3,U4,U5,U6,U7\n");
    return f;
}

static size_t s_entries(const char *dir, const char *name);

/* Submits the file at path: `accepted` rows accepted and three rejected,
 * each naming as the first the line in firsts. */
static void s_expect_three_repeats(const char *path, unsigned accepted,
                                   const unsigned firsts[3])
{
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "submit --wait '%s'", path);
    cr_assert_not_null(out);
    char want[1024];
    snprintf(want, sizeof want, "%s: %u accepted, 0 with warnings, "
                                "3 rejected\n", path, accepted);
    cr_expect_not_null(strstr(out, want), "no '%s' in:\n%s", want, out);
    cr_expect_eq(rc, 1);
    for (size_t k = 0; k < 3; k++) {
        snprintf(want, sizeof want, "repeats the key of line %u in this file",
                 firsts[k]);
        cr_expect_not_null(strstr(out, want), "no '%s' in:\n%s", want, out);
    }
    free(out);
}

/* A survey file of more rows than one message holds (the CLI sends at most
 * BL_SUBMIT_BATCH_ROWS): respondents in no order, and lines in the second
 * message that repeat a key of the first (stored by then) and one of
 * their own message.  Each is rejected naming the first line; nothing
 * else is. */
Test(validation, a_key_repeated_messages_later_names_its_first_line,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    char path[512];
    FILE *f = s_survey_file(path, sizeof path, "survey-long.csv");
    /* line 2 + i holds respondent (i * 7919) % 4500 */
    for (unsigned i = 0; i < 4500; i++) {
        fprintf(f, "NO-001,,2025,user,r%05u,4,4,4,4,4,4,4\n",
                (i * 7919u) % 4500u);
    }
    /* again: r00000 (line 2), the largest respondent of the first 3000
     * lines, and the respondent of line 4102 */
    unsigned big = 0, big_line = 0, second = (4100u * 7919u) % 4500u;
    for (unsigned i = 0; i < 3000; i++) {
        unsigned r = (i * 7919u) % 4500u;
        if (r > big) {
            big = r;
            big_line = i + 2;
        }
    }
    fprintf(f, "NO-001,,2025,user,r00000,3,3,3,3,3,3,3\n");
    fprintf(f, "NO-001,,2025,user,r%05u,3,3,3,3,3,3,3\n", big);
    fprintf(f, "NO-001,,2025,user,r%05u,3,3,3,3,3,3,3\n", second);
    cr_assert_eq(fclose(f), 0);
    const unsigned firsts[3] = {2, big_line, 4100 + 2};
    s_expect_three_repeats(path, 4500, firsts);
}

/* A survey file in respondent order, not provider order: four providers'
 * rows alternate, so each row starts a run of its provider and the runs'
 * stored keys are folded together again and again (validate_keys.c),
 * over two messages.  Repeats of the first line, of a line in the middle
 * and of the last run of a provider are each rejected naming it. */
Test(validation, keys_of_providers_in_alternating_rows_are_all_found,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    char path[512];
    FILE *f = s_survey_file(path, sizeof path, "survey-alternating.csv");
    /* line 2 + 4 r + p holds provider NO-00(p+1), respondent r */
    for (unsigned r = 0; r < 1100; r++) {
        for (unsigned p = 0; p < 4; p++) {
            fprintf(f, "NO-00%u,,2025,user,r%04u,4,4,4,4,4,4,4\n", p + 1, r);
        }
    }
    fprintf(f, "NO-001,,2025,user,r0000,3,3,3,3,3,3,3\n");
    fprintf(f, "NO-004,,2025,user,r0550,3,3,3,3,3,3,3\n");
    fprintf(f, "NO-002,,2025,user,r1099,3,3,3,3,3,3,3\n");
    cr_assert_eq(fclose(f), 0);
    const unsigned firsts[3] = {2, 2 + 4 * 550 + 3, 2 + 4 * 1099 + 1};
    s_expect_three_repeats(path, 4400, firsts);
    /* Complete, the submission's keys are forgotten. */
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "down"), 0, "%s", out);
    free(out);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/var/validate", s_node.dir);
    cr_expect_eq(s_entries(dir, "keys"), 0);
}

/* ---- dry runs ------------------------------------------------------------ */

Test(validation, dry_run_reports_the_same_problems_and_stores_nothing,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    /* A dry-run register stores no provider. */
    char *out = NULL, id[128];
    int rc = s_submit("--dry-run", "register.csv", &out);
    cr_expect(strstr(out, " (dry run)\n") != NULL, "%s", out);
    s_check_submit("register.csv", 15, out, rc, id, sizeof id);
    free(out);
    rc = s_submit("--wait", "provider-unknown.csv", &out);
    char path[1024];
    s_path(path, sizeof path, "provider-unknown.csv");
    char want[1200];
    snprintf(want, sizeof want,
             "%s: 0 accepted, 0 with warnings, 3 rejected\n", path);
    cr_expect(strstr(out, want) != NULL, "a dry run stored the register:\n%s",
              out);
    cr_expect_eq(rc, 1);
    free(out);

    /* A dry run of a bad file: the problems of a real run. */
    s_register();
    static const char *const bad[] = {"duplicate-key.csv", "number-nan.csv",
                                      "survey-respondent-repeated.csv",
                                      "unit-invalid.csv", "outlier.csv"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc = s_submit("--dry-run", bad[i], &out);
        s_check_submit(bad[i], s_rows(bad[i]), out, rc, id, sizeof id);
        free(out);
        /* The same file for real: no row repeats the dry run's keys. */
        rc = s_submit("--wait", bad[i], &out);
        s_check_submit(bad[i], s_rows(bad[i]), out, rc, id, sizeof id);
        cr_expect(strstr(out, "repeats the key") == NULL ||
                      strcmp(bad[i], "duplicate-key.csv") == 0 ||
                      strcmp(bad[i], "survey-respondent-repeated.csv") == 0,
                  "%s", out);
        free(out);
    }

    /* A dry run of 2024 stores no previous values: no change warnings. */
    rc = s_submit("--dry-run", "prev-2024.csv", &out);
    s_check_submit("prev-2024.csv", 4, out, rc, id, sizeof id);
    free(out);
    rc = s_submit("--wait", "change-factor.csv", &out);
    s_path(path, sizeof path, "change-factor.csv");
    snprintf(want, sizeof want,
             "%s: 5 accepted, 0 with warnings, 0 rejected\n", path);
    cr_expect(strstr(out, want) != NULL,
              "a dry run stored the 2024 values:\n%s", out);
    cr_expect_eq(rc, 0);
    free(out);
}

Test(validation, dry_run_of_file_rejected_whole_says_so, .init = s_setup,
     .fini = s_teardown, .timeout = 120)
{
    s_register();
    char *out = NULL, id[128];
    int rc = s_submit("--dry-run", "unknown-column.csv", &out);
    s_dry_run = true;
    s_check_submit("unknown-column.csv", 2, out, rc, id, sizeof id);
    s_dry_run = false;
    free(out);
}

/* ---- the fixture set itself --------------------------------------------- */

/* Every fixture of the directory has a row count here (and so a test:
 * each one in the table is submitted by one of the tests above). */
Test(validation, every_fixture_has_a_row_count, .timeout = 10)
{
    char dir[1024];
    s_path(dir, sizeof dir, "");
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".csv") == 0) {
            s_rows(de->d_name);
            n++;
        }
    }
    closedir(d);
    cr_expect_eq(n, sizeof s_fixtures / sizeof s_fixtures[0],
                 "%zu fixtures in the directory, %zu in the table", n,
                 sizeof s_fixtures / sizeof s_fixtures[0]);
    s_expect_t e[S_EXPECT_MAX * 2];
    size_t ne = s_manifest(NULL, e, sizeof e / sizeof e[0]);
    cr_expect_gt(ne, 50, "only %zu MANIFEST lines", ne);
    for (size_t k = 0; k < ne; k++) {
        s_rows(e[k].file);
        cr_expect(e[k].line >= 1, "%s: line %d", e[k].file, e[k].line);
        cr_expect(strcmp(e[k].outcome, "rejected") == 0 ||
                      strcmp(e[k].outcome, "warning") == 0 ||
                      (strcmp(e[k].outcome, "file_rejected") == 0 &&
                       e[k].line == 1),
                  "%s:%d: outcome %s", e[k].file, e[k].line, e[k].outcome);
    }
}

/* The number in the last cell of provider's row in the summary's
 * participation table, or -1. */
static long s_rejected_of(const char *path, const char *provider)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    static char html[1 << 20];
    size_t n = fread(html, 1, sizeof html - 1, f);
    fclose(f);
    html[n] = '\0';
    char needle[64];
    snprintf(needle, sizeof needle, "%s<", provider);
    char *row = strstr(html, needle);
    char *end = row ? strstr(row, "</tr>") : NULL;
    if (end == NULL) {
        return -1;
    }
    *end = '\0';
    char *cell = NULL;
    for (char *p = row; (p = strstr(p, "<td class=\"num\">")) != NULL; p++) {
        cell = p;
    }
    return cell ? atol(cell + strlen("<td class=\"num\">")) : -1;
}

/* The coordinator's summary counts the rows still rejected per provider;
 * a corrected row sent later takes its provider's count back down. */
Test(validation, summary_counts_rows_still_rejected, .init = s_setup,
     .fini = s_teardown, .timeout = 120)
{
    s_register();
    char *out = NULL;
    s_submit("--wait", "negative.csv", &out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "close 2025"), 0, "%s",
                 out);
    free(out);
    char path[512];
    snprintf(path, sizeof path, "%s/var/reports/2025/summary.html",
             s_node.dir);
    /* NO-001 and NO-002 sent one rejected row each, NO-003 none. */
    cr_expect_eq(s_rejected_of(path, "NO-001"), 1);
    cr_expect_eq(s_rejected_of(path, "NO-002"), 1);
    cr_expect_eq(s_rejected_of(path, "NO-003"), 0);
    /* The period reopens and NO-001 sends its row again, corrected. */
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "close 2025 --reopen"), 0,
                 "%s", out);
    free(out);
    char fixed[512];
    snprintf(fixed, sizeof fixed, "%s/fixed.csv", s_node.dir);
    FILE *f = fopen(fixed, "w");
    cr_assert_not_null(f);
    fputs("provider_id,unit_id,period,indicator_id,numerator,denominator,"
          "value\nNO-001,,2025,RES-02,3,50,\n",
          f);
    fclose(f);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "submit --wait %s", fixed), 0,
                 "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "close 2025"), 0, "%s",
                 out);
    free(out);
    cr_expect_eq(s_rejected_of(path, "NO-001"), 0,
                 "NO-001's corrected row still counts as rejected");
    cr_expect_eq(s_rejected_of(path, "NO-002"), 1);
}

/* ---- a store of an earlier release ------------------------------------ */

/* Puts validation's values back the way an earlier release stored them:
 * "vals", keyed period, indicator, provider, unit (today "pvals": period,
 * provider, unit, indicator).  Returns how many were moved. */
static int s_to_earlier_order(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    size_t *moved = ctx;
    MDB_dbi pvals, vals;
    cr_assert_eq(mdb_dbi_open(txn, "pvals", 0, &pvals), 0);
    cr_assert_eq(mdb_dbi_open(txn, "vals", MDB_CREATE, &vals), 0);
    bl_scan_t scan;
    cr_assert_eq(bl_scan_open(&scan, txn, pvals, "", 0, err), 0);
    MDB_val k, v;
    *moved = 0;
    while (bl_scan_next(&scan, &k, &v) == 1) {
        char buf[BL_STORE_KEY_MAX + 1], key[BL_STORE_KEY_MAX + 1];
        const char *p[4];
        cr_assert_eq(bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf, p,
                                   4),
                     4);
        const char *old[] = {p[0], p[3], p[1], p[2]};
        size_t kl = bl_page_join(key, sizeof key, old, 4);
        cr_assert_eq(bl_store_put(txn, vals, key, kl, v.mv_data, v.mv_size,
                                  err),
                     0);
        (*moved)++;
    }
    bl_scan_close(&scan);
    cr_assert_eq(mdb_drop(txn, pvals, 0), 0);
    return 0;
}

/* Entries of database name in the store under dir. */
static size_t s_entries(const char *dir, const char *name)
{
    const char *const dbs[] = {name};
    bl_store_t *s = NULL;
    bl_err_t err = {0};
    cr_assert_eq(bl_store_open(&s, dir, dbs, 1, 0, &err), 0, "%s", err.msg);
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s, &txn, &err), 0, "%s", err.msg);
    MDB_stat st;
    cr_assert_eq(mdb_stat(txn, bl_store_dbi(s, 0), &st), 0);
    mdb_txn_abort(txn);
    bl_store_close(&s);
    return st.ms_entries;
}

/* A node upgraded from a release that kept the values by indicator first
 * moves them when validation opens: the previous period's values still
 * give the change warnings of change-factor.csv. */
Test(validation, values_of_an_earlier_release_are_moved_at_open,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    s_register();
    char *out = NULL, id[128];
    int rc = s_submit("--wait", "prev-2024.csv", &out);
    s_check_submit("prev-2024.csv", 4, out, rc, id, sizeof id);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "down"), 0, "%s", out);
    free(out);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/var/validate", s_node.dir);
    const char *const dbs[] = {"pvals", "vals"};
    bl_store_t *s = NULL;
    bl_err_t err = {0};
    cr_assert_eq(bl_store_open(&s, dir, dbs, 2, 0, &err), 0, "%s", err.msg);
    size_t moved = 0;
    cr_assert_eq(bl_store_write(s, s_to_earlier_order, &moved, &err), 0,
                 "%s", err.msg);
    bl_store_close(&s);
    cr_assert_eq(moved, 4);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "up"), 0, "%s", out);
    free(out);
    rc = s_submit("--wait", "change-factor.csv", &out);
    s_check_submit("change-factor.csv", 5, out, rc, id, sizeof id);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "down"), 0, "%s", out);
    free(out);
    cr_expect_eq(s_entries(dir, "vals"), 0);
    cr_expect_eq(s_entries(dir, "pvals"), 4 + 5);
}
