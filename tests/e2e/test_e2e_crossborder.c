/*
 * End to end on loopback: cross-border bench-learning (SPEC 5, "groups
 * that come back from the international node").  One international node
 * and four national nodes (NO, PT, EE, LT) on the same generated data as
 * one node that holds all four countries with the union of both sides'
 * peer groups.  Every provider's positions (bands, z, references, gaps),
 * areas for improvement (in order, with their learning partners) and
 * strengths must be equal on both sides, some partners must be abroad, and
 * the international node's positions must carry the reference and gap of
 * a reference to a national statistic as the single node's do, and the
 * door's band-4 pages, asked for as a national node asks, must give each
 * country every row once with only the ids it may see.  Once with
 * the international node up from the start, once started only after the
 * nationals closed: until then each report says that the international
 * comparison is pending and `benchlearn status` names the period.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bl_downlink_codec.h"
#include "bl_msg.h"
#include "bl_test_link.h"
#include "bl_test_node.h"

#define S_INTL_GROUPS "  international: [service_type]\n  all: []\n"
#define S_NATIONAL_GROUPS "  national: [country, service_type]\n" \
                          "  country: [country]\n"
#define S_N_COUNTRIES 4
/* The start of the pending note in a Norwegian report. */
#define S_PENDING_NO "Den internasjonale sammenligningen er ikke klar"

static const char *const s_countries[S_N_COUNTRIES] = {"NO", "PT", "EE",
                                                        "LT"};

typedef struct s_net {
    bl_test_node_t intl;
    bl_test_node_t nat[S_N_COUNTRIES];
    bl_test_node_t single;
    char keys[300];
    char cat[300];         /* the shared catalogue */
    int port;
} s_net_t;

static s_net_t s_net;

/* Points node n at the shared catalogue. */
static void s_use_catalogue(const bl_test_node_t *n)
{
    cr_assert_eq(bl_test_sh("sed -i 's|^catalogue: .*|catalogue: %s|' %s",
                            s_net.cat, n->config),
                 0);
}

static void s_append(const bl_test_node_t *n, const char *text)
{
    FILE *f = fopen(n->config, "a");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void s_setup(void)
{
    s_net_t *n = &s_net;
    memset(n, 0, sizeof *n);
    n->port = bl_test_free_port();
    cr_assert_gt(n->port, 0);
    cr_assert_eq(bl_test_node_init(&n->intl, "role: international\n",
                                   S_INTL_GROUPS, ""),
                 0);
    /* The catalogue of every node: the default one with one reference to
     * a national statistic (STA-01: p50 of the national group). */
    snprintf(n->cat, sizeof n->cat, "%s/cat/catalogue.yaml", n->intl.dir);
    cr_assert_eq(bl_test_sh("mkdir -p %s/cat && cp -r %s/config/messages "
                            "%s/cat/ && sed '0,/reference: {stat: p25, "
                            "group: international}/s//reference: {stat: "
                            "p50, group: national}/' "
                            "%s/config/catalogue.yaml > %s",
                            n->intl.dir, bl_test_source_dir(), n->intl.dir,
                            bl_test_source_dir(), n->cat),
                 0);
    cr_assert_eq(bl_test_sh("grep -q 'group: national}' %s", n->cat), 0);
    s_use_catalogue(&n->intl);
    snprintf(n->keys, sizeof n->keys, "%s/keys", n->intl.dir);
    cr_assert_eq(bl_test_sh("mkdir -p %s", n->keys), 0);
    static const char *const names[] = {"intl", "no", "pt", "ee", "lt"};
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(bl_test_node_cli(&n->intl, NULL, "keygen %s -o %s",
                                      names[i], n->keys),
                     0);
    }
    char extra[2048];
    snprintf(extra, sizeof extra,
             "listen: tcp://127.0.0.1:%d\nkey: %s/intl.key\nallow:\n"
             "  - {key: %s/no.pub, country: \"NO\"}\n"
             "  - {key: %s/pt.pub, country: PT}\n"
             "  - {key: %s/ee.pub, country: EE}\n"
             "  - {key: %s/lt.pub, country: LT}\n",
             n->port, n->keys, n->keys, n->keys, n->keys, n->keys);
    s_append(&n->intl, extra);
    cr_assert_eq(bl_test_sh("%s/bl-gen-sample -o %s/data --providers 12 "
                            "--periods 2025 >/dev/null",
                            bl_test_binary_dir(), n->intl.dir),
                 0);
    for (int c = 0; c < S_N_COUNTRIES; c++) {
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
        s_use_catalogue(&n->nat[c]);
        /* The international node may come up after the nationals (the
         * second test starts it only after they closed). */
        bl_test_node_expect_error(&n->nat[c], "is not reachable");
        cr_assert_eq(bl_test_sh("(head -1 %s/data/register.csv; grep '^%s-' "
                                "%s/data/register.csv) > %s/register.csv",
                                n->intl.dir, s_countries[c], n->intl.dir,
                                n->nat[c].dir),
                     0);
    }
    /* The single node: every country, the union of the peer groups. */
    cr_assert_eq(bl_test_node_init(&n->single, "role: international\n",
                                   S_NATIONAL_GROUPS S_INTL_GROUPS, NULL),
                 0);
    s_use_catalogue(&n->single);
}

