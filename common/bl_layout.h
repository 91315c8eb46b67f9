/*
 * bl_layout: the input file kinds of SPEC sections 2 and 10 (register,
 * indicator data, survey responses, improvement actions, practices), told
 * apart by their header, and where each known column stands.
 *
 * Used by the ingestion daemon (to accept or reject a file at line 1) and by
 * the validation daemon (to read each row's fields by name).  It checks
 * column names only; the values are the validator's business.
 */
#ifndef BL_LAYOUT_H
#define BL_LAYOUT_H

#include <stddef.h>

#include "bl_catalogue.h"
#include "bl_diag.h"

typedef enum bl_file_kind {
    BL_FILE_REGISTER = 0,
    BL_FILE_INDICATORS,
    BL_FILE_SURVEY,
    BL_FILE_ACTIONS,
    BL_FILE_PRACTICES,
    BL_FILE_UNKNOWN,
} bl_file_kind_t;

/* Named columns; not every kind has every one. */
typedef enum bl_col {
    BL_COL_PROVIDER_ID = 0,
    BL_COL_NAME,
    BL_COL_COUNTRY,
    BL_COL_SERVICE_TYPE,
    BL_COL_USERS,
    BL_COL_STAFF,
    BL_COL_MEMBERSHIP,
    BL_COL_MEMBER_SINCE,
    BL_COL_SHARE_IDENTITY,
    BL_COL_UNIT_ID,
    BL_COL_PERIOD,
    BL_COL_INDICATOR_ID,
    BL_COL_NUMERATOR,
    BL_COL_DENOMINATOR,
    BL_COL_VALUE,
    BL_COL_SURVEY,
    BL_COL_RESPONDENT_ID,
    BL_COL_ACTION_ID,
    BL_COL_ACTION,
    BL_COL_OWNER,
    BL_COL_DUE,
    BL_COL_STATUS,
    BL_COL_TITLE,
    BL_COL_DESCRIPTION,
    BL_COL_CONTACT,
    BL_COL_COUNT
} bl_col_t;

#define BL_LAYOUT_COLUMNS_MAX 4096

typedef struct bl_layout {
    bl_file_kind_t kind;
    int survey;                      /* survey files: index, -1 if no item */
    size_t n_columns;                /* fields per row */
    int col[BL_COL_COUNT];           /* field index of each column, or -1 */
    int item_of[BL_LAYOUT_COLUMNS_MAX]; /* field -> item index, or -1 */
} bl_layout_t;

/* Reads a header.  Returns 0 with *out filled, or BL_EDATA with one diag
 * per problem (line 1, column = the field's 1-based position, message
 * naming the column: "unknown column 'foo'", "missing column 'period'",
 * "cannot tell the file kind from its header"). */
int bl_layout_from_header(const bl_catalogue_t *cat, const char *file,
                          const char *const *fields, size_t n,
                          bl_layout_t *out, bl_diags_t *diags);

/* "register", "indicators", "survey", "actions", "practices". */
const char *bl_file_kind_name(bl_file_kind_t kind);

/* The column's header name ("provider_id"). */
const char *bl_col_name(bl_col_t col);

/* The position of column col among a header's n fields (its first), or
 * -1: for the clients, which send the header without reading it all. */
int bl_col_index(const char *const *fields, size_t n, bl_col_t col);

#endif
