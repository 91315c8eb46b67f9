/*
 * Tests of report_pdf: with cairo, the file is a PDF with as many A4 pages
 * as the report needs; without cairo, the call refuses with a clear error.
 * Each test works in its own mkdtemp directory.
 */
#include "bl_test_node.h"
#include "report_pdf.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_i18n.h"
#include "report_model.h"

#ifndef BL_SOURCE_DIR
#define BL_SOURCE_DIR "."
#endif

static char s_dir[64];
static char s_path[128];
static report_i18n_t *s_msg;

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/test_report_pdf.XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_path, sizeof s_path, "%s/report.pdf", s_dir);
    cr_assert_eq(report_i18n_open(&s_msg, BL_SOURCE_DIR "/config/messages",
                                  "et", NULL), 0);
}

static void s_teardown(void)
{
    report_i18n_destroy(&s_msg);
    unlink(s_path);
    rmdir(s_dir);
}

/* A provider with `count` indicators, each with one national group of 20
 * peers; the first is suppressed. */
static report_provider_t *s_fixture(size_t count)
{
    report_provider_t *r = report_provider_new();
    cr_assert_not_null(r);
    r->provider_id = report_strdup("EE-tallinn-7");
    r->name = report_strdup("Tallinna Päevakeskus <&>");
    r->country = report_strdup("EE");
    r->service_type = report_strdup("day_services");
    r->period = 2025;
    r->min_respondents = 5;
    r->min_peers = 5;
    r->indicators = calloc(count, sizeof *r->indicators);
    cr_assert_not_null(r->indicators);
    r->indicator_count = count;
    for (size_t i = 0; i < count; i++) {
        report_indicator_t *ind = &r->indicators[i];
        char id[16];
        snprintf(id, sizeof id, "RES-%02u", (unsigned)(i + 1) % 100u);
        ind->id = report_strdup(id);
        ind->name = report_strdup("Eluga rahulolu – õnnestumine");
        ind->principle = report_strdup(i % 2 ? "staff" : "leadership");
        ind->kind = report_strdup("ratio");
        ind->unit = report_strdup("%");
        ind->status = i == 0 ? REPORT_STATUS_SUPPRESSED : REPORT_STATUS_OK;
        ind->n = i == 0 ? 2 : -1;
        ind->value = 50.0 + (double)i;
        ind->groups = calloc(1, sizeof *ind->groups);
        cr_assert_not_null(ind->groups);
        ind->group_count = 1;
        report_group_t *g = ind->groups;
        g->group_id = report_strdup("national");
        g->group_key = report_strdup("EE/day_services");
        g->n = 20;
        g->peers = calloc(20, sizeof *g->peers);
        cr_assert_not_null(g->peers);
        g->peer_count = 20;
        for (size_t k = 0; k < 20; k++) {
            g->peers[k] = 30.0 + 2.0 * (double)k;
        }
        g->min = 30;
        g->p10 = 33.8;
        g->p25 = 39.5;
        g->p50 = 49;
        g->p75 = 58.5;
        g->p90 = 64.2;
        g->max = 68;
        g->best_in_class = 64.2;
        g->has_position = ind->status == REPORT_STATUS_OK;
        g->percentile_rank = 55;
        g->band = 3;
    }
    return r;
}

TestSuite(report_pdf, .init = s_setup, .fini = s_teardown);

#ifdef BL_HAVE_CAIRO

static char *s_slurp(const char *path, size_t *len)
{
    char *buf = bl_test_read_file(path, len);
    cr_assert_not_null(buf, "no file %s", path);
    cr_assert_gt(*len, 0);
    return buf;
}

/* Occurrences of needle in the binary buf: "/Type /Page" not followed by
 * "s" counts page objects. */
static size_t s_count(const char *buf, size_t len, const char *needle,
                      int not_plural)
{
    size_t hits = 0;
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl < len; i++) {
        if (memcmp(buf + i, needle, nl) == 0
            && (!not_plural || buf[i + nl] != 's')) {
            hits++;
        }
    }
    return hits;
}

static size_t s_pages(const char *buf, size_t len)
{
    return s_count(buf, len, "/Type /Page", 1);
}

Test(report_pdf, writes_a_pdf_with_one_page_for_a_short_report,
     .timeout = 20)
{
    report_provider_t *r = s_fixture(1);
    bl_err_t err = {0};
    cr_assert_eq(report_pdf_write(s_path, r, s_msg, &err), 0, "%s", err.msg);
    size_t len = 0;
    char *buf = s_slurp(s_path, &len);
    cr_assert_eq(memcmp(buf, "%PDF-", 5), 0);
    cr_assert_geq(s_count(buf, len, "/MediaBox [ 0 0 595.28 841.89 ]", 0), 1,
                  "not A4");
    cr_assert_geq(s_pages(buf, len), 1);
    free(buf);
    report_provider_destroy(&r);
}

Test(report_pdf, long_report_breaks_into_several_pages, .timeout = 30)
{
    report_provider_t *r = s_fixture(12);
    cr_assert_eq(report_pdf_write(s_path, r, s_msg, NULL), 0);
    size_t len = 0;
    char *buf = s_slurp(s_path, &len);
    size_t pages = s_pages(buf, len);
    /* 12 charts of about 100 pt plus text cannot fit on 2 pages. */
    cr_assert_geq(pages, 3, "only %zu pages", pages);
    cr_assert_leq(pages, 12, "%zu pages", pages);
    free(buf);
    report_provider_destroy(&r);
}

Test(report_pdf, unwritable_path_is_an_io_error, .timeout = 10)
{
    report_provider_t *r = s_fixture(1);
    bl_err_t err = {0};
    char bad[160];
    snprintf(bad, sizeof bad, "%s/no/such/dir/x.pdf", s_dir);
    cr_assert_eq(report_pdf_write(bad, r, s_msg, &err), BL_EIO);
    cr_assert_not_null(strstr(err.msg, "x.pdf"));
    report_provider_destroy(&r);
}

#else

Test(report_pdf, refuses_without_cairo, .timeout = 10)
{
    report_provider_t *r = s_fixture(1);
    bl_err_t err = {0};
    cr_assert_eq(report_pdf_write(s_path, r, s_msg, &err), BL_EIO);
    cr_assert_not_null(strstr(err.msg, "built without cairo"));
    cr_assert_eq(access(s_path, F_OK), -1);
    report_provider_destroy(&r);
}

#endif

Test(report_pdf, null_arguments_are_refused, .timeout = 10)
{
    cr_assert_eq(report_pdf_write(NULL, NULL, NULL, NULL), BL_EINVAL);
    cr_assert_eq(access(s_path, F_OK), -1);
}
