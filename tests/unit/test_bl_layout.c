/*
 * Tests of bl_layout: the two learning-cycle kinds (SPEC section 10) —
 * improvement actions and practices are told from indicator data (they
 * share indicator_id), their columns are placed by name in any order,
 * and a missing or unknown column is named at line 1 — and the header
 * diagnostics for what spreadsheets write instead of the SPEC's header
 * (section 2): column names in another letter case, columns split by
 * tabs, a column without a name (a trailing delimiter), a "sep=;" line
 * before the header, each saying what
 * is wrong at line 1 rather than only "cannot tell the file kind" or
 * "unknown column".  (A survey's items:
 * tests/data/validation/survey-item-case.csv.)  The three older kinds
 * are exercised end to end by tests/e2e/test_e2e_validation.c.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "bl_error.h"
#include "bl_layout.h"

static bl_layout_t s_layout;
static bl_diags_t s_diags;

static int s_read(const char *const *fields, size_t n)
{
    memset(&s_diags, 0, sizeof s_diags);
    /* (no catalogue: only a survey's items need one) */
    return bl_layout_from_header(NULL, "f.csv", fields, n, &s_layout,
                                 &s_diags);
}

static void s_fini(void)
{
    bl_diags_clear(&s_diags);
}

/* Whether one of the diagnostics contains text, at column col (0: any). */
static bool s_said(const char *text, size_t col)
{
    for (size_t i = 0; i < s_diags.count; i++) {
        if (strstr(s_diags.items[i].message, text) != NULL &&
            (col == 0 || s_diags.items[i].column == col) &&
            s_diags.items[i].line == 1) {
            return true;
        }
    }
    return false;
}

Test(bl_layout, capitalised_names_are_named_with_their_spelling,
     .fini = s_fini, .timeout = 10)
{
    const char *h[] = {"Provider_ID", "Unit_ID", "Period", "Indicator_ID",
                       "Numerator", "Denominator", "Value"};
    cr_assert_eq(s_read(h, 7), BL_EDATA);
    cr_assert(s_said("cannot tell the file kind", 0));
    cr_assert(s_said("column 'Provider_ID' would be 'provider_id'", 1));
    cr_assert(s_said("column 'Value' would be 'value'", 7));
}

Test(bl_layout, one_capitalised_column_of_a_known_kind_says_lower_case,
     .fini = s_fini, .timeout = 10)
{
    const char *h[] = {"provider_id", "unit_id", "period", "indicator_id",
                       "numerator", "denominator", "Value"};
    cr_assert_eq(s_read(h, 7), BL_EDATA);
    cr_assert_eq(s_layout.kind, BL_FILE_INDICATORS);
    cr_assert(s_said("unknown column 'Value' (column names are lower "
                     "case: 'value')", 7));
    cr_assert(s_said("missing column 'value'", 0));
}

Test(bl_layout, a_tab_separated_header_says_so, .fini = s_fini,
     .timeout = 10)
{
    /* read with ',' as the delimiter: one field holding the tabs */
    const char *h[] = {"provider_id\tunit_id\tperiod\tindicator_id\t"
                       "numerator\tdenominator\tvalue"};
    cr_assert_eq(s_read(h, 1), BL_EDATA);
    cr_assert(s_said("separated by tabs", 0));
}

Test(bl_layout, a_spreadsheets_sep_line_before_the_header_says_so,
     .fini = s_fini, .timeout = 10)
{
    /* "sep=;" read with ';' as the delimiter, and "sep=|" with ',' */
    const char *semi[] = {"sep=", ""};
    cr_assert_eq(s_read(semi, 2), BL_EDATA);
    cr_assert(s_said("a spreadsheet's 'sep=' line, not the header", 0));
    bl_diags_clear(&s_diags);
    const char *bar[] = {"SEP=|"};
    cr_assert_eq(s_read(bar, 1), BL_EDATA);
    cr_assert(s_said("'sep=' line", 0));
    bl_diags_clear(&s_diags);
    const char *other[] = {"separator"};
    cr_assert_eq(s_read(other, 1), BL_EDATA);
    cr_assert(!s_said("'sep=' line", 0), "not a sep= line");
}

