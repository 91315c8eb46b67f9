/*
 * bl_catalogue: reads the indicator catalogue (SPEC section 3) from YAML and
 * checks every field, reporting every problem with its line and column.
 *
 * The lists (service types, principles, surveys) are read first whatever
 * their order in the file, so that indicators can be checked against them.
 * A list that has errors of its own is not used to check indicators, so that
 * one mistake does not cascade into dozens of messages.  The reference group
 * of an indicator is only checked to be a non-empty id: the catalogue does
 * not know the node's peer groups, and a national node may name a group that
 * only its international node computes.  Texts people read are either a
 * plain string or a map from language code to text; both read into a
 * bl_text_t, and the plain `name` / `item_texts` keep the English (else the
 * first) text.  Not here: anything about data, or which languages a report
 * needs (a catalogue may give one language or twenty).
 */
#include "bl_catalogue.h"

#include "bl_hash.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_error.h"
#include "bl_yaml.h"

/* Ids (catalogue, survey, item, indicator) become CSV columns and keys. */
#define S_ID_MAX 40

typedef struct s_ctx {
    const bl_yaml_doc_t *doc;
    bl_diags_t *diags;
    bl_catalogue_t *cat;
    size_t errors;
    bool oom;
    bool principles_ok;     /* principles parsed without error */
    bool surveys_ok;        /* surveys parsed without error */
    size_t *id_lines;       /* line of each indicator's id, for messages */
} s_ctx_t;

static const char *const s_kind_names[] = {
    "ratio", "value", "survey_share", "survey_mean", "steps",
};

static const char *const s_stat_names[] = {
    "mean", "p10", "p25", "p50", "p75", "p90", "best_in_class",
};

static void s_err(s_ctx_t *c, const bl_yaml_node_t *node, const char *fmt,
                  ...) __attribute__((format(printf, 3, 4)));

static void s_err(s_ctx_t *c, const bl_yaml_node_t *node, const char *fmt,
                  ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bl_yaml_error(c->doc, node, c->diags, "%s", msg);
    c->errors++;
}

static char *s_dup(s_ctx_t *c, const char *s)
{
    char *d = strdup(s);
    if (d == NULL) {
        c->oom = true;
    }
    return d;
}

/* Counts a failed typed read as an error; returns true on success. */
static bool s_ok(s_ctx_t *c, int rc)
{
    if (rc != 0) {
        c->errors++;
        return false;
    }
    return true;
}

static bool s_valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > S_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
                  || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.'
                  || ch == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Reads an id-shaped string; reports and returns NULL when it is not one. */
static const char *s_get_id(s_ctx_t *c, const bl_yaml_node_t *node,
                            const char *what)
{
    const char *s = NULL;
    if (!s_ok(c, bl_yaml_get_string(c->doc, node, what, &s, c->diags))) {
        return NULL;
    }
    if (!s_valid_id(s)) {
        s_err(c, node,
              "%s: '%s' is not a valid id (1 to %d of A-Z a-z 0-9 _ . -)",
              what, s, S_ID_MAX);
        return NULL;
    }
    return s;
}

/* A language code: 2 to 3 lower-case ASCII letters ("en", "no", "fil"). */
static bool s_valid_lang(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > BL_LANG_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 'a' || s[i] > 'z') {
            return false;
        }
    }
    return true;
}

static bool s_text_add(s_ctx_t *c, bl_text_t *t, const char *lang,
                       const char *text)
{
    char *d = s_dup(c, text);
    if (d == NULL) {
        return false;
    }
    bl_text_pair_t *p = &t->pairs[t->n++];
    snprintf(p->lang, sizeof p->lang, "%s", lang);
    p->text = d;
    return true;
}

/* Reads a text people read (SPEC section 3): a string, or a non-empty map
 * from language code to a non-empty string.  what names it in messages
 * ("indicator 'LEA-01': name").  Returns true when it is complete and
 * error-free; *out then holds at least one pair. */
