/*
 * validate_stage: the validation daemon's state and the store helpers its
 * modules share (validate.c opens them; validate_close.c and the other
 * parts of the stage use them).  Private to services/validate: not an
 * interface for other stages, and not where checks are written (one row:
 * validate_row.c; across rows: the module of each step).
 */
#ifndef VALIDATE_STAGE_H
#define VALIDATE_STAGE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_config.h"
#include "bl_daemon.h"
#include "bl_error.h"
#include "bl_layout.h"
#include "bl_mp.h"
#include "bl_outbox.h"
#include "bl_store.h"
#include "validate_expr.h"
#include "validate_row.h"

/* A row's outcome, as stored in "outcomes" and shown by requests. */
typedef enum validate_status {
    VALIDATE_ACCEPTED = 0,
    VALIDATE_WARNED = 1,       /* accepted with warnings */
    VALIDATE_REJECTED = 2
} validate_status_t;

/* The daemon's databases, in the order validate.c names them. */
enum { DB_SUBS = 0, DB_OUTCOMES, DB_KEYS, DB_REGISTER, DB_VALS, DB_GVALS,
       DB_CLOSED, DB_SURVEYS, DB_ROWSTATE, DB_REJECTED, DB_TOUCHED };

#define S_SUB_MAX 64
#define S_KEY_MAX BL_STORE_KEY_MAX

typedef struct s_rule {
    const bl_rule_t *def;
    validate_expr_t *left, *right;
} s_rule_t;

/* What validation remembers of one submission. */
typedef struct s_sub {
    char id[S_SUB_MAX];
    char file[1024];
    bool dry_run;
    char delimiter;
    char state[16];            /* open, complete */
    uint64_t rows, accepted, warned, rejected;
    size_t n_header;
    char **header;
    bl_layout_t layout;
    int layout_ok;
} s_sub_t;

typedef struct s_candidate s_candidate_t;

typedef struct s_reg {
    bool found;
    char country[3];
    char service_type[64];
    char membership[16];
    bool share_identity;
    double users, staff;
} s_reg_t;

/* The last provider and period looked up, for runs of rows of one
 * provider.  Valid for one message: reset when a message starts. */
typedef struct s_lookup {
    bool valid;
    char provider[VR_ID_MAX];
    s_reg_t reg;
    int period;                /* 0 = none yet */
    bool closed;
    char survey_key[S_KEY_MAX];  /* the last "surveys" key written */
} s_lookup_t;

typedef struct validate {
    bl_daemon_t *d;
    const bl_config_t *cfg;
    int national_group;        /* peer group for outliers, -1 none */
    s_rule_t *rules;
    size_t n_rules;
    s_sub_t sub;               /* cache of the last submission used */
    bl_mpw_t w;                /* scratch */
    bl_mpw_t lanes[BL_OUTBOX_LANES_MAX];  /* records per aggregation lane */
    uint32_t lane_count[BL_OUTBOX_LANES_MAX];
    int current_year;
    s_candidate_t *cand;       /* values to judge for outliers */
    s_lookup_t lookup;         /* see s_provider_checks */
    struct {
        bool valid;            /* the row has a key */
        bool repeat;           /* it repeats a key of its file */
        char key[S_KEY_MAX];
        char provider[VR_ID_MAX];
        int period;
    } track;                   /* the row being judged, see s_track */
    size_t n_cand, cap_cand;
    bool not_mine;             /* the row being judged belongs to another
                                  validation worker (broadcast register) */
} validate_t;

/* The key sub \0 rest (rest_len bytes) in key (size bytes).  Returns its
 * length, or 0 when it does not fit. */
size_t validate_sub_key(const char *sub, const void *rest, size_t rest_len,
                        unsigned char *key, size_t size);

/* Frees the header of s and clears it. */
void validate_sub_free(s_sub_t *s);

/* Stores submission s under its id. */
int validate_sub_save(validate_t *v, MDB_txn *txn, const s_sub_t *s,
                      bl_err_t *err);

/* A stored outcome: [status, [[error?, field, reason]...]]. */
typedef struct validate_outcome {
    validate_status_t status;
    const uint8_t *problems;   /* the encoded problem list, borrowed */
    size_t problems_len;
} validate_outcome_t;

/* Reads a stored outcome (validate_store_outcome); 0 or BL_EPROTO. */
int validate_outcome_read(const MDB_val *val, validate_outcome_t *o);

/* Stores outcome o of line under the cached submission (v->sub) and counts
 * it there. */
int validate_store_outcome(validate_t *v, MDB_txn *txn, uint64_t line,
                           const vr_outcome_t *o, bl_err_t *err);

/* The stored figures (numerator, denominator, value; NaN when absent) of
 * provider (unit "" for the provider level) for indicator in period, in
 * out.  Returns 0, BL_ENOTFOUND, or an error (detail in err, may be
 * NULL). */
int validate_vals_get(validate_t *v, MDB_txn *txn, int period,
                      const char *indicator, const char *provider,
                      const char *unit, double out[3], bl_err_t *err);

/* The group key of a provider in peer group g ("NO/residential_care") in
 * buf (size bytes); "" when g < 0. */
void validate_group_key(const validate_t *v, int g, const s_reg_t *reg,
                        char *buf, size_t size);

/* True when this validation worker is the one for provider (the same
 * rule ingestion uses to spread rows). */
bool validate_owns(const validate_t *v, const char *provider);

#endif
