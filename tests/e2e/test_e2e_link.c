/*
 * End to end on loopback: one international node and three national nodes
 * (NO, PT, EE), each in its own directory with its own ports and CURVE
 * keys.  Each national node takes its country's part of the sample data
 * and closes the period; the international export must equal a single node
 * run over the union of the data, and a PT provider's national export and
 * report must show its international position.  Faults: the international
 * node is down while the nationals close and catches up when it comes up;
 * its benchmarking daemon killed with SIGKILL mid-transfer ends with the
 * same export.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bl_test_node.h"

#define S_INTL_GROUPS "  international: [service_type]\n  all: []\n"
#define S_NATIONAL_GROUPS "  national: [country, service_type]\n" \
                          "  country: [country]\n"

static const char *const s_countries[] = {"NO", "PT", "EE"};

typedef struct s_net {
    bl_test_node_t intl;
    bl_test_node_t nat[3];
    bl_test_node_t single;
    char keys[300];
    int port;
} s_net_t;

static s_net_t s_net;

static void s_setup(void)
{
    s_net_t *n = &s_net;
    memset(n, 0, sizeof *n);
    n->port = bl_test_free_port();
    cr_assert_gt(n->port, 0);
    /* The international node's directory holds the keys and the data. */
    char extra[2048];
    cr_assert_eq(bl_test_node_init(&n->intl, "role: international\n",
                                   S_INTL_GROUPS, ""),
                 0);
    snprintf(n->keys, sizeof n->keys, "%s/keys", n->intl.dir);
    cr_assert_eq(bl_test_sh("mkdir -p %s", n->keys), 0);
    static const char *const names[] = {"intl", "no", "pt", "ee"};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(bl_test_node_cli(&n->intl, NULL, "keygen %s -o %s",
                                      names[i], n->keys),
                     0);
    }
    /* keygen: the secret key readable by its owner only. */
    char secret[400];
    snprintf(secret, sizeof secret, "%s/no.key", n->keys);
    struct stat st;
    cr_assert_eq(stat(secret, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "%s has mode %o", secret,
                 (unsigned)(st.st_mode & 0777));
    snprintf(extra, sizeof extra,
             "listen: tcp://127.0.0.1:%d\nkey: %s/intl.key\nallow:\n"
             "  - {key: %s/no.pub, country: \"NO\"}\n"
             "  - {key: %s/pt.pub, country: PT}\n"
             "  - {key: %s/ee.pub, country: EE}\n",
             n->port, n->keys, n->keys, n->keys, n->keys);
    char path[400];
    snprintf(path, sizeof path, "%s/node.yaml", n->intl.dir);
    FILE *f = fopen(path, "a");
    cr_assert_not_null(f);
    fputs(extra, f);
    fclose(f);
    cr_assert_eq(bl_test_sh("%s/bl-gen-sample -o %s/data >/dev/null",
                      bl_test_binary_dir(), n->intl.dir),
                 0);
    for (int c = 0; c < 3; c++) {
        char role[64], up[1024];
        snprintf(role, sizeof role, "role: national\ncountry: \"%s\"\n",
                 s_countries[c]);
        char lower[3] = {(char)(s_countries[c][0] + 32),
                         (char)(s_countries[c][1] + 32), 0};
        snprintf(up, sizeof up,
                 "upstream:\n  endpoint: tcp://127.0.0.1:%d\n"
                 "  server_key: %s/intl.pub\n  key: %s/%s.key\n",
                 n->port, n->keys, n->keys, lower);
        cr_assert_eq(bl_test_node_init(&n->nat[c], role, S_NATIONAL_GROUPS,
                                       up),
                     0);
        /* The country's part of the register. */
        cr_assert_eq(bl_test_sh("(head -1 %s/data/register.csv; grep '^%s-' "
                          "%s/data/register.csv) > %s/register.csv",
                          n->intl.dir, s_countries[c], n->intl.dir,
                          n->nat[c].dir),
                     0);
    }
}