static bool s_text(s_ctx_t *c, const bl_yaml_node_t *node, const char *what,
                   bl_text_t *out)
{
    const char *s = NULL;
    if (bl_yaml_kind(node) == BL_YAML_SEQUENCE) {
        s_err(c, node, "%s: expected a string or a map from language code "
              "to text, e.g. {en: \"...\", no: \"...\"}, got a list", what);
        return false;
    }
    if (bl_yaml_kind(node) == BL_YAML_SCALAR) {
        if (!s_ok(c, bl_yaml_get_string(c->doc, node, what, &s, c->diags))) {
            return false;
        }
        out->pairs = calloc(1, sizeof *out->pairs);
        if (out->pairs == NULL) {
            c->oom = true;
            return false;
        }
        return s_text_add(c, out, "", s);
    }
    size_t n = bl_yaml_size(node);
    if (n == 0) {
        s_err(c, node, "%s: the map of languages is empty", what);
        return false;
    }
    out->pairs = calloc(n, sizeof *out->pairs);
    if (out->pairs == NULL) {
        c->oom = true;
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const bl_yaml_node_t *k = bl_yaml_pair_key(node, i);
        const bl_yaml_node_t *v = bl_yaml_pair_value(node, i);
        const char *lang = bl_yaml_scalar(k);
        if (lang == NULL || !s_valid_lang(lang)) {
            s_err(c, k, "%s: '%s' is not a language code (2 or 3 lower-case "
                  "letters, e.g. en)", what, lang != NULL ? lang : "");
            ok = false;
            continue;
        }
        char vwhat[160];
        snprintf(vwhat, sizeof vwhat, "%s: %s", what, lang);
        if (!s_ok(c, bl_yaml_get_string(c->doc, v, vwhat, &s, c->diags))) {
            ok = false;
            continue;
        }
        if (s[0] == '\0') {
            s_err(c, v, "%s: the text is empty", vwhat);
            ok = false;
            continue;
        }
        /* A language given twice is a duplicate key, reported by bl_yaml. */
        if (!s_text_add(c, out, lang, s)) {
            return false;
        }
    }
    return ok && out->n > 0;
}

/* The English (else the first) text as a new string, for the plain fields;
 * "" when t holds nothing (its error is reported already). */
static char *s_text_default(s_ctx_t *c, const bl_text_t *t)
{
    const char *s = bl_catalogue_text(t, "en");
    return s_dup(c, s != NULL ? s : "");
}

static void s_text_free(bl_text_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->pairs[i].text);
    }
    free(t->pairs);
    t->pairs = NULL;
    t->n = 0;
}

/* Reads an optional map id -> text (principle_names, service_type_names)
 * into names, one entry per id of ids (n of them); a key that is not one of
 * the ids (of the list named `list`) is an error.  ids_ok false: the id list has errors of its own, so
 * unknown keys are not reported again. */
static void s_names(s_ctx_t *c, const bl_yaml_node_t *node, const char *what,
                    const char *list, char **ids, size_t n, bool ids_ok,
                    bl_text_t **names)
{
    if (bl_yaml_kind(node) != BL_YAML_MAPPING) {
        s_err(c, node, "%s: expected a map from id to name, got a %s", what,
              bl_yaml_kind_name(bl_yaml_kind(node)));
        return;
    }
    *names = calloc(n > 0 ? n : 1, sizeof **names);
    if (*names == NULL) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < bl_yaml_size(node) && !c->oom; i++) {
        const bl_yaml_node_t *k = bl_yaml_pair_key(node, i);
        const char *id = bl_yaml_scalar(k);
        int at = -1;
        for (size_t j = 0; j < n && at < 0 && id != NULL; j++) {
            if (ids[j] != NULL && strcmp(ids[j], id) == 0) {
                at = (int)j;
            }
        }
        if (at < 0) {
            if (ids_ok) {
                s_err(c, k, "%s: '%s' is not one of the catalogue's %s",
                      what, id != NULL ? id : "", list);
            }
            continue;
        }
        char twhat[128];
        snprintf(twhat, sizeof twhat, "%s: %s", what, id);
        s_text(c, bl_yaml_pair_value(node, i), twhat, &(*names)[at]);
    }
}

/* Reads a non-empty sequence of unique ids into a new array.  Returns true
 * when the list is complete and error-free. */
static bool s_id_list(s_ctx_t *c, const bl_yaml_node_t *node,
                      const char *what, size_t *n_out, char ***out)
{
    if (bl_yaml_kind(node) != BL_YAML_SEQUENCE) {
        s_err(c, node, "%s: expected a list, got a %s", what,
              bl_yaml_kind_name(bl_yaml_kind(node)));
        return false;
    }
    size_t n = bl_yaml_size(node);
    if (n == 0) {
        s_err(c, node, "%s: the list is empty", what);
        return false;
    }
    char **v = calloc(n, sizeof *v);
    if (v == NULL) {
        c->oom = true;
        return false;
    }
    *out = v;
    *n_out = 0;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const bl_yaml_node_t *item = bl_yaml_item(node, i);
        const char *s = s_get_id(c, item, what);
        if (s == NULL) {
            ok = false;
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < *n_out && !dup; j++) {
            dup = strcmp(v[j], s) == 0;
        }
        if (dup) {
            s_err(c, item, "%s: '%s' is listed twice", what, s);
            ok = false;
            continue;
        }
        v[*n_out] = s_dup(c, s);
        if (v[*n_out] == NULL) {
            return false;
        }
        (*n_out)++;
    }
    return ok;
}

