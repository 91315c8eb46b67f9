/*
 * bl_results_codec: the one codec of what the benchmarking stage sends the
 * report stage in a BL_MSG_RESULTS message — one provider's results, and
 * the coordinator's summary — as named-field structs.  The benchmarking
 * daemon fills a struct and encodes it; the report daemon decodes it with
 * the bounded reader (bl_mp.h) and builds its model from the fields.
 * Neither keeps its own idea of the layout.
 *
 * Decoding refuses (BL_EPROTO) truncated input, trailing bytes, a wrong
 * type or arity, a string longer than its field and a count above the
 * limits below; it never allocates more than the input can describe.
 * Unknown map keys are skipped, so a newer writer can add fields.
 *
 * Wire layout (MessagePack), kept as earlier releases wrote it:
 *   message: {period, generation, kind: "stats"|"providers"|"summary",
 *             items: [stats...], [provider...] or [summary]}
 *   stats: [indicator, group, key, n, mean, sd, min, p10, p25, p50, p75,
 *           p90, max, best] — one group instance's statistics, sent once
 *           per computation, before the providers whose entries refer to
 *           them (the "stats" kind is newer).
 *   provider: {id, name, country, service_type, share, has_prev,
 *              intl_pending, groups: [[id, key]...], ind: [[status,
 *              value, n, numerator, denominator, previous, [group...]]
 *              ...], areas: [[indicator,
 *              [[named, id, name, service_type, country]...]]...],
 *              strengths: [indicator...], units: [[unit, indicator,
 *              status, value, n]...], followup: [[action_id, indicator,
 *              status, due, value, rank, band, next_value, next_rank,
 *              next_band]...], practices: [[indicator, period, named, id,
 *              name, service_type, country, title, description,
 *              contact]...]}
 *     a group: [id, key, stats, rank, band, z, reference, gap, prev_rank]
 *     where id is the index of a pair of `groups` (then key is nil) or,
 *     as earlier writers put it, the group's id itself.  `groups` (newer)
 *     lists the provider's distinct pairs once, before `ind`: the same
 *     few repeat in every indicator (a quarter of the message).
 *     where stats is [] for a position whose instance's statistics came
 *     in a stats item (keyed by indicator, id and key), or the instance's
 *     count of values (nil when unknown) with nil for the six after it
 *     ("too few peers").  Earlier writers put a position's statistics
 *     inline, as [n, mean, sd, min, p10, p25, p50, p75, p90, max, best]:
 *     the reader still takes them (has_stats).
 *   summary: {participants: [[id, name, country, membership, sent,
 *              expected, member_since]...], bands: [[indicator, group, b1,
 *              b2, b3, b4]...], areas: [[indicator, providers]...],
 *              corrs: [[group, key, a, b, n, rho]...], done: [[indicator,
 *              actions, done]...], needs: [[indicator, principle,
 *              country, in_need, band4, hosts|nil, event|nil]...]}
 *   (`done` and `needs`, SPEC 10, are newer: absent means none.)
 * `followup` (the actions of period - 1, SPEC 10) and `practices` (those
 * shown under the areas, up to 3 per area in the order shown) are newer:
 * a reader that finds no such key has none.  A practice's id, name and
 * contact are nil unless its author shares identity.  Its value, rank and band are nil when
 * the provider had no position in the first peer group then.
 * It does not know the catalogue: indicator ids are text, in the order the
 * writer chose (catalogue order for `ind`).
 */
#ifndef BL_RESULTS_CODEC_H
#define BL_RESULTS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"

#define BL_RESULTS_ID_MAX 64          /* indicator, group, unit ids */
#define BL_RESULTS_KEY_MAX 256        /* group keys */
#define BL_RESULTS_PROVIDER_MAX 48    /* provider ids */
#define BL_RESULTS_NAME_MAX 512       /* provider names */
#define BL_RESULTS_PARTNERS_MAX 3
#define BL_RESULTS_INDICATORS_MAX 4096
#define BL_RESULTS_GROUPS_MAX 64      /* group entries per indicator */
#define BL_RESULTS_ROWS_MAX 1000000   /* units, participants, bands, ... */
#define BL_RESULTS_TITLE_MAX 1024     /* practice title, contact (bytes) */
#define BL_RESULTS_TEXT_MAX 16384     /* practice description (bytes) */

/* The provider's position in one group instance of one indicator.  The
 * instance's statistics (n to best_in_class) are valid only when
 * has_stats: a position as sent now refers to a stats item instead
 * (bl_results_group_set_stats fills them in). */
typedef struct bl_results_group {
    char id[BL_RESULTS_ID_MAX];      /* "national" */
    char key[BL_RESULTS_KEY_MAX];    /* "NO/residential_care" */
    bool too_few_peers;              /* only has_n and n are valid */
    bool has_stats;                  /* position: n to best_in_class are
                                        set (encoded inline when set) */
    bool has_n;                      /* false: too few, count unknown */
    uint64_t n;                      /* values in the instance */
    double mean, sd, min, p10, p25, p50, p75, p90, max;
    double best_in_class;
    double percentile_rank;          /* 0..100 */
    int band;                        /* 1..4 */
    bool has_z;
    double z;
    bool has_reference;              /* reference and gap valid */
    double reference;
    double gap;
    bool has_previous_rank;
    double previous_rank;            /* percentile rank in period - 1 */
} bl_results_group_t;