static void s_teardown(void)
{
    for (int c = 0; c < 3; c++) {
        bl_test_node_stop(&s_net.nat[c]);
    }
    bl_test_node_stop(&s_net.single);
    bl_test_node_stop(&s_net.intl);
}

/* Submits country c's files of 2025 and closes the period. */
static void s_national_cycle(int c)
{
    bl_test_node_t *n = &s_net.nat[c];
    char *out = NULL;
    int rc = bl_test_node_cli(n, &out,
                              "submit --wait register.csv "
                              "%s/data/indicators-%s-2025.csv "
                              "%s/data/survey-*-%s-2025.csv",
                              s_net.intl.dir, s_countries[c], s_net.intl.dir,
                              s_countries[c]);
    cr_assert_eq(rc, 0, "submit %s: %s", s_countries[c], out);
    free(out);
    rc = bl_test_node_cli(n, &out, "close 2025");
    cr_assert_eq(rc, 0, "close %s: %s", s_countries[c], out);
    free(out);
}

static char *s_export(const bl_test_node_t *n, const char *what)
{
    char *out = NULL;
    int rc = bl_test_node_cli(n, &out, "export 2025 --what %s", what);
    cr_assert_eq(rc, 0, "export %s: %s", what, out);
    return out;
}

/* Waits until every national node has sent everything and the PT node has
 * the international positions of this round. */
static void s_wait_caught_up(void)
{
    for (int i = 0; i < 600; i++) {
        int done = 1;
        for (int c = 0; c < 3; c++) {
            char *out = NULL;
            bl_test_node_cli(&s_net.nat[c], &out, "status");
            if (out == NULL || strstr(out, "uplink_pending=0 ") == NULL) {
                done = 0;
            }
            free(out);
        }
        /* The international node has every country's values when its
         * positions hold all three countries. */
        char *pos = s_export(&s_net.intl, "positions");
        for (int c = 0; c < 3 && done; c++) {
            char needle[16];
            snprintf(needle, sizeof needle, ",%s-", s_countries[c]);
            done = strstr(pos, needle) != NULL;
        }
        free(pos);
        if (done) {
            char *pt = s_export(&s_net.nat[1], "positions");
            char *intl = s_export(&s_net.intl, "positions");
            /* PT's international rows equal the international node's. */
            size_t pt_rows = 0, intl_rows = 0;
            for (char *p = pt; (p = strstr(p, ",international,")) != NULL;
                 p++) {
                pt_rows++;
            }
            for (char *p = intl; (p = strstr(p, ",international,")) != NULL;
                 p++) {
                char *line = p;
                while (line > intl && line[-1] != '\n') {
                    line--;
                }
                pt_rows += 0;
                intl_rows += strstr(line, ",PT-") != NULL &&
                             strstr(line, ",PT-") < strchr(p, '\n');
            }
            free(pt);
            free(intl);
            if (pt_rows > 0 && pt_rows == intl_rows) {
                return;
            }
        }
        bl_test_sleep_ms(200);
    }
    cr_assert_fail("the nodes did not catch up");
}

/* The single node over the union of the three countries' data. */
static void s_single_run(void)
{
    bl_test_node_t *n = &s_net.single;
    cr_assert_eq(bl_test_node_init(n, "role: international\n", S_INTL_GROUPS,
                                   NULL),
                 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(n, &out, "up"), 0, "%s", out);
    free(out);
    int rc = bl_test_node_cli(
        n, &out,
        "submit --wait %s/register.csv %s/register.csv %s/register.csv "
        "%s/data/indicators-NO-2025.csv %s/data/indicators-PT-2025.csv "
        "%s/data/indicators-EE-2025.csv %s/data/survey-*-NO-2025.csv "
        "%s/data/survey-*-PT-2025.csv %s/data/survey-*-EE-2025.csv",
        s_net.nat[0].dir, s_net.nat[1].dir, s_net.nat[2].dir, s_net.intl.dir,
        s_net.intl.dir, s_net.intl.dir, s_net.intl.dir, s_net.intl.dir,
        s_net.intl.dir);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(n, &out, "close 2025"), 0, "%s", out);
    free(out);
}