/* A [min, max] pair of integers with min < max. */
static bool s_scale(s_ctx_t *c, const bl_yaml_node_t *node, const char *what,
                    bl_survey_t *s)
{
    if (bl_yaml_kind(node) != BL_YAML_SEQUENCE || bl_yaml_size(node) != 2) {
        s_err(c, node, "%s: expected [min, max], two integers", what);
        return false;
    }
    int lo = 0;
    int hi = 0;
    bool ok = s_ok(c, bl_yaml_get_int(c->doc, bl_yaml_item(node, 0), what,
                                      &lo, c->diags));
    ok = s_ok(c, bl_yaml_get_int(c->doc, bl_yaml_item(node, 1), what, &hi,
                                 c->diags))
         && ok;
    if (!ok) {
        return false;
    }
    if (lo >= hi) {
        s_err(c, node, "%s: min %d is not below max %d", what, lo, hi);
        return false;
    }
    s->scale_min = lo;
    s->scale_max = hi;
    return true;
}

/* Survey item codes also name CSV columns beside these. */
static bool s_reserved_column(const char *code)
{
    static const char *const fixed[] = {
        "provider_id", "unit_id", "period", "survey", "respondent_id", NULL,
    };
    for (size_t i = 0; fixed[i] != NULL; i++) {
        if (strcmp(fixed[i], code) == 0) {
            return true;
        }
    }
    return false;
}

static bool s_survey(s_ctx_t *c, const bl_yaml_node_t *key,
                     const bl_yaml_node_t *node, bl_survey_t *s)
{
    const char *id = s_get_id(c, key, "survey id");
    if (id == NULL) {
        return false;
    }
    s->id = s_dup(c, id);
    if (s->id == NULL) {
        return false;
    }
    char where[64];
    snprintf(where, sizeof where, "survey '%s'", id);
    if (bl_yaml_kind(node) != BL_YAML_MAPPING) {
        s_err(c, node, "%s: expected a mapping with scale and items", where);
        return false;
    }
    static const char *const keys[] = {"scale", "items", NULL};
    bool ok = true;
    size_t unknown = bl_yaml_check_keys(c->doc, node, where, keys, c->diags);
    if (unknown > 0) {
        c->errors += unknown;
        ok = false;
    }
    const bl_yaml_node_t *scale = bl_yaml_map_get(node, "scale");
    if (scale == NULL) {
        s_err(c, node, "%s: missing key 'scale'", where);
        ok = false;
    } else {
        ok = s_scale(c, scale, "scale", s) && ok;
    }
    const bl_yaml_node_t *items = bl_yaml_map_get(node, "items");
    if (items == NULL) {
        s_err(c, node, "%s: missing key 'items'", where);
        return false;
    }
    if (bl_yaml_kind(items) != BL_YAML_MAPPING || bl_yaml_size(items) == 0) {
        s_err(c, items, "%s: items: expected a mapping of item codes to "
              "wordings, e.g. {U1: \"...\"}", where);
        return false;
    }
    size_t n = bl_yaml_size(items);
    s->item_codes = calloc(n, sizeof *s->item_codes);
    s->item_texts = calloc(n, sizeof *s->item_texts);
    s->item_i18n = calloc(n, sizeof *s->item_i18n);
    if (s->item_codes == NULL || s->item_texts == NULL
        || s->item_i18n == NULL) {
        c->oom = true;
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const bl_yaml_node_t *k = bl_yaml_pair_key(items, i);
        const bl_yaml_node_t *v = bl_yaml_pair_value(items, i);
        const char *code = s_get_id(c, k, "item code");
        bool item_ok = code != NULL;
        if (code != NULL && s_reserved_column(code)) {
            s_err(c, k, "item code '%s' is a fixed survey column", code);
            item_ok = false;
        }
        char what[128];
        snprintf(what, sizeof what, "%s: item %s", where,
                 code != NULL ? code : "wording");
        /* counted first, so that destroy frees what the reader kept */
        bl_text_t *text = &s->item_i18n[s->n_items++];
        if (!s_text(c, v, what, text)) {
            item_ok = false;
        }
        if (!item_ok) {
            ok = false;
            s->n_items--;
            s_text_free(text);
            continue;
        }
        /* A duplicate code is a duplicate key, reported by bl_yaml. */
        s->item_codes[s->n_items - 1] = s_dup(c, code);
        s->item_texts[s->n_items - 1] = s_text_default(c, text);
        if (s->item_codes[s->n_items - 1] == NULL
            || s->item_texts[s->n_items - 1] == NULL) {
            return false;
        }
    }
    return ok;
}

static bool s_surveys(s_ctx_t *c, const bl_yaml_node_t *node)
{
    if (bl_yaml_kind(node) != BL_YAML_MAPPING) {
        s_err(c, node, "surveys: expected a mapping of survey ids, got a %s",
              bl_yaml_kind_name(bl_yaml_kind(node)));
        return false;
    }
    size_t n = bl_yaml_size(node);
    if (n == 0) {
        return true;
    }
    c->cat->surveys = calloc(n, sizeof *c->cat->surveys);
    if (c->cat->surveys == NULL) {
        c->oom = true;
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n && !c->oom; i++) {
        ok = s_survey(c, bl_yaml_pair_key(node, i), bl_yaml_pair_value(node, i),
                      &c->cat->surveys[i])
             && ok;
        c->cat->n_surveys++;
    }
    return ok;
}