static void s_teardown(void)
{
    for (int c = 0; c < S_N_COUNTRIES; c++) {
        bl_test_node_stop(&s_net.nat[c]);
    }
    bl_test_node_stop(&s_net.single);
    bl_test_node_stop(&s_net.intl);
}

/* The shell command that submits country c's files of 2025 and closes
 * the period on its national node (c < 0: every file on the single
 * node), writing its exit status to DIR/cycle.rc. */
static void s_cycle_cmd(int c, char *buf, size_t size)
{
    const bl_test_node_t *n = c < 0 ? &s_net.single : &s_net.nat[c];
    const char *d = s_net.intl.dir;
    char files[1024];
    if (c < 0) {
        snprintf(files, sizeof files,
                 "%s/data/register.csv %s/data/indicators-*-2025.csv "
                 "%s/data/survey-*-2025.csv",
                 d, d, d);
    } else {
        snprintf(files, sizeof files,
                 "register.csv %s/data/indicators-%s-2025.csv "
                 "%s/data/survey-*-%s-2025.csv",
                 d, s_countries[c], d, s_countries[c]);
    }
    snprintf(buf, size,
             "(cd %s && %s/benchlearn -c %s submit --wait %s && "
             "%s/benchlearn -c %s close 2025; echo $? > cycle.rc) "
             "> %s/cycle.log 2>&1 &\n",
             n->dir, bl_test_binary_dir(), n->config, files,
             bl_test_binary_dir(), n->config, n->dir);
}

/* Every national node (and the single node) submits and closes 2025,
 * all at once; each must succeed. */
static void s_all_cycles(void)
{
    char script[8192] = "";
    for (int c = -1; c < S_N_COUNTRIES; c++) {
        char cmd[2048];
        s_cycle_cmd(c, cmd, sizeof cmd);
        strncat(script, cmd, sizeof script - strlen(script) - 1);
    }
    strncat(script, "wait\n", sizeof script - strlen(script) - 1);
    cr_assert_eq(bl_test_sh("%s", script), 0);
    for (int c = -1; c < S_N_COUNTRIES; c++) {
        const bl_test_node_t *n = c < 0 ? &s_net.single : &s_net.nat[c];
        if (bl_test_sh("test \"$(cat %s/cycle.rc)\" = 0", n->dir) != 0) {
            char path[400], log[2048] = "";
            snprintf(path, sizeof path, "%s/cycle.log", n->dir);
            FILE *f = fopen(path, "r");
            if (f != NULL) {
                log[fread(log, 1, sizeof log - 1, f)] = '\0';
                fclose(f);
            }
            cr_assert_fail("submit and close failed on %s: %s",
                           c < 0 ? "the single node" : s_countries[c], log);
        }
    }
}

