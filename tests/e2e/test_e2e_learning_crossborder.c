/*
 * End to end on loopback: practices cross the border (SPEC 10, "practices
 * cross to the international node and back like positions").  One
 * international node (peer group `all`) and two national nodes, NO and PT
 * (peer group `national`), five providers each, PSH-01 only:
 *   NO-001..005 = 10 20 40 50 60, PT-001..005 = 30 70 80 90 100.
 * In `all` (10 values) p25 32.5 and p75 77.5: NO-001 is in band 1 (PSH-01
 * is an area of its report), PT-003..005 in band 4.  In PT's national
 * group p75 is 90: PT-001 is in band 1 there, PT-004 and PT-005 in band 4.
 * In NO's national group p75 is 50: NO-005 is in band 4 there, but only in
 * band 3 of `all`.
 * Practices: PT-005 (shares identity) and PT-004 (does not) on PSH-01 for
 * 2024; PT-001 (band 1) too, never shown; NO-005 (does not share) one that
 * its own node judges (band 4 at home).
 * NO-001's report must show NO-005's practice (its own country's, by
 * provider id first), then PT-004's without name and contact, then
 * PT-005's with both; PT-001's report NO-005's practice, without name and
 * contact, before PT's own, each of those once.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_test_node.h"

typedef struct s_net {
    bl_test_node_t intl, no, pt;
    char keys[300];
    int port;
} s_net_t;

static s_net_t s_net;

static void s_append(const bl_test_node_t *n, const char *text)
{
    FILE *f = fopen(n->config, "a");
    cr_assert_not_null(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static void s_write(const bl_test_node_t *n, const char *name,
                    const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", n->dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static char *s_read(const bl_test_node_t *n, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", n->dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = calloc(1, (size_t)len + 1);
    if (buf != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        buf[0] = '\0';
    }
    fclose(f);
    return buf;
}

static void s_national(bl_test_node_t *n, const char *cc, const char *key)
{
    char role[64], up[1024];
    snprintf(role, sizeof role, "role: national\ncountry: \"%s\"\n", cc);
    snprintf(up, sizeof up,
             "upstream:\n  endpoint: tcp://127.0.0.1:%d\n"
             "  server_key: %s/intl.pub\n  key: %s/%s.key\n",
             s_net.port, s_net.keys, s_net.keys, key);
    cr_assert_eq(bl_test_node_init(n, role,
                                   "  national: [country, service_type]\n",
                                   up),
                 0);
    bl_test_node_expect_error(n, "is not reachable");
}

static void s_setup(void)
{
    s_net_t *n = &s_net;
    memset(n, 0, sizeof *n);
    n->port = bl_test_free_port();
    cr_assert_gt(n->port, 0);
    cr_assert_eq(bl_test_node_init(&n->intl, "role: international\n",
                                   "  all: []\n", ""),
                 0);
    snprintf(n->keys, sizeof n->keys, "%s/keys", n->intl.dir);
    cr_assert_eq(bl_test_sh("mkdir -p %s", n->keys), 0);
    static const char *const names[] = {"intl", "no", "pt"};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(bl_test_node_cli(&n->intl, NULL, "keygen %s -o %s",
                                      names[i], n->keys),
                     0);
    }
    char extra[1024];
    snprintf(extra, sizeof extra,
             "listen: tcp://127.0.0.1:%d\nkey: %s/intl.key\nallow:\n"
             "  - {key: %s/no.pub, country: \"NO\"}\n"
             "  - {key: %s/pt.pub, country: PT}\n",
             n->port, n->keys, n->keys, n->keys);
    s_append(&n->intl, extra);
    s_national(&n->no, "NO", "no");
    s_national(&n->pt, "PT", "pt");
}

static void s_teardown(void)
{
    bl_test_node_stop(&s_net.no);
    bl_test_node_stop(&s_net.pt);
    bl_test_node_stop(&s_net.intl);
}

static void s_up(bl_test_node_t *n)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(n, &out, "up"), 0, "%s", out);
    free(out);
}

/* Runs benchlearn on n in its directory; asserts exit status 0. */
static void s_cli(bl_test_node_t *n, const char *args)
{
    char *out = NULL;
    int rc = bl_test_node_cli(n, &out, "%s", args);
    cr_assert_eq(rc, 0, "benchlearn %s: exit %d:\n%s", args, rc,
                 out ? out : "");
    free(out);
}

#define S_REGISTER_HEADER                                                   \
    "provider_id,name,country,service_type,users,staff,membership,"        \
    "member_since,share_identity\n"