static int s_lookup(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], s) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void s_range(s_ctx_t *c, const bl_yaml_node_t *node, const char *where,
                    bl_indicator_t *ind)
{
    if (bl_yaml_kind(node) != BL_YAML_SEQUENCE || bl_yaml_size(node) != 2) {
        s_err(c, node, "%s: range: expected [min, max], two numbers", where);
        return;
    }
    char what[128];
    snprintf(what, sizeof what, "%s: range", where);
    double lo = 0.0;
    double hi = 0.0;
    bool ok = s_ok(c, bl_yaml_get_double(c->doc, bl_yaml_item(node, 0),
                                         what, &lo, c->diags));
    ok = s_ok(c, bl_yaml_get_double(c->doc, bl_yaml_item(node, 1), what,
                                    &hi, c->diags))
         && ok;
    if (!ok) {
        return;
    }
    if (lo > hi) {
        s_err(c, node, "%s: range: min %g is above max %g", where, lo, hi);
        return;
    }
    ind->has_range = true;
    ind->range_min = lo;
    ind->range_max = hi;
}

static void s_reference(s_ctx_t *c, const bl_yaml_node_t *node,
                        const char *where, bl_indicator_t *ind)
{
    if (bl_yaml_kind(node) != BL_YAML_MAPPING) {
        s_err(c, node, "%s: reference: expected {stat: S, group: G} or "
              "{value: N}", where);
        return;
    }
    static const char *const keys[] = {"stat", "group", "value", NULL};
    char ref_where[128];
    snprintf(ref_where, sizeof ref_where, "the reference of %s", where);
    size_t unknown = bl_yaml_check_keys(c->doc, node, ref_where, keys,
                                        c->diags);
    c->errors += unknown;
    const bl_yaml_node_t *stat = bl_yaml_map_get(node, "stat");
    const bl_yaml_node_t *group = bl_yaml_map_get(node, "group");
    const bl_yaml_node_t *value = bl_yaml_map_get(node, "value");
    if (value != NULL && (stat != NULL || group != NULL)) {
        s_err(c, node, "%s: reference: give either {stat, group} or {value}, "
              "not both", where);
        return;
    }
    char what[128];
    if (value != NULL) {
        double v = 0.0;
        snprintf(what, sizeof what, "%s: reference value", where);
        if (s_ok(c, bl_yaml_get_double(c->doc, value, what, &v, c->diags))) {
            ind->ref_kind = BL_REF_VALUE;
            ind->ref_value = v;
        }
        return;
    }
    if (stat == NULL) {
        s_err(c, node, "%s: reference: missing key 'stat'", where);
    }
    if (group == NULL) {
        s_err(c, node, "%s: reference: missing key 'group'", where);
    }
    if (stat == NULL || group == NULL) {
        return;
    }
    const char *st = NULL;
    const char *gr = NULL;
    snprintf(what, sizeof what, "%s: reference stat", where);
    bool ok = s_ok(c, bl_yaml_get_string(c->doc, stat, what, &st, c->diags));
    int si = -1;
    if (ok) {
        si = s_lookup(s_stat_names, sizeof s_stat_names / sizeof *s_stat_names,
                      st);
        if (si < 0) {
            s_err(c, stat, "%s: unknown stat '%s' (mean p10 p25 p50 p75 p90 "
                  "best_in_class)", where, st);
            ok = false;
        }
    }
    snprintf(what, sizeof what, "%s: reference group", where);
    gr = s_get_id(c, group, what);
    if (!ok || gr == NULL) {
        return;
    }
    ind->ref_group = s_dup(c, gr);
    ind->ref_kind = BL_REF_STAT;
    ind->ref_stat = (bl_stat_t)si;
}

static bool s_is_survey_kind(bl_kind_t k)
{
    return k == BL_KIND_SURVEY_SHARE || k == BL_KIND_SURVEY_MEAN;
}