/* Starts the nodes in the list (intl, nationals, single). */
static void s_up(bl_test_node_t *n)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(n, &out, "up"), 0, "%s", out);
    free(out);
}

/* Writes node n's positions export to path, keeping only the rows that
 * grep -E pattern selects (after the header). */
static void s_positions(const bl_test_node_t *n, const char *pattern,
                        const char *path)
{
    char *out = NULL;
    int rc = bl_test_node_cli(n, &out, "export 2025 --what positions -o %s",
                              path);
    cr_assert_eq(rc, 0, "export: %s", out);
    free(out);
    cr_assert_eq(bl_test_sh("grep -E '%s' %s > %s.sel || true", pattern,
                            path, path),
                 0);
}

/* How many of the national nodes' figures differ from the single node's:
 * positions of their providers (every group, with reference and gap),
 * the areas with partners and the strengths of every report, and the
 * international node's positions.  With explain, prints the first. */
static int s_differences(bool explain)
{
    char single[400], mine[400];
    int bad = 0;
    for (int c = 0; c < S_N_COUNTRIES; c++) {
        const bl_test_node_t *n = &s_net.nat[c];
        snprintf(single, sizeof single, "%s/single-%s.csv", s_net.single.dir,
                 s_countries[c]);
        snprintf(mine, sizeof mine, "%s/positions.csv", n->dir);
        char pat[32];
        snprintf(pat, sizeof pat, ",%s-", s_countries[c]);
        s_positions(&s_net.single, pat, single);
        s_positions(n, pat, mine);
        if (bl_test_sh("cmp -s %s.sel %s.sel", single, mine) != 0) {
            bad++;
            if (explain) {
                bl_test_sh("diff %s.sel %s.sel | head -5 >&2", single,
                           mine);
            }
        }
        if (bl_test_sh("test $(ls %s/var/reports/2025/%s-*.json | wc -l) "
                       "-ge 10",
                       n->dir, s_countries[c]) != 0) {
            bad++;
            continue;
        }
        bad += bl_test_sh(
                   /* Relationships shown per area come from the
                    * correlations of groups this node computes; those of
                    * the international groups stay on that node. */
                   "sel='{areas: [.areas[] | del(.related)], strengths}'; "
                   "cd %s/var/reports/2025 && for f in %s-*.json; do "
                   "a=$(jq -cS \"$sel\" $f); "
                   "b=$(jq -cS \"$sel\" %s/var/reports/2025/$f); "
                   "if [ \"$a\" != \"$b\" ]; then %s exit 1; fi; done",
                   n->dir, s_countries[c], s_net.single.dir,
                   explain ? "echo \"$f: $a\" >&2; echo \"single: $b\" >&2;"
                           : "")
               != 0;
    }
    /* The international node: its groups' rows equal the single node's,
     * references to the national p50 included. */
    snprintf(single, sizeof single, "%s/single-intl.csv", s_net.single.dir);
    snprintf(mine, sizeof mine, "%s/intl-positions.csv", s_net.intl.dir);
    s_positions(&s_net.single, ",(international|all),", single);
    s_positions(&s_net.intl, ",(international|all),", mine);
    if (bl_test_sh("cmp -s %s.sel %s.sel", single, mine) != 0) {
        bad++;
        if (explain) {
            bl_test_sh("diff %s.sel %s.sel | head -5 >&2", single, mine);
        }
    }
    return bad;
}

/* Waits until both sides agree (the international results go back and
 * forth as each national closes), then checks what must hold. */
