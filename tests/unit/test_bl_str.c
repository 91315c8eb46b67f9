/*
 * Tests of bl_str_copy: the same bytes as snprintf(dst, size, "%s", src)
 * for strings shorter than, as long as and longer than the field, and
 * nothing written past it; bl_str_copy_whole writes the same and says what
 * snprintf's result says (whether the string fitted).
 */
#include "bl_str.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

Test(bl_str, a_copy_is_what_snprintf_writes, .timeout = 10)
{
    const char *const srcs[] = {"", "a", "NO-0001", "exactly8", "ninechars",
                                "a much longer string than any field"};
    for (size_t size = 1; size <= 12; size++) {
        for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
            char want[16], got[16], whole[16];
            memset(want, 'x', sizeof want);
            memset(got, 'x', sizeof got);
            memset(whole, 'x', sizeof whole);
            bool fits = (size_t)snprintf(want, size, "%s", srcs[i]) < size;
            bl_str_copy(got, size, srcs[i]);
            cr_assert_eq(memcmp(got, want, sizeof got), 0,
                         "size %zu, '%s': '%s' want '%s'", size, srcs[i], got,
                         want);
            cr_assert_eq(bl_str_copy_whole(whole, size, srcs[i]), fits,
                         "size %zu, '%s'", size, srcs[i]);
            cr_assert_eq(memcmp(whole, want, sizeof whole), 0,
                         "size %zu, '%s': '%s' want '%s'", size, srcs[i],
                         whole, want);
        }
    }
}

Test(bl_str, a_list_is_cut_where_it_no_longer_fits, .timeout = 10)
{
    const char *const items[] = {"user", "staff", "stakeholder"};
    char buf[64];
    bl_str_list(buf, sizeof buf, items, 3);
    cr_assert_str_eq(buf, "user, staff, stakeholder");
    bl_str_list(buf, sizeof buf, items, 0);
    cr_assert_str_eq(buf, "");
    /* "user, staff" and ", ..." fit in 18 bytes with the NUL */
    char small[18];
    bl_str_list(small, sizeof small, items, 3);
    cr_assert_str_eq(small, "user, staff, ...");
    char tiny[8];
    bl_str_list(tiny, sizeof tiny, items, 3);
    cr_assert_str_eq(tiny, "...");
}