/* survey, items and threshold of a survey indicator. */
static void s_survey_fields(s_ctx_t *c, const bl_yaml_node_t *node,
                            const char *where, bl_indicator_t *ind)
{
    const bl_yaml_node_t *survey = bl_yaml_map_get(node, "survey");
    const bl_yaml_node_t *items = bl_yaml_map_get(node, "items");
    const bl_yaml_node_t *threshold = bl_yaml_map_get(node, "threshold");
    if (survey == NULL) {
        s_err(c, node, "%s: missing key 'survey'", where);
    }
    if (items == NULL) {
        s_err(c, node, "%s: missing key 'items'", where);
    }
    if (ind->kind == BL_KIND_SURVEY_SHARE && threshold == NULL) {
        s_err(c, node, "%s: missing key 'threshold'", where);
    }
    if (ind->kind == BL_KIND_SURVEY_MEAN && threshold != NULL) {
        s_err(c, threshold, "%s: threshold applies only to survey_share",
              where);
    }
    const bl_survey_t *s = NULL;
    char what[128];
    if (survey != NULL) {
        const char *sid = NULL;
        snprintf(what, sizeof what, "%s: survey", where);
        if (s_ok(c, bl_yaml_get_string(c->doc, survey, what, &sid,
                                       c->diags))) {
            int si = bl_catalogue_find_survey(c->cat, sid);
            if (si >= 0) {
                ind->survey = si;
                s = &c->cat->surveys[si];
            } else if (c->surveys_ok) {
                s_err(c, survey, "%s: unknown survey '%s'", where, sid);
            }
        }
    }
    if (threshold != NULL && ind->kind == BL_KIND_SURVEY_SHARE) {
        double t = 0.0;
        snprintf(what, sizeof what, "%s: threshold", where);
        if (s_ok(c, bl_yaml_get_double(c->doc, threshold, what, &t,
                                       c->diags))) {
            ind->threshold = t;
            if (s != NULL && (t < s->scale_min || t > s->scale_max)) {
                s_err(c, threshold, "%s: threshold %g is outside the scale "
                      "[%d, %d] of survey '%s'", where, t, s->scale_min,
                      s->scale_max, s->id);
            }
        }
    }
    if (items == NULL) {
        return;
    }
    if (bl_yaml_kind(items) != BL_YAML_SEQUENCE || bl_yaml_size(items) == 0) {
        s_err(c, items, "%s: items: expected a non-empty list of item codes",
              where);
        return;
    }
    size_t n = bl_yaml_size(items);
    ind->items = calloc(n, sizeof *ind->items);
    if (ind->items == NULL) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const bl_yaml_node_t *item = bl_yaml_item(items, i);
        const char *code = NULL;
        snprintf(what, sizeof what, "%s: items", where);
        if (!s_ok(c, bl_yaml_get_string(c->doc, item, what, &code,
                                        c->diags))) {
            continue;
        }
        if (s == NULL) {
            continue;        /* the survey itself is in error */
        }
        int ii = bl_survey_find_item(s, code);
        if (ii < 0) {
            s_err(c, item, "%s: unknown item '%s' of survey '%s'", where,
                  code, s->id);
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < ind->n_items && !dup; j++) {
            dup = ind->items[j] == ii;
        }
        if (dup) {
            s_err(c, item, "%s: item '%s' is listed twice", where, code);
            continue;
        }
        ind->items[ind->n_items++] = ii;
    }
}

/* A required string key of an indicator: its text, or NULL after
 * reporting it missing or not a string.  *at is the value node (or NULL). */
static const char *s_field(s_ctx_t *c, const bl_yaml_node_t *node,
                           const char *where, const char *key,
                           const bl_yaml_node_t **at)
{
    *at = bl_yaml_map_get(node, key);
    if (*at == NULL) {
        s_err(c, node, "%s: missing key '%s'", where, key);
        return NULL;
    }
    char what[128];
    snprintf(what, sizeof what, "%s: %s", where, key);
    const char *s = NULL;
    if (!s_ok(c, bl_yaml_get_string(c->doc, *at, what, &s, c->diags))) {
        return NULL;
    }
    return s;
}