static void s_assert_same_as_single(void)
{
    int bad = 1;
    for (int i = 0; i < 40 && bad != 0; i++) {
        bad = s_differences(false);
        if (bad != 0) {
            bl_test_sleep_ms(1000);
        }
    }
    if (bad != 0) {
        s_differences(true);
    }
    cr_assert_eq(bad, 0, "%d figures differ from the single node's", bad);
    /* The positions the comparison covered are not empty: international
     * rows on a national node, with gaps to the national p50 on the
     * international node. */
    cr_assert_eq(bl_test_sh("test $(grep -c ',international,' "
                            "%s/positions.csv.sel) -gt 50",
                            s_net.nat[1].dir),
                 0);
    cr_assert_eq(bl_test_sh("grep '^2025,STA-01,' %s/intl-positions.csv.sel "
                            "| grep -Eq ',[-0-9.e]+,[-0-9.e]+$'",
                            s_net.intl.dir),
                 0, "no reference to the national p50 on the "
                    "international node");
    /* Some learning partners are abroad. */
    int abroad = 0;
    for (int c = 0; c < S_N_COUNTRIES; c++) {
        char *out = NULL;
        char cmd[600];
        snprintf(cmd, sizeof cmd,
                 "cat %s/var/reports/2025/%s-*.json | jq -s "
                 "'[.[].areas[].partners[] | select(.country != \"%s\")] "
                 "| length' > %s/abroad.txt",
                 s_net.nat[c].dir, s_countries[c], s_countries[c],
                 s_net.nat[c].dir);
        cr_assert_eq(bl_test_sh("%s", cmd), 0);
        snprintf(cmd, sizeof cmd, "%s/abroad.txt", s_net.nat[c].dir);
        FILE *f = fopen(cmd, "r");
        cr_assert_not_null(f);
        int k = 0;
        cr_assert_eq(fscanf(f, "%d", &k), 1);
        fclose(f);
        abroad += k;
        free(out);
    }
    cr_assert_gt(abroad, 0, "no learning partner in another country");
}

/* ---- the door's band-4 pages, as a national node asks for them ------ */

#define S_B4_MAX 4096    /* band-4 rows one country may be sent */
#define S_B4_PAGE 7      /* rows per page: several pages */

/* One band-4 row of a page: its key (parts joined by '|') and the id,
 * country and share_identity of its value. */
typedef struct s_b4row {
    char key[256];
    char id[48];
    char country[3];
    bool share;
} s_b4row_t;

/* Reads a reply row [period, country, indicator, group, key, order,
 * [id, name, country, service_type, users, share, order]]. */
static void s_b4_read_row(bl_mpr_t *r, s_b4row_t *row)
{
    uint32_t n;
    cr_assert_eq(bl_mpr_array(r, &n), 0);
    cr_assert_eq(n, 7, "a band-4 row of %u fields", n);
    size_t len = 0;
    for (uint32_t i = 0; i < 6; i++) {
        char part[128];
        cr_assert_eq(bl_mpr_str_copy(r, part, sizeof part), 0);
        len += (size_t)snprintf(row->key + len, sizeof row->key - len,
                                "%s%s", i ? "|" : "", part);
        cr_assert_lt(len, sizeof row->key);
    }
    char name[512], type[64];
    int64_t users;
    uint64_t order;
    cr_assert_eq(bl_mpr_array(r, &n), 0);
    cr_assert_eq(n, 7);
    cr_assert_eq(bl_mpr_str_copy(r, row->id, sizeof row->id), 0);
    cr_assert_eq(bl_mpr_str_copy(r, name, sizeof name), 0);
    cr_assert_eq(bl_mpr_str_copy(r, row->country, sizeof row->country), 0);
    cr_assert_eq(bl_mpr_str_copy(r, type, sizeof type), 0);
    cr_assert_eq(bl_mpr_int(r, &users), 0);
    cr_assert_eq(bl_mpr_bool(r, &row->share), 0);
    cr_assert_eq(bl_mpr_uint(r, &order), 0);
}

/* Sends one downlink page request for band 4 of 2025 and reads the
 * reply: appends its rows to rows[*n], copies next into next ("" for
 * nil). */