static void s_assert_same_as_single(void)
{
    s_single_run();
    static const char *const whats[] = {"stats", "positions",
                                        "correlations"};
    for (int i = 0; i < 3; i++) {
        char *a = s_export(&s_net.intl, whats[i]);
        char *b = s_export(&s_net.single, whats[i]);
        cr_assert_gt(strlen(b), 1000, "%s: %s", whats[i], b);
        cr_assert(strcmp(a, b) == 0,
                  "the international %s differ from a single node's",
                  whats[i]);
        free(a);
        free(b);
    }
    /* A PT provider's national report shows its international positions:
     * on every indicator, the percentile rank, band, z, reference and gap
     * of the international node's export. */
    char path[512];
    snprintf(path, sizeof path, "%s/var/reports/2025/PT-0001.json",
             s_net.nat[1].dir);
    cr_assert_eq(bl_test_sh("grep -q '\"international\"' %s", path), 0,
                 "no international position in %s", path);
    char *pos = s_export(&s_net.intl, "positions");
    char csv[512];
    snprintf(csv, sizeof csv, "%s/intl-positions.csv", s_net.nat[1].dir);
    FILE *f = fopen(csv, "w");
    cr_assert_not_null(f);
    fputs(pos, f);
    fclose(f);
    free(pos);
    const char *d = s_net.nat[1].dir;
    cr_assert_eq(
        bl_test_sh("awk -F, '$3 == \"international\" && $5 == \"PT-0001\" "
                   "{ print $2 \",\" $4 \",\" $8 \",\" $9 \",\" $10 \",\" "
                   "$11 \",\" $12 }' %s | sort > %s/want.txt && "
                   "awk -F, '$10 == \"international\" { print $3 \",\" $11 "
                   "\",\" $24 \",\" $25 \",\" $26 \",\" $27 \",\" $28 }' "
                   "%s/var/reports/2025/PT-0001.csv | sort > %s/got.txt && "
                   "test $(wc -l < %s/want.txt) -gt 10 && "
                   "cmp %s/want.txt %s/got.txt",
                   csv, d, d, d, d, d, d),
        0, "PT-0001's international positions in its report differ from "
           "the international export (%s/want.txt, got.txt)", d);
}

Test(e2e_link, international_node_down_while_nationals_close_catches_up,
     .init = s_setup, .fini = s_teardown, .timeout = 600)
{
    for (int c = 0; c < 3; c++) {
        bl_test_node_expect_error(&s_net.nat[c], "is not reachable");
        cr_assert_eq(bl_test_node_cli(&s_net.nat[c], NULL, "up"), 0);
        s_national_cycle(c);
    }
    /* Nothing could be sent: the uplinks hold it. */
    char *out = NULL;
    bl_test_node_cli(&s_net.nat[0], &out, "status");
    cr_assert_null(strstr(out, "uplink_pending=0 "), "%s", out);
    cr_assert_not_null(strstr(out, "not reachable"), "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_net.intl, &out, "up"), 0, "%s", out);
    free(out);
    s_wait_caught_up();
    s_assert_same_as_single();
}

Test(e2e_link, international_benchmark_killed_mid_transfer_same_export,
     .init = s_setup, .fini = s_teardown, .timeout = 600)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_net.intl, &out, "up"), 0, "%s", out);
    free(out);
    for (int c = 0; c < 3; c++) {
        /* The international benchmark (and its door) is killed below. */
        bl_test_node_expect_error(&s_net.nat[c], "is not reachable");
        cr_assert_eq(bl_test_node_cli(&s_net.nat[c], NULL, "up"), 0);
    }
    s_national_cycle(0);
    int pid = bl_test_node_pid(&s_net.intl, "benchmark");
    cr_assert_gt(pid, 0);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    s_national_cycle(1);
    s_national_cycle(2);
    cr_assert(bl_test_wait_gone(pid, 10000), "benchmark survived SIGKILL");
    cr_assert_eq(bl_test_node_cli(&s_net.intl, &out, "up"), 0, "%s", out);
    free(out);
    s_wait_caught_up();
    s_assert_same_as_single();
}
