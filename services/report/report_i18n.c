/*
 * report_i18n: message catalogues read with libyaml's event API.  A file must
 * be one mapping of scalar keys to scalar values; anything else is refused
 * with its position.  Keys are found through a hash index (bl_strset.h): a
 * report looks up thousands of texts, and 50,000 reports are rendered
 * after a close.
 */
#include "report_i18n.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "bl_number.h"
#include "bl_strset.h"
#include "bl_vec.h"
#include "report_messages.h"
#include "report_model.h"

typedef struct s_table {
    bl_strset_t keys;   /* the keys, numbered */
    char **values;      /* by key number */
    size_t cap;
} s_table_t;

struct report_i18n {
    char lang[4];
    s_table_t en;       /* English: the fallback */
    s_table_t local;    /* the chosen language; empty for English */
    char decimal;       /* the decimal separator numbers are written with
                           when it is not '.'; 0 otherwise (kept up to
                           date by s_decimal_update: every number of a
                           report asks for it) */
};

static void s_table_free(s_table_t *t)
{
    for (size_t i = 0; i < bl_strset_count(&t->keys); i++) {
        free(t->values[i]);
    }
    bl_strset_destroy(&t->keys);
    free(t->values);
    memset(t, 0, sizeof *t);
}

static const char *s_table_get(const s_table_t *t, const char *key)
{
    long i = bl_strset_find(&t->keys, key, strlen(key));
    return i >= 0 ? t->values[i] : NULL;
}

/* Adds key -> value; a key given twice keeps the later value. */
static int s_table_put(s_table_t *t, const char *key, const char *value)
{
    size_t known = bl_strset_count(&t->keys);
    if (BL_GROW(t->values, t->cap, known + 1) != 0) {
        return BL_ENOMEM;
    }
    char *v = report_strdup(value);
    long i = v == NULL ? -1 : bl_strset_add(&t->keys, key, strlen(key));
    if (i < 0) {
        free(v);
        return BL_ENOMEM;
    }
    if ((size_t)i < known) {
        free(t->values[i]);
    }
    t->values[i] = v;
    return 0;
}

static int s_bad(bl_err_t *err, const char *path, const yaml_event_t *ev,
                 const char *what)
{
    return bl_err_set(err, BL_ECONFIG, "%s:%zu:%zu: %s", path,
                      ev->start_mark.line + 1, ev->start_mark.column + 1,
                      what);
}

/* Reads one flat map from an initialised parser into t; path names the
 * source in messages.  States: 0 before the mapping, 1 expecting a key, 2
 * expecting a value, 3 after the mapping. */
static int s_load(s_table_t *t, yaml_parser_t *parser, const char *path,
                  bl_err_t *err)
{
    int rc = 0;
    int state = 0;
    char *key = NULL;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(parser, &ev)) {
            rc = bl_err_set(err, BL_ECONFIG, "%s:%zu:%zu: %s", path,
                            parser->problem_mark.line + 1,
                            parser->problem_mark.column + 1,
                            parser->problem ? parser->problem : "syntax error");
            break;
        }
        yaml_event_type_t type = ev.type;
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (type == YAML_STREAM_START_EVENT
            || type == YAML_DOCUMENT_START_EVENT
            || type == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (type == YAML_MAPPING_START_EVENT && state == 0) {
            state = 1;
        } else if (type == YAML_MAPPING_END_EVENT && state == 1) {
            state = 3;
        } else if (type == YAML_SCALAR_EVENT && state == 1) {
            key = report_strdup((const char *)ev.data.scalar.value);
            if (key == NULL) {
                rc = bl_err_set(err, BL_ENOMEM, "%s: out of memory", path);
            }
            state = 2;
        } else if (type == YAML_SCALAR_EVENT && state == 2) {
            rc = s_table_put(t, key, (const char *)ev.data.scalar.value);
            if (rc != 0) {
                bl_err_set(err, rc, "%s: out of memory", path);
            }
            free(key);
            key = NULL;
            state = 1;
        } else {
            rc = s_bad(err, path, &ev,
                       "a message catalogue is a flat map of strings");
        }
        yaml_event_delete(&ev);
        if (rc != 0) {
            break;
        }
    }
    free(key);
    return rc;
}

