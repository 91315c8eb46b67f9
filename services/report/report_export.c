/*
 * report_export: CSV and hand-written JSON.  Numbers are printed as
 * "%.10g" (bl_number_general; the C locale's), a zero without sign, and
 * non-finite values as empty / null.
 *
 * The CSV is the table of figures (one row per indicator and group, then
 * the learning curve's earlier periods), followed by the learning cycle's
 * sections (SPEC 10), each after a blank line with its own header and
 * only when it has rows: the follow-up of the actions of the period before
 * (`action_id,...`), and the practices shown under the areas for
 * improvement (`area_indicator_id,...`).
 */
#include "report_export.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "bl_number.h"

static void s_csv_str(FILE *f, const char *s)
{
    if (s == NULL) {
        return;
    }
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    const char *run = s;   /* a quote is written twice: runs end at one */
    for (const char *q = strchr(run, '"'); q != NULL;
         q = strchr(run, '"')) {
        fwrite(run, 1, (size_t)(q - run) + 1, f);
        fputc('"', f);
        run = q + 1;
    }
    fputs(run, f);
    fputc('"', f);
}

static void s_num(FILE *f, double v, int has, const char *absent)
{
    if (!has || !isfinite(v)) {
        fputs(absent, f);
        return;
    }
    if (v == 0.0) {
        v = 0.0;   /* -0 is written as 0 */
    }
    char buf[64];
    int n = bl_number_general(buf, sizeof buf, v, 10);
    if (n > 0 && (size_t)n < sizeof buf) {
        fwrite(buf, 1, (size_t)n, f);
    }
}

static const char *s_status(report_status_t st)
{
    switch (st) {
    case REPORT_STATUS_OK:
        return "ok";
    case REPORT_STATUS_SUPPRESSED:
        return "suppressed";
    default:
        return "missing";
    }
}

static void s_csv_indicator_part(FILE *f, const report_provider_t *r,
                                 const report_indicator_t *ind)
{
    int ok = ind->status == REPORT_STATUS_OK;
    s_csv_str(f, r->provider_id);
    fprintf(f, ",%d,", r->period);
    s_csv_str(f, ind->id);
    fprintf(f, ",%s,", s_status(ind->status));
    s_num(f, ind->value, ok, "");
    fputc(',', f);
    if (ind->n >= 0) {
        fprintf(f, "%ld", ind->n);
    }
    fputc(',', f);
    s_num(f, ind->numerator, ind->has_ratio && ok, "");
    fputc(',', f);
    s_num(f, ind->denominator, ind->has_ratio && ok, "");
    fputc(',', f);
    s_num(f, ind->previous_value, ind->has_previous, "");
}

/* One side of a follow-up: value, percentile rank, band (empty when
 * absent). */
static void s_csv_side(FILE *f, const report_side_t *sd)
{
    s_num(f, sd->value, sd->has_value, "");
    fputc(',', f);
    s_num(f, sd->percentile_rank, sd->has_rank, "");
    fputc(',', f);
    if (sd->band >= 1 && sd->band <= 4) {
        fprintf(f, "%d", sd->band);
    }
}

/* The follow-up section: the actions of period - 1 (SPEC 10). */
static void s_csv_followup(FILE *f, const report_provider_t *r)
{
    if (r->followup_count == 0 || r->followups == NULL) {
        return;
    }
    fputs("\naction_id,action_period,indicator_id,status,due,value,"
          "percentile_rank,band,next_value,next_percentile_rank,"
          "next_band\n",
          f);
    for (size_t i = 0; i < r->followup_count; i++) {
        const report_followup_t *fu = &r->followups[i];
        s_csv_str(f, fu->action_id);
        fprintf(f, ",%d,", r->period - 1);
        s_csv_str(f, fu->indicator_id);
        fputc(',', f);
        s_csv_str(f, fu->status);
        fputc(',', f);
        s_csv_str(f, fu->due);
        fputc(',', f);
        s_csv_side(f, &fu->before);
        fputc(',', f);
        s_csv_side(f, &fu->after);
        fputc('\n', f);
    }
}

/* The practices section: those shown under each area, in the report's
 * order; name, id and contact only of an author that shares identity. */
