/*
 * report_names: see report_names.h.  An indicator the catalogue does not
 * know keeps the name it came with: a report of an older period may name
 * an indicator that a later catalogue dropped.
 */
#include "report_names.h"

#include <stdio.h>
#include <stdlib.h>

#include "bl_error.h"

/* Replaces *name by the catalogue's name of indicator id in lang. */
static int s_rename(char **name, const bl_catalogue_t *cat, const char *id,
                    const char *lang)
{
    int k = id != NULL ? bl_catalogue_find_indicator(cat, id) : -1;
    if (k < 0) {
        return 0;
    }
    const char *text = bl_catalogue_text(&cat->indicators[k].name_i18n,
                                         lang);
    if (text == NULL) {
        return 0;
    }
    char *copy = report_strdup(text);
    if (copy == NULL) {
        return BL_ENOMEM;
    }
    free(*name);
    *name = copy;
    return 0;
}

int report_names_provider(report_provider_t *p, const bl_catalogue_t *cat,
                          const char *lang)
{
    for (size_t i = 0; i < p->indicator_count; i++) {
        report_indicator_t *ind = &p->indicators[i];
        int rc = s_rename(&ind->name, cat, ind->id, lang);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int report_names_summary(report_summary_t *s, const bl_catalogue_t *cat,
                         const char *lang)
{
    for (size_t i = 0; i < s->band_dist_count; i++) {
        report_band_dist_t *d = &s->band_dists[i];
        int rc = s_rename(&d->name, cat, d->indicator_id, lang);
        if (rc != 0) {
            return rc;
        }
    }
    for (size_t i = 0; i < s->top_area_count; i++) {
        report_top_area_t *a = &s->top_areas[i];
        int rc = s_rename(&a->name, cat, a->indicator_id, lang);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Sets "<prefix>.<id>" for each of n ids that has a name in names. */
static int s_put(report_i18n_t *m, const char *prefix, char **ids,
                 const bl_text_t *names, size_t n)
{
    if (names == NULL) {
        return 0;
    }
    const char *lang = report_i18n_lang(m);
    for (size_t i = 0; i < n; i++) {
        const char *text = bl_catalogue_text(&names[i], lang);
        if (text == NULL || ids[i] == NULL) {
            continue;
        }
        char key[128];
        snprintf(key, sizeof key, "%s.%s", prefix, ids[i]);
        int rc = report_i18n_set(m, key, text);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int report_names_messages(report_i18n_t *m, const bl_catalogue_t *cat)
{
    int rc = s_put(m, "principle", cat->principles, cat->principle_names,
                   cat->n_principles);
    if (rc == 0) {
        rc = s_put(m, "service_type", cat->service_types,
                   cat->service_type_names, cat->n_service_types);
    }
    return rc;
}