/* One indicator of the provider. */
typedef struct bl_results_indicator {
    int status;                      /* 0 ok, 1 suppressed, 2 missing */
    bool has_value, has_n, has_numerator, has_denominator, has_previous;
    double value, n, numerator, denominator;
    double previous;                 /* value in period - 1 */
    size_t n_groups;
    bl_results_group_t *groups;
} bl_results_indicator_t;

/* A learning partner: named only when it shares identity. */
typedef struct bl_results_partner {
    bool named;
    char id[BL_RESULTS_PROVIDER_MAX];  /* "" when not named */
    char name[BL_RESULTS_NAME_MAX];    /* "" when not named */
    char service_type[BL_RESULTS_ID_MAX];
    char country[3];
} bl_results_partner_t;

typedef struct bl_results_area {
    char indicator[BL_RESULTS_ID_MAX];
    size_t n_partners;
    bl_results_partner_t partners[BL_RESULTS_PARTNERS_MAX];
} bl_results_area_t;

/* One unit's value of one indicator. */
typedef struct bl_results_unit {
    char unit[BL_RESULTS_ID_MAX];
    char indicator[BL_RESULTS_ID_MAX];
    int status;                      /* 0 ok, 1 suppressed, 2 missing */
    bool has_value, has_n;
    double value, n;
} bl_results_unit_t;

/* The indicator's figures on one side of a follow-up: value, percentile
 * rank and band in the node's first peer group. */
typedef struct bl_results_side {
    bool has_value;
    double value;
    bool has_rank;
    double rank;                     /* 0..100 */
    int band;                        /* 1..4, 0 when none */
} bl_results_side_t;

/* An improvement action of period - 1 and what became of its indicator
 * (SPEC 10). */
typedef struct bl_results_followup {
    char action_id[BL_RESULTS_ID_MAX];
    char indicator[BL_RESULTS_ID_MAX];
    char status[16];                 /* planned | in_progress | done | ... */
    char due[16];                    /* YYYY-MM-DD */
    bl_results_side_t before;        /* period - 1 */
    bl_results_side_t after;         /* this period */
} bl_results_followup_t;

/* A practice shown under an area for improvement (SPEC 10). */
typedef struct bl_results_practice {
    char indicator[BL_RESULTS_ID_MAX];
    int64_t period;
    bool named;                        /* the author shares identity */
    char id[BL_RESULTS_PROVIDER_MAX];  /* "" when not named */
    char name[BL_RESULTS_NAME_MAX];    /* "" when not named */
    char service_type[BL_RESULTS_ID_MAX];
    char country[3];
    char title[BL_RESULTS_TITLE_MAX];
    char description[BL_RESULTS_TEXT_MAX];
    char contact[BL_RESULTS_TITLE_MAX];  /* "" when not named or none */
} bl_results_practice_t;

typedef struct bl_results_provider {
    char id[BL_RESULTS_PROVIDER_MAX];
    char name[BL_RESULTS_NAME_MAX];
    char country[3];
    char service_type[BL_RESULTS_ID_MAX];
    bool share_identity;
    bool has_previous_period;
    bool international_pending;      /* national: results not back yet */
    size_t n_indicators;
    bl_results_indicator_t *indicators;
    size_t n_areas;
    bl_results_area_t *areas;        /* largest -z first */
    size_t n_strengths;
    char (*strengths)[BL_RESULTS_ID_MAX];
    size_t n_units;
    bl_results_unit_t *units;
    size_t n_followups;
    bl_results_followup_t *followups;
    size_t n_practices;
    bl_results_practice_t *practices;
} bl_results_provider_t;

typedef struct bl_results_participant {
    char id[BL_RESULTS_PROVIDER_MAX];
    char name[BL_RESULTS_NAME_MAX];
    char country[3];
    char membership[16];
    uint64_t sent;                   /* indicators sent */
    uint64_t expected;               /* indicators of the catalogue */
    char member_since[11];           /* YYYY-MM-DD */
} bl_results_participant_t;

typedef struct bl_results_bands {
    char indicator[BL_RESULTS_ID_MAX];
    char group[BL_RESULTS_ID_MAX];
    uint64_t bands[4];               /* providers in band 1..4 */
} bl_results_bands_t;

typedef struct bl_results_area_count {
    char indicator[BL_RESULTS_ID_MAX];
    uint64_t providers;              /* with it among their areas */
} bl_results_area_count_t;

typedef struct bl_results_corr {
    char group[BL_RESULTS_ID_MAX];
    char key[BL_RESULTS_KEY_MAX];
    char a[BL_RESULTS_ID_MAX], b[BL_RESULTS_ID_MAX];
    uint64_t n;
    double rho;
} bl_results_corr_t;

/* Period - 1's actions on one indicator and how many are done (SPEC 10). */
typedef struct bl_results_done {
    char indicator[BL_RESULTS_ID_MAX];
    uint64_t actions;
    uint64_t done;
} bl_results_done_t;