static void s_indicator(s_ctx_t *c, const bl_yaml_node_t *node, size_t index,
                        bl_indicator_t *ind)
{
    char what[128];
    ind->survey = -1;
    ind->factor = 1.0;
    char where[80];
    snprintf(where, sizeof where, "indicator %zu", index + 1);
    if (bl_yaml_kind(node) != BL_YAML_MAPPING) {
        s_err(c, node, "%s: expected a mapping, got a %s", where,
              bl_yaml_kind_name(bl_yaml_kind(node)));
        return;
    }
    const bl_yaml_node_t *id = bl_yaml_map_get(node, "id");
    if (id == NULL) {
        s_err(c, node, "%s: missing key 'id'", where);
    } else {
        const char *s = s_get_id(c, id, "id");
        if (s != NULL) {
            int prev = bl_catalogue_find_indicator(c->cat, s);
            if (prev >= 0) {
                s_err(c, id, "duplicate indicator id '%s' (first at line "
                      "%zu)", s, c->id_lines[prev]);
            }
            c->id_lines[index] = bl_yaml_line(id);
            ind->id = s_dup(c, s);
            snprintf(where, sizeof where, "indicator '%s'", s);
        }
    }
    static const char *const keys[] = {
        "id", "name", "principle", "kind", "direction", "factor", "unit",
        "range", "reference", "survey", "items", "threshold", NULL,
    };
    c->errors += bl_yaml_check_keys(c->doc, node, where, keys, c->diags);

    const bl_yaml_node_t *v = bl_yaml_map_get(node, "name");
    if (v == NULL) {
        s_err(c, node, "%s: missing key 'name'", where);
    } else {
        snprintf(what, sizeof what, "%s: name", where);
        if (s_text(c, v, what, &ind->name_i18n)) {
            ind->name = s_text_default(c, &ind->name_i18n);
        }
    }

    const char *s = s_field(c, node, where, "principle", &v);
    if (s != NULL) {
        if (c->principles_ok
            && s_lookup((const char *const *)c->cat->principles,
                        c->cat->n_principles, s) < 0) {
            s_err(c, v, "%s: unknown principle '%s'", where, s);
        }
        ind->principle = s_dup(c, s);
    }

    bool kind_ok = false;
    s = s_field(c, node, where, "kind", &v);
    if (s != NULL) {
        int k = s_lookup(s_kind_names,
                         sizeof s_kind_names / sizeof *s_kind_names, s);
        if (k < 0) {
            s_err(c, v, "%s: unknown kind '%s' (ratio value survey_share "
                  "survey_mean steps)", where, s);
        } else {
            ind->kind = (bl_kind_t)k;
            kind_ok = true;
        }
    }

    s = s_field(c, node, where, "direction", &v);
    if (s != NULL) {
        if (strcmp(s, "higher") == 0) {
            ind->direction = BL_DIR_HIGHER;
        } else if (strcmp(s, "lower") == 0) {
            ind->direction = BL_DIR_LOWER;
        } else {
            s_err(c, v, "%s: unknown direction '%s' (higher lower)", where,
                  s);
        }
    }

    v = bl_yaml_map_get(node, "unit");
    s = "";
    snprintf(what, sizeof what, "%s: unit", where);
    if (v != NULL && !bl_yaml_is_null(v)
        && !s_ok(c, bl_yaml_get_string(c->doc, v, what, &s, c->diags))) {
        s = "";
    }
    ind->unit = s_dup(c, s);

    v = bl_yaml_map_get(node, "factor");
    if (v != NULL) {
        double f = 0.0;
        snprintf(what, sizeof what, "%s: factor", where);
        if (kind_ok && ind->kind != BL_KIND_RATIO) {
            s_err(c, v, "%s: factor applies only to ratio indicators", where);
        } else if (s_ok(c, bl_yaml_get_double(c->doc, v, what, &f,
                                              c->diags))) {
            if (f <= 0.0) {
                s_err(c, v, "%s: factor %g is not a positive number", where,
                      f);
            } else {
                ind->factor = f;
            }
        }
    }

    v = bl_yaml_map_get(node, "range");
    if (v != NULL) {
        s_range(c, v, where, ind);
    }
    v = bl_yaml_map_get(node, "reference");
    if (v != NULL) {
        s_reference(c, v, where, ind);
    }

    if (!kind_ok) {
        return;
    }
    if (s_is_survey_kind(ind->kind)) {
        s_survey_fields(c, node, where, ind);
        return;
    }
    static const char *const survey_keys[] = {"survey", "items", "threshold"};
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = 0; j < bl_yaml_size(node); j++) {
            const bl_yaml_node_t *k = bl_yaml_pair_key(node, j);
            if (strcmp(bl_yaml_scalar(k), survey_keys[i]) == 0) {
                s_err(c, k, "%s: '%s' applies only to survey indicators",
                      where, survey_keys[i]);
            }
        }
    }
}

static void s_indicators(s_ctx_t *c, const bl_yaml_node_t *node)
{
    if (bl_yaml_kind(node) != BL_YAML_SEQUENCE) {
        s_err(c, node, "indicators: expected a list, got a %s",
              bl_yaml_kind_name(bl_yaml_kind(node)));
        return;
    }
    size_t n = bl_yaml_size(node);
    if (n == 0) {
        s_err(c, node, "indicators: the list is empty");
        return;
    }
    c->cat->indicators = calloc(n, sizeof *c->cat->indicators);
    c->id_lines = calloc(n, sizeof *c->id_lines);
    if (c->cat->indicators == NULL || c->id_lines == NULL) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < n && !c->oom; i++) {
        bl_indicator_t *ind = &c->cat->indicators[i];
        s_indicator(c, bl_yaml_item(node, i), i, ind);
        /* counted even when incomplete, so that destroy frees it */
        c->cat->n_indicators++;
    }
}

