/*
 * bl_records_codec: the one codec of the BL_MSG_RECORDS message, the rows
 * validation accepted, which it sends the aggregation worker of each
 * row's provider: indicator values, survey responses, register entries
 * (to every worker), improvement actions and practices.  It knows their
 * shape; what aggregation makes of them is its own business.
 *
 * Wire layout (MessagePack), kept as earlier releases wrote it:
 *   {sub, recs: [record...]}, a record one of
 *   ["i", provider, unit, period, indicator, numerator|nil,
 *         denominator|nil, value|nil]
 *   ["s", provider, unit, period, survey, respondent, [answer|nil...]]
 *   ["r", provider, entry]                  entry: bl_register_codec.h
 *   ["a", ...], ["p", ...]                  bl_learning_codec.h
 * unit is "" at provider level.  A big batch is read record by record;
 * texts and answers point into the input.
 *
 * Decoding refuses (BL_EPROTO, the field named in err) truncated input,
 * trailing bytes, a payload that is no map, no sub or recs, an unknown
 * record tag, a wrong type or arity, an id longer than its field, more
 * than BL_RECORDS_MAX records and more than BL_RECORDS_ANSWERS_MAX
 * answers.  Unknown map keys are skipped.
 */
#ifndef BL_RECORDS_CODEC_H
#define BL_RECORDS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_learning_codec.h"
#include "bl_mp.h"
#include "bl_register_codec.h"

#define BL_RECORDS_ID_MAX 64             /* provider, unit, indicator,
                                            survey and submission ids */
#define BL_RECORDS_RESPONDENT_MAX 160    /* respondent ids, with the NUL */
#define BL_RECORDS_ANSWERS_MAX 64        /* answers in one response */
#define BL_RECORDS_MAX 1000000           /* records in one message */

typedef enum bl_record_kind {
    BL_RECORD_INDICATOR = 'i',
    BL_RECORD_SURVEY = 's',
    BL_RECORD_REGISTER = 'r',
    BL_RECORD_ACTION = 'a',
    BL_RECORD_PRACTICE = 'p',
} bl_record_kind_t;

/* An indicator's figures as a provider (or one of its units) sent them. */
typedef struct bl_record_indicator {
    char provider[BL_RECORDS_ID_MAX];
    char unit[BL_RECORDS_ID_MAX];    /* "" at provider level */
    int64_t period;
    char indicator[BL_RECORDS_ID_MAX];
    bool has_numerator, has_denominator, has_value;
    double numerator, denominator, value;
} bl_record_indicator_t;

/* One respondent's answers to a survey. */
typedef struct bl_record_survey {
    char provider[BL_RECORDS_ID_MAX];
    char unit[BL_RECORDS_ID_MAX];
    int64_t period;
    char survey[BL_RECORDS_ID_MAX];
    char respondent[BL_RECORDS_RESPONDENT_MAX];
    uint32_t n_answers;
    const int *answers;              /* writing: n_answers answers, */
    int no_answer;                   /* this value for an item not
                                        answered (written nil) */
    const uint8_t *answers_raw;      /* reading: the encoded array of
                                        int|nil, borrowed */
    size_t answers_len;
} bl_record_survey_t;

/* One record: the member kind names is filled. */
typedef struct bl_record {
    bl_record_kind_t kind;
    bl_record_indicator_t indicator;
    bl_record_survey_t survey;
    char provider[BL_RECORDS_ID_MAX];    /* a register entry's provider */
    bl_register_entry_t entry;           /* and its attributes */
    const uint8_t *entry_raw;            /* reading: the entry's encoded */
    size_t entry_len;                    /* bytes, borrowed */
    bl_learning_row_t learning;          /* an action or a practice */
} bl_record_t;

/* ---- writing ------------------------------------------------------------ */

/* Append one record (errors sticky in recs). */
void bl_records_write_indicator(bl_mpw_t *recs,
                                const bl_record_indicator_t *r);
void bl_records_write_survey(bl_mpw_t *recs, const bl_record_survey_t *r);
void bl_records_write_register(bl_mpw_t *recs, const char *provider,
                               const bl_register_entry_t *entry);
/* An action or a practice: bl_learning_write_row. */

/* Writes the message around the n_recs records already in recs.  Returns
 * 0 or BL_ENOMEM. */
int bl_records_write(bl_mpw_t *w, const char *sub, const bl_mpw_t *recs,
                     uint32_t n_recs);

/* ---- reading ------------------------------------------------------------ */

/* Reads a message record by record: open, then next until BL_ENOTFOUND.
 * Borrows data, which must outlive the reader. */
typedef struct bl_records_reader {
    char sub[BL_RECORDS_ID_MAX];
    uint32_t n_recs;                 /* records in the message */
    uint32_t left;                   /* records not yet read */
    bl_mpr_t recs;                   /* at the next record */
} bl_records_reader_t;

/* Returns 0 or BL_EPROTO with the reason in err (may be NULL). */
int bl_records_open(bl_records_reader_t *rd, const void *data, size_t len,
                    bl_err_t *err);

/* Fills rec with the next record: its kind and the member that kind
 * names (the other members are left as they were); 0, BL_ENOTFOUND after
 * the last, or BL_EPROTO. */
int bl_records_next(bl_records_reader_t *rd, bl_record_t *rec,
                    bl_err_t *err);

/* Reads the next answer of an encoded answers array (answers_raw, after
 * its header): *given false for nil.  0 or BL_EPROTO. */
int bl_records_read_answer(bl_mpr_t *r, bool *given, int64_t *answer);

#endif