static void s_csv_practices(FILE *f, const report_provider_t *r)
{
    bool any = false;
    for (size_t i = 0; i < r->area_count && !any; i++) {
        any = r->areas[i].practice_count > 0 && r->areas[i].practices;
    }
    if (!any) {
        return;
    }
    fputs("\narea_indicator_id,practice_period,named,author_id,author_name,"
          "service_type,country,title,description,contact\n",
          f);
    for (size_t i = 0; i < r->area_count; i++) {
        const report_area_t *a = &r->areas[i];
        for (size_t k = 0; k < a->practice_count && a->practices; k++) {
            const report_practice_t *x = &a->practices[k];
            s_csv_str(f, a->indicator_id);
            fprintf(f, ",%d,%s,", x->period, x->named ? "yes" : "no");
            s_csv_str(f, x->named ? x->provider_id : NULL);
            fputc(',', f);
            s_csv_str(f, x->named ? x->name : NULL);
            fputc(',', f);
            s_csv_str(f, x->service_type);
            fputc(',', f);
            s_csv_str(f, x->country);
            fputc(',', f);
            s_csv_str(f, x->title);
            fputc(',', f);
            s_csv_str(f, x->description);
            fputc(',', f);
            s_csv_str(f, x->named ? x->contact : NULL);
            fputc('\n', f);
        }
    }
}

int report_export_csv(FILE *f, const report_provider_t *r, bl_err_t *err)
{
    if (f == NULL || r == NULL) {
        return bl_err_set(err, BL_EINVAL, "CSV export: invalid argument");
    }
    fputs("provider_id,period,indicator_id,status,value,n,numerator,"
          "denominator,previous_value,group_id,group_key,too_few_peers,"
          "peers,mean,sd,min,p10,p25,p50,p75,p90,max,best_in_class,"
          "percentile_rank,band,z,reference,gap,previous_rank\n", f);
    for (size_t i = 0; i < r->indicator_count; i++) {
        const report_indicator_t *ind = &r->indicators[i];
        if (ind->group_count == 0) {
            s_csv_indicator_part(f, r, ind);
            fputs(",,,,,,,,,,,,,,,,,,,,\n", f);
            continue;
        }
        for (size_t j = 0; j < ind->group_count; j++) {
            const report_group_t *g = &ind->groups[j];
            int st = !g->too_few_peers;
            int pos = st && g->has_position
                      && ind->status == REPORT_STATUS_OK;
            s_csv_indicator_part(f, r, ind);
            fputc(',', f);
            s_csv_str(f, g->group_id);
            fputc(',', f);
            s_csv_str(f, g->group_key);
            fprintf(f, ",%s,%zu,", g->too_few_peers ? "yes" : "no", g->n);
            const double stats[] = {g->mean, g->sd, g->min, g->p10, g->p25,
                                    g->p50, g->p75, g->p90, g->max,
                                    g->best_in_class};
            for (size_t k = 0; k < sizeof stats / sizeof stats[0]; k++) {
                s_num(f, stats[k], st, "");
                fputc(',', f);
            }
            s_num(f, g->percentile_rank, pos, "");
            fputc(',', f);
            if (pos) {
                fprintf(f, "%d", g->band);
            }
            fputc(',', f);
            s_num(f, g->z, pos && g->has_z, "");
            fputc(',', f);
            s_num(f, g->reference, st && g->has_reference, "");
            fputc(',', f);
            s_num(f, g->gap, pos && g->has_reference, "");
            fputc(',', f);
            s_num(f, g->previous_rank, g->has_previous_rank, "");
            fputc('\n', f);
        }
    }
    /* The learning curve: one row per indicator and earlier period, with
     * the figures of the curve's group (the current period's rows are
     * above). */
    for (size_t i = 0; i < r->indicator_count; i++) {
        const report_indicator_t *ind = &r->indicators[i];
        for (size_t c = 0; c < ind->curve_count; c++) {
            const report_curve_point_t *pt = &ind->curve[c];
            if (pt->period >= r->period) {
                continue;
            }
            s_csv_str(f, r->provider_id);
            fprintf(f, ",%d,", pt->period);
            s_csv_str(f, ind->id);
            fprintf(f, ",%s,", s_status(pt->status));
            s_num(f, pt->value, pt->status == REPORT_STATUS_OK, "");
            fputs(",,,,,", f);
            s_csv_str(f, r->curve_group);
            fputs(",,,,,,,,,", f);
            s_num(f, pt->p50, pt->has_p50, "");
            fputs(",,,,,", f);
            s_num(f, pt->percentile_rank, pt->has_position, "");
            fputc(',', f);
            if (pt->has_position) {
                fprintf(f, "%d", pt->band);
            }
            fputs(",,,,\n", f);
        }
    }
    s_csv_followup(f, r);
    s_csv_practices(f, r);
    if (fflush(f) != 0 || ferror(f)) {
        return bl_err_set(err, BL_EIO, "CSV export: write failed");
    }
    return 0;
}

