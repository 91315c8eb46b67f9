/*
 * bl_submission_codec: the one codec of the BL_MSG_SUBMISSION message,
 * which ingestion sends every validation worker when a submission begins
 * (its file name, delimiter and header) and when it ends.  It knows the
 * shape of the two events; whether the header makes a usable layout is
 * validation's to judge.
 *
 * Wire layout (MessagePack), kept as earlier releases wrote it:
 *   begin: {event: "begin", delimiter: ","|";", sub, file, dry_run,
 *           header: [name...]}
 *   end:   {event: "end", sub, rows}
 *
 * Decoding refuses (BL_EPROTO, the field named in err) truncated input,
 * trailing bytes, a payload that is no map, an unknown event, a missing
 * sub (or file and header of a begin), a wrong type, a delimiter other
 * than "," or ";", a text longer than its bound and more than
 * BL_SUBMISSION_FIELDS_MAX header names.  Unknown map keys are skipped.
 */
#ifndef BL_SUBMISSION_CODEC_H
#define BL_SUBMISSION_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"

#define BL_SUBMISSION_ID_MAX 64          /* submission ids, with the NUL */
#define BL_SUBMISSION_FILE_MAX 1024      /* file names, with the NUL */
#define BL_SUBMISSION_FIELDS_MAX 4096    /* header names (columns) */
#define BL_SUBMISSION_NAME_MAX 65536     /* bytes in one header name */

typedef enum bl_submission_event {
    BL_SUBMISSION_BEGIN = 1,         /* the file's header: rows follow */
    BL_SUBMISSION_END = 2,           /* every row has been sent */
} bl_submission_event_t;

/* One event.  A begin fills file to header; an end fills rows. */
typedef struct bl_submission {
    bl_submission_event_t event;
    char sub[BL_SUBMISSION_ID_MAX];  /* "no-1-000017" */
    char file[BL_SUBMISSION_FILE_MAX];  /* as the sender named it */
    char delimiter;                  /* ',' or ';' */
    bool dry_run;                    /* check only, keep nothing */
    uint32_t n_header;               /* header names */
    const char *const *header;       /* writing: n_header NUL-terminated
                                        names */
    bl_mpr_t header_names;           /* reading: at the first name (see
                                        bl_submission_next_name) */
    uint32_t header_left;            /* reading: names not yet read */
    uint64_t rows;                   /* an end: rows sent in all */
} bl_submission_t;

/* Writes event s.  Returns 0, BL_EINVAL for an unknown event, or
 * BL_ENOMEM. */
int bl_submission_write(bl_mpw_t *w, const bl_submission_t *s);

/* Decodes an event; the header names stay in data.  Every name is
 * checked.  Returns 0 or BL_EPROTO with the reason in err (may be NULL). */
int bl_submission_decode(const void *data, size_t len, bl_submission_t *s,
                         bl_err_t *err);

/* The next header name of a decoded begin (not NUL-terminated); 0, or
 * BL_ENOTFOUND after the last. */
int bl_submission_next_name(bl_submission_t *s, const char **name,
                            uint32_t *len);

#endif
