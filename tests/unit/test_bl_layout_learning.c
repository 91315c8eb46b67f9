/*
 * Tests of bl_layout's two learning-cycle kinds (SPEC section 10): the
 * improvement actions and practices headers are told from indicator data
 * (they share indicator_id), their columns are placed by name in any
 * order, and a missing or unknown column is named at line 1.  The three
 * older kinds are exercised end to end by tests/e2e/test_e2e_validation.c.
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
    /* The learning kinds need no catalogue (only survey items do). */
    return bl_layout_from_header(NULL, "f.csv", fields, n, &s_layout,
                                 &s_diags);
}

static void s_fini(void)
{
    bl_diags_clear(&s_diags);
}

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
