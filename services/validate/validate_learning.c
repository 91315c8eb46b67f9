/*
 * validate_learning: per-row checks of improvement actions and practices
 * (see validate_learning.h).  Messages name the value and the rule it
 * breaks in the words of SPEC section 10.
 */
#include "validate_learning.h"

#include <stdio.h>
#include <string.h>

bool vl_action_id_ok(const char *id)
{
    return vr_unit_id_ok(id);  /* the same pattern: [A-Za-z0-9_.-]{1,40} */
}

size_t vl_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        n += (*p & 0xC0) != 0x80;
    }
    return n;
}

static void s_indicator(const vr_context_t *c, const char *id, int *out,
                        vr_outcome_t *o)
{
    *out = bl_catalogue_find_indicator(c->cfg->catalogue, id);
    if (*out < 0) {
        vr_unknown_indicator(c, id, o);
    }
}

/* Checks a text field's length; empty is refused when required. */
static void s_text(const char *field, const char *s, size_t max,
                   bool required, vr_outcome_t *o)
{
    size_t n = vl_chars(s);
    if (required && n == 0) {
        vr_add(o, true, field, "the %s is empty", field);
    } else if (n > max) {
        vr_add(o, true, field, "%zu characters, more than the %zu allowed",
               n, max);
    }
}

void vl_check_action(const vr_context_t *c, const char *const *fields,
                     vl_action_t *out, vr_outcome_t *o)
{
    memset(out, 0, sizeof *out);
    out->indicator = -1;
    vr_check_provider(c, vr_field(c, fields, BL_COL_PROVIDER_ID),
                      out->provider, o);
    vr_check_period(c, vr_field(c, fields, BL_COL_PERIOD), &out->period, o);
    const char *id = vr_field(c, fields, BL_COL_ACTION_ID);
    if (!vl_action_id_ok(id)) {
        vr_add(o, true, "action_id",
               "'%.60s' is not an action id (letters, digits, _ . -, 1 to "
               "%d characters)", id, VL_ACTION_ID_MAX);
    } else {
        snprintf(out->action_id, sizeof out->action_id, "%s", id);
    }
    s_indicator(c, vr_field(c, fields, BL_COL_INDICATOR_ID), &out->indicator,
                o);
    out->action = vr_field(c, fields, BL_COL_ACTION);
    s_text("action", out->action, VL_ACTION_MAX, true, o);
    out->owner = vr_field(c, fields, BL_COL_OWNER);
    s_text("owner", out->owner, VL_SHORT_MAX, false, o);
    vr_check_date("due", vr_field(c, fields, BL_COL_DUE), out->due,
                  sizeof out->due, o);
    const char *st = vr_field(c, fields, BL_COL_STATUS);
    if (strcmp(st, "planned") != 0 && strcmp(st, "in_progress") != 0 &&
        strcmp(st, "done") != 0 && strcmp(st, "dropped") != 0) {
        vr_add(o, true, "status",
               "'%.40s' is not one of planned, in_progress, done, dropped",
               st);
    } else {
        snprintf(out->status, sizeof out->status, "%s", st);
    }
}

void vl_check_practice(const vr_context_t *c, const char *const *fields,
                       vl_practice_t *out, vr_outcome_t *o)
{
    memset(out, 0, sizeof *out);
    out->indicator = -1;
    vr_check_provider(c, vr_field(c, fields, BL_COL_PROVIDER_ID),
                      out->provider, o);
    vr_check_period(c, vr_field(c, fields, BL_COL_PERIOD), &out->period, o);
    s_indicator(c, vr_field(c, fields, BL_COL_INDICATOR_ID), &out->indicator,
                o);
    out->title = vr_field(c, fields, BL_COL_TITLE);
    s_text("title", out->title, VL_SHORT_MAX, true, o);
    out->description = vr_field(c, fields, BL_COL_DESCRIPTION);
    s_text("description", out->description, VL_DESCRIPTION_MAX, true, o);
    out->contact = vr_field(c, fields, BL_COL_CONTACT);
    s_text("contact", out->contact, VL_SHORT_MAX, false, o);
}
