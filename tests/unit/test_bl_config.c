/*
 * Unit tests for bl_config: the shipped example configs load, defaults and
 * path resolution are right, and each kind of error is reported at its
 * exact line and column, all in one run, catalogue errors included.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl_config.h"
#include "bl_error.h"

#define S_DATA BL_SOURCE_DIR "/tests/data/config/"
#define S_CATALOGUE BL_SOURCE_DIR "/config/catalogue.yaml"

static bl_diags_t s_diags;
static bl_config_t *s_cfg;
static char s_dir[64];

static void s_setup(void)
{
    memset(&s_diags, 0, sizeof s_diags);
    s_cfg = NULL;
    snprintf(s_dir, sizeof s_dir, "/tmp/bl_config_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_teardown(void)
{
    bl_config_destroy(&s_cfg);
    bl_diags_clear(&s_diags);
    char path[128];
    snprintf(path, sizeof path, "%s/node.yaml", s_dir);
    unlink(path);
    rmdir(s_dir);
}

TestSuite(bl_config, .init = s_setup, .fini = s_teardown, .timeout = 10);

static void s_log_diags(void)
{
    for (size_t i = 0; i < s_diags.count; i++) {
        char buf[1024];
        bl_diags_format(&s_diags, i, buf, sizeof buf);
        cr_log_error("%s", buf);
    }
}

/* Writes "node.yaml" in the test's directory: the common head of a national
 * node, then extra.  The head takes lines 1-6; extra starts at line 7. */
static int s_load_national(const char *extra)
{
    char path[128];
    snprintf(path, sizeof path, "%s/node.yaml", s_dir);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fprintf(fp, "node: t-1\n"
                "role: national\n"
                "country: PT\n"
                "catalogue: %s\n"
                "peer_groups:\n"
                "  national: [country, service_type]\n"
                "%s",
            S_CATALOGUE, extra);
    cr_assert_eq(fclose(fp), 0);
    return bl_config_load(&s_cfg, path, &s_diags);
}

/* Asserts that a diagnostic containing `what` stands at line:column. */
static void s_expect(const char *what, size_t line, size_t column)
{
    for (size_t i = 0; i < s_diags.count; i++) {
        if (strstr(s_diags.items[i].message, what) != NULL) {
            cr_assert_eq(s_diags.items[i].line, line,
                         "'%s': line %zu, expected %zu", what,
                         s_diags.items[i].line, line);
            cr_assert_eq(s_diags.items[i].column, column,
                         "'%s': column %zu, expected %zu", what,
                         s_diags.items[i].column, column);
            return;
        }
    }
    s_log_diags();
    cr_assert_fail("no diagnostic '%s' among %zu", what, s_diags.count);
}

/* The canonical absolute form of BL_SOURCE_DIR/sub + "/" + rest. */
static void s_source_path(char *buf, size_t size, const char *sub,
                          const char *rest)
{
    char dir[PATH_MAX];
    char in[PATH_MAX];
    snprintf(in, sizeof in, "%s/%s", BL_SOURCE_DIR, sub);
    cr_assert_not_null(realpath(in, dir));
    snprintf(buf, size, "%s/%s", dir, rest);
}

Test(bl_config, the_shipped_national_config_loads)
{
    int rc = bl_config_load(&s_cfg, BL_SOURCE_DIR "/config/node-national.yaml",
                            &s_diags);
    s_log_diags();
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(s_cfg->node, "no-1");
    cr_assert_eq(s_cfg->role, BL_ROLE_NATIONAL);
    cr_assert_str_eq(s_cfg->country, "NO");
    char want[PATH_MAX + 64];
    s_source_path(want, sizeof want, "config", "var/no-1");
    cr_assert_str_eq(s_cfg->data_dir, want);
    s_source_path(want, sizeof want, "config", "catalogue.yaml");
    cr_assert_str_eq(s_cfg->catalogue_path, want);
    cr_assert_not_null(s_cfg->catalogue);
    cr_assert_eq(s_cfg->catalogue->n_indicators, 46);
    cr_assert_eq(s_cfg->min_respondents, 5);
    cr_assert_eq(s_cfg->min_peers, 5);
    cr_assert_float_eq(s_cfg->change_factor, 3.0, 1e-12);
    cr_assert_eq(s_cfg->n_groups, 2);
    cr_assert_str_eq(s_cfg->groups[0].id, "national");
    cr_assert_eq(s_cfg->groups[0].n_attrs, 2);
    cr_assert_str_eq(s_cfg->groups[0].attrs[1], "service_type");
    cr_assert_eq(bl_config_find_group(s_cfg, "country"), 1);
    cr_assert_eq(bl_config_find_group(s_cfg, "all"), -1);
    s_source_path(want, sizeof want, "config", "var/no-1/run/report.sock");
    char ep[PATH_MAX + 80];
    snprintf(ep, sizeof ep, "ipc://%s", want);
    cr_assert_str_eq(s_cfg->endpoints[BL_STAGE_REPORT], ep);
    cr_assert_eq(s_cfg->workers[BL_STAGE_VALIDATE], 1);
    cr_assert_eq(s_cfg->n_rules, 2);
    cr_assert_str_eq(s_cfg->rules[0].left, "PCA-01.denominator");
    cr_assert_str_eq(s_cfg->rules[0].op, "<=");
    cr_assert_str_eq(s_cfg->rules[0].right, "users");
    cr_assert_eq(s_cfg->rules[0].severity, BL_SEV_WARNING);
    cr_assert_gt(s_cfg->rules[0].line, 0);
    cr_assert_null(s_cfg->upstream_endpoint);
    cr_assert_null(s_cfg->listen);
    cr_assert_eq(s_cfg->n_allow, 0);
}

