/*
 * Tests of validate_learning's pure helpers: the action id pattern
 * [A-Za-z0-9_.-]{1,40} and the character count behind "action is at most
 * 2,000 characters" (characters, not bytes).  The row checks themselves
 * run end to end on the fixtures of tests/data/validation (actions-*.csv,
 * practices-*.csv).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "validate_learning.h"

Test(validate_learning, action_id_pattern, .timeout = 10)
{
    cr_assert(vl_action_id_ok("A1"));
    cr_assert(vl_action_id_ok("plan-2024_v1.2"));
    char forty[41];
    memset(forty, 'a', 40);
    forty[40] = '\0';
    cr_assert(vl_action_id_ok(forty));
    char forty_one[42];
    memset(forty_one, 'a', 41);
    forty_one[41] = '\0';
    cr_assert_not(vl_action_id_ok(forty_one));
    cr_assert_not(vl_action_id_ok(""));
    cr_assert_not(vl_action_id_ok("bad id"));
    cr_assert_not(vl_action_id_ok("a/b"));
    cr_assert_not(vl_action_id_ok("plan\xc3\xa5"));
}

Test(validate_learning, chars_counts_code_points_not_bytes, .timeout = 10)
{
    cr_assert_eq(vl_chars(""), 0);
    cr_assert_eq(vl_chars("abc"), 3);
    cr_assert_eq(vl_chars("\xc3\xa5r"), 2);            /* år */
    cr_assert_eq(vl_chars("\xe2\x82\xac" "5"), 2);     /* €5 */
    cr_assert_eq(vl_chars("\xf0\x9f\x99\x82"), 1);     /* an emoji */
}
