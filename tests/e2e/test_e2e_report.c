/*
 * End to end: the report daemon.  A node whose catalogue sits in a folder
 * of its own (no message files beside it) renders every report; a close
 * whose reports cannot all be written names them and exits non-zero;
 * `benchlearn report` refuses bad fields and writes only under the node's
 * reports folder (with -o the files are moved to the folder asked for);
 * a PDF is rendered when asked for, kept, served again from the kept file
 * and rendered anew after the next close; and each report carries its learning curve over the periods the node holds.
 *
 * The data is written here: 12 residential-care providers in NO with two
 * ratio indicators in 2023, 2024 and 2025.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_config.h"
#include "bl_daemon.h"
#include "bl_net.h"
#include "bl_rpc.h"
#include "bl_test_node.h"

#define S_ROLE "role: national\ncountry: \"NO\"\n"
#define S_GROUPS "  national: [country, service_type]\n"

static bl_test_node_t s_node;

static void s_setup(void)
{
    cr_assert_eq(bl_test_node_init(&s_node, S_ROLE, S_GROUPS, NULL), 0);
}

static void s_teardown(void)
{
    bl_test_node_stop(&s_node);
}

static char *s_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
    }
    fclose(f);
    return buf;
}

/* register.csv with `providers` providers NO-0001.., and ind-PERIOD.csv
 * for 2023..2025: LEA-01 = (10 + 3p + 5 (period - 2023)) %, LEA-03 =
 * (80 - 2p) %. */
static void s_write_data(int providers)
{
    char path[512];
    snprintf(path, sizeof path, "%s/register.csv", s_node.dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "provider_id,name,country,service_type,users,staff,"
               "membership,member_since,share_identity\n");
    for (int p = 1; p <= providers; p++) {
        fprintf(f, "NO-%04d,Provider %d,NO,residential_care,%d,%d,"
                   "assurance,2020-01-01,yes\n", p, p, 50 + p, 20 + p);
    }
    cr_assert_eq(fclose(f), 0);
    for (int period = 2023; period <= 2025; period++) {
        snprintf(path, sizeof path, "%s/ind-%d.csv", s_node.dir, period);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fprintf(f, "provider_id,unit_id,period,indicator_id,numerator,"
                   "denominator,value\n");
        for (int p = 1; p <= providers; p++) {
            fprintf(f, "NO-%04d,,%d,LEA-01,%d,100,\n", p, period,
                    10 + 3 * (p % 25) + 5 * (period - 2023));
            fprintf(f, "NO-%04d,,%d,LEA-03,%d,100,\n", p, period,
                    80 - 2 * (p % 30));
        }
        cr_assert_eq(fclose(f), 0);
    }
}

/* Starts the node and submits the register and `periods` periods from
 * 2023 on, closing each but the last. */
static void s_load(int periods)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "up"), 0, "%s", out);
    free(out);
    int rc = bl_test_node_cli(&s_node, &out, "submit --wait register.csv");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    for (int i = 0; i < periods; i++) {
        rc = bl_test_node_cli(&s_node, &out, "submit --wait ind-%d.csv",
                              2023 + i);
        cr_assert_eq(rc, 0, "%s", out);
        free(out);
        if (i + 1 < periods) {
            rc = bl_test_node_cli(&s_node, &out, "close %d", 2023 + i);
            cr_assert_eq(rc, 0, "close %d: %s", 2023 + i, out);
            free(out);
        }
    }
}

static void s_assert_file(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_node.dir, name);
    cr_assert_eq(access(path, R_OK), 0, "missing %s", path);
}

Test(e2e_report, catalogue_in_a_folder_of_its_own_renders_every_report,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    /* The catalogue alone in a folder: no messages/ beside it. */
    cr_assert_eq(bl_test_sh("mkdir %s/cat && cp %s/config/catalogue.yaml "
                            "%s/cat/ && sed -i 's|^catalogue: .*|catalogue: "
                            "cat/catalogue.yaml|' %s",
                            s_node.dir, bl_test_source_dir(), s_node.dir,
                            s_node.config),
                 0);
    s_write_data(12);
    s_load(1);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "close 2023");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_not_null(strstr(out, "reports in"), "%s", out);
    free(out);
    static const char *const exts[] = {"html", "csv", "json"};
    for (int p = 1; p <= 12; p++) {
        for (int i = 0; i < 3; i++) {
            char name[128];
            snprintf(name, sizeof name, "var/reports/2023/NO-%04d.%s", p,
                     exts[i]);
            s_assert_file(name);
        }
    }
    s_assert_file("var/reports/2023/summary.html");
    char path[512];
    /* A close renders no PDF: they are rendered when asked for. */
    snprintf(path, sizeof path, "%s/var/reports/2023/NO-0001.pdf",
             s_node.dir);
    cr_assert_neq(access(path, F_OK), 0, "a close rendered a PDF");
    snprintf(path, sizeof path, "%s/var/reports/2023/NO-0001.html",
             s_node.dir);
    char *html = s_read(path);
    cr_assert_not_null(html);
    /* Norwegian words from the built-in messages, no bare keys. */
    cr_assert_not_null(strstr(html, "lang=\"no\""));
    cr_assert_null(strstr(html, "report.title"), "a message key leaked");
    cr_assert_null(strstr(html, "section.areas"), "a message key leaked");
    free(html);
}

