/*
 * web_upload: one uploaded file on its way to ingestion.  The pieces that
 * libmicrohttpd's post processor hands over are written to a spool file
 * that has no name (unlinked at once, so nothing of it outlives the
 * request, whatever happens); at the end of the request the file is read
 * back with the streaming CSV reader and sent to the ingestion daemon in
 * batches, exactly as `benchlearn submit` sends a file.  Memory stays flat
 * whatever the file's size; the size is bounded by max_upload_mb.
 *
 * A provider's upload may carry only its own provider's rows: a row whose
 * provider_id is another provider's is sent as a rejected row with the
 * reason, so it shows with its line number like any other.
 */
#ifndef WEB_UPLOAD_H
#define WEB_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "web_backend.h"
#include "web_page.h"

typedef struct web_upload web_upload_t;

/* Opens a spool file in dir for at most max_bytes. */
int web_upload_open(web_upload_t **out, const char *dir, uint64_t max_bytes,
                    bl_err_t *err);

/* Appends a piece.  BL_ETOOBIG once max_bytes is passed (the spool is
 * emptied then). */
int web_upload_write(web_upload_t *u, const char *data, size_t size,
                     bl_err_t *err);

/* Bytes received so far. */
uint64_t web_upload_size(const web_upload_t *u);

/* Sends the spooled file to ingest as a submission named file (shown in
 * messages), keeping only rows of provider when provider is not "".
 * Returns 0 with the submission id in sub; 1 when the file is rejected as
 * a whole (the reasons, as HTML list items, appended to why); or an error
 * code (err filled). */
int web_upload_submit(web_upload_t *u, web_backend_t *b, const char *file,
                      const char *provider, char *sub, size_t sub_size,
                      web_buf_t *why, bl_err_t *err);

/* Closes the spool (nothing of it remains); sets *u to NULL. */
void web_upload_close(web_upload_t **u);

#endif