Test(bl_config, the_shipped_international_config_loads)
{
    int rc = bl_config_load(&s_cfg,
                            BL_SOURCE_DIR "/config/node-international.yaml",
                            &s_diags);
    s_log_diags();
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(s_cfg->node, "intl");
    cr_assert_eq(s_cfg->role, BL_ROLE_INTERNATIONAL);
    cr_assert_str_eq(s_cfg->country, "");
    cr_assert_eq(s_cfg->n_groups, 2);
    cr_assert_str_eq(s_cfg->groups[0].id, "international");
    cr_assert_str_eq(s_cfg->groups[1].id, "all");
    cr_assert_eq(s_cfg->groups[1].n_attrs, 0);
    cr_assert_str_eq(s_cfg->listen, "tcp://0.0.0.0:7400");
    char want[PATH_MAX + 64];
    s_source_path(want, sizeof want, "config", "keys/intl.key");
    cr_assert_str_eq(s_cfg->key, want);
    cr_assert_eq(s_cfg->n_allow, 4);
    cr_assert_str_eq(s_cfg->allow[0].country, "NO");
    s_source_path(want, sizeof want, "config", "keys/pt-1.pub");
    cr_assert_str_eq(s_cfg->allow[1].key_path, want);
    cr_assert_str_eq(s_cfg->language, "en");
    cr_assert_eq(s_cfg->catalogue->n_indicators, 46);
}

Test(bl_config, defaults_fill_what_the_file_leaves_out)
{
    char extra[256];
    snprintf(extra, sizeof extra, "data_dir: %s/d\n", s_dir);
    cr_assert_eq(s_load_national(extra), 0);
    cr_assert_eq(s_cfg->min_respondents, 5);
    cr_assert_eq(s_cfg->min_peers, 5);
    cr_assert_float_eq(s_cfg->change_factor, 3.0, 1e-12);
    cr_assert_null(s_cfg->language);
    cr_assert_eq(s_cfg->n_rules, 0);
    char want[128];
    snprintf(want, sizeof want, "%s/d", s_dir);
    cr_assert_str_eq(s_cfg->data_dir, want, "an absolute path is kept");
    for (int st = 0; st < BL_STAGE_COUNT; st++) {
        char ep[160];
        snprintf(ep, sizeof ep, "ipc://%s/d/run/%s.sock", s_dir,
                 bl_stage_name((bl_stage_t)st));
        cr_assert_str_eq(s_cfg->endpoints[st], ep);
        cr_assert_eq(s_cfg->workers[st], 1);
    }
}

