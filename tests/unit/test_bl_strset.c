/*
 * Tests of bl_strset: strings numbered in the order they first came,
 * found again by their bytes (also with NULs inside, and the empty one),
 * kept through the table's growths, and forgotten by a clear.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bl_strset.h"

Test(bl_strset, strings_are_numbered_in_the_order_they_first_came,
     .timeout = 10)
{
    bl_strset_t set;
    bl_strset_init(&set);
    cr_assert_eq(bl_strset_find(&set, "a", 1), -1, "an empty set");
    cr_assert_eq(bl_strset_add(&set, "NO/residential_care", 19), 0);
    cr_assert_eq(bl_strset_add(&set, "", 0), 1);
    cr_assert_eq(bl_strset_add(&set, "a\0b", 3), 2);
    cr_assert_eq(bl_strset_add(&set, "a", 1), 3, "not a\\0b");
    cr_assert_eq(bl_strset_add(&set, "NO/residential_care", 19), 0);
    cr_assert_eq(bl_strset_count(&set), 4);
    cr_assert_eq(bl_strset_find(&set, "a\0b", 3), 2);
    cr_assert_eq(bl_strset_find(&set, "", 0), 1);
    cr_assert_eq(bl_strset_find(&set, "NO", 2), -1, "a prefix is another");
    size_t len;
    cr_assert_str_eq(bl_strset_str(&set, 0, &len), "NO/residential_care");
    cr_assert_eq(len, 19);
    cr_assert_eq(memcmp(bl_strset_str(&set, 2, &len), "a\0b", 4), 0,
                 "NUL-ended too");
    cr_assert_eq(len, 3);
    bl_strset_destroy(&set);
}

Test(bl_strset, every_string_is_found_after_the_table_grew_and_a_clear,
     .timeout = 10)
{
    bl_strset_t set;
    bl_strset_init(&set);
    char s[32];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 5000; i++) {
            snprintf(s, sizeof s, "PT-%04d/%d", i, round);
            cr_assert_eq(bl_strset_add(&set, s, strlen(s)), i);
        }
        for (int i = 0; i < 5000; i++) {
            snprintf(s, sizeof s, "PT-%04d/%d", i, round);
            cr_assert_eq(bl_strset_find(&set, s, strlen(s)), i);
            cr_assert_str_eq(bl_strset_str(&set, (size_t)i, NULL), s);
            snprintf(s, sizeof s, "PT-%04d/%d", i, !round);
            cr_assert_eq(bl_strset_find(&set, s, strlen(s)), -1);
        }
        bl_strset_clear(&set);
        cr_assert_eq(bl_strset_count(&set), 0);
    }
    bl_strset_destroy(&set);
}