/* A JSON string per RFC 8259; NULL is written as null. */
static void s_json_str(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    const unsigned char *run = (const unsigned char *)s;
    for (const unsigned char *p = run;; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\') {
            continue;   /* written with its run */
        }
        fwrite(run, 1, (size_t)(p - run), f);
        run = p + 1;
        switch (*p) {
        case '\0':
            fputc('"', f);
            return;
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            fprintf(f, "\\u%04x", *p);
            break;
        }
    }
}

static void s_json_key(FILE *f, const char *key, int *first)
{
    if (!*first) {
        fputc(',', f);
    }
    *first = 0;
    s_json_str(f, key);
    fputc(':', f);
}

static void s_json_num(FILE *f, const char *key, double v, int has,
                       int *first)
{
    s_json_key(f, key, first);
    s_num(f, v, has, "null");
}

static void s_json_group(FILE *f, const report_indicator_t *ind,
                         const report_group_t *g)
{
    int first = 1;
    int st = !g->too_few_peers;
    int pos = st && g->has_position && ind->status == REPORT_STATUS_OK;
    fputc('{', f);
    s_json_key(f, "group_id", &first);
    s_json_str(f, g->group_id);
    s_json_key(f, "group_key", &first);
    s_json_str(f, g->group_key);
    s_json_key(f, "too_few_peers", &first);
    fputs(g->too_few_peers ? "true" : "false", f);
    s_json_key(f, "n", &first);
    fprintf(f, "%zu", g->n);
    s_json_num(f, "mean", g->mean, st, &first);
    s_json_num(f, "sd", g->sd, st, &first);
    s_json_num(f, "min", g->min, st, &first);
    s_json_num(f, "p10", g->p10, st, &first);
    s_json_num(f, "p25", g->p25, st, &first);
    s_json_num(f, "p50", g->p50, st, &first);
    s_json_num(f, "p75", g->p75, st, &first);
    s_json_num(f, "p90", g->p90, st, &first);
    s_json_num(f, "max", g->max, st, &first);
    s_json_num(f, "best_in_class", g->best_in_class, st, &first);
    s_json_num(f, "percentile_rank", g->percentile_rank, pos, &first);
    s_json_num(f, "band", g->band, pos, &first);
    s_json_num(f, "z", g->z, pos && g->has_z, &first);
    s_json_num(f, "reference", g->reference, st && g->has_reference, &first);
    s_json_num(f, "gap", g->gap, pos && g->has_reference, &first);
    s_json_num(f, "previous_rank", g->previous_rank, g->has_previous_rank,
               &first);
    fputc('}', f);
}

static void s_json_indicator(FILE *f, const report_indicator_t *ind)
{
    int first = 1;
    int ok = ind->status == REPORT_STATUS_OK;
    fputc('{', f);
    s_json_key(f, "id", &first);
    s_json_str(f, ind->id);
    s_json_key(f, "name", &first);
    s_json_str(f, ind->name);
    s_json_key(f, "principle", &first);
    s_json_str(f, ind->principle);
    s_json_key(f, "kind", &first);
    s_json_str(f, ind->kind);
    s_json_key(f, "unit", &first);
    s_json_str(f, ind->unit);
    s_json_key(f, "direction", &first);
    s_json_str(f, ind->direction == REPORT_DIR_HIGHER ? "higher" : "lower");
    s_json_key(f, "status", &first);
    s_json_str(f, s_status(ind->status));
    s_json_num(f, "value", ind->value, ok, &first);
    s_json_num(f, "n", (double)ind->n, ind->n >= 0, &first);
    s_json_num(f, "numerator", ind->numerator, ok && ind->has_ratio, &first);
    s_json_num(f, "denominator", ind->denominator, ok && ind->has_ratio,
               &first);
    s_json_num(f, "previous_value", ind->previous_value, ind->has_previous,
               &first);
    s_json_key(f, "groups", &first);
    fputc('[', f);
    for (size_t j = 0; j < ind->group_count; j++) {
        if (j > 0) {
            fputc(',', f);
        }
        s_json_group(f, ind, &ind->groups[j]);
    }
    fputc(']', f);
    s_json_key(f, "curve", &first);
    fputc('[', f);
    for (size_t c = 0; c < ind->curve_count; c++) {
        const report_curve_point_t *pt = &ind->curve[c];
        int cf = 1;
        fputs(c > 0 ? ",{" : "{", f);
        s_json_key(f, "period", &cf);
        fprintf(f, "%d", pt->period);
        s_json_key(f, "status", &cf);
        s_json_str(f, s_status(pt->status));
        s_json_num(f, "value", pt->value, pt->status == REPORT_STATUS_OK,
                   &cf);
        s_json_num(f, "percentile_rank", pt->percentile_rank,
                   pt->has_position, &cf);
        s_json_num(f, "band", pt->band, pt->has_position, &cf);
        s_json_num(f, "group_p50", pt->p50, pt->has_p50, &cf);
        fputc('}', f);
    }
    fputs("]}", f);
}

