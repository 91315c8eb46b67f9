/*
 * bl_layout: header recognition for the input file kinds.  The kind is
 * decided by a column only one kind has (action_id, action, owner, due or
 * status; title, description or contact; indicator_id, respondent_id or
 * survey, membership or name), so that one misspelt column still yields a
 * precise "unknown column" rather than "unknown file".
 */
#include "bl_layout.h"

#include <string.h>
#include <strings.h>

#include "bl_error.h"
#include "bl_str.h"

static const char *const s_col_names[BL_COL_COUNT] = {
    "provider_id", "name", "country", "service_type", "users", "staff",
    "membership", "member_since", "share_identity", "unit_id", "period",
    "indicator_id", "numerator", "denominator", "value", "survey",
    "respondent_id", "action_id", "action", "owner", "due", "status",
    "title", "description", "contact",
};

/* Required (2), optional (1) or foreign (0) column per kind. */
static const unsigned char s_need[BL_FILE_UNKNOWN][BL_COL_COUNT] = {
    /* register */
    {2, 2, 2, 2, 2, 2, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0,
     0, 0, 0, 0, 0, 0, 0, 0},
    /* indicators */
    {2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 0, 0,
     0, 0, 0, 0, 0, 0, 0, 0},
    /* survey */
    {2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 2, 2,
     0, 0, 0, 0, 0, 0, 0, 0},
    /* actions: provider_id, period, action_id, indicator_id, action,
     * owner, due, status */
    {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0,
     2, 2, 2, 2, 2, 0, 0, 0},
    /* practices: provider_id, period, indicator_id, title, description,
     * contact */
    {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0,
     0, 0, 0, 0, 0, 2, 2, 2},
};

const char *bl_file_kind_name(bl_file_kind_t kind)
{
    switch (kind) {
    case BL_FILE_REGISTER:
        return "register";
    case BL_FILE_INDICATORS:
        return "indicators";
    case BL_FILE_SURVEY:
        return "survey";
    case BL_FILE_ACTIONS:
        return "actions";
    case BL_FILE_PRACTICES:
        return "practices";
    default:
        return "unknown";
    }
}

const char *bl_col_name(bl_col_t col)
{
    return (unsigned)col < BL_COL_COUNT ? s_col_names[col] : "?";
}