static int s_load_file(s_table_t *t, const char *path, bl_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        return bl_err_set(err, -e, "cannot open '%s': %s", path,
                          strerror(e));
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return bl_err_set(err, BL_ENOMEM, "%s: out of memory", path);
    }
    yaml_parser_set_input_file(&parser, f);
    int rc = s_load(t, &parser, path, err);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

/* Loads the built-in catalogue of lang; BL_ENOTFOUND when none ships. */
static int s_load_builtin(s_table_t *t, const char *lang, bl_err_t *err)
{
    for (size_t i = 0; i < report_messages_file_count; i++) {
        const report_messages_file_t *f = &report_messages_files[i];
        if (strcmp(f->lang, lang) != 0) {
            continue;
        }
        char name[48];
        snprintf(name, sizeof name, "(built-in) messages/%s.yaml", lang);
        yaml_parser_t parser;
        if (!yaml_parser_initialize(&parser)) {
            return bl_err_set(err, BL_ENOMEM, "%s: out of memory", name);
        }
        yaml_parser_set_input_string(&parser, f->text, f->len);
        int rc = s_load(t, &parser, name, err);
        yaml_parser_delete(&parser);
        return rc;
    }
    return BL_ENOTFOUND;
}

static int s_lang_ok(const char *lang)
{
    size_t len = strlen(lang);
    if (len < 2 || len > 3) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (lang[i] < 'a' || lang[i] > 'z') {
            return 0;
        }
    }
    return 1;
}

static char *s_path(const char *dir, const char *lang)
{
    size_t len = strlen(dir) + strlen(lang) + 8;
    char *p = malloc(len);
    if (p != NULL) {
        snprintf(p, len, "%s/%s.yaml", dir, lang);
    }
    return p;
}

/* The decimal separator of m's messages (key number.decimal) when it is
 * one character other than '.'. */
static void s_decimal_update(report_i18n_t *m)
{
    const char *sep = report_i18n_get(m, "number.decimal");
    m->decimal = strcmp(sep, "number.decimal") != 0 && strcmp(sep, ".") != 0
                         && strlen(sep) == 1
                     ? sep[0]
                     : 0;
}

int report_i18n_set(report_i18n_t *m, const char *key, const char *text)
{
    /* English has no local table: its words are the fallback table */
    s_table_t *t = strcmp(m->lang, "en") == 0 ? &m->en : &m->local;
    int rc = s_table_put(t, key, text);
    s_decimal_update(m);
    return rc;
}

int report_i18n_open(report_i18n_t **out, const char *dir, const char *lang,
                     bl_err_t *err)
{
    *out = NULL;
    if (lang == NULL) {
        lang = "en";
    }
    if (dir == NULL || !s_lang_ok(lang)) {
        return bl_err_set(err, BL_EINVAL, "invalid report language '%s'",
                          lang);
    }
    report_i18n_t *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    snprintf(m->lang, sizeof m->lang, "%s", lang);
    int rc = 0;
    char *path = s_path(dir, "en");
    if (path == NULL) {
        rc = bl_err_set(err, BL_ENOMEM, "out of memory");
        goto fail;
    }
    rc = s_load_file(&m->en, path, err);
    free(path);
    if (rc != 0) {
        goto fail;
    }
    if (strcmp(lang, "en") != 0) {
        path = s_path(dir, lang);
        if (path == NULL) {
            rc = bl_err_set(err, BL_ENOMEM, "out of memory");
            goto fail;
        }
        rc = s_load_file(&m->local, path, err);
        free(path);
        if (rc != 0) {
            goto fail;
        }
    }
    s_decimal_update(m);
    *out = m;
    return 0;
fail:
    report_i18n_destroy(&m);
    return rc;
}

int report_i18n_open_builtin(report_i18n_t **out, const char *lang,
                             bl_err_t *err)
{
    *out = NULL;
    if (lang == NULL) {
        lang = "en";
    }
    if (!s_lang_ok(lang)) {
        return bl_err_set(err, BL_EINVAL, "invalid report language '%s'",
                          lang);
    }
    report_i18n_t *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    int rc = s_load_builtin(&m->en, "en", err);
    if (rc == BL_ENOTFOUND) {
        rc = bl_err_set(err, BL_ENOTFOUND, "no built-in English messages");
    }
    /* A language that does not ship reads in English. */
    if (rc == 0 && strcmp(lang, "en") != 0 &&
        (rc = s_load_builtin(&m->local, lang, err)) == BL_ENOTFOUND) {
        rc = 0;
        lang = "en";
    }
    if (rc != 0) {
        report_i18n_destroy(&m);
        return rc;
    }
    snprintf(m->lang, sizeof m->lang, "%s", lang);
    s_decimal_update(m);
    *out = m;
    return 0;
}