#define S_ROW(id, name, cc, users, share)                                   \
    id "," name "," cc ",vocational_rehabilitation," users                  \
       ",20,assurance,2019-03-01," share "\n"
#define S_INDICATORS_HEADER                                                 \
    "provider_id,unit_id,period,indicator_id,numerator,denominator,value\n"
#define S_PRACTICES_HEADER                                                  \
    "provider_id,period,indicator_id,title,description,contact\n"

/* Submits one country's register, figures and practices of 2024 (paths
 * relative to the node's directory) and closes 2024. */
static void s_cycle(bl_test_node_t *n)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "submit --wait %s/register.csv %s/indicators.csv "
             "%s/practices.csv",
             n->dir, n->dir, n->dir);
    s_cli(n, cmd);
    s_cli(n, "close 2024");
}

/* Whether the report file has all of the given texts (NULL-ended). */
static bool s_report_has(const bl_test_node_t *n, const char *file,
                         const char *const *texts)
{
    char *json = s_read(n, file);
    bool ok = json != NULL;
    for (size_t i = 0; ok && texts[i] != NULL; i++) {
        ok = strstr(json, texts[i]) != NULL;
    }
    free(json);
    return ok;
}

typedef struct s_wait {
    const bl_test_node_t *n;
    const char *file;
    const char *const *texts;
} s_wait_t;

static bool s_wait_report(void *ctx)
{
    const s_wait_t *w = ctx;
    return s_report_has(w->n, w->file, w->texts);
}

