/*
 * web_page: building the portal's HTML — a growable text buffer with HTML
 * escaping, the frame every page shares (language, viewport, the portal's
 * own stylesheet, a skip link, the menu) and the stylesheet itself.  No
 * scripts anywhere: every page works without JavaScript.
 */
#ifndef WEB_PAGE_H
#define WEB_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "web_accounts.h"
#include "web_i18n.h"

#define WEB_BUF_MAX (64u * 1024u * 1024u)  /* bytes of one page */

typedef struct web_buf {
    char *data;      /* NUL-terminated when len > 0 */
    size_t len, cap;
    bool oom;        /* an append failed or passed WEB_BUF_MAX */
} web_buf_t;

void web_buf_add(web_buf_t *b, const char *s, size_t n);
void web_buf_puts(web_buf_t *b, const char *s);
void web_buf_printf(web_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s with & < > " ' escaped. */
void web_buf_esc(web_buf_t *b, const char *s);
/* Appends s percent-encoded for a URL path segment or query value. */
void web_buf_url(web_buf_t *b, const char *s);
/* Frees the buffer; it is empty and reusable after. */
void web_buf_free(web_buf_t *b);

/* Opens a page: doctype, <html lang>, head with title, the menu for the
 * session (NULL: none), and <main id="main">. */
void web_page_begin(web_buf_t *b, int lang, const char *title,
                    const web_session_t *s);
/* Closes <main> and the page. */
void web_page_end(web_buf_t *b);
/* A hidden input with the session's CSRF token. */
void web_page_csrf(web_buf_t *b, const web_session_t *s);

/* The stylesheet served at /style.css. */
extern const char web_page_css[];

#endif
