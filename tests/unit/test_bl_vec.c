/*
 * Tests of bl_vec: the first growth, doubling, keeping the elements,
 * no-op requests, and the overflow bound (refused, pointer untouched);
 * bytes appended to a text buffer keep their offsets.
 * Memory only: no files.
 */
#include "bl_vec.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(bl_vec, first_growth_allocates_the_minimum, .timeout = 10)
{
    int *a = NULL;
    size_t cap = 0;
    cr_assert_eq(BL_GROW(a, cap, 1), 0);
    cr_assert_not_null(a);
    cr_assert_eq(cap, BL_VEC_MIN_CAP);
    free(a);
}

Test(bl_vec, appending_keeps_elements_and_doubles, .timeout = 10)
{
    long *a = NULL;
    size_t cap = 0, n = 0, growths = 0;
    for (long i = 0; i < 1000; i++) {
        size_t before = cap;
        cr_assert_eq(BL_GROW(a, cap, n + 1), 0);
        if (cap != before) {
            growths++;
            cr_assert_geq(cap, before * 2, "grew from %zu to %zu", before,
                          cap);
        }
        a[n++] = i * 3;
    }
    /* 8, 16, ..., 1024: eight allocations for a thousand appends. */
    cr_assert_eq(growths, 8);
    cr_assert_eq(cap, 1024);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(a[i], (long)i * 3, "element %zu", i);
    }
    free(a);
}

Test(bl_vec, a_large_request_is_met_in_one_step, .timeout = 10)
{
    char *a = NULL;
    size_t cap = 0;
    cr_assert_eq(BL_GROW(a, cap, 100000), 0);
    cr_assert_geq(cap, 100000);
    cr_assert_lt(cap, 200000);
    a[99999] = 'x';
    free(a);
}

Test(bl_vec, room_already_there_changes_nothing, .timeout = 10)
{
    int *a = NULL;
    size_t cap = 0;
    cr_assert_eq(BL_GROW(a, cap, 20), 0);
    int *before = a;
    size_t cap_before = cap;
    cr_assert_eq(BL_GROW(a, cap, cap), 0);
    cr_assert_eq(BL_GROW(a, cap, 0), 0);
    cr_assert_eq(a, before);
    cr_assert_eq(cap, cap_before);
    free(a);
}

Test(bl_vec, overflowing_size_is_refused_and_pointer_kept, .timeout = 10)
{
    double *a = NULL;
    size_t cap = 0;
    cr_assert_eq(BL_GROW(a, cap, 4), 0);
    a[0] = 1.5;
    double *before = a;
    size_t cap_before = cap;
    cr_assert_eq(BL_GROW(a, cap, SIZE_MAX / sizeof *a + 1), BL_ENOMEM);
    cr_assert_eq(BL_GROW(a, cap, SIZE_MAX), BL_ENOMEM);
    cr_assert_eq(a, before);
    cr_assert_eq(cap, cap_before);
    cr_assert_float_eq(a[0], 1.5, 0);
    free(a);
}

Test(bl_vec, appended_bytes_keep_their_offsets_as_the_buffer_grows,
     .timeout = 10)
{
    char *buf = NULL;
    size_t cap = 0, len = 0, at[100];
    char word[16];
    for (size_t i = 0; i < 100; i++) {
        int n = snprintf(word, sizeof word, "w%zu", i);
        cr_assert_eq(bl_vec_append(&buf, &cap, &len, word, (size_t)n,
                                   &at[i]),
                     0);
    }
    for (size_t i = 0; i < 100; i++) {
        int n = snprintf(word, sizeof word, "w%zu", i);
        cr_assert_eq(memcmp(buf + at[i], word, (size_t)n), 0, "%zu", i);
    }
    size_t end;
    cr_assert_eq(bl_vec_append(&buf, &cap, &len, "", 0, &end), 0);
    cr_assert_eq(end, len, "nothing appended is at the end");
    size_t was = len;
    cr_assert_eq(bl_vec_append(&buf, &cap, &len, "x", SIZE_MAX, &end),
                 BL_ENOMEM);
    cr_assert_eq(len, was, "a refused append changes nothing");
    free(buf);
}