static void s_json_partner(FILE *f, const report_partner_t *p)
{
    int first = 1;
    fputc('{', f);
    s_json_key(f, "named", &first);
    fputs(p->named ? "true" : "false", f);
    s_json_key(f, "provider_id", &first);
    s_json_str(f, p->named ? p->provider_id : NULL);
    s_json_key(f, "name", &first);
    s_json_str(f, p->named ? p->name : NULL);
    s_json_key(f, "service_type", &first);
    s_json_str(f, p->service_type);
    s_json_key(f, "country", &first);
    s_json_str(f, p->country);
    fputc('}', f);
}

/* One side of a follow-up: value, percentile_rank, band (prefix "" or
 * "next_"). */
static void s_json_side(FILE *f, const char *prefix, const report_side_t *sd,
                        int *first)
{
    char key[32];
    snprintf(key, sizeof key, "%svalue", prefix);
    s_json_num(f, key, sd->value, sd->has_value, first);
    snprintf(key, sizeof key, "%spercentile_rank", prefix);
    s_json_num(f, key, sd->percentile_rank, sd->has_rank, first);
    snprintf(key, sizeof key, "%sband", prefix);
    s_json_num(f, key, sd->band, sd->band >= 1 && sd->band <= 4, first);
}

static void s_json_practice(FILE *f, const report_practice_t *x)
{
    int first = 1;
    fputc('{', f);
    s_json_key(f, "period", &first);
    fprintf(f, "%d", x->period);
    s_json_key(f, "named", &first);
    fputs(x->named ? "true" : "false", f);
    s_json_key(f, "provider_id", &first);
    s_json_str(f, x->named ? x->provider_id : NULL);
    s_json_key(f, "name", &first);
    s_json_str(f, x->named ? x->name : NULL);
    s_json_key(f, "service_type", &first);
    s_json_str(f, x->service_type);
    s_json_key(f, "country", &first);
    s_json_str(f, x->country);
    s_json_key(f, "title", &first);
    s_json_str(f, x->title);
    s_json_key(f, "description", &first);
    s_json_str(f, x->description);
    s_json_key(f, "contact", &first);
    s_json_str(f, x->named ? x->contact : NULL);
    fputc('}', f);
}

static void s_json_followup(FILE *f, const report_followup_t *fu)
{
    int first = 1;
    fputc('{', f);
    s_json_key(f, "action_id", &first);
    s_json_str(f, fu->action_id);
    s_json_key(f, "indicator_id", &first);
    s_json_str(f, fu->indicator_id);
    s_json_key(f, "status", &first);
    s_json_str(f, fu->status);
    s_json_key(f, "due", &first);
    s_json_str(f, fu->due);
    s_json_side(f, "", &fu->before, &first);
    s_json_side(f, "next_", &fu->after, &first);
    fputc('}', f);
}

