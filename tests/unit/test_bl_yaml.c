/*
 * Unit tests for bl_yaml: the positioned node tree, the typed readers and
 * the diagnostics (file:line:column, 1-based) for syntax errors, duplicate
 * keys, aliases and wrong types.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bl_error.h"
#include "bl_yaml.h"

#define S_DATA BL_SOURCE_DIR "/tests/data/config/"

static bl_diags_t s_diags;
static bl_yaml_doc_t *s_doc;

static void s_setup(void)
{
    memset(&s_diags, 0, sizeof s_diags);
    s_doc = NULL;
}

static void s_teardown(void)
{
    bl_yaml_free(&s_doc);
    bl_diags_clear(&s_diags);
}

static int s_load(const char *text)
{
    return bl_yaml_load_string(&s_doc, "t.yaml", text, strlen(text),
                               &s_diags);
}

TestSuite(bl_yaml, .init = s_setup, .fini = s_teardown, .timeout = 10);

Test(bl_yaml, nodes_remember_one_based_line_and_column)
{
    cr_assert_eq(s_load("a: 1\nb:\n  - x\n  - {c: d}\n"), 0);
    const bl_yaml_node_t *root = bl_yaml_root(s_doc);
    cr_assert_eq(bl_yaml_kind(root), BL_YAML_MAPPING);
    cr_assert_eq(bl_yaml_size(root), 2);
    const bl_yaml_node_t *a = bl_yaml_map_get(root, "a");
    cr_assert_str_eq(bl_yaml_scalar(a), "1");
    cr_assert_eq(bl_yaml_line(a), 1);
    cr_assert_eq(bl_yaml_column(a), 4);
    const bl_yaml_node_t *b = bl_yaml_map_get(root, "b");
    cr_assert_eq(bl_yaml_kind(b), BL_YAML_SEQUENCE);
    cr_assert_eq(bl_yaml_size(b), 2);
    const bl_yaml_node_t *x = bl_yaml_item(b, 0);
    cr_assert_eq(bl_yaml_line(x), 3);
    cr_assert_eq(bl_yaml_column(x), 5);
    const bl_yaml_node_t *m = bl_yaml_item(b, 1);
    cr_assert_eq(bl_yaml_kind(m), BL_YAML_MAPPING);
    cr_assert_eq(bl_yaml_line(m), 4);
    cr_assert_eq(bl_yaml_column(m), 5);
    const bl_yaml_node_t *d = bl_yaml_map_get(m, "c");
    cr_assert_str_eq(bl_yaml_scalar(d), "d");
    cr_assert_eq(bl_yaml_column(d), 9);
    cr_assert_null(bl_yaml_item(b, 2));
    cr_assert_null(bl_yaml_map_get(root, "zz"));
    cr_assert_null(bl_yaml_scalar(b));
}

Test(bl_yaml, pairs_come_in_file_order)
{
    cr_assert_eq(s_load("z: 1\na: 2\nm: 3\n"), 0);
    const bl_yaml_node_t *root = bl_yaml_root(s_doc);
    cr_assert_str_eq(bl_yaml_scalar(bl_yaml_pair_key(root, 0)), "z");
    cr_assert_str_eq(bl_yaml_scalar(bl_yaml_pair_key(root, 1)), "a");
    cr_assert_str_eq(bl_yaml_scalar(bl_yaml_pair_value(root, 2)), "3");
    cr_assert_null(bl_yaml_pair_key(root, 3));
}

Test(bl_yaml, syntax_error_reports_libyaml_problem_at_its_position)
{
    int rc = bl_yaml_load(&s_doc, S_DATA "yaml-syntax.yaml", &s_diags);
    cr_assert_eq(rc, BL_ECONFIG);
    cr_assert_null(s_doc);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_eq(s_diags.items[0].line, 3);
    cr_assert_eq(s_diags.items[0].column, 12);
    cr_assert_str_eq(s_diags.items[0].message,
                     "mapping values are not allowed in this context");
    char buf[512];
    bl_diags_format(&s_diags, 0, buf, sizeof buf);
    cr_assert(strstr(buf, "yaml-syntax.yaml:3:12: mapping values") != NULL,
              "%s", buf);
}

Test(bl_yaml, unclosed_flow_sequence_is_a_positioned_error)
{
    cr_assert_eq(s_load("a: [1, 2\nb: 3\n"), BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_eq(s_diags.items[0].line, 2);
    cr_assert_eq(s_diags.items[0].column, 2);
    cr_assert(strstr(s_diags.items[0].message, "while parsing a flow "
                     "sequence at line 1") != NULL, "%s",
              s_diags.items[0].message);
}

Test(bl_yaml, invalid_utf8_is_reported_at_its_byte)
{
    cr_assert_eq(s_load("a: 1\nb: x\xff\n"), BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_str_eq(s_diags.items[0].message, "invalid leading UTF-8 octet");
    cr_assert_eq(s_diags.items[0].line, 2);
    cr_assert_eq(s_diags.items[0].column, 5);
}

Test(bl_yaml, invalid_utf8_in_a_file_is_reported_at_its_byte)
{
    char dir[] = "/tmp/bl_yaml_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/u.yaml", dir);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    fputs("a: 1\nbb: 2\nc: \xfe\n", fp);
    cr_assert_eq(fclose(fp), 0);
    int rc = bl_yaml_load(&s_doc, path, &s_diags);
    unlink(path);
    rmdir(dir);
    cr_assert_eq(rc, BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_eq(s_diags.items[0].line, 3);
    cr_assert_eq(s_diags.items[0].column, 4);
}

Test(bl_yaml, a_tab_in_indentation_is_a_positioned_error)
{
    cr_assert_eq(s_load("a:\n\t- 1\n"), BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_eq(s_diags.items[0].line, 2);
    cr_assert_eq(s_diags.items[0].column, 1);
    cr_assert(strstr(s_diags.items[0].message,
                     "found character that cannot start any token") != NULL);
}

Test(bl_yaml, every_duplicate_key_is_reported_at_the_second_key)
{
    cr_assert_eq(s_load("a: 1\nb: 2\na: 3\nm:\n  x: 1\n  x: 2\n"),
                 BL_ECONFIG);
    cr_assert_null(s_doc);
    cr_assert_eq(s_diags.count, 2);
    cr_assert_str_eq(s_diags.items[0].message,
                     "duplicate key 'a' (first at line 1)");
    cr_assert_eq(s_diags.items[0].line, 3);
    cr_assert_eq(s_diags.items[0].column, 1);
    cr_assert_eq(s_diags.items[1].line, 6);
    cr_assert_eq(s_diags.items[1].column, 3);
}

Test(bl_yaml, aliases_are_refused_at_the_alias)
{
    cr_assert_eq(s_load("a: &x [1, 2]\nb: *x\n"), BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_str_eq(s_diags.items[0].message, "aliases are not supported");
    cr_assert_eq(s_diags.items[0].line, 2);
    cr_assert_eq(s_diags.items[0].column, 4);
}

Test(bl_yaml, a_second_document_is_refused)
{
    cr_assert_eq(s_load("a: 1\n---\nb: 2\n"), BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_eq(s_diags.items[0].line, 2);
    cr_assert_eq(s_diags.items[0].column, 1);
}

Test(bl_yaml, a_non_scalar_key_is_refused)
{
    cr_assert_eq(s_load("? [a, b]\n: 1\n"), BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_eq(s_diags.items[0].line, 1);
    cr_assert_eq(s_diags.items[0].column, 3);
}

Test(bl_yaml, missing_file_returns_minus_errno_naming_the_file)
{
    int rc = bl_yaml_load(&s_doc, S_DATA "no-such-file.yaml", &s_diags);
    cr_assert_eq(rc, -ENOENT);
    cr_assert_null(s_doc);
    cr_assert_eq(s_diags.count, 1);
    cr_assert(strstr(s_diags.items[0].file, "no-such-file.yaml") != NULL);
    cr_assert_eq(s_diags.items[0].line, 0);
}

Test(bl_yaml, an_empty_document_has_no_root)
{
    cr_assert_eq(s_load("# only a comment\n"), 0);
    cr_assert_null(bl_yaml_root(s_doc));
    cr_assert_eq(s_diags.count, 0);
}

Test(bl_yaml, null_and_quoted_scalars_are_told_apart)
{
    cr_assert_eq(s_load("a:\nb: ~\nc: ''\nd: \"null\"\ne: null\n"), 0);
    const bl_yaml_node_t *root = bl_yaml_root(s_doc);
    cr_assert(bl_yaml_is_null(bl_yaml_map_get(root, "a")));
    cr_assert(bl_yaml_is_null(bl_yaml_map_get(root, "b")));
    cr_assert_not(bl_yaml_is_null(bl_yaml_map_get(root, "c")));
    cr_assert(bl_yaml_is_quoted(bl_yaml_map_get(root, "c")));
    cr_assert_not(bl_yaml_is_null(bl_yaml_map_get(root, "d")));
    cr_assert(bl_yaml_is_null(bl_yaml_map_get(root, "e")));
}

Test(bl_yaml, get_int_reads_plain_integers_and_refuses_the_rest)
{
    cr_assert_eq(s_load("a: 42\nb: -7\nc: 4.5\nd: \"5\"\ne: 99999999999\n"
                        "f: 0x10\ng: [1]\n"),
                 0);
    const bl_yaml_node_t *root = bl_yaml_root(s_doc);
    int v = 0;
    cr_assert_eq(bl_yaml_get_int(s_doc, bl_yaml_map_get(root, "a"), "a", &v,
                                 &s_diags), 0);
    cr_assert_eq(v, 42);
    cr_assert_eq(bl_yaml_get_int(s_doc, bl_yaml_map_get(root, "b"), "b", &v,
                                 &s_diags), 0);
    cr_assert_eq(v, -7);
    const char *bad[] = {"c", "d", "e", "f", "g"};
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(bl_yaml_get_int(s_doc, bl_yaml_map_get(root, bad[i]),
                                     bad[i], &v, &s_diags), BL_ECONFIG);
        cr_assert_eq(s_diags.items[i].line, 3 + i);
        cr_assert_eq(s_diags.items[i].column, 4);
    }
    cr_assert_eq(v, -7, "a failed read leaves *out alone");
    cr_assert_str_eq(s_diags.items[0].message, "c: '4.5' is not an integer");
    cr_assert_str_eq(s_diags.items[2].message,
                     "e: 99999999999 is out of range");
    cr_assert_str_eq(s_diags.items[4].message,
                     "g: expected an integer, got a sequence");
}

Test(bl_yaml, get_double_refuses_hex_inf_and_nan)
{
    cr_assert_eq(s_load("a: 12.5\nb: 1e3\nc: 0x10\nd: inf\ne: .nan\n"
                        "f: 1e999\n"),
                 0);
    const bl_yaml_node_t *root = bl_yaml_root(s_doc);
    double v = 0.0;
    cr_assert_eq(bl_yaml_get_double(s_doc, bl_yaml_map_get(root, "a"), "a",
                                    &v, &s_diags), 0);
    cr_assert_float_eq(v, 12.5, 1e-12);
    cr_assert_eq(bl_yaml_get_double(s_doc, bl_yaml_map_get(root, "b"), "b",
                                    &v, &s_diags), 0);
    cr_assert_float_eq(v, 1000.0, 1e-12);
    const char *bad[] = {"c", "d", "e", "f"};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(bl_yaml_get_double(s_doc, bl_yaml_map_get(root, bad[i]),
                                        bad[i], &v, &s_diags), BL_ECONFIG,
                     "%s", bad[i]);
        cr_assert_eq(s_diags.items[i].line, 3 + i);
    }
    cr_assert_str_eq(s_diags.items[3].message, "f: 1e999 is out of range");
}

Test(bl_yaml, get_bool_and_get_string)
{
    cr_assert_eq(s_load("a: yes\nb: False\nc: maybe\nd: 12\ne:\n"), 0);
    const bl_yaml_node_t *root = bl_yaml_root(s_doc);
    bool b = false;
    cr_assert_eq(bl_yaml_get_bool(s_doc, bl_yaml_map_get(root, "a"), "a", &b,
                                  &s_diags), 0);
    cr_assert(b);
    cr_assert_eq(bl_yaml_get_bool(s_doc, bl_yaml_map_get(root, "b"), "b", &b,
                                  &s_diags), 0);
    cr_assert_not(b);
    cr_assert_eq(bl_yaml_get_bool(s_doc, bl_yaml_map_get(root, "c"), "c", &b,
                                  &s_diags), BL_ECONFIG);
    const char *s = NULL;
    cr_assert_eq(bl_yaml_get_string(s_doc, bl_yaml_map_get(root, "d"), "d",
                                    &s, &s_diags), 0);
    cr_assert_str_eq(s, "12");
    cr_assert_eq(bl_yaml_get_string(s_doc, bl_yaml_map_get(root, "e"), "e",
                                    &s, &s_diags), BL_ECONFIG);
    cr_assert_eq(s_diags.count, 2);
    cr_assert_eq(s_diags.items[1].line, 5);
    cr_assert_eq(s_diags.items[1].column, 3);
    cr_assert_str_eq(s_diags.items[1].message,
                     "e: missing value, expected a string");
}

Test(bl_yaml, check_keys_reports_each_unknown_key_at_the_key)
{
    cr_assert_eq(s_load("a: 1\nzz: 2\nb: 3\n  \nyy: 4\n"), 0);
    static const char *const keys[] = {"a", "b", NULL};
    size_t n = bl_yaml_check_keys(s_doc, bl_yaml_root(s_doc), "the test",
                                  keys, &s_diags);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(s_diags.items[0].message,
                     "unknown key 'zz' in the test");
    cr_assert_eq(s_diags.items[0].line, 2);
    cr_assert_eq(s_diags.items[1].line, 5);
    cr_assert_eq(s_diags.items[1].column, 1);
}

Test(bl_yaml, deep_nesting_is_refused)
{
    char text[400];
    size_t n = 0;
    for (int i = 0; i < 100; i++) {
        text[n++] = '[';
    }
    for (int i = 0; i < 100; i++) {
        text[n++] = ']';
    }
    text[n] = '\0';
    cr_assert_eq(s_load(text), BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_eq(s_diags.items[0].line, 1);
    cr_assert_eq(s_diags.items[0].column, 65);
}

Test(bl_yaml, free_is_harmless_twice_and_on_null)
{
    cr_assert_eq(s_load("a: 1\n"), 0);
    bl_yaml_free(&s_doc);
    cr_assert_null(s_doc);
    bl_yaml_free(&s_doc);
    bl_yaml_free(NULL);
}