Test(e2e_learning_crossborder, practices_of_another_country_come_back,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    s_up(&s_net.intl);
    s_up(&s_net.no);
    s_up(&s_net.pt);
    s_write(&s_net.no, "register.csv",
            S_REGISTER_HEADER S_ROW("NO-001", "Bergen Arbeid", "NO", "100",
                                    "yes")
                S_ROW("NO-002", "Oslo Jobb", "NO", "110", "no")
                    S_ROW("NO-003", "Trondheim Vekst", "NO", "120", "no")
                        S_ROW("NO-004", "Stavanger Jobb", "NO", "130", "no")
                            S_ROW("NO-005", "Tromsø Arbeid", "NO", "140",
                                  "no"));
    s_write(&s_net.pt, "register.csv",
            S_REGISTER_HEADER S_ROW("PT-001", "Lisboa Inclusão", "PT", "100",
                                    "no")
                S_ROW("PT-002", "Porto Emprego", "PT", "110", "no")
                    S_ROW("PT-003", "Braga Futuro", "PT", "120", "yes")
                        S_ROW("PT-004", "Coimbra Apoio", "PT", "130", "no")
                            S_ROW("PT-005", "Faro Caminho", "PT", "140",
                                  "yes"));
    s_write(&s_net.no, "indicators.csv",
            S_INDICATORS_HEADER "NO-001,,2024,PSH-01,,,10\n"
                                "NO-002,,2024,PSH-01,,,20\n"
                                "NO-003,,2024,PSH-01,,,40\n"
                                "NO-004,,2024,PSH-01,,,50\n"
                                "NO-005,,2024,PSH-01,,,60\n");
    s_write(&s_net.pt, "indicators.csv",
            S_INDICATORS_HEADER "PT-001,,2024,PSH-01,,,30\n"
                                "PT-002,,2024,PSH-01,,,70\n"
                                "PT-003,,2024,PSH-01,,,80\n"
                                "PT-004,,2024,PSH-01,,,90\n"
                                "PT-005,,2024,PSH-01,,,100\n");
    s_write(&s_net.no, "practices.csv",
            S_PRACTICES_HEADER "NO-005,2024,PSH-01,Job clubs,Partners meet "
                               "our job seekers every month,"
                               "tromso@arbeid.example\n");
    s_write(&s_net.pt, "practices.csv",
            S_PRACTICES_HEADER
            "PT-005,2024,PSH-01,Partner days,Twice a year we invite every "
            "partner,parcerias@faro.example\n"
            "PT-004,2024,PSH-01,Open doors,Partners sit in our weekly "
            "meeting,coimbra@apoio.example\n"
            "PT-001,2024,PSH-01,Not shown,A band 1 provider's practice,"
            "lisboa@inclusao.example\n");
    s_cycle(&s_net.pt);
    s_cycle(&s_net.no);

    /* NO-001: PT's practices, PT-004's hidden, PT-005's named. */
    const char *const no_want[] = {
        "\"contact\":null},{\"period\":2024,\"named\":false,"
        "\"provider_id\":null,\"name\":null,\"service_type\":"
        "\"vocational_rehabilitation\",\"country\":\"PT\","
        "\"title\":\"Open doors\",\"description\":\"Partners "
        "sit in our weekly meeting\",\"contact\":null},"
        "{\"period\":2024,\"named\":true,\"provider_id\":"
        "\"PT-005\",\"name\":\"Faro Caminho\",\"service_type\":"
        "\"vocational_rehabilitation\",\"country\":\"PT\","
        "\"title\":\"Partner days\",\"description\":\"Twice a "
        "year we invite every partner\",\"contact\":"
        "\"parcerias@faro.example\"}",
        NULL};
    s_wait_t w = {&s_net.no, "var/reports/2024/NO-001.json", no_want};
    bool came = bl_test_wait(s_wait_report, &w, 60000);
    char *json = s_read(&s_net.no, "var/reports/2024/NO-001.json");
    cr_assert_not_null(json, "no JSON report of NO-001");
    cr_assert(came, "PT's practices never reached NO-001's report: %s",
              json);
    const char *area = strstr(json, "{\"indicator_id\":\"PSH-01\",");
    cr_assert_not_null(area, "PSH-01 is no area of NO-001: %s", json);
    cr_expect_not_null(strstr(area, no_want[0]), "not under PSH-01: %s",
                       area);
    cr_expect_null(strstr(json, "coimbra@apoio.example"),
                   "the contact of a provider that does not share: %s",
                   json);
    cr_expect_null(strstr(json, "Coimbra Apoio"), "%s", json);
    cr_expect_null(strstr(json, "Not shown"), "a band 1 practice: %s", json);
    /* NO's own practice (band 4 in the national group) before them */
    cr_expect_not_null(strstr(area, "\"practices\":[{\"period\":2024,"
                                    "\"named\":false,\"provider_id\":null,"
                                    "\"name\":null,\"service_type\":"
                                    "\"vocational_rehabilitation\","
                                    "\"country\":\"NO\",\"title\":"
                                    "\"Job clubs\""),
                       "%s", area);
    free(json);
    /* The CSV report lists them too, PT-004's without contact. */
    char *csv = s_read(&s_net.no, "var/reports/2024/NO-001.csv");
    cr_assert_not_null(csv);
    cr_expect_not_null(
        strstr(csv, "\nPSH-01,2024,no,,,vocational_rehabilitation,PT,Open "
                    "doors,Partners sit in our weekly meeting,\n"
                    "PSH-01,2024,yes,PT-005,Faro Caminho,"
                    "vocational_rehabilitation,PT,Partner days,Twice a year "
                    "we invite every partner,parcerias@faro.example\n"),
        "%s", csv);
    cr_expect_null(strstr(csv, "coimbra@apoio.example"), "%s", csv);
    free(csv);
    char *html = s_read(&s_net.no, "var/reports/2024/NO-001.html");
    cr_assert_not_null(html);
    cr_expect_not_null(strstr(html, "parcerias@faro.example"), "%s", html);
    cr_expect_null(strstr(html, "coimbra@apoio.example"), "%s", html);
    free(html);

    /* PT-001: NO-005's practice (band 4 at home only), hidden, first by
     * provider id, then PT's own band-4 practices. */
    const char *const pt_want[] = {
        "\"practices\":[{\"period\":2024,\"named\":false,"
        "\"provider_id\":null,\"name\":null,\"service_type\":"
        "\"vocational_rehabilitation\",\"country\":\"NO\","
        "\"title\":\"Job clubs\",\"description\":\"Partners meet our job "
        "seekers every month\",\"contact\":null},"
        "{\"period\":2024,\"named\":false,\"provider_id\":null,",
        NULL};
    s_wait_t wp = {&s_net.pt, "var/reports/2024/PT-001.json", pt_want};
    came = bl_test_wait(s_wait_report, &wp, 30000);
    json = s_read(&s_net.pt, "var/reports/2024/PT-001.json");
    cr_assert_not_null(json, "no JSON report of PT-001");
    cr_expect(came, "NO's practice never reached PT-001's report: %s", json);
    cr_expect_null(strstr(json, "tromso@arbeid.example"), "%s", json);
    cr_expect_null(strstr(json, "Tromsø Arbeid"), "%s", json);
    /* PT's own practices do not come back a second time. */
    const char *first = strstr(json, "\"title\":\"Partner days\"");
    cr_expect_not_null(first, "%s", json);
    cr_expect(first == NULL ||
                  strstr(first + strlen("\"title\":\"Partner days\""),
                         "Partner days") == NULL,
              "a practice twice: %s", first);
    cr_expect_null(strstr(json, "Not shown"), "%s", json);
    free(json);
}