/* Indicator data's header with `last` as its eighth column must give
 * exactly one diagnostic, message. */
static void s_one_diag(const char *last, const char *message)
{
    const char *h[] = {"provider_id", "unit_id", "period", "indicator_id",
                       "numerator", "denominator", "value", last};
    cr_assert_eq(s_read(h, 8), BL_EDATA);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_str_eq(s_diags.items[0].message, message);
}

Test(bl_layout, an_unknown_column_of_no_known_spelling_is_named_as_before,
     .fini = s_fini, .timeout = 10)
{
    s_one_diag("comment", "unknown column 'comment'");
}

Test(bl_layout, a_column_without_a_name_is_named_by_its_number,
     .fini = s_fini, .timeout = 10)
{
    /* "...,value," : a spreadsheet's trailing delimiter */
    s_one_diag("", "column 8 has no name (a delimiter at the end of the "
                   "header?)");
}

/* ---- the learning-cycle kinds ------------------------------------------ */

Test(bl_layout_learning, actions_header_is_told_and_placed, .fini = s_fini,
     .timeout = 10)
{
    const char *h[] = {"status", "provider_id", "period", "action_id",
                       "indicator_id", "action", "owner", "due"};
    cr_assert_eq(s_read(h, 8), 0);
    cr_assert_eq(s_layout.kind, BL_FILE_ACTIONS);
    cr_assert_str_eq(bl_file_kind_name(s_layout.kind), "actions");
    cr_assert_eq(s_layout.col[BL_COL_STATUS], 0);
    cr_assert_eq(s_layout.col[BL_COL_DUE], 7);
    cr_assert_eq(s_layout.col[BL_COL_INDICATOR_ID], 4);
    cr_assert_eq(s_layout.col[BL_COL_UNIT_ID], -1);
}

Test(bl_layout_learning, practices_header_is_told_and_placed,
     .fini = s_fini, .timeout = 10)
{
    const char *h[] = {"provider_id", "period", "indicator_id", "title",
                       "description", "contact"};
    cr_assert_eq(s_read(h, 6), 0);
    cr_assert_eq(s_layout.kind, BL_FILE_PRACTICES);
    cr_assert_str_eq(bl_file_kind_name(s_layout.kind), "practices");
    cr_assert_eq(s_layout.col[BL_COL_CONTACT], 5);
    cr_assert_eq(s_layout.col[BL_COL_TITLE], 3);
}

Test(bl_layout_learning, missing_status_is_named_at_line_1, .fini = s_fini,
     .timeout = 10)
{
    const char *h[] = {"provider_id", "period", "action_id", "indicator_id",
                       "action", "owner", "due"};
    cr_assert_eq(s_read(h, 7), BL_EDATA);
    cr_assert_eq(s_layout.kind, BL_FILE_ACTIONS);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_eq(s_diags.items[0].line, 1);
    cr_assert_str_eq(s_diags.items[0].message, "missing column 'status'");
}

Test(bl_layout_learning, indicator_column_in_practices_is_unknown,
     .fini = s_fini, .timeout = 10)
{
    const char *h[] = {"provider_id", "period", "indicator_id", "title",
                       "description", "contact", "value"};
    cr_assert_eq(s_read(h, 7), BL_EDATA);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_eq(s_diags.items[0].column, 7);
    cr_assert_str_eq(s_diags.items[0].message, "unknown column 'value'");
}

Test(bl_layout_learning, indicator_data_is_still_indicator_data,
     .fini = s_fini, .timeout = 10)
{
    const char *h[] = {"provider_id", "unit_id", "period", "indicator_id",
                       "numerator", "denominator", "value"};
    cr_assert_eq(s_read(h, 7), 0);
    cr_assert_eq(s_layout.kind, BL_FILE_INDICATORS);
}
