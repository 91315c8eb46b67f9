/*
 * validate_learning: the checks of one row of the two learning-cycle kinds
 * of SPEC section 10 — improvement actions and practices — that need
 * nothing but the row and the catalogue: ids, periods, dates, status
 * words, text lengths.  It turns a row into a typed record and a list of
 * problems.  The register, repeated keys and closed periods are checked
 * by validate_batch.c and validate_register.c, next to the store; whether
 * an action's indicator is an area for improvement is known only after
 * the period's benchmark, so the benchmark daemon adds that warning
 * (benchmark_learning.h).
 */
#ifndef VALIDATE_LEARNING_H
#define VALIDATE_LEARNING_H

#include "validate_row.h"

#define VL_ACTION_ID_MAX 40    /* characters of an action id */
#define VL_ACTION_MAX 2000     /* characters of an action's text */
#define VL_SHORT_MAX 200       /* characters of owner, title, contact */
#define VL_DESCRIPTION_MAX 4000 /* characters of a practice's description */

/* An improvement action row.  The texts point into the row's fields. */
typedef struct vl_action {
    char provider[VR_ID_MAX];
    int period;
    char action_id[VL_ACTION_ID_MAX + 1];
    int indicator;             /* catalogue index, -1 when unknown */
    const char *action;
    const char *owner;
    char due[11];              /* YYYY-MM-DD */
    char status[16];           /* planned, in_progress, done, dropped */
} vl_action_t;

/* A practice row.  The texts point into the row's fields. */
typedef struct vl_practice {
    char provider[VR_ID_MAX];
    int period;
    int indicator;             /* catalogue index, -1 when unknown */
    const char *title;
    const char *description;
    const char *contact;
} vl_practice_t;

/* Checks one row (fields as read) of the kind.  The provider's existence
 * in the register and repeated keys are checked by the caller. */
void vl_check_action(const vr_context_t *c, const char *const *fields,
                     vl_action_t *out, vr_outcome_t *o);
void vl_check_practice(const vr_context_t *c, const char *const *fields,
                       vl_practice_t *out, vr_outcome_t *o);

/* True when id matches the action id pattern [A-Za-z0-9_.-]{1,40}. */
bool vl_action_id_ok(const char *id);

/* Characters (UTF-8 code points) in s, which is valid UTF-8. */
size_t vl_chars(const char *s);

#endif