Test(bl_config, endpoints_workers_and_rules_are_read)
{
    cr_assert_eq(s_load_national("data_dir: d\n"
                                 "endpoints:\n"
                                 "  ingest: tcp://127.0.0.1:*\n"
                                 "  report: ipc://r.sock\n"
                                 "workers: {validate: 4}\n"
                                 "change_factor: 0\n"
                                 "language: pt\n"
                                 "rules:\n"
                                 "  - left: a\n"
                                 "    op: \">\"\n"
                                 "    right: \"0\"\n"),
                 0);
    s_log_diags();
    char real[PATH_MAX];
    cr_assert_not_null(realpath(s_dir, real));
    char want[PATH_MAX + 32];
    snprintf(want, sizeof want, "ipc://%s/r.sock", real);
    cr_assert_str_eq(s_cfg->endpoints[BL_STAGE_REPORT], want);
    cr_assert_str_eq(s_cfg->endpoints[BL_STAGE_INGEST], "tcp://127.0.0.1:*");
    snprintf(want, sizeof want, "ipc://%s/d/run/validate.sock", real);
    cr_assert_str_eq(s_cfg->endpoints[BL_STAGE_VALIDATE], want);
    cr_assert_eq(s_cfg->workers[BL_STAGE_VALIDATE], 4);
    cr_assert_eq(s_cfg->workers[BL_STAGE_INGEST], 1);
    cr_assert_float_eq(s_cfg->change_factor, 0.0, 1e-12);
    cr_assert_str_eq(s_cfg->language, "pt");
    cr_assert_eq(s_cfg->n_rules, 1);
    cr_assert_str_eq(s_cfg->rules[0].name, "rule 1");
    cr_assert_str_eq(s_cfg->rules[0].message, "a > 0");
    cr_assert_eq(s_cfg->rules[0].severity, BL_SEV_ERROR);
    cr_assert_eq(s_cfg->rules[0].line, 15);
}

Test(bl_config, every_error_of_a_bad_config_is_reported)
{
    cr_assert_eq(bl_config_load(&s_cfg, S_DATA "cfg-bad.yaml", &s_diags),
                 BL_ECONFIG);
    cr_assert_null(s_cfg);
    cr_assert_eq(s_diags.count, 14);
}

Test(bl_config, invalid_node_id_and_country)
{
    bl_config_load(&s_cfg, S_DATA "cfg-bad.yaml", &s_diags);
    s_expect("node: 'no 1' is not a valid id", 1, 7);
    s_expect("country: 'nor' is not two upper-case letters", 3, 10);
}

Test(bl_config, counts_must_be_positive_integers)
{
    bl_config_load(&s_cfg, S_DATA "cfg-bad.yaml", &s_diags);
    s_expect("min_respondents: 0 is not a positive integer", 6, 18);
    s_expect("min_peers: 'five' is not an integer", 7, 12);
}

Test(bl_config, unknown_peer_group_attribute)
{
    bl_config_load(&s_cfg, S_DATA "cfg-bad.yaml", &s_diags);
    s_expect("peer group 'national': unknown attribute 'region'", 9, 23);
}

Test(bl_config, bad_endpoint_and_unknown_stage)
{
    bl_config_load(&s_cfg, S_DATA "cfg-bad.yaml", &s_diags);
    s_expect("endpoints.ingest: 'http://localhost:80' is not an ipc:// or "
             "tcp:// endpoint", 11, 11);
    s_expect("endpoints: unknown stage 'reporting'", 12, 3);
}

Test(bl_config, workers_out_of_range)
{
    bl_config_load(&s_cfg, S_DATA "cfg-bad.yaml", &s_diags);
    s_expect("workers.validate: 17 is outside 1..16", 14, 13);
}

Test(bl_config, change_factor_between_zero_and_one)
{
    bl_config_load(&s_cfg, S_DATA "cfg-bad.yaml", &s_diags);
    s_expect("change_factor: 0.5 is neither above 1 nor 0", 15, 16);
}

Test(bl_config, unknown_language)
{
    bl_config_load(&s_cfg, S_DATA "cfg-bad.yaml", &s_diags);
    s_expect("language: unknown language 'de'", 16, 11);
}

Test(bl_config, rule_with_unknown_op_and_severity)
{
    bl_config_load(&s_cfg, S_DATA "cfg-bad.yaml", &s_diags);
    s_expect("rule 1: unknown op '=<'", 20, 9);
    s_expect("rule 1: unknown severity 'fatal'", 22, 15);
}

Test(bl_config, international_key_on_a_national_node_and_unknown_key)
{
    bl_config_load(&s_cfg, S_DATA "cfg-bad.yaml", &s_diags);
    s_expect("'listen' is only for international nodes", 23, 1);
    s_expect("unknown key 'colour' in the node config", 24, 1);
}

Test(bl_config, international_node_errors)
{
    cr_assert_eq(bl_config_load(&s_cfg, S_DATA "cfg-intl-bad.yaml",
                                &s_diags),
                 BL_ECONFIG);
    cr_assert_eq(s_diags.count, 4);
    s_expect("'country' is only for national nodes", 3, 1);
    s_expect("allow entry 1: country 'no' is not two upper-case letters", 10,
             33);
    s_expect("allow entry 2: missing key 'country'", 11, 5);
    s_expect("'upstream' is only for national nodes", 12, 1);
}