static void s_b4_page(void *sock, const char *after, s_b4row_t *rows,
                      size_t *n, char *next, size_t next_size)
{
    bl_mpw_t payload, env;
    bl_mpw_init(&payload);
    bl_mpw_init(&env);
    bl_downlink_page_t req = {2025, BL_DOWNLINK_BAND4, S_B4_PAGE, after,
                              after ? strlen(after) : 0};
    cr_assert_eq(bl_downlink_write_page_request(&payload, &req), 0);
    bl_msg_t m;
    memset(&m, 0, sizeof m);
    m.version = BL_MSG_VERSION;
    m.type = BL_MSG_REQUEST;
    snprintf(m.sender, sizeof m.sender, "test/uplink");
    m.payload = bl_mpw_data(&payload);
    m.payload_len = bl_mpw_size(&payload);
    cr_assert_eq(bl_msg_encode(&env, &m), 0);
    cr_assert_eq(zmq_send(sock, bl_mpw_data(&env), bl_mpw_size(&env), 0),
                 (int)bl_mpw_size(&env), "%s", zmq_strerror(zmq_errno()));
    bl_mpw_destroy(&env);
    bl_mpw_destroy(&payload);
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    cr_assert_eq(zmq_poll(&it, 1, 15000), 1, "no reply from the door");
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    cr_assert_geq(zmq_msg_recv(&frame, sock, 0), 0);
    bl_err_t err = {0};
    cr_assert_eq(bl_msg_decode(zmq_msg_data(&frame), zmq_msg_size(&frame),
                               &m, &err),
                 0, "%s", err.msg);
    cr_assert_eq(m.type, BL_MSG_REPLY);
    bl_mpr_t r;
    bl_mpr_init(&r, m.payload, m.payload_len);
    uint32_t fields;
    cr_assert_eq(bl_mpr_map(&r, &fields), 0);
    next[0] = '\0';
    for (uint32_t f = 0; f < fields; f++) {
        const char *k;
        uint32_t kl;
        cr_assert_eq(bl_mpr_str(&r, &k, &kl), 0);
        if (bl_mp_str_eq(k, kl, "rows")) {
            uint32_t nr;
            cr_assert_eq(bl_mpr_array(&r, &nr), 0);
            cr_assert_leq(nr, S_B4_PAGE);
            for (uint32_t i = 0; i < nr; i++) {
                cr_assert_lt(*n, S_B4_MAX);
                s_b4_read_row(&r, &rows[(*n)++]);
            }
        } else if (bl_mp_str_eq(k, kl, "next") && !bl_mpr_nil(&r)) {
            cr_assert_eq(bl_mpr_str_copy(&r, next, next_size), 0);
        } else if (!bl_mp_str_eq(k, kl, "next")) {
            cr_assert_eq(bl_mpr_skip(&r), 0);
        }
    }
    zmq_msg_close(&frame);
}

/* Every band-4 row of 2025 that the door sends country c's national
 * node, page after page (each `after` the `next` before). */
static size_t s_b4_rows(void *zctx, int c, s_b4row_t *rows)
{
    bl_test_keys_t server, client;
    char lower[3] = {(char)(s_countries[c][0] + 32),
                     (char)(s_countries[c][1] + 32), 0};
    bl_test_read_keys(s_net.keys, "intl", &server);
    bl_test_read_keys(s_net.keys, lower, &client);
    void *sock = bl_test_dealer(zctx, s_net.port, &server, &client);
    size_t n = 0;
    char next[512] = "", after[512];
    int pages = 0;
    do {
        snprintf(after, sizeof after, "%s", next);
        s_b4_page(sock, pages ? after : NULL, rows, &n, next, sizeof next);
        cr_assert_lt(++pages, 1000);
    } while (next[0] != '\0');
    cr_assert_gt(pages, 2, "%zu band-4 rows fit in %d pages", n, pages);
    zmq_close(sock);
    return n;
}

