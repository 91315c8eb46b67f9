/*
 * web_page: the HTML buffer and the shared page frame (see web_page.h).
 */
#include "web_page.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void web_buf_add(web_buf_t *b, const char *s, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *p = cap <= WEB_BUF_MAX ? realloc(b->data, cap) : NULL;
        if (p == NULL) {
            b->oom = true;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void web_buf_puts(web_buf_t *b, const char *s)
{
    web_buf_add(b, s, strlen(s));
}

void web_buf_printf(web_buf_t *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        web_buf_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    web_buf_add(b, big, (size_t)n);
    free(big);
}

void web_buf_esc(web_buf_t *b, const char *s)
{
    const char *run = s;
    for (const char *p = s; *p != '\0'; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep != NULL) {
            web_buf_add(b, run, (size_t)(p - run));
            web_buf_puts(b, rep);
            run = p + 1;
        }
    }
    web_buf_puts(b, run);
}

void web_buf_url(web_buf_t *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || strchr("-_.~", *p) != NULL) {
            web_buf_add(b, (const char *)p, 1);
        } else {
            web_buf_printf(b, "%%%02X", *p);
        }
    }
}

void web_buf_free(web_buf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void web_page_begin(web_buf_t *b, int lang, const char *title,
                    const web_session_t *s)
{
    web_buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
                   "<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, "
                   "initial-scale=1\">\n<title>",
                   web_lang_codes[lang < 0 || lang >= WEB_LANGS ? 0 : lang]);
    web_buf_esc(b, title);
    web_buf_printf(b, " — %s</title>\n"
                   "<link rel=\"stylesheet\" href=\"/style.css\">\n"
                   "</head>\n<body>\n"
                   "<a class=\"skip\" href=\"#main\">%s</a>\n",
                   web_text(lang, T_TITLE), web_text(lang, T_SKIP));
    web_buf_puts(b, "<header><nav aria-label=\"menu\"><ul>");
    if (s != NULL) {
        web_buf_printf(b, "<li><a href=\"/\">%s</a></li>",
                       web_text(lang, T_HOME));
        if (s->account.coordinator) {
            web_buf_printf(b, "<li><a href=\"/coordinator\">%s</a></li>",
                           web_text(lang, T_COORDINATOR));
        }
        web_buf_printf(b, "<li><a href=\"/submit\">%s</a></li>"
                       "<li><a href=\"/password\">%s</a></li>"
                       "<li><form method=\"post\" action=\"/logout\">",
                       web_text(lang, T_UPLOAD),
                       web_text(lang, T_CHANGE_PASSWORD));
        web_page_csrf(b, s);
        web_buf_printf(b, "<button type=\"submit\">%s (",
                       web_text(lang, T_LOGOUT));
        web_buf_esc(b, s->account.login);
        web_buf_puts(b, ")</button></form></li>");
    }
    web_buf_puts(b, "</ul></nav></header>\n<main id=\"main\">\n<h1>");
    web_buf_esc(b, title);
    web_buf_puts(b, "</h1>\n");
}

void web_page_end(web_buf_t *b)
{
    web_buf_puts(b, "</main>\n</body>\n</html>\n");
}

void web_page_csrf(web_buf_t *b, const web_session_t *s)
{
    web_buf_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
                   s->csrf);
}

/* Dark text on white (contrast above 12:1), links underlined, a visible
 * focus ring, one column that fits a phone, tables that scroll. */
const char web_page_css[] =
    "html{font-family:system-ui,sans-serif;font-size:100%;line-height:1.5;"
    "color:#1a1a1a;background:#fff}\n"
    "body{margin:0 auto;max-width:60rem;padding:0 1rem}\n"
    "a{color:#0b4f9c}a:visited{color:#5a2a82}\n"
    ":focus{outline:3px solid #c45200;outline-offset:2px}\n"
    ".skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;"
    "background:#fff;padding:.5rem}\n"
    "header nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;"
    "padding:.5rem 0;margin:0;border-bottom:1px solid #767676}\n"
    "header form{display:inline;margin:0}\n"
    "label{display:block;margin-top:1rem;font-weight:600}\n"
    "input,select,button{font:inherit;padding:.4rem;max-width:100%}\n"
    "button{margin-top:1rem;cursor:pointer}\n"
    "header button{margin:0;padding:0 .4rem}\n"
    ".table{overflow-x:auto}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid "
    "#bbb;vertical-align:top}\n"
    ".error{color:#a00000;font-weight:600}\n"
    ".ok{color:#1d6b1d}\n";