Test(bl_config, missing_catalogue_is_reported_at_the_key)
{
    cr_assert_eq(bl_config_load(&s_cfg, S_DATA "cfg-missing-catalogue.yaml",
                                &s_diags),
                 BL_ECONFIG);
    cr_assert_eq(s_diags.count, 2);
    cr_assert(strstr(s_diags.items[0].file, "no-such-catalogue.yaml")
              != NULL);
    cr_assert(strstr(s_diags.items[0].message, "cannot open") != NULL);
    s_expect("catalogue: cannot load", 5, 12);
}

Test(bl_config, catalogue_errors_come_with_the_catalogue_file)
{
    cr_assert_eq(bl_config_load(&s_cfg, S_DATA "cfg-bad-catalogue.yaml",
                                &s_diags),
                 BL_ECONFIG);
    cr_assert_eq(s_diags.count, 5);
    s_expect("missing key 'version'", 1, 1);
    s_expect("scale: min 5 is not below max 1", 6, 12);
    for (size_t i = 0; i < s_diags.count; i++) {
        cr_assert(strstr(s_diags.items[i].file, "cat-bad-top.yaml") != NULL);
    }
}

Test(bl_config, national_node_needs_country_and_required_keys)
{
    char path[128];
    snprintf(path, sizeof path, "%s/node.yaml", s_dir);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs("role: national\nmin_peers: \"5\"\n", fp);
    cr_assert_eq(fclose(fp), 0);
    cr_assert_eq(bl_config_load(&s_cfg, path, &s_diags), BL_ECONFIG);
    s_expect("missing key 'node'", 1, 1);
    s_expect("missing key 'country'", 1, 1);
    s_expect("missing key 'data_dir'", 1, 1);
    s_expect("missing key 'catalogue'", 1, 1);
    s_expect("missing key 'peer_groups'", 1, 1);
    s_expect("min_peers: expected an integer, got the quoted string '5'", 2,
             12);
    cr_assert_eq(s_diags.count, 6);
}

Test(bl_config, upstream_needs_all_three_keys)
{
    cr_assert_eq(s_load_national("data_dir: d\n"
                                 "upstream:\n"
                                 "  endpoint: tcp://intl:7400\n"
                                 "  key: k.key\n"),
                 BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    s_expect("upstream: missing key 'server_key'", 9, 3);
}

Test(bl_config, upstream_paths_are_resolved)
{
    cr_assert_eq(s_load_national("data_dir: d\n"
                                 "upstream:\n"
                                 "  endpoint: tcp://intl.example.org:7400\n"
                                 "  server_key: keys/intl.pub\n"
                                 "  key: /etc/bl/no.key\n"),
                 0);
    char real[PATH_MAX];
    cr_assert_not_null(realpath(s_dir, real));
    char want[PATH_MAX + 32];
    snprintf(want, sizeof want, "%s/keys/intl.pub", real);
    cr_assert_str_eq(s_cfg->upstream_server_key, want);
    cr_assert_str_eq(s_cfg->upstream_key, "/etc/bl/no.key");
    cr_assert_str_eq(s_cfg->upstream_endpoint, "tcp://intl.example.org:7400");
}

Test(bl_config, a_socket_path_over_107_bytes_is_an_error)
{
    char extra[400];
    char longdir[200];
    memset(longdir, 'x', 120);
    longdir[120] = '\0';
    snprintf(extra, sizeof extra, "data_dir: /tmp/%s\n", longdir);
    cr_assert_eq(s_load_national(extra), BL_ECONFIG);
    cr_assert_eq(s_diags.count, BL_STAGE_COUNT);
    s_expect("data_dir: the default ingest endpoint", 7, 11);
}

Test(bl_config, bad_tcp_endpoint)
{
    cr_assert_eq(s_load_national("data_dir: d\n"
                                 "endpoints: {ingest: 'tcp://host'}\n"),
                 BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    s_expect("endpoints.ingest: 'tcp://host' is not tcp://HOST:PORT", 8, 21);
}

Test(bl_config, stage_names_round_trip)
{
    for (int st = 0; st < BL_STAGE_COUNT; st++) {
        cr_assert_eq(bl_stage_from_name(bl_stage_name((bl_stage_t)st)), st);
    }
    cr_assert_str_eq(bl_stage_name(BL_STAGE_BENCHMARK), "benchmark");
    cr_assert_eq(bl_stage_from_name("reporting"), -1);
}

Test(bl_config, destroy_is_harmless_twice_and_on_null)
{
    cr_assert_eq(s_load_national("data_dir: d\n"), 0);
    bl_config_destroy(&s_cfg);
    cr_assert_null(s_cfg);
    bl_config_destroy(&s_cfg);
    bl_config_destroy(NULL);
}