/* Checks country c's rows: under its own prefix, in key order, each once,
 * the id there exactly when the provider shares it or is of c. */
static void s_b4_check(int c, const s_b4row_t *rows, size_t n)
{
    char prefix[16];
    snprintf(prefix, sizeof prefix, "2025|%s|", s_countries[c]);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(strncmp(rows[i].key, prefix, strlen(prefix)), 0,
                     "%s: row %s", s_countries[c], rows[i].key);
        cr_assert(i == 0 || strcmp(rows[i - 1].key, rows[i].key) < 0,
                  "%s: %s after %s", s_countries[c], rows[i].key,
                  rows[i - 1].key);
        bool known = rows[i].share ||
                     strcmp(rows[i].country, s_countries[c]) == 0;
        cr_assert_eq(rows[i].id[0] != '\0', known, "%s: row %s id '%s'",
                     s_countries[c], rows[i].key, rows[i].id);
    }
}

/* NO's and PT's band-4 pages: the same rows under each country's prefix,
 * a non-sharing provider of PT blank for NO and named for PT. */
static void s_assert_band4_pages(void)
{
    void *zctx = zmq_ctx_new();
    cr_assert_not_null(zctx);
    static s_b4row_t no[S_B4_MAX], pt[S_B4_MAX];
    size_t nn = s_b4_rows(zctx, 0, no);
    size_t np = s_b4_rows(zctx, 1, pt);
    zmq_ctx_term(zctx);
    cr_assert_gt(nn, 0);
    cr_assert_eq(nn, np, "NO has %zu band-4 rows, PT %zu", nn, np);
    s_b4_check(0, no, nn);
    s_b4_check(1, pt, np);
    size_t hidden = 0;
    for (size_t i = 0; i < nn; i++) {
        cr_assert_str_eq(no[i].key + 8, pt[i].key + 8, "row %zu", i);
        if (!pt[i].share && strcmp(pt[i].country, "PT") == 0) {
            cr_assert_str_eq(no[i].id, "");
            cr_assert_eq(strncmp(pt[i].id, "PT-", 3), 0);
            hidden++;
        }
    }
    cr_assert_gt(hidden, 0, "no non-sharing PT provider in band 4");
}

Test(e2e_crossborder, nationals_equal_one_node_holding_everything,
     .init = s_setup, .fini = s_teardown, .timeout = 280)
{
    s_up(&s_net.intl);
    s_up(&s_net.single);
    for (int c = 0; c < S_N_COUNTRIES; c++) {
        s_up(&s_net.nat[c]);
    }
    s_all_cycles();
    s_assert_same_as_single();
    s_assert_band4_pages();
}

Test(e2e_crossborder, international_started_after_the_nationals_closed,
     .init = s_setup, .fini = s_teardown, .timeout = 280)
{
    s_up(&s_net.single);
    for (int c = 0; c < S_N_COUNTRIES; c++) {
        s_up(&s_net.nat[c]);
    }
    s_all_cycles();
    /* Until the international results come: the report says so and
     * status names the period. */
    char *out = NULL;
    bl_test_node_cli(&s_net.nat[0], &out, "status");
    cr_assert_not_null(strstr(out, "intl_pending=2025"), "%s", out);
    free(out);
    cr_assert_eq(bl_test_sh("grep -q '%s' %s/var/reports/2025/NO-0001.html",
                            S_PENDING_NO, s_net.nat[0].dir),
                 0, "no pending note in a report");
    s_up(&s_net.intl);
    s_assert_same_as_single();
    bl_test_node_cli(&s_net.nat[0], &out, "status");
    cr_assert_not_null(strstr(out, "intl_pending=none"), "%s", out);
    free(out);
    cr_assert_neq(bl_test_sh("grep -q '%s' %s/var/reports/2025/NO-0001.html",
                             S_PENDING_NO, s_net.nat[0].dir),
                  0, "a pending note after the results came");
}