Test(e2e_report, close_names_a_report_that_cannot_be_written_and_fails,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    s_write_data(12);
    s_load(1);
    /* A folder where NO-0003's HTML report should go. */
    cr_assert_eq(bl_test_sh("mkdir -p %s/var/reports/2023/NO-0003.html",
                            s_node.dir),
                 0);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "close 2023");
    cr_assert_eq(rc, 2, "close must fail: %s", out);
    cr_assert_not_null(strstr(out, "1 report of period 2023 could not be "
                                   "written (NO-0003)"), "%s", out);
    cr_assert_not_null(strstr(out, "NO-0003.html"), "%s", out);
    cr_assert_null(strstr(out, "reports in"), "%s", out);
    free(out);
    /* The others are written. */
    s_assert_file("var/reports/2023/NO-0002.html");
    s_assert_file("var/reports/2023/NO-0004.json");
    s_assert_file("var/reports/2023/summary.html");
    /* Once the obstacle is gone, the next close succeeds. */
    cr_assert_eq(bl_test_sh("rmdir %s/var/reports/2023/NO-0003.html",
                            s_node.dir),
                 0);
    rc = bl_test_node_cli(&s_node, &out, "close 2023");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    s_assert_file("var/reports/2023/NO-0003.html");
}

Test(e2e_report, report_refuses_bad_fields_and_moves_files_to_o_dir,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    s_write_data(12);
    s_load(1);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "close 2023");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    /* An over-long provider id is refused, not read as "every provider". */
    char longid[80];
    memset(longid, 'A', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    rc = bl_test_node_cli(&s_node, &out, "report 2023 --provider NO-%s -o x",
                          longid);
    cr_assert_eq(rc, 1, "%s", out);
    cr_assert_not_null(strstr(out, "provider"), "%s", out);
    free(out);
    rc = bl_test_node_cli(&s_node, &out, "report 2023 --provider NO-%.50s",
                          longid);
    cr_assert_eq(rc, 1, "%s", out);
    cr_assert_not_null(strstr(out, "is not a provider id"), "%s", out);
    free(out);
    char path[512];
    snprintf(path, sizeof path, "%s/x", s_node.dir);
    cr_assert_neq(access(path, F_OK), 0, "a refused request wrote files");
    /* One provider's PDF into a folder of the user's. */
    rc = bl_test_node_cli(&s_node, &out,
                          "report 2023 --provider NO-0005 --format pdf -o "
                          "again");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_not_null(strstr(out, "1 pdf file in again"), "%s", out);
    free(out);
    s_assert_file("again/NO-0005.pdf");
    snprintf(path, sizeof path, "%s/again/NO-0004.pdf", s_node.dir);
    cr_assert_neq(access(path, F_OK), 0);
    /* Nothing is left behind in the node's reports folder. */
    cr_assert_eq(bl_test_sh("test -z \"$(ls -A %s/var/reports/requests)\"",
                            s_node.dir),
                 0);
}

/* The first bytes of file name under the node's folder ("" if none). */
static void s_head(const char *name, char *buf, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_node.dir, name);
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        size_t n = fread(buf, 1, size - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
}