void report_i18n_destroy(report_i18n_t **m)
{
    if (m == NULL || *m == NULL) {
        return;
    }
    s_table_free(&(*m)->en);
    s_table_free(&(*m)->local);
    free(*m);
    *m = NULL;
}

const char *report_i18n_lang(const report_i18n_t *m)
{
    return m != NULL ? m->lang : "en";
}

const char *report_i18n_get(const report_i18n_t *m, const char *key)
{
    if (m == NULL || key == NULL) {
        return key != NULL ? key : "";
    }
    const char *v = s_table_get(&m->local, key);
    if (v == NULL) {
        v = s_table_get(&m->en, key);
    }
    return v != NULL ? v : key;
}

/* A growable string, private to report_i18n_format. */
typedef struct s_str {
    char *p;
    size_t len;
    size_t cap;
    int oom;
} s_str_t;

static void s_str_add(s_str_t *s, const char *text, size_t n)
{
    if (s->oom) {
        return;
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < s->len + n + 1) {
            cap *= 2;
        }
        char *p = realloc(s->p, cap);
        if (p == NULL) {
            s->oom = 1;
            return;
        }
        s->p = p;
        s->cap = cap;
    }
    memcpy(s->p + s->len, text, n);
    s->len += n;
    s->p[s->len] = '\0';
}

char *report_i18n_format(const report_i18n_t *m, const char *key, ...)
{
    const char *tpl = report_i18n_get(m, key);
    /* Room for the template and a few values at once: a report makes
     * thousands of sentences. */
    s_str_t out = {0};
    out.cap = strlen(tpl) + 160;
    out.p = malloc(out.cap);
    if (out.p == NULL) {
        return NULL;
    }
    out.p[0] = '\0';
    const char *p = tpl;
    while (*p != '\0') {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (open == NULL || close == NULL) {
            s_str_add(&out, p, strlen(p));
            break;
        }
        s_str_add(&out, p, (size_t)(open - p));
        size_t nlen = (size_t)(close - open - 1);
        const char *value = NULL;
        va_list ap;
        va_start(ap, key);
        for (;;) {
            const char *name = va_arg(ap, const char *);
            if (name == NULL) {
                break;
            }
            const char *v = va_arg(ap, const char *);
            if (strncmp(name, open + 1, nlen) == 0 && name[nlen] == '\0') {
                value = v != NULL ? v : "";
                break;
            }
        }
        va_end(ap);
        if (value != NULL) {
            s_str_add(&out, value, strlen(value));
        } else {
            s_str_add(&out, open, (size_t)(close - open + 1));
        }
        p = close + 1;
    }
    if (out.oom) {
        free(out.p);
        return NULL;
    }
    return out.p;
}

const char *report_i18n_language_for_country(const char *country)
{
    static const char *const map[][2] = {
        {"NO", "no"}, {"PT", "pt"}, {"EE", "et"}, {"LT", "lt"},
    };
    if (country != NULL) {
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
            if (strcmp(country, map[i][0]) == 0) {
                return map[i][1];
            }
        }
    }
    return "en";
}

char *report_i18n_number(const report_i18n_t *m, double v, int decimals,
                         char *buf, size_t len)
{
    if (len == 0) {
        return buf;
    }
    if (!isfinite(v)) {
        snprintf(buf, len, "%s", "–");
        return buf;
    }
    if (decimals < 0) {
        decimals = 0;
    }
    if (decimals > 6) {
        decimals = 6;
    }
    bl_number_fixed(buf, len, v, decimals);
    /* "-0.0" after rounding: SPEC wants a zero written without a sign. */
    if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1)) {
        memmove(buf, buf + 1, strlen(buf));
    }
    if (m != NULL && m->decimal != 0) {
        char *dot = strchr(buf, '.');
        if (dot != NULL) {
            *dot = m->decimal;
        }
    }
    return buf;
}