/* Reads the whole file into c->cat; every problem goes to diags. */
static void s_catalogue(s_ctx_t *c, const bl_yaml_node_t *root)
{
    static const char *const keys[] = {
        "catalogue", "version", "service_types", "service_type_names",
        "principles", "principle_names", "surveys", "indicators", NULL,
    };
    c->errors += bl_yaml_check_keys(c->doc, root, "the catalogue", keys,
                                    c->diags);
    const char *s = NULL;
    const bl_yaml_node_t *v = bl_yaml_map_get(root, "catalogue");
    if (v == NULL) {
        s_err(c, root, "missing key 'catalogue' (the catalogue's name)");
    } else if ((s = s_get_id(c, v, "catalogue")) != NULL) {
        c->cat->name = s_dup(c, s);
    }
    /* version is text even when written as a number: 2025.10 stays 2025.10 */
    v = bl_yaml_map_get(root, "version");
    if (v == NULL) {
        s_err(c, root, "missing key 'version'");
    } else if (bl_yaml_kind(v) != BL_YAML_SCALAR || bl_yaml_is_null(v)) {
        s_err(c, v, "version: expected a string such as \"2025.1\"");
    } else {
        c->cat->version = s_dup(c, bl_yaml_scalar(v));
    }
    bool types_ok = false;
    v = bl_yaml_map_get(root, "service_types");
    if (v == NULL) {
        s_err(c, root, "missing key 'service_types'");
    } else {
        types_ok = s_id_list(c, v, "service_types", &c->cat->n_service_types,
                             &c->cat->service_types);
    }
    v = bl_yaml_map_get(root, "service_type_names");
    if (v != NULL && !c->oom) {
        s_names(c, v, "service_type_names", "service_types",
                c->cat->service_types, c->cat->n_service_types, types_ok,
                &c->cat->service_type_names);
    }
    v = bl_yaml_map_get(root, "principles");
    if (v == NULL) {
        s_err(c, root, "missing key 'principles'");
    } else {
        c->principles_ok = s_id_list(c, v, "principles",
                                     &c->cat->n_principles,
                                     &c->cat->principles);
    }
    v = bl_yaml_map_get(root, "principle_names");
    if (v != NULL && !c->oom) {
        s_names(c, v, "principle_names", "principles", c->cat->principles,
                c->cat->n_principles, c->principles_ok,
                &c->cat->principle_names);
    }
    v = bl_yaml_map_get(root, "surveys");
    c->surveys_ok = true;
    if (v != NULL && !bl_yaml_is_null(v)) {
        c->surveys_ok = s_surveys(c, v);
    }
    v = bl_yaml_map_get(root, "indicators");
    if (v == NULL) {
        s_err(c, root, "missing key 'indicators'");
    } else {
        s_indicators(c, v);
    }
}

/* cat->ind_slots, when there is memory for it (else ids are walked). */
static void s_index_indicators(bl_catalogue_t *cat)
{
    size_t n = cat->n_indicators;
    if (n == 0 || n >= UINT16_MAX) {
        return;
    }
    size_t cap = 8;
    while (cap < 2 * n) {
        cap *= 2;
    }
    cat->ind_slots = calloc(cap, sizeof *cat->ind_slots);
    if (cat->ind_slots == NULL) {
        return;
    }
    cat->ind_mask = cap - 1;
    for (size_t i = 0; i < n; i++) {
        if (cat->indicators[i].id == NULL) {
            continue;
        }
        size_t at = (size_t)bl_hash_str(cat->indicators[i].id) & cat->ind_mask;
        while (cat->ind_slots[at] != 0) {
            at = (at + 1) & cat->ind_mask;
        }
        cat->ind_slots[at] = (uint16_t)(i + 1);
    }
}

int bl_catalogue_load(bl_catalogue_t **out, const char *path,
                      bl_diags_t *diags)
{
    *out = NULL;
    bl_yaml_doc_t *doc = NULL;
    int rc = bl_yaml_load(&doc, path, diags);
    if (rc != 0) {
        return rc;
    }
    bl_catalogue_t *cat = calloc(1, sizeof *cat);
    if (cat == NULL || (cat->path = strdup(path)) == NULL) {
        free(cat);
        bl_yaml_free(&doc);
        bl_diags_add(diags, path, 0, 0, "out of memory");
        return BL_ENOMEM;
    }
    s_ctx_t c = {.doc = doc, .diags = diags, .cat = cat};
    const bl_yaml_node_t *root = bl_yaml_root(doc);
    if (root == NULL) {
        bl_diags_add(diags, path, 0, 0, "the file holds no catalogue");
        c.errors++;
    } else if (bl_yaml_kind(root) != BL_YAML_MAPPING) {
        s_err(&c, root, "expected a mapping at the top, got a %s",
              bl_yaml_kind_name(bl_yaml_kind(root)));
    } else {
        s_catalogue(&c, root);
    }
    bl_yaml_free(&doc);
    free(c.id_lines);
    if (c.oom) {
        bl_diags_add(diags, path, 0, 0, "out of memory");
        bl_catalogue_destroy(&cat);
        return BL_ENOMEM;
    }
    if (c.errors > 0) {
        bl_catalogue_destroy(&cat);
        return BL_ECONFIG;
    }
    s_index_indicators(cat);
    *out = cat;
    return 0;
}

/* Frees an array of n texts (NULL allowed). */
static void s_free_texts(bl_text_t *v, size_t n)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        s_text_free(&v[i]);
    }
    free(v);
}

static void s_free_strings(char **v, size_t n)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