int bl_col_index(const char *const *fields, size_t n, bl_col_t col)
{
    const char *name = bl_col_name(col);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(fields[i], name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int s_col_of(const char *name)
{
    for (int c = 0; c < BL_COL_COUNT; c++) {
        if (strcmp(name, s_col_names[c]) == 0) {
            return c;
        }
    }
    return -1;
}

/* The column name that name spells in other letter case, or NULL (also
 * for a name spelt right): a spreadsheet's "Provider_ID" for
 * provider_id. */
static const char *s_case_of(const char *name)
{
    for (int c = 0; c < BL_COL_COUNT; c++) {
        if (strcasecmp(name, s_col_names[c]) == 0) {
            return strcmp(name, s_col_names[c]) != 0 ? s_col_names[c]
                                                      : NULL;
        }
    }
    return NULL;
}

/* Whether the fields are a spreadsheet's "sep=;" line (Excel writes and
 * reads one, before the header, to know the delimiter): "sep=" and the
 * delimiter, which the reader may have split off as an empty field. */
static bool s_sep_line(const char *const *fields, size_t n)
{
    return (n == 1 || (n == 2 && fields[1][0] == '\0')) &&
           strncasecmp(fields[0], "sep=", 4) == 0 && strlen(fields[0]) <= 5;
}

/* Why a header names no file kind, when its fields tell: a "sep=" line
 * before it, columns split by tabs (a spreadsheet's "text" export), or
 * names in the wrong case. */
static void s_why_unknown(const char *file, const char *const *fields,
                          size_t n, bl_diags_t *diags)
{
    if (s_sep_line(fields, n)) {
        bl_diags_add(diags, file, 1, 0,
                     "a spreadsheet's 'sep=' line, not the header: delete "
                     "the line (the header comes first, and its delimiter "
                     "',' or ';' is read from it)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (strchr(fields[i], '\t') != NULL) {
            bl_diags_add(diags, file, 1, 0,
                         "the header's columns are separated by tabs: the "
                         "delimiter is ',' or ';' (save the file as CSV)");
            return;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = s_case_of(fields[i]);
        if (name != NULL) {
            bl_diags_add(diags, file, 1, i + 1,
                         "column '%s' would be '%s': column names are "
                         "lower case", fields[i], name);
        }
    }
}

static bl_file_kind_t s_guess(const char *const *fields, size_t n)
{
    /* The learning kinds first: they share indicator_id with indicator
     * data. */
    for (size_t i = 0; i < n; i++) {
        int c = s_col_of(fields[i]);
        if (c >= BL_COL_ACTION_ID && c <= BL_COL_STATUS) {
            return BL_FILE_ACTIONS;
        }
        if (c >= BL_COL_TITLE && c <= BL_COL_CONTACT) {
            return BL_FILE_PRACTICES;
        }
    }
    bl_file_kind_t kind = BL_FILE_UNKNOWN;
    for (size_t i = 0; i < n; i++) {
        int c = s_col_of(fields[i]);
        if (c == BL_COL_INDICATOR_ID || c == BL_COL_NUMERATOR ||
            c == BL_COL_DENOMINATOR) {
            return BL_FILE_INDICATORS;
        }
        if (c == BL_COL_RESPONDENT_ID || c == BL_COL_SURVEY) {
            kind = BL_FILE_SURVEY;
        }
        if ((c == BL_COL_MEMBERSHIP || c == BL_COL_NAME ||
             c == BL_COL_SERVICE_TYPE) &&
            kind == BL_FILE_UNKNOWN) {
            kind = BL_FILE_REGISTER;
        }
    }
    return kind;
}

/* The item of sv that name spells in any letter case, or -1. */
static int s_item_any_case(const bl_survey_t *sv, const char *name)
{
    for (size_t k = 0; k < sv->n_items; k++) {
        if (strcasecmp(sv->item_codes[k], name) == 0) {
            return (int)k;
        }
    }
    return -1;
}

/* "unknown column", with what the name may have meant: a column in other
 * letter case, or (a survey file) the survey's items. */
static void s_unknown_column(const bl_layout_t *out,
                             const bl_catalogue_t *cat, const char *file,
                             const char *name, size_t i, bl_diags_t *diags)
{
    const char *col = s_case_of(name);
    if (col != NULL) {
        bl_diags_add(diags, file, 1, i + 1, "unknown column '%s' (column "
                     "names are lower case: '%s')", name, col);
        return;
    }
    if (out->kind == BL_FILE_SURVEY && out->survey >= 0 && cat != NULL) {
        const bl_survey_t *sv = &cat->surveys[out->survey];
        int k = s_item_any_case(sv, name);
        if (k >= 0) {
            bl_diags_add(diags, file, 1, i + 1, "unknown column '%s' (the "
                         "%s survey's item is written '%s')", name, sv->id,
                         sv->item_codes[k]);
            return;
        }
        char items[200];
        bl_str_list(items, sizeof items,
                    (const char *const *)sv->item_codes, sv->n_items);
        bl_diags_add(diags, file, 1, i + 1, "unknown column '%s' (not an "
                     "item of the %s survey: %s)", name, sv->id, items);
        return;
    }
    if (name[0] == '\0') {
        bl_diags_add(diags, file, 1, i + 1, "column %zu has no name%s", i + 1,
                     i + 1 == out->n_columns ? " (a delimiter at the end of "
                                               "the header?)" : "");
        return;
    }
    bl_diags_add(diags, file, 1, i + 1, "unknown column '%s'", name);
}

/* The survey whose items the header names most often. */
static int s_survey_of_items(const bl_catalogue_t *cat,
                             const char *const *fields, size_t n)
{
    int best = -1;
    size_t best_count = 0;
    /* As written; failing that, in any letter case (u1, u2, ...: the
     * file is rejected, with each item's spelling). */
    for (int any_case = 0; any_case < 2 && best < 0; any_case++) {
        for (size_t s = 0; s < cat->n_surveys; s++) {
            const bl_survey_t *sv = &cat->surveys[s];
            size_t count = 0;
            for (size_t i = 0; i < n; i++) {
                count += any_case ? s_item_any_case(sv, fields[i]) >= 0
                                  : bl_survey_find_item(sv, fields[i]) >= 0;
            }
            if (count > best_count) {
                best_count = count;
                best = (int)s;
            }
        }
    }
    return best;
}

int bl_layout_from_header(const bl_catalogue_t *cat, const char *file,
                          const char *const *fields, size_t n,
                          bl_layout_t *out, bl_diags_t *diags)
{
    memset(out, 0, sizeof *out);
    for (int c = 0; c < BL_COL_COUNT; c++) {
        out->col[c] = -1;
    }
    out->survey = -1;
    out->n_columns = n;
    if (n > BL_LAYOUT_COLUMNS_MAX) {
        bl_diags_add(diags, file, 1, 0, "too many columns (%zu, at most %d)",
                     n, BL_LAYOUT_COLUMNS_MAX);
        return BL_EDATA;
    }
    out->kind = s_guess(fields, n);
    if (out->kind == BL_FILE_UNKNOWN) {
        bl_diags_add(diags, file, 1, 0,
                     "cannot tell the file kind from its header (expected "
                     "a register, indicator data, survey responses, "
                     "improvement actions or practices)");
        s_why_unknown(file, fields, n, diags);
        return BL_EDATA;
    }
    if (out->kind == BL_FILE_SURVEY) {
        out->survey = s_survey_of_items(cat, fields, n);
    }
    size_t before = diags->count;
    for (size_t i = 0; i < n; i++) {
        out->item_of[i] = -1;
        int c = s_col_of(fields[i]);
        if (c >= 0 && s_need[out->kind][c] > 0) {
            if (out->col[c] >= 0) {
                bl_diags_add(diags, file, 1, i + 1, "column '%s' repeated",
                             fields[i]);
            }
            out->col[c] = (int)i;
            continue;
        }
        if (out->kind == BL_FILE_SURVEY && out->survey >= 0) {
            int item = bl_survey_find_item(&cat->surveys[out->survey],
                                           fields[i]);
            if (item >= 0) {
                for (size_t j = 0; j < i; j++) {
                    if (out->item_of[j] == item) {
                        bl_diags_add(diags, file, 1, i + 1,
                                     "column '%s' repeated", fields[i]);
                    }
                }
                out->item_of[i] = item;
                continue;
            }
        }
        s_unknown_column(out, cat, file, fields[i], i, diags);
    }
    for (int c = 0; c < BL_COL_COUNT; c++) {
        if (s_need[out->kind][c] == 2 && out->col[c] < 0) {
            bl_diags_add(diags, file, 1, 0, "missing column '%s'",
                         s_col_names[c]);
        }
    }
    return diags->count > before ? BL_EDATA : 0;
}
