/*
 * bl_csv: a streaming reader for the CSV files of SPEC section 2.
 *
 * It reads records one at a time from a byte source (a file descriptor or a
 * memory buffer) through a fixed-size window, so memory stays flat however
 * large the file.  It handles: a UTF-8 BOM, `,` or `;` delimiters detected
 * from the header line (the one that occurs outside quotes more often; `,`
 * on a tie), RFC 4180 quoting (doubled quotes, delimiters and line breaks
 * inside quotes), CRLF or LF, blank lines (skipped), spaces around unquoted
 * fields (trimmed).
 *
 * It does not know what the columns mean: the file kinds and their checks
 * belong to the callers.  Structural problems of one record (invalid UTF-8,
 * wrong number of fields, a field over BL_CSV_FIELD_MAX, an unterminated
 * quote at end of file) are reported on that record with its line number,
 * and reading goes on with the next record.  Not thread-safe; one reader per
 * thread.
 */
#ifndef BL_CSV_H
#define BL_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "bl_error.h"

#define BL_CSV_FIELD_MAX (64 * 1024)  /* bytes in one field */
#define BL_CSV_COLUMNS_MAX 4096       /* fields in one record */

typedef struct bl_csv bl_csv_t;

/* One record.  Valid until the next bl_csv_next() or bl_csv_close(). */
typedef struct bl_csv_record {
    size_t line;          /* physical line where the record starts, 1-based */
    size_t n_fields;      /* 0 when error is set and fields are unusable */
    const char **fields;  /* NUL-terminated, trimmed, quotes removed */
    const size_t *lens;   /* byte length of each field */
    const char *error;    /* NULL, or why the record is rejected, e.g.
                             "invalid UTF-8 at byte 17",
                             "expected 7 fields, found 5",
                             "field 3 is longer than 65536 bytes",
                             "quoted field not closed at end of file" */
} bl_csv_record_t;

/* Reads from fd (not closed by the reader).  name is used in messages. */
int bl_csv_open_fd(bl_csv_t **out, int fd, const char *name, bl_err_t *err);

/* Reads from a memory buffer that must outlive the reader. */
int bl_csv_open_mem(bl_csv_t **out, const void *data, size_t size,
                    const char *name, bl_err_t *err);

/* Reads the next record.  Returns 1 with *rec filled, 0 at end of input,
 * or a negative code on an I/O error (err filled).  The first record
 * returned is the header; its field count becomes the expected count of
 * every later record.  A header with more than BL_CSV_COLUMNS_MAX fields, or
 * invalid UTF-8, is returned with error set. */
int bl_csv_next(bl_csv_t *r, bl_csv_record_t *rec, bl_err_t *err);

/* The delimiter detected from the header (',' or ';'); ',' before the
 * header has been read. */
char bl_csv_delimiter(const bl_csv_t *r);

/* Bytes consumed so far (for progress bars). */
size_t bl_csv_offset(const bl_csv_t *r);

/* Frees the reader; sets *r to NULL; accepts NULL. */
void bl_csv_close(bl_csv_t **r);

#endif
