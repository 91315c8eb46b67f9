/*
 * End to end: the learning cycle of SPEC section 10.  A node over two
 * countries (NO and PT, five providers each, one peer group `all`) gets
 * hand-made 2024 and 2025 figures whose bands are worked out below, then
 * improvement actions and practices after 2024 is closed.  It checks:
 * actions and practices are accepted for a closed period while other rows
 * stay rejected; `export --what actions` shows the indicator's value and
 * band in 2024, and in 2025 only once 2025 is closed (an action whose
 * indicator moved from band 1 to band 3); an action on an indicator that
 * is not an area for improvement gets a warning in `benchlearn check`;
 * `export --what learning-needs` has the `event` column at its thresholds
 * (3 providers in need in 2 countries, 3 in 1 country, 2) and equals an
 * independent computation from the positions export
 * (tests/tools/check_learning.py); the 2025 reports (HTML and JSON) show
 * the follow-up of 2024's actions and, under an area, the practices of
 * band-4 providers only (named only when they share identity), and the
 * CSV reports the same in their own sections; the 2025
 * summary shows the share of 2024's actions done and the event plan.
 * test_e2e_learning_sample.c does the
 * same on the sample data.
 *
 * The values, all in one group of 10 (min_peers 5), quantiles by SPEC
 * section 5 (h = 9 alpha):
 *   PSH-01  NO-001..005 = 10 20 40 50 60, PT-001..005 = 30 70 80 90 100:
 *           p25 32.5 -> in need NO-001 NO-002 PT-001 (3 in 2 countries:
 *           international); p75 77.5 -> band 4 PT-003..005.
 *   LEA-01  NO = 10 20 30 50 60, PT = 40 70 80 90 100: in need NO-001..003
 *           (3 in NO only: national on the NO row, nothing on PT).
 *   CIM-01  NO = 10 40 40 50 60, PT = 20 70 80 90 100: p25 40 -> in need
 *           NO-001 and PT-001 (2: no event); p75 77.5 -> band 4 PT-003..5.
 *   LEA-01 in 2025: NO-001 = 65, the others as in 2024: p50 62.5, p75 77.5
 *           -> band 3 (it was band 1 with 10 in 2024).
 * PT-003 and PT-005 share identity, PT-004 does not.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_test_node.h"

static bl_test_node_t s_node;

static void s_setup(void)
{
    memset(&s_node, 0, sizeof s_node);
    cr_assert_eq(bl_test_node_init(&s_node, "role: international\n",
                                   "  all: []\n", NULL),
                 0, "cannot make the node's directory");
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "up");
    cr_assert_eq(rc, 0, "benchlearn up failed:\n%s", out ? out : "");
    free(out);
}

static void s_teardown(void)
{
    bl_test_node_stop(&s_node);
}

/* Writes text to the node's directory as name. */
static void s_write(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_node.dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static char *s_read(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_node.dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = calloc(1, (size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        buf[0] = '\0';
    }
    fclose(f);
    return buf;
}

/* Runs benchlearn; asserts the exit status; returns the output. */
static char *s_cli(int want, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *s_cli(int want, const char *fmt, ...)
{
    char args[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out, "%s", args);
    cr_assert_not_null(out, "no output from benchlearn %s", args);
    cr_assert_eq(rc, want, "benchlearn %s: exit %d, not %d:\n%s", args, rc,
                 want, out);
    return out;
}

static const char s_register[] =
    "provider_id,name,country,service_type,users,staff,membership,"
    "member_since,share_identity\n"
    "NO-001,Bergen Arbeid,NO,vocational_rehabilitation,100,20,assurance,"
    "2019-03-01,yes\n"
    "NO-002,Oslo Jobb,NO,vocational_rehabilitation,110,20,assurance,"
    "2019-03-01,no\n"
    "NO-003,Trondheim Vekst,NO,vocational_rehabilitation,120,20,assurance,"
    "2019-03-01,no\n"
    "NO-004,Stavanger Jobb,NO,vocational_rehabilitation,130,20,assurance,"
    "2019-03-01,no\n"
    "NO-005,Tromsø Arbeid,NO,vocational_rehabilitation,140,20,assurance,"
    "2019-03-01,no\n"
    "PT-001,Lisboa Inclusão,PT,vocational_rehabilitation,100,20,assurance,"
    "2019-03-01,no\n"
    "PT-002,Porto Emprego,PT,vocational_rehabilitation,110,20,assurance,"
    "2019-03-01,no\n"
    "PT-003,Braga Futuro,PT,vocational_rehabilitation,120,20,assurance,"
    "2019-03-01,yes\n"
    "PT-004,Coimbra Apoio,PT,vocational_rehabilitation,130,20,assurance,"
    "2019-03-01,no\n"
    "PT-005,Faro Caminho,PT,vocational_rehabilitation,140,20,assurance,"
    "2019-03-01,yes\n";

/* Writes indicators-PERIOD.csv: PSH-01, LEA-01 and CIM-01 as in the
 * table at the top; in 2025 LEA-01 only, NO-001 at lea_no1. */
static void s_write_indicators(int period, int lea_no1)
{
    static const char *const ids[] = {"NO-001", "NO-002", "NO-003",
                                      "NO-004", "NO-005", "PT-001",
                                      "PT-002", "PT-003", "PT-004",
                                      "PT-005"};
    static const int psh[] = {10, 20, 40, 50, 60, 30, 70, 80, 90, 100};
    static const int lea[] = {10, 20, 30, 50, 60, 40, 70, 80, 90, 100};
    static const int cim[] = {10, 40, 40, 50, 60, 20, 70, 80, 90, 100};
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof text,
                                   "provider_id,unit_id,period,indicator_id,"
                                   "numerator,denominator,value\n");
    for (int i = 0; i < 10; i++) {
        int l = i == 0 ? lea_no1 : lea[i];
        used += (size_t)snprintf(text + used, sizeof text - used,
                                 "%s,,%d,LEA-01,%d,100,\n", ids[i], period,
                                 l);
        if (period == 2024) {
            used += (size_t)snprintf(text + used, sizeof text - used,
                                     "%s,,%d,PSH-01,,,%d\n"
                                     "%s,,%d,CIM-01,%d,100,\n",
                                     ids[i], period, psh[i], ids[i], period,
                                     cim[i]);
        }
    }
    char name[64];
    snprintf(name, sizeof name, "indicators-%d.csv", period);
    s_write(name, text);
}

static const char s_actions[] =
    "provider_id,period,action_id,indicator_id,action,owner,due,status\n"
    "NO-001,2024,A1,LEA-01,\"Plan objectives with every team, "
    "monthly\",Head of service,2025-06-30,done\n"
    "NO-004,2024,A2,PSH-01,Two new partners,Director,2025-09-30,planned\n";

static const char s_practices[] =
    "provider_id,period,indicator_id,title,description,contact\n"
    "PT-005,2024,PSH-01,Partner days,Twice a year we invite every partner,"
    "parcerias@faro.example\n";

/* The submission id on the "SUB FILE" line of submit's output. */
static void s_sub_of(const char *out, const char *file, char *id,
                     size_t size)
{
    const char *p = strstr(out, file);
    cr_assert_not_null(p, "no %s in:\n%s", file, out);
    const char *line = p;
    while (line > out && line[-1] != '\n') {
        line--;
    }
    const char *sp = strchr(line, ' ');
    cr_assert(sp != NULL && sp < p && (size_t)(sp - line) < size);
    snprintf(id, size, "%.*s", (int)(sp - line), line);
}

/* Waits until `export PERIOD --what actions` has n data rows (the actions
 * reach the benchmark daemon after validation answers); returns it. */
static char *s_actions_export(int period, int n)
{
    for (int tries = 0; tries < 600; tries++) {
        char *out = s_cli(0, "export %d --what actions", period);
        int lines = 0;
        for (const char *c = out; *c; c++) {
            lines += *c == '\n';
        }
        if (lines - 1 >= n) {
            return out;
        }
        free(out);
        bl_test_sleep_ms(100);
    }
    cr_assert_fail("the actions never reached the export");
    return NULL;
}

/* The register and 2024's figures submitted, 2024 closed, then the
 * actions and practices; returns the actions' submission id. */
static void s_cycle_2024(char *actions_sub, size_t size)
{
    s_write("register.csv", s_register);
    s_write_indicators(2024, 10);
    s_write("actions-2024.csv", s_actions);
    s_write("practices-2024.csv", s_practices);
    free(s_cli(0, "submit --wait register.csv indicators-2024.csv"));
    free(s_cli(0, "close 2024"));
    char *out = s_cli(0, "submit --wait actions-2024.csv "
                         "practices-2024.csv");
    cr_expect_not_null(strstr(out, "actions-2024.csv: 2 accepted, 0 with "
                                   "warnings, 0 rejected"),
                       "%s", out);
    cr_expect_not_null(strstr(out, "practices-2024.csv: 1 accepted"), "%s",
                       out);
    s_sub_of(out, "actions-2024.csv", actions_sub, size);
    free(out);
}

Test(learning, actions_and_practices_accepted_for_closed_period_only,
     .init = s_setup, .fini = s_teardown, .timeout = 180)
{
    char sub[64];
    s_cycle_2024(sub, sizeof sub);
    /* An indicator row for the closed period is still refused. */
    s_write("late-2024.csv",
            "provider_id,unit_id,period,indicator_id,numerator,denominator,"
            "value\nNO-001,,2024,CIM-01,50,100,\n");
    char *out = s_cli(1, "submit --wait late-2024.csv");
    cr_expect_not_null(strstr(out, "late-2024.csv:2: period: period 2024 is "
                                   "closed"),
                       "%s", out);
    free(out);
}

Test(learning, actions_export_follows_band_1_to_band_3_after_next_close,
     .init = s_setup, .fini = s_teardown, .timeout = 180)
{
    char sub[64];
    s_cycle_2024(sub, sizeof sub);
    /* 2025 is not closed: next_value and next_band are empty. */
    char *out = s_actions_export(2024, 2);
    cr_expect_str_eq(out,
                     "period,provider_id,action_id,indicator_id,status,due,"
                     "value,band,next_value,next_band\n"
                     "2024,NO-001,A1,LEA-01,done,2025-06-30,10,1,,\n"
                     "2024,NO-004,A2,PSH-01,planned,2025-09-30,50,2,,\n");
    free(out);
    s_write_indicators(2025, 65);
    free(s_cli(0, "submit --wait indicators-2025.csv"));
    out = s_cli(0, "export 2024 --what actions");
    cr_expect_not_null(strstr(out, "2024,NO-001,A1,LEA-01,done,2025-06-30,"
                                   "10,1,,\n"),
                       "2025 figures before its close: %s", out);
    free(out);
    free(s_cli(0, "close 2025"));
    /* NO-004 sent no PSH-01 for 2025: its next_* stay empty. */
    out = s_cli(0, "export 2024 --what actions");
    cr_expect_str_eq(out,
                     "period,provider_id,action_id,indicator_id,status,due,"
                     "value,band,next_value,next_band\n"
                     "2024,NO-001,A1,LEA-01,done,2025-06-30,10,1,65,3\n"
                     "2024,NO-004,A2,PSH-01,planned,2025-09-30,50,2,,\n");
    free(out);
    out = s_cli(0, "export 2024 --what actions --format json");
    cr_expect_not_null(strstr(out, "\"action_id\": \"A1\", \"indicator_id\": "
                                   "\"LEA-01\", \"status\": \"done\", "
                                   "\"due\": \"2025-06-30\", \"value\": 10, "
                                   "\"band\": 1, \"next_value\": 65, "
                                   "\"next_band\": 3}"),
                       "%s", out);
    cr_expect_not_null(strstr(out, "\"next_value\": null, \"next_band\": "
                                   "null}"),
                       "%s", out);
    free(out);
}

Test(learning, check_warns_about_action_not_on_an_area, .init = s_setup,
     .fini = s_teardown, .timeout = 180)
{
    char sub[64];
    s_cycle_2024(sub, sizeof sub);
    free(s_actions_export(2024, 2));
    char *out = s_cli(0, "check %s", sub);
    cr_expect_not_null(strstr(out, "2 rows: 1 accepted, 1 with warnings, "
                                   "0 rejected"),
                       "%s", out);
    cr_expect_not_null(strstr(out, "actions-2024.csv:2: accepted\n"), "%s",
                       out);
    cr_expect_not_null(strstr(out, "actions-2024.csv:3: indicator_id: "
                                   "warning: PSH-01 is not an area for "
                                   "improvement of NO-004 in 2024\n"),
                       "%s", out);
    free(out);
}

Test(learning, learning_needs_thresholds_and_independent_check,
     .init = s_setup, .fini = s_teardown, .timeout = 180)
{
    char sub[64];
    s_cycle_2024(sub, sizeof sub);
    free(s_cli(0, "export 2024 --what learning-needs -o needs.csv"));
    free(s_cli(0, "export 2024 --what positions -o positions.csv"));
    char *needs = s_read("needs.csv");
    cr_assert_not_null(needs);
    cr_expect_str_eq(needs,
                     "period,indicator_id,principle,country,in_need,band4,"
                     "hosts,event\n"
                     "2024,CIM-01,continuous_improvement,NO,1,0,,\n"
                     "2024,CIM-01,continuous_improvement,PT,1,3,"
                     "PT-003;PT-005,\n"
                     "2024,LEA-01,leadership,NO,3,0,,national\n"
                     "2024,LEA-01,leadership,PT,0,3,PT-003;PT-005,\n"
                     "2024,PSH-01,partnership,NO,2,0,,international\n"
                     "2024,PSH-01,partnership,PT,1,3,PT-003;PT-005,"
                     "international\n");
    free(needs);
    int rc = bl_test_sh("python3 %s/tests/tools/check_learning.py "
                        "--positions %s/positions.csv --register "
                        "%s/register.csv --catalogue %s/config/catalogue.yaml "
                        "--period 2024 --compare %s/needs.csv > %s/check.out "
                        "2>&1",
                        bl_test_source_dir(), s_node.dir, s_node.dir,
                        bl_test_source_dir(), s_node.dir, s_node.dir);
    char *check = s_read("check.out");
    cr_expect_eq(rc, 0, "check_learning: %s", check ? check : "");
    cr_expect_not_null(check ? strstr(check, "6 rows, 0 mismatches") : NULL,
                       "%s", check ? check : "");
    free(check);
    char *out = s_cli(0, "export 2024 --what learning-needs --format json");
    cr_expect_not_null(strstr(out, "{\"period\": \"2024\", \"indicator_id\": "
                                   "\"CIM-01\", \"principle\": "
                                   "\"continuous_improvement\", \"country\": "
                                   "\"NO\", \"in_need\": 1, \"band4\": 0, "
                                   "\"hosts\": null, \"event\": null}"),
                       "%s", out);
    free(out);
}

/* The reports of 2025 list the actions of 2024 (SPEC 10): NO-001's A1 on
 * LEA-01, band 1 (10: rank 100 * 0.5 / 10 = 5) in 2024 and band 3 (65:
 * rank 100 * 5.5 / 10 = 55) in 2025; NO-004's A2 on PSH-01, which NO-004
 * did not send for 2025. */
Test(learning, report_of_next_period_shows_the_follow_up, .init = s_setup,
     .fini = s_teardown, .timeout = 180)
{
    char sub[64];
    s_cycle_2024(sub, sizeof sub);
    free(s_actions_export(2024, 2));
    s_write_indicators(2025, 65);
    free(s_cli(0, "submit --wait indicators-2025.csv"));
    free(s_cli(0, "close 2025"));
    char *json = s_read("var/reports/2025/NO-001.json");
    cr_assert_not_null(json, "no JSON report of NO-001 for 2025");
    cr_expect_not_null(strstr(json, "\"followup\":[{\"action_id\":\"A1\","
                                    "\"indicator_id\":\"LEA-01\","
                                    "\"status\":\"done\",\"due\":"
                                    "\"2025-06-30\",\"value\":10,"
                                    "\"percentile_rank\":5,\"band\":1,"
                                    "\"next_value\":65,"
                                    "\"next_percentile_rank\":55,"
                                    "\"next_band\":3}]"),
                       "%s", json);
    free(json);
    json = s_read("var/reports/2025/NO-004.json");
    cr_assert_not_null(json);
    cr_expect_not_null(strstr(json, "\"followup\":[{\"action_id\":\"A2\","
                                    "\"indicator_id\":\"PSH-01\","
                                    "\"status\":\"planned\",\"due\":"
                                    "\"2025-09-30\",\"value\":50,"
                                    "\"percentile_rank\":45,\"band\":2,"
                                    "\"next_value\":null,"
                                    "\"next_percentile_rank\":null,"
                                    "\"next_band\":null}]"),
                       "%s", json);
    free(json);
    /* Providers without actions in 2024 have an empty follow-up. */
    json = s_read("var/reports/2025/PT-001.json");
    cr_assert_not_null(json);
    cr_expect_not_null(strstr(json, "\"followup\":[]"), "%s", json);
    free(json);
    /* The CSV has the same follow-up in its own section. */
    char *csv = s_read("var/reports/2025/NO-001.csv");
    cr_assert_not_null(csv, "no CSV report of NO-001 for 2025");
    cr_expect_not_null(strstr(csv, "\n\naction_id,action_period,"
                                   "indicator_id,status,due,value,"
                                   "percentile_rank,band,next_value,"
                                   "next_percentile_rank,next_band\n"
                                   "A1,2024,LEA-01,done,2025-06-30,10,5,1,"
                                   "65,55,3\n"),
                       "%s", csv);
    free(csv);
    csv = s_read("var/reports/2025/NO-004.csv");
    cr_assert_not_null(csv);
    cr_expect_not_null(strstr(csv, "\nA2,2024,PSH-01,planned,2025-09-30,"
                                   "50,45,2,,,\n"),
                       "%s", csv);
    free(csv);
    csv = s_read("var/reports/2025/PT-001.csv");
    cr_assert_not_null(csv);
    cr_expect_null(strstr(csv, "action_id"), "a follow-up without actions: "
                                             "%s", csv);
    free(csv);
    /* Every previous rank in the 2025 reports is the 2024 rank of the
     * provider's group instance of now, by an independent reading of the
     * 2024 positions export. */
    free(s_cli(0, "export 2024 --what positions -o positions-2024.csv"));
    int rc = bl_test_sh("python3 %s/tests/tools/check_prev_ranks.py "
                        "--positions %s/positions-2024.csv --reports "
                        "%s/var/reports/2025 > %s/prev.out 2>&1",
                        bl_test_source_dir(), s_node.dir, s_node.dir,
                        s_node.dir);
    char *prev = s_read("prev.out");
    cr_expect_eq(rc, 0, "check_prev_ranks: %s", prev ? prev : "");
    cr_expect_not_null(prev ? strstr(prev, " 0 mismatches") : NULL, "%s",
                       prev ? prev : "");
    cr_expect_null(prev ? strstr(prev, " 0 with a previous rank") : NULL,
                   "no previous rank at all: %s", prev ? prev : "");
    free(prev);
    /* The 2024 reports (rendered before the actions came) have none. */
    json = s_read("var/reports/2024/NO-001.json");
    cr_assert_not_null(json);
    cr_expect_not_null(strstr(json, "\"followup\":[]"), "%s", json);
    free(json);
    char *html = s_read("var/reports/2025/NO-001.html");
    cr_assert_not_null(html);
    const char *sec = strstr(html, "<section id=\"followup\">");
    cr_assert_not_null(sec, "no follow-up section:\n%s", html);
    const char *row = strstr(sec, "<tr class=\"followup\"><td>A1</td>");
    cr_assert_not_null(row, "no row of A1:\n%s", sec);
    const char *end = strstr(row, "</tr>");
    cr_assert_not_null(end);
    char cells[4096];
    snprintf(cells, sizeof cells, "%.*s", (int)(end - row), row);
    const char *want[] = {"LEA-01",  "gjennomført", ">10,0<", ">5%<",
                          "chip b1", ">65,0<",      ">55%<",  "chip b3"};
    const char *at = cells;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *hit = strstr(at, want[i]);
        cr_expect_not_null(hit, "no %s (in order) in %s", want[i], cells);
        if (hit != NULL) {
            at = hit;
        }
    }
    free(html);
    html = s_read("var/reports/2025/PT-001.html");
    cr_assert_not_null(html);
    cr_expect_null(strstr(html, "id=\"followup\""),
                   "a follow-up section without actions");
    free(html);
}

/* The coordinator's summary of 2025: of 2024's two actions A1 (LEA-01) is
 * done, A2 (PSH-01) planned: 1 of 2 over the node, 100 % and 0 % per
 * indicator.  The event plan has 2025's learning needs: LEA-01 with
 * NO-001 at 65 has p25 42.5, so NO-002, NO-003 and PT-001 are in need (3
 * in 2 countries: international); PT-003..005 in band 4, PT-004 not a
 * host (it does not share identity). */
Test(learning, summary_shows_done_share_and_event_plan, .init = s_setup,
     .fini = s_teardown, .timeout = 180)
{
    char sub[64];
    s_cycle_2024(sub, sizeof sub);
    free(s_actions_export(2024, 2));
    s_write_indicators(2025, 65);
    free(s_cli(0, "submit --wait indicators-2025.csv"));
    free(s_cli(0, "close 2025"));
    char *html = s_read("var/reports/2025/summary.html");
    cr_assert_not_null(html);
    const char *done = strstr(html, "<section id=\"actions-done\">");
    cr_assert_not_null(done, "%s", html);
    cr_expect_not_null(strstr(done, "<p class=\"done-total\">1 of 2 actions "
                                    "done over the node.</p>"),
                       "%s", done);
    cr_expect_not_null(strstr(done, "<span class=\"id\">LEA-01</span>Plan "
                                    "objectives achieved</th><td class=\"num"
                                    "\">1</td><td class=\"num\">1</td><td "
                                    "class=\"num\"><span class=\"bar\" "
                                    "style=\"width:60.0px\"></span> 100%"),
                       "%s", done);
    cr_expect_not_null(strstr(done, "<span class=\"id\">PSH-01</span>"
                                    "Written partnership agreements</th><td "
                                    "class=\"num\">1</td><td class=\"num\">"
                                    "0</td>"),
                       "%s", done);
    cr_expect_not_null(strstr(done, "<td class=\"num\">2</td><td class=\""
                                    "num\">1</td><td class=\"num\"><span "
                                    "class=\"bar\" style=\"width:30.0px\">"
                                    "</span> 50%</td></tr></tfoot>"),
                       "%s", done);
    const char *plan = strstr(html, "<section id=\"event-plan\">");
    cr_assert_not_null(plan, "%s", html);
    cr_expect_not_null(strstr(plan, "LEA-01</span>Plan objectives achieved"
                                    "</th><td>NO</td><td class=\"num\">2</td>"
                                    "<td class=\"num\">0</td><td></td><td>"
                                    "international (September–October)</td>"),
                       "%s", plan);
    cr_expect_not_null(strstr(plan, "LEA-01</span>Plan objectives achieved"
                                    "</th><td>PT</td><td class=\"num\">1</td>"
                                    "<td class=\"num\">3</td><td>PT-003, "
                                    "PT-005</td><td>international "
                                    "(September–October)</td>"),
                       "%s", plan);
    /* 2025 has LEA-01 only: no row for the other indicators. */
    cr_expect_null(strstr(plan, "PSH-01"), "%s", plan);
    free(html);
    /* The plan is the learning-needs export. */
    char *out = s_cli(0, "export 2025 --what learning-needs");
    cr_expect_str_eq(out,
                     "period,indicator_id,principle,country,in_need,band4,"
                     "hosts,event\n"
                     "2025,LEA-01,leadership,NO,2,0,,international\n"
                     "2025,LEA-01,leadership,PT,1,3,PT-003;PT-005,"
                     "international\n");
    free(out);
}

/* Practices under the areas (SPEC 10).  Besides PT-005's (band 4 on
 * PSH-01 in 2024, shares identity), PT-004 (band 4, does not share) and
 * NO-005 (60: band 3) tell one on PSH-01 for 2024.  2025 repeats 2024's
 * PSH-01 figures, so PSH-01 is again an area of NO-001: its report shows
 * PT-004's practice without name and contact, then PT-005's with both
 * (same service type and period: by provider id), never NO-005's. */
Test(learning, practices_under_areas_only_from_band_4, .init = s_setup,
     .fini = s_teardown, .timeout = 180)
{
    char sub[64];
    s_cycle_2024(sub, sizeof sub);
    s_write("practices-more.csv",
            "provider_id,period,indicator_id,title,description,contact\n"
            "PT-004,2024,PSH-01,Open doors,Partners sit in our weekly "
            "meeting,coimbra@apoio.example\n"
            "NO-005,2024,PSH-01,Not shown,A band 3 provider's practice,"
            "tromso@arbeid.example\n");
    char *out = s_cli(0, "submit --wait practices-more.csv");
    cr_expect_not_null(strstr(out, "practices-more.csv: 2 accepted"), "%s",
                       out);
    free(out);
    s_write_indicators(2025, 65);
    s_write("psh-2025.csv",
            "provider_id,unit_id,period,indicator_id,numerator,denominator,"
            "value\n"
            "NO-001,,2025,PSH-01,,,10\nNO-002,,2025,PSH-01,,,20\n"
            "NO-003,,2025,PSH-01,,,40\nNO-004,,2025,PSH-01,,,50\n"
            "NO-005,,2025,PSH-01,,,60\nPT-001,,2025,PSH-01,,,30\n"
            "PT-002,,2025,PSH-01,,,70\nPT-003,,2025,PSH-01,,,80\n"
            "PT-004,,2025,PSH-01,,,90\nPT-005,,2025,PSH-01,,,100\n");
    free(s_cli(0, "submit --wait indicators-2025.csv psh-2025.csv"));
    /* The close follows the rows through validation and aggregation,
     * so the benchmark daemon has the practices when it computes 2025. */
    free(s_cli(0, "close 2025"));
    char *json = s_read("var/reports/2025/NO-001.json");
    cr_assert_not_null(json);
    const char *area = strstr(json, "{\"indicator_id\":\"PSH-01\",\"partners\"");
    cr_assert_not_null(area, "PSH-01 is no area of NO-001: %s", json);
    cr_expect_not_null(
        strstr(area, "\"practices\":[{\"period\":2024,\"named\":false,"
                     "\"provider_id\":null,\"name\":null,\"service_type\":"
                     "\"vocational_rehabilitation\",\"country\":\"PT\","
                     "\"title\":\"Open doors\",\"description\":\"Partners "
                     "sit in our weekly meeting\",\"contact\":null},"
                     "{\"period\":2024,\"named\":true,\"provider_id\":"
                     "\"PT-005\",\"name\":\"Faro Caminho\",\"service_type\":"
                     "\"vocational_rehabilitation\",\"country\":\"PT\","
                     "\"title\":\"Partner days\",\"description\":\"Twice a "
                     "year we invite every partner\",\"contact\":"
                     "\"parcerias@faro.example\"}]}"),
        "%s", area);
    cr_expect_null(strstr(json, "Not shown"), "a band 3 practice: %s", json);
    cr_expect_null(strstr(json, "coimbra@apoio.example"),
                   "the contact of a provider that does not share: %s",
                   json);
    free(json);
    /* The CSV lists the same practices, in the same order. */
    char *csv = s_read("var/reports/2025/NO-001.csv");
    cr_assert_not_null(csv);
    cr_expect_not_null(
        strstr(csv, "\n\narea_indicator_id,practice_period,named,author_id,"
                    "author_name,service_type,country,title,description,"
                    "contact\n"
                    "PSH-01,2024,no,,,vocational_rehabilitation,PT,Open "
                    "doors,Partners sit in our weekly meeting,\n"
                    "PSH-01,2024,yes,PT-005,Faro Caminho,"
                    "vocational_rehabilitation,PT,Partner days,Twice a year "
                    "we invite every partner,parcerias@faro.example\n"),
        "%s", csv);
    cr_expect_null(strstr(csv, "coimbra@apoio.example"), "%s", csv);
    cr_expect_null(strstr(csv, "Not shown"), "%s", csv);
    free(csv);
    char *html = s_read("var/reports/2025/NO-001.html");
    cr_assert_not_null(html);
    cr_expect_not_null(strstr(html, "<li class=\"practice\"><strong>Open "
                                    "doors</strong>"),
                       "%s", html);
    cr_expect_not_null(strstr(html, "parcerias@faro.example"), "%s", html);
    cr_expect_not_null(strstr(html, "Faro Caminho"), "%s", html);
    cr_expect_null(strstr(html, "Coimbra Apoio"), "%s", html);
    cr_expect_null(strstr(html, "coimbra@apoio.example"), "%s", html);
    cr_expect_null(strstr(html, "Not shown"), "%s", html);
    free(html);
    /* The author itself does not see its own practice. */
    json = s_read("var/reports/2025/PT-005.json");
    cr_assert_not_null(json);
    cr_expect_null(strstr(json, "Partner days"), "%s", json);
    free(json);
}

/* `close --reopen` (SPEC 10, the learning cycle after a reopen): 2025 is
 * closed (A2 planned: 1 of 2 done), reopened — no longer computed, so the
 * actions export has no 2025 figures — then NO-004 reports A2 done and
 * 2025 is closed again: the summary, the follow-up and the export are
 * those of the new close. */
Test(learning, reopen_and_close_again_recompute_the_learning,
     .init = s_setup, .fini = s_teardown, .timeout = 180)
{
    char sub[64];
    s_cycle_2024(sub, sizeof sub);
    free(s_actions_export(2024, 2));
    s_write_indicators(2025, 65);
    free(s_cli(0, "submit --wait indicators-2025.csv"));
    free(s_cli(0, "close 2025"));
    char *html = s_read("var/reports/2025/summary.html");
    cr_assert_not_null(html);
    cr_expect_not_null(strstr(html, "1 of 2 actions done over the node."),
                       "%s", html);
    free(html);
    free(s_cli(0, "close 2025 --reopen"));
    char *out = NULL;
    for (int tries = 0; tries < 300; tries++) {
        free(out);
        out = s_cli(0, "export 2024 --what actions");
        if (strstr(out, "2024,NO-001,A1,LEA-01,done,2025-06-30,10,1,,\n")) {
            break;
        }
        bl_test_sleep_ms(100);
    }
    cr_expect_str_eq(out,
                     "period,provider_id,action_id,indicator_id,status,due,"
                     "value,band,next_value,next_band\n"
                     "2024,NO-001,A1,LEA-01,done,2025-06-30,10,1,,\n"
                     "2024,NO-004,A2,PSH-01,planned,2025-09-30,50,2,,\n",
                     "2025 reopened still counts as computed");
    free(out);
    s_write("actions-2024-b.csv",
            "provider_id,period,action_id,indicator_id,action,owner,due,"
            "status\n"
            "NO-004,2024,A2,PSH-01,Two new partners,Director,2025-09-30,"
            "done\n");
    free(s_cli(0, "submit --wait actions-2024-b.csv"));
    for (int tries = 0; tries < 300; tries++) {
        out = s_cli(0, "export 2024 --what actions");
        bool done = strstr(out, "A2,PSH-01,done,") != NULL;
        free(out);
        if (done) {
            break;
        }
        bl_test_sleep_ms(100);
    }
    free(s_cli(0, "close 2025"));
    out = s_cli(0, "export 2024 --what actions");
    cr_expect_str_eq(out,
                     "period,provider_id,action_id,indicator_id,status,due,"
                     "value,band,next_value,next_band\n"
                     "2024,NO-001,A1,LEA-01,done,2025-06-30,10,1,65,3\n"
                     "2024,NO-004,A2,PSH-01,done,2025-09-30,50,2,,\n");
    free(out);
    html = s_read("var/reports/2025/summary.html");
    cr_assert_not_null(html);
    cr_expect_not_null(strstr(html, "2 of 2 actions done over the node."),
                       "%s", html);
    free(html);
    char *json = s_read("var/reports/2025/NO-004.json");
    cr_assert_not_null(json);
    cr_expect_not_null(strstr(json, "\"followup\":[{\"action_id\":\"A2\","
                                    "\"indicator_id\":\"PSH-01\","
                                    "\"status\":\"done\""),
                       "%s", json);
    free(json);
}