int report_export_json(FILE *f, const report_provider_t *r, bl_err_t *err)
{
    if (f == NULL || r == NULL) {
        return bl_err_set(err, BL_EINVAL, "JSON export: invalid argument");
    }
    int first = 1;
    fputc('{', f);
    s_json_key(f, "provider", &first);
    int pf = 1;
    fputc('{', f);
    s_json_key(f, "id", &pf);
    s_json_str(f, r->provider_id);
    s_json_key(f, "name", &pf);
    s_json_str(f, r->name);
    s_json_key(f, "country", &pf);
    s_json_str(f, r->country);
    s_json_key(f, "service_type", &pf);
    s_json_str(f, r->service_type);
    s_json_key(f, "share_identity", &pf);
    fputs(r->share_identity ? "true" : "false", f);
    fputc('}', f);
    s_json_key(f, "period", &first);
    fprintf(f, "%d", r->period);
    s_json_key(f, "curve_group", &first);
    s_json_str(f, r->curve_group);
    s_json_key(f, "indicators", &first);
    fputc('[', f);
    for (size_t i = 0; i < r->indicator_count; i++) {
        if (i > 0) {
            fputc(',', f);
        }
        s_json_indicator(f, &r->indicators[i]);
    }
    fputc(']', f);
    s_json_key(f, "areas", &first);
    fputc('[', f);
    for (size_t i = 0; i < r->area_count; i++) {
        const report_area_t *a = &r->areas[i];
        int af = 1;
        fputs(i > 0 ? ",{" : "{", f);
        s_json_key(f, "indicator_id", &af);
        s_json_str(f, a->indicator_id);
        s_json_key(f, "partners", &af);
        fputc('[', f);
        for (size_t k = 0; k < a->partner_count && k < REPORT_PARTNERS_MAX;
             k++) {
            if (k > 0) {
                fputc(',', f);
            }
            s_json_partner(f, &a->partners[k]);
        }
        fputc(']', f);
        s_json_key(f, "related", &af);
        fputc('[', f);
        for (size_t k = 0; k < a->related_count; k++) {
            const report_relation_t *rel = &a->related[k];
            int rf = 1;
            fputs(k > 0 ? ",{" : "{", f);
            s_json_key(f, "indicator_id", &rf);
            s_json_str(f, rel->indicator_id);
            s_json_key(f, "group_id", &rf);
            s_json_str(f, rel->group_id);
            s_json_key(f, "group_key", &rf);
            s_json_str(f, rel->group_key);
            s_json_key(f, "n", &rf);
            fprintf(f, "%zu", rel->n);
            s_json_num(f, "rho", rel->rho, 1, &rf);
            s_json_num(f, "p", rel->p, 1, &rf);
            fputc('}', f);
        }
        fputc(']', f);
        s_json_key(f, "practices", &af);
        fputc('[', f);
        for (size_t k = 0; k < a->practice_count && a->practices; k++) {
            if (k > 0) {
                fputc(',', f);
            }
            s_json_practice(f, &a->practices[k]);
        }
        fputs("]}", f);
    }
    fputc(']', f);
    s_json_key(f, "strengths", &first);
    fputc('[', f);
    for (size_t i = 0; i < r->strength_count; i++) {
        if (i > 0) {
            fputc(',', f);
        }
        s_json_str(f, r->strengths[i]);
    }
    fputc(']', f);
    s_json_key(f, "units", &first);
    fputc('[', f);
    for (size_t u = 0; u < r->unit_count && r->units != NULL; u++) {
        int uf = 1;
        fputs(u > 0 ? ",{" : "{", f);
        s_json_key(f, "unit_id", &uf);
        s_json_str(f, r->units[u].unit_id);
        s_json_key(f, "values", &uf);
        fputc('[', f);
        int vfirst = 1;
        for (size_t i = 0; i < r->indicator_count; i++) {
            const report_unit_value_t *v = &r->units[u].values[i];
            if (v->status == REPORT_STATUS_MISSING) {
                continue;
            }
            int vf = 1;
            fputs(vfirst ? "{" : ",{", f);
            vfirst = 0;
            s_json_key(f, "indicator_id", &vf);
            s_json_str(f, r->indicators[i].id);
            s_json_key(f, "status", &vf);
            s_json_str(f, s_status(v->status));
            s_json_num(f, "value", v->value,
                       v->status == REPORT_STATUS_OK, &vf);
            s_json_num(f, "n", (double)v->n, v->n >= 0, &vf);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputc(']', f);
    /* SPEC 10: the actions of period - 1 and their indicators then and
     * now. */
    s_json_key(f, "followup", &first);
    fputc('[', f);
    for (size_t i = 0; i < r->followup_count && r->followups != NULL; i++) {
        if (i > 0) {
            fputc(',', f);
        }
        s_json_followup(f, &r->followups[i]);
    }
    fputs("]}\n", f);
    if (fflush(f) != 0 || ferror(f)) {
        return bl_err_set(err, BL_EIO, "JSON export: write failed");
    }
    return 0;
}