Test(e2e_report, a_pdf_is_rendered_on_request_kept_and_stale_after_a_close,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    s_write_data(6);
    s_load(1);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "close 2023");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    const char *kept = "var/reports/2023/NO-0002.pdf";
    rc = bl_test_node_cli(&s_node, &out,
                          "report 2023 --provider NO-0002 --format pdf");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_not_null(strstr(out, "1 pdf file in"), "%s", out);
    free(out);
    char head[8];
    s_head(kept, head, sizeof head);
    cr_assert_str_eq(head, "%PDF-1.");
    /* Marked, so that a second rendering would show. */
    cr_assert_eq(bl_test_sh("printf 'KEPT' > %s/%s", s_node.dir, kept), 0);
    rc = bl_test_node_cli(&s_node, &out,
                          "report 2023 --provider NO-0002 --format pdf");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_not_null(strstr(out, "1 pdf file in"), "%s", out);
    free(out);
    s_head(kept, head, sizeof head);
    cr_assert_str_eq(head, "KEPT", "the kept PDF was rendered again");
    /* With -o the kept file is copied to the folder asked for. */
    rc = bl_test_node_cli(&s_node, &out, "report 2023 --provider NO-0002 "
                          "--format pdf -o mine");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    s_head("mine/NO-0002.pdf", head, sizeof head);
    cr_assert_str_eq(head, "KEPT");
    /* A new close makes it stale: it is removed, then rendered anew. */
    rc = bl_test_node_cli(&s_node, &out, "close 2023");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_node.dir, kept);
    cr_assert_neq(access(path, F_OK), 0, "a stale PDF was left");
    rc = bl_test_node_cli(&s_node, &out,
                          "report 2023 --provider NO-0002 --format pdf");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    s_head(kept, head, sizeof head);
    cr_assert_str_eq(head, "%PDF-1.");
}

Test(e2e_report, learning_curve_spans_every_period_the_node_holds,
     .init = s_setup, .fini = s_teardown, .timeout = 600)
{
    s_write_data(12);
    s_load(3);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "close 2025");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    char path[512];
    snprintf(path, sizeof path, "%s/var/reports/2025/NO-0001.json",
             s_node.dir);
    char *json = s_read(path);
    cr_assert_not_null(json);
    /* LEA-01 of NO-0001 is 13, 18, 23 %: the lowest of the 12, whose
     * medians are 29.5, 34.5, 39.5; rank 100 * 0.5 / 12. */
    cr_assert_not_null(strstr(json,
        "\"curve\":[{\"period\":2023,\"status\":\"ok\",\"value\":13,"
        "\"percentile_rank\":4.166666667,\"band\":1,\"group_p50\":29.5},"
        "{\"period\":2024,\"status\":\"ok\",\"value\":18,"
        "\"percentile_rank\":4.166666667,\"band\":1,\"group_p50\":34.5},"
        "{\"period\":2025,\"status\":\"ok\",\"value\":23,"
        "\"percentile_rank\":4.166666667,\"band\":1,\"group_p50\":39.5}]"),
        "%s", json);
    free(json);
    /* The CSV carries the earlier periods' rows; the HTML the chart. */
    snprintf(path, sizeof path, "%s/var/reports/2025/NO-0001.csv",
             s_node.dir);
    char *csv = s_read(path);
    cr_assert_not_null(csv);
    cr_assert_not_null(strstr(csv, "\nNO-0001,2023,LEA-01,ok,13,,,,,"
                                   "national,,,,,,,,,29.5,,,,,"
                                   "4.166666667,1,,,,\n"), "%s", csv);
    free(csv);
    snprintf(path, sizeof path, "%s/var/reports/2025/NO-0001.html",
             s_node.dir);
    char *html = s_read(path);
    cr_assert_not_null(html);
    cr_assert_not_null(strstr(html, "lc-LEA-01-title"));
    free(html);
    /* The 2024 report, rendered when 2024 closed, shows 2023 and 2024. */
    snprintf(path, sizeof path, "%s/var/reports/2024/NO-0001.json",
             s_node.dir);
    json = s_read(path);
    cr_assert_not_null(json);
    cr_assert_not_null(strstr(json, "\"curve\":[{\"period\":2023,"));
    cr_assert_null(strstr(json, "\"period\":2025"));
    free(json);
}

Test(e2e_report, areas_show_the_indicators_that_move_with_them,
     .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    /* 24 providers: LEA-01 rises and LEA-03 falls with the provider
     * number, so rho is -1 over n 24 (p 0): shown.  With 12 providers
     * (n < 20) nothing would be. */
    s_write_data(24);
    s_load(1);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "close 2023");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    char path[512];
    snprintf(path, sizeof path, "%s/var/reports/2023/NO-0001.json",
             s_node.dir);
    char *json = s_read(path);
    cr_assert_not_null(json);
    cr_assert_not_null(strstr(json,
        "{\"indicator_id\":\"LEA-01\",\"partners\":["), "%s", json);
    cr_assert_not_null(strstr(json,
        "\"related\":[{\"indicator_id\":\"LEA-03\",\"group_id\":"
        "\"national\",\"group_key\":\"NO/residential_care\",\"n\":24,"
        "\"rho\":-1,\"p\":0}]"), "%s", json);
    free(json);
    snprintf(path, sizeof path, "%s/var/reports/2023/summary.html",
             s_node.dir);
    char *html = s_read(path);
    cr_assert_not_null(html);
    cr_assert_not_null(strstr(html, "LEA-01 × LEA-03"), "%s", html);
    free(html);
}
