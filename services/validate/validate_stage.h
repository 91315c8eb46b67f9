/*
 * validate_stage: the types the parts of the validation daemon share —
 * the daemon's state (validate_t, what lives as long as the daemon), one
 * message's batch of rows being judged (validate_batch_t), one row
 * (validate_line_t), a submission, a register entry — and the names of
 * its databases.  Private to services/validate: not an interface for
 * other stages, and not where checks are written (one row:
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
#include "bl_cursors.h"
#include "validate_expr.h"
#include "validate_keys.h"
#include "validate_row.h"

/* The daemon's databases, in the order validate.c names them. */
enum { DB_SUBS = 0, DB_OUTCOMES, DB_KEYS, DB_REGISTER, DB_VALS, DB_GVALS,
       DB_CLOSED, DB_SURVEYS, DB_ROWSTATE, DB_REJECTED, DB_TOUCHED,
       DB_OLD_VALS };

#define S_SUB_MAX 64
#define S_KEY_MAX BL_STORE_KEY_MAX

typedef struct s_rule {
    const bl_rule_t *def;
    validate_expr_t *left, *right;
} s_rule_t;

/* What validation remembers of one submission: its "subs" record, read
 * into a local for each message that needs it and saved back. */
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
    int indicator_hint;        /* catalogue index of the last indicator
                                  row's id (see vr_context_t) */
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

/* A national peer group of one period that a message's values touched
 * (validate_outliers.c). */
typedef struct s_seen_group {
    int period;
    size_t at;                 /* its key: seen_text + at */
} s_seen_group_t;

/* The last provider and period looked up, for runs of rows of one
 * provider.  Part of the batch: valid for one message. */
typedef struct s_lookup {
    bool valid;
    char provider[VR_ID_MAX];
    s_reg_t reg;
    int period;                /* 0 = none yet */
    bool closed;
    char survey_key[S_KEY_MAX];  /* the last "surveys" key written */
    bool has_national;         /* national is reg's national group key */
    char national[256];        /* (see validate_outliers.c) */
    bool has_seen;             /* seen is the touched group of national */
    int seen_period;           /* and of this period */
    size_t seen;
} s_lookup_t;

/* The daemon's state: only what lives as long as the daemon. */
typedef struct validate {
    bl_daemon_t *d;
    const bl_config_t *cfg;
    int national_group;        /* peer group for outliers, -1 none */
    s_rule_t *rules;           /* the configured rules, compiled */
    size_t n_rules;
    int current_year;          /* periods above it lie in the future */
    bl_mpw_t w;                /* encode scratch for one store write or
                                  message: reset by each user, holds
                                  nothing between calls */
    vkeys_t keys;              /* the repeat check's keys of the message
                                  being judged (validate_keys.h): its
                                  buffers kept from message to message */
} validate_t;

/* One raw_rows message being judged: what lives from its first row to
 * its last.  A local of vsub_apply_rows, set up by vbatch_init and freed
 * by vbatch_free; nothing in it outlives the message. */
typedef struct validate_batch {
    validate_t *v;             /* the daemon */
    s_sub_t *sub;              /* the submission of the rows, borrowed */
    const char **fields;       /* the fields of the row being judged */
    char *text;                /* their text, NUL-terminated, one buffer */
    bl_mpw_t lanes[BL_OUTBOX_LANES_MAX];  /* records per aggregation lane */
    uint32_t lane_count[BL_OUTBOX_LANES_MAX];  /* records in each lane */
    s_candidate_t *cand;       /* values to judge for outliers */
    size_t n_cand, cap_cand;
    char *cand_text;           /* their prefixes, each NUL-terminated */
    size_t n_cand_text, cap_cand_text;
    s_seen_group_t *seen;      /* a real submission's touched national
                                  groups: each (group, indicator) is a
                                  candidate once per message */
    size_t n_seen, cap_seen;
    char *seen_text;           /* their national keys, NUL-terminated */
    size_t n_seen_text, cap_seen_text;
    bool *seen_ind;            /* n_seen rows of one flag per indicator */
    size_t cap_seen_ind;
    s_lookup_t lookup;         /* see vreg_provider_checks */
    int rowstate;              /* "rowstate" in the transaction: 0 not
                                  looked at yet, 1 empty, 2 may hold keys
                                  (see s_track) */
    bl_cursors_t cur;          /* cursors of the message's transaction
                                  (bl_cursors.h) */
    vkeys_t *keys;             /* the repeat check's keys: v->keys */
    bl_cursors_t reads;        /* a second set, for the figures read back
                                  from "vals" (rules, the previous
                                  period): the put cursor stays where the
                                  rows are written */
} validate_batch_t;

/* One row being judged: a local of vbatch_row, fresh for each row. */
typedef struct validate_line {
    const char **fields;       /* its fields, in the layout's order */
    uint64_t line;             /* its line in the file */
    vr_outcome_t *o;           /* what judging it found */
    bool not_mine;             /* it belongs to another validation worker
                                  (broadcast register) */
    struct {
        bool valid;            /* the row has a key */
        bool repeat;           /* it repeats a key of its file */
        char key[S_KEY_MAX];
        char provider[VR_ID_MAX];
        int period;
    } track;                   /* its key, for "rows still rejected" */
} validate_line_t;

#endif