void bl_catalogue_destroy(bl_catalogue_t **cat)
{
    if (cat == NULL || *cat == NULL) {
        return;
    }
    bl_catalogue_t *c = *cat;
    free(c->path);
    free(c->name);
    free(c->version);
    s_free_texts(c->service_type_names, c->n_service_types);
    s_free_strings(c->service_types, c->n_service_types);
    s_free_texts(c->principle_names, c->n_principles);
    s_free_strings(c->principles, c->n_principles);
    for (size_t i = 0; i < c->n_surveys; i++) {
        bl_survey_t *s = &c->surveys[i];
        free(s->id);
        s_free_strings(s->item_codes, s->n_items);
        s_free_strings(s->item_texts, s->n_items);
        s_free_texts(s->item_i18n, s->n_items);
    }
    free(c->surveys);
    for (size_t i = 0; i < c->n_indicators; i++) {
        bl_indicator_t *ind = &c->indicators[i];
        free(ind->id);
        free(ind->name);
        s_text_free(&ind->name_i18n);
        free(ind->principle);
        free(ind->unit);
        free(ind->ref_group);
        free(ind->items);
    }
    free(c->indicators);
    free(c->ind_slots);
    free(c);
    *cat = NULL;
}

int bl_catalogue_find_indicator(const bl_catalogue_t *cat, const char *id)
{
    if (cat->ind_slots != NULL) {
        for (size_t at = (size_t)bl_hash_str(id) & cat->ind_mask;
             cat->ind_slots[at] != 0; at = (at + 1) & cat->ind_mask) {
            size_t i = cat->ind_slots[at] - 1u;
            if (strcmp(cat->indicators[i].id, id) == 0) {
                return (int)i;
            }
        }
        return -1;
    }
    for (size_t i = 0; i < cat->n_indicators; i++) {
        if (cat->indicators[i].id != NULL
            && strcmp(cat->indicators[i].id, id) == 0) {
            return (int)i;
        }
    }
    return -1;
}

int bl_catalogue_find_survey(const bl_catalogue_t *cat, const char *id)
{
    for (size_t i = 0; i < cat->n_surveys; i++) {
        if (cat->surveys[i].id != NULL && strcmp(cat->surveys[i].id, id) == 0) {
            return (int)i;
        }
    }
    return -1;
}

int bl_survey_find_item(const bl_survey_t *s, const char *code)
{
    for (size_t i = 0; i < s->n_items; i++) {
        if (s->item_codes[i] != NULL && strcmp(s->item_codes[i], code) == 0) {
            return (int)i;
        }
    }
    return -1;
}

bool bl_catalogue_has_service_type(const bl_catalogue_t *cat,
                                   const char *code)
{
    for (size_t i = 0; i < cat->n_service_types; i++) {
        if (cat->service_types[i] != NULL
            && strcmp(cat->service_types[i], code) == 0) {
            return true;
        }
    }
    return false;
}

const char *bl_catalogue_text(const bl_text_t *text, const char *lang)
{
    if (text == NULL || text->n == 0) {
        return NULL;
    }
    if (lang == NULL) {
        lang = "en";
    }
    for (size_t i = 0; i < text->n; i++) {
        if (strcmp(text->pairs[i].lang, lang) == 0) {
            return text->pairs[i].text;
        }
    }
    for (size_t i = 0; i < text->n; i++) {
        if (strcmp(text->pairs[i].lang, "en") == 0) {
            return text->pairs[i].text;
        }
    }
    return text->pairs[0].text;
}

/* The text of id in a names array parallel to ids, or NULL. */
static const char *s_name_of(char **ids, const bl_text_t *names, size_t n,
                             const char *id, const char *lang)
{
    if (names == NULL || id == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (ids[i] != NULL && strcmp(ids[i], id) == 0) {
            return bl_catalogue_text(&names[i], lang);
        }
    }
    return NULL;
}

const char *bl_catalogue_principle_name(const bl_catalogue_t *cat,
                                        const char *principle,
                                        const char *lang)
{
    return s_name_of(cat->principles, cat->principle_names,
                     cat->n_principles, principle, lang);
}

const char *bl_catalogue_service_type_name(const bl_catalogue_t *cat,
                                           const char *code,
                                           const char *lang)
{
    return s_name_of(cat->service_types, cat->service_type_names,
                     cat->n_service_types, code, lang);
}

const char *bl_kind_name(bl_kind_t kind)
{
    if ((size_t)kind < sizeof s_kind_names / sizeof *s_kind_names) {
        return s_kind_names[kind];
    }
    return "unknown";
}

const char *bl_direction_name(bl_direction_t dir)
{
    return dir == BL_DIR_LOWER ? "lower" : "higher";
}

const char *bl_stat_name(bl_stat_t stat)
{
    if ((size_t)stat < sizeof s_stat_names / sizeof *s_stat_names) {
        return s_stat_names[stat];
    }
    return "unknown";
}