/* One row of the learning-event plan: `export --what learning-needs`. */
typedef struct bl_results_need {
    char indicator[BL_RESULTS_ID_MAX];
    char principle[BL_RESULTS_ID_MAX];
    char country[3];
    uint64_t in_need;
    uint64_t band4;
    char *hosts;                     /* heap, ;-joined ids; NULL: none */
    char event[16];                  /* international | national | "" */
} bl_results_need_t;

typedef struct bl_results_summary {
    size_t n_participants;
    bl_results_participant_t *participants;
    size_t n_bands;
    bl_results_bands_t *bands;
    size_t n_areas;
    bl_results_area_count_t *areas;
    size_t n_corrs;
    bl_results_corr_t *corrs;
    size_t n_done;
    bl_results_done_t *done;
    size_t n_needs;
    bl_results_need_t *needs;        /* each hosts is freed with it */
} bl_results_summary_t;

/* The statistics of one group instance of one indicator: the item of a
 * "stats" message. */
typedef struct bl_results_stats {
    char indicator[BL_RESULTS_ID_MAX];   /* "RES-01" */
    char group[BL_RESULTS_ID_MAX];       /* "national" */
    char key[BL_RESULTS_KEY_MAX];        /* "NO/residential_care" */
    uint64_t n;                          /* values in the instance */
    double mean, sd, min, p10, p25, p50, p75, p90, max;
    double best_in_class;
} bl_results_stats_t;

/* Copies the statistics of s into g and sets g->has_stats (and has_n). */
void bl_results_group_set_stats(bl_results_group_t *g,
                                const bl_results_stats_t *s);

/* Appends s to w.  Returns 0, or w's error (BL_ENOMEM). */
int bl_results_stats_encode(bl_mpw_t *w, const bl_results_stats_t *s);

/* Decodes exactly len bytes into *s.  Returns 0 or BL_EPROTO (err names
 * the field). */
int bl_results_stats_decode(const void *data, size_t len,
                            bl_results_stats_t *s, bl_err_t *err);

/* Appends p (or s) to w.  Returns 0, or w's error (BL_ENOMEM). */
int bl_results_provider_encode(bl_mpw_t *w, const bl_results_provider_t *p);
int bl_results_summary_encode(bl_mpw_t *w, const bl_results_summary_t *s);

/* Decodes exactly len bytes into *p (or *s), which the caller frees with
 * the matching _free even on failure.  Returns 0, BL_EPROTO (err names
 * the field) or BL_ENOMEM. */
int bl_results_provider_decode(const void *data, size_t len,
                               bl_results_provider_t *p, bl_err_t *err);
int bl_results_summary_decode(const void *data, size_t len,
                              bl_results_summary_t *s, bl_err_t *err);

/* Frees the arrays and zeroes the struct; harmless twice. */
void bl_results_provider_free(bl_results_provider_t *p);
void bl_results_summary_free(bl_results_summary_t *s);

/* ---- the message -------------------------------------------------------- */

#define BL_RESULTS_ITEMS_MAX 1000000  /* items in one message */

typedef enum bl_results_kind {
    BL_RESULTS_PROVIDERS = 1,        /* items are providers' results */
    BL_RESULTS_SUMMARY = 2,          /* the one item is the summary */
    BL_RESULTS_STATS = 3,            /* items are instances' statistics */
} bl_results_kind_t;

/* Writes the message around the n_items items already encoded in items
 * (bl_results_stats_encode, bl_results_provider_encode or
 * bl_results_summary_encode).  Returns 0,
 * BL_EINVAL for an unknown kind, or BL_ENOMEM. */
int bl_results_write(bl_mpw_t *w, int64_t period, int64_t generation,
                     bl_results_kind_t kind, const bl_mpw_t *items,
                     uint32_t n_items);

/* Reads a message item by item: open, then next until BL_ENOTFOUND; each
 * item is handed over encoded, for the _decode above or for storing as it
 * came.  Borrows data, which must outlive the reader. */
typedef struct bl_results_reader {
    int64_t period;
    int64_t generation;
    bl_results_kind_t kind;
    uint32_t n_items;                /* items in the message */
    uint32_t left;                   /* items not yet read */
    bl_mpr_t items;                  /* at the next item */
} bl_results_reader_t;

/* Reads the header and checks the items' count against the input.
 * Returns 0 or BL_EPROTO (err names the field). */
int bl_results_open(bl_results_reader_t *rd, const void *data, size_t len,
                    bl_err_t *err);

/* Points *item at the next encoded item (len bytes, borrowed); 0,
 * BL_ENOTFOUND after the last, or BL_EPROTO. */
int bl_results_next(bl_results_reader_t *rd, const uint8_t **item,
                    size_t *len, bl_err_t *err);

/* Copies the id of an encoded provider item into id, without decoding the
 * rest.  Returns 0 or BL_EPROTO (no id, or one too long). */
int bl_results_provider_id(const void *item, size_t len,
                           char id[BL_RESULTS_PROVIDER_MAX]);

#endif
