/*
 * bl_catalogue: the indicator catalogue (SPEC section 3) loaded from YAML.
 *
 * The catalogue names the service types, the principles, the survey
 * instruments and the indicators that every node of a network shares.  It
 * is plain data once loaded: read-only, safe to share between threads.
 * Texts people read (indicator names, item wordings, principle and service
 * type names) may come in several languages: a bl_text_t, read with
 * bl_catalogue_text(); the plain `name` and `item_texts` fields hold the
 * English (else the first) text for code that needs one string.
 * Loading reports every error it finds as "file:line:column: message"
 * (1-based) in a bl_diags_t; it never prints.
 */
#ifndef BL_CATALOGUE_H
#define BL_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_diag.h"

typedef enum bl_kind {
    BL_KIND_RATIO = 0,
    BL_KIND_VALUE,
    BL_KIND_SURVEY_SHARE,
    BL_KIND_SURVEY_MEAN,
    BL_KIND_STEPS,
} bl_kind_t;

typedef enum bl_direction {
    BL_DIR_HIGHER = 0,
    BL_DIR_LOWER,
} bl_direction_t;

/* The statistics a reference value may name (SPEC section 3). */
typedef enum bl_stat {
    BL_STAT_MEAN = 0,
    BL_STAT_P10,
    BL_STAT_P25,
    BL_STAT_P50,
    BL_STAT_P75,
    BL_STAT_P90,
    BL_STAT_BEST_IN_CLASS,
} bl_stat_t;

typedef enum bl_ref_kind {
    BL_REF_NONE = 0,   /* no reference value */
    BL_REF_STAT,       /* a statistic of a named peer group */
    BL_REF_VALUE,      /* a fixed value */
} bl_ref_kind_t;

/* Longest language code: "en", "no", "fil". */
#define BL_LANG_MAX 3

/* One text in one language. */
typedef struct bl_text_pair {
    char lang[BL_LANG_MAX + 1]; /* 2-3 lower-case letters; "" when the text
                                   was given as a plain string */
    char *text;                 /* UTF-8, never NULL */
} bl_text_pair_t;

/* A text people read (SPEC section 3): a plain string, or a map from
 * language code to text.  n is 0 only for an optional text not given. */
typedef struct bl_text {
    size_t n;                   /* pairs */
    bl_text_pair_t *pairs;      /* in file order */
} bl_text_t;

typedef struct bl_survey {
    char *id;            /* "user", "staff", "stakeholder" */
    int scale_min;       /* lowest valid answer, e.g. 1 */
    int scale_max;       /* highest valid answer, e.g. 5 */
    size_t n_items;
    char **item_codes;   /* "U1", ... in catalogue order */
    char **item_texts;   /* the wording in English (else the first
                            language given), same order */
    bl_text_t *item_i18n; /* the wording in every language given, same
                             order */
} bl_survey_t;

typedef struct bl_indicator {
    char *id;              /* "RES-01" */
    char *name;            /* human name in English (else the first
                              language given) */
    bl_text_t name_i18n;   /* the name in every language given */
    char *principle;       /* one of the catalogue's principles */
    bl_kind_t kind;
    bl_direction_t direction;
    double factor;         /* ratio: value = num / den * factor; default 1 */
    char *unit;            /* "%", "EUR", ...; "" when absent */
    bool has_range;
    double range_min;      /* inclusive, when has_range */
    double range_max;      /* inclusive, when has_range */
    bl_ref_kind_t ref_kind;
    bl_stat_t ref_stat;    /* when ref_kind == BL_REF_STAT */
    char *ref_group;       /* peer group id, when ref_kind == BL_REF_STAT */
    double ref_value;      /* when ref_kind == BL_REF_VALUE */
    int survey;            /* index into surveys, -1 when not a survey kind */
    size_t n_items;
    int *items;            /* indexes into surveys[survey].item_codes */
    double threshold;      /* survey_share: answers >= threshold count */
} bl_indicator_t;

typedef struct bl_catalogue {
    char *path;                 /* the file it was loaded from */
    char *name;                 /* "elc" */
    char *version;              /* "2025.1", compared as text */
    size_t n_service_types;
    char **service_types;
    bl_text_t *service_type_names; /* n_service_types entries, from the
                                      optional service_type_names; n 0
                                      where none is given */
    size_t n_principles;
    char **principles;
    bl_text_t *principle_names; /* n_principles entries, from the optional
                                   principle_names; n 0 where none given */
    size_t n_surveys;
    bl_survey_t *surveys;
    size_t n_indicators;
    bl_indicator_t *indicators; /* in file order */
    /* The indicators by id (index + 1, 0 empty; mask + 1 slots), built by
     * bl_catalogue_load: a close and a validation look an id up millions
     * of times.  NULL (a catalogue built by hand): found by a walk. */
    uint16_t *ind_slots;
    size_t ind_mask;
} bl_catalogue_t;

/* Loads and checks the catalogue at path.  On success returns 0 and sets
 * *out (the caller's; free with bl_catalogue_destroy).  On any error adds
 * every problem found to diags, returns BL_ECONFIG (or -errno when the file
 * cannot be read, with one diag naming the file) and sets *out to NULL. */
int bl_catalogue_load(bl_catalogue_t **out, const char *path,
                      bl_diags_t *diags);

/* Frees the catalogue and sets *cat to NULL; accepts NULL and *cat NULL. */
void bl_catalogue_destroy(bl_catalogue_t **cat);

/* Index of the indicator with this id, or -1. */
int bl_catalogue_find_indicator(const bl_catalogue_t *cat, const char *id);

/* Index of the survey with this id, or -1. */
int bl_catalogue_find_survey(const bl_catalogue_t *cat, const char *id);

/* Index of item code within survey s, or -1. */
int bl_survey_find_item(const bl_survey_t *s, const char *code);

/* True when code is one of the catalogue's service types. */
bool bl_catalogue_has_service_type(const bl_catalogue_t *cat,
                                   const char *code);

/* The text in language lang ("no"): that language's text, else the
 * English one, else the first one given (a plain string is the first).
 * lang may be NULL (English).  Returns NULL only when text is NULL or holds
 * no text.  The string lives as long as the catalogue. */
const char *bl_catalogue_text(const bl_text_t *text, const char *lang);

/* The name of principle (an id of cat->principles) in lang by
 * bl_catalogue_text(), or NULL when the catalogue's principle_names gives
 * none for it (the caller then uses its own words). */
const char *bl_catalogue_principle_name(const bl_catalogue_t *cat,
                                        const char *principle,
                                        const char *lang);

/* The same for a service type, from service_type_names: the words that fit
 * "a <service type> provider in PT" (lower case).  NULL when none given. */
const char *bl_catalogue_service_type_name(const bl_catalogue_t *cat,
                                           const char *code,
                                           const char *lang);

/* "ratio", "value", ... and "higher"/"lower"; "mean", "p10", ... */
const char *bl_kind_name(bl_kind_t kind);
const char *bl_direction_name(bl_direction_t dir);
const char *bl_stat_name(bl_stat_t stat);

#endif
