/*
 * Tests of bl_row_group: the runs watcher tells a file in provider order
 * from one in the order its answers came, and the window gives its rows
 * back grouped by provider (providers in byte order, a provider's rows in
 * the order they came, each with its line), bounded by its size, and
 * reusable after a reset.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bl_row_group.h"

/* Adds a row of provider prov at line with one field, prov itself. */
static void s_add(bl_row_group_t *g, const char *prov, uint64_t line)
{
    const char *fields[1] = {prov};
    size_t lens[1] = {strlen(prov)};
    bl_raw_row_t row = {.line = line, .n_fields = 1, .fields = fields,
                        .lens = lens};
    cr_assert_eq(bl_row_group_add(g, prov, lens[0], &row), 0);
}

/* Row i of the sorted window: its line and its field. */
static uint64_t s_row(const bl_row_group_t *g, size_t i, char *field,
                      size_t size)
{
    size_t len;
    const uint8_t *p = bl_row_group_row(g, i, &len);
    bl_mpr_t r;
    bl_mpr_init(&r, p, len);
    uint32_t n, nf, fl;
    uint64_t line;
    const char *f;
    cr_assert_eq(bl_mpr_array(&r, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(bl_mpr_uint(&r, &line), 0);
    cr_assert(bl_mpr_nil(&r));
    cr_assert_eq(bl_mpr_array(&r, &nf), 0);
    cr_assert_eq(nf, 1);
    cr_assert_eq(bl_mpr_str(&r, &f, &fl), 0);
    cr_assert(bl_mpr_done(&r), "row %zu has bytes after its fields", i);
    cr_assert_lt(fl, size);
    memcpy(field, f, fl);
    field[fl] = '\0';
    return line;
}

Test(bl_row_group, rows_come_back_by_provider_in_the_order_they_came,
     .timeout = 10)
{
    static const char *const provs[] = {"NO-2", "NO-10", "NO-1", "NO-2",
                                        "NO-1", "NO-10", "NO-2", "NO-1"};
    bl_row_group_t g;
    bl_row_group_init(&g, 1 << 20);
    for (int round = 0; round < 2; round++) {   /* again after a reset */
        for (size_t i = 0; i < 8; i++) {
            s_add(&g, provs[i], 100 * (uint64_t)round + i + 2);
        }
        cr_assert_eq(bl_row_group_count(&g), 8);
        cr_assert_eq(bl_row_group_sort(&g), 0);
        /* byte order: NO-1 < NO-10 < NO-2; lines as they came */
        static const char *const want_prov[] = {"NO-1", "NO-1", "NO-1",
                                                "NO-10", "NO-10", "NO-2",
                                                "NO-2", "NO-2"};
        static const uint64_t want_line[] = {4, 6, 9, 3, 7, 2, 5, 8};
        for (size_t i = 0; i < 8; i++) {
            char field[16];
            uint64_t line = s_row(&g, i, field, sizeof field);
            cr_expect_str_eq(field, want_prov[i], "row %zu", i);
            cr_expect_eq(line, 100 * (uint64_t)round + want_line[i],
                         "row %zu", i);
        }
        bl_row_group_reset(&g);
        cr_assert_eq(bl_row_group_count(&g), 0);
    }
    bl_row_group_destroy(&g);
}

Test(bl_row_group, a_row_the_reader_could_not_read_keeps_its_reason,
     .timeout = 10)
{
    bl_row_group_t g;
    bl_row_group_init(&g, 1 << 20);
    s_add(&g, "NO-2", 2);
    bl_raw_row_t bad = {.line = 3, .error = "expected 7 fields, found 5",
                        .error_len = 26};
    cr_assert_eq(bl_row_group_add(&g, "", 0, &bad), 0);
    cr_assert_eq(bl_row_group_sort(&g), 0);
    size_t len;
    const uint8_t *p = bl_row_group_row(&g, 0, &len);   /* "" first */
    bl_mpr_t r;
    bl_mpr_init(&r, p, len);
    uint32_t n, fl;
    uint64_t line;
    const char *why;
    cr_assert_eq(bl_mpr_array(&r, &n), 0);
    cr_assert_eq(bl_mpr_uint(&r, &line), 0);
    cr_assert_eq(line, 3);
    cr_assert_eq(bl_mpr_str(&r, &why, &fl), 0);
    cr_assert_eq(fl, 26);
    cr_assert_eq(memcmp(why, "expected 7 fields, found 5", 26), 0);
    char field[16];
    cr_assert_eq(s_row(&g, 1, field, sizeof field), 2);
    bl_row_group_destroy(&g);
}

Test(bl_row_group, the_window_is_full_at_its_size_and_grows_its_table,
     .timeout = 10)
{
    bl_row_group_t g;
    bl_row_group_init(&g, 64 * 1024);
    size_t n = 0;
    char prov[32];
    while (!bl_row_group_full(&g)) {
        snprintf(prov, sizeof prov, "NO-%05zu", n % 3000);
        s_add(&g, prov, n + 2);
        n++;
    }
    cr_assert_gt(n, 2000, "more providers than the table's first size");
    cr_assert_eq(bl_row_group_sort(&g), 0);
    char last[16] = "", field[16];
    uint64_t last_line = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t line = s_row(&g, i, field, sizeof field);
        int c = strcmp(field, last);
        cr_assert_geq(c, 0, "row %zu: %s after %s", i, field, last);
        cr_assert(c > 0 || line > last_line, "row %zu: line %lu after %lu",
                  i, (unsigned long)line, (unsigned long)last_line);
        memcpy(last, field, sizeof last);
        last_line = line;
    }
    bl_row_group_destroy(&g);
}

/* Feeds BL_ROW_RUNS_SAMPLE rows of runs of run_len rows; what the last
 * says. */
static bool s_sample(bl_row_runs_t *r, int run_len)
{
    bool say = false;
    char prov[32];
    for (int i = 0; i < BL_ROW_RUNS_SAMPLE; i++) {
        snprintf(prov, sizeof prov, "NO-%d", i / run_len);
        say = bl_row_runs_add(r, prov, strlen(prov));
        cr_assert(!say || i == BL_ROW_RUNS_SAMPLE - 1,
                  "said before the sample was full");
    }
    return say;
}

Test(bl_row_group, short_runs_are_told_from_a_file_in_provider_order,
     .timeout = 10)
{
    bl_row_runs_t r;
    bl_row_runs_init(&r);
    cr_expect(!s_sample(&r, 30), "a survey in provider order");
    cr_expect(!s_sample(&r, BL_ROW_RUNS_SHORT + 1), "runs of 4");
    cr_expect(s_sample(&r, 1), "each row another provider's");
    cr_expect(s_sample(&r, 2), "runs of 2");
}
