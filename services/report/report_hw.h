/*
 * report_hw: the HTML writer the report pages share — raw markup, escaped
 * text, messages, ids, the page head with its inline style sheet — writing
 * straight to a FILE*.
 *
 * All model text goes through report_hw_esc; raw output (report_hw_raw,
 * report_hw_fmt) is only ever our own markup and numbers.  Write errors
 * are collected with ferror at the end (report_hw_finish) rather than
 * after every fprintf: a half-written page is reported as BL_EIO either
 * way.  It knows no section of any page: report_html*.c do.
 */
#ifndef REPORT_HW_H
#define REPORT_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bl_error.h"
#include "report_chart.h"
#include "report_i18n.h"

#define REPORT_HW_BUF 65536   /* bytes gathered before a write to f */

/* A page being written; on the caller's stack, set up by report_hw_init.
 * The page is gathered in buf and handed to f in large pieces: a page is
 * tens of thousands of small strings, and stdio takes its lock for each. */
typedef struct report_hw {
    FILE *f;                  /* the page; borrowed */
    const report_i18n_t *m;   /* its messages; borrowed */
    int oom;                  /* 1: some text could not be made */
    int werr;                 /* 1: a write to f failed */
    report_chart_memo_t *charts;   /* pictures drawn for earlier pages;
                                      borrowed, may be NULL */
    size_t len;               /* bytes waiting in buf */
    char buf[REPORT_HW_BUF];
} report_hw_t;

/* Sets w up to write a page to f with the messages m. */
void report_hw_init(report_hw_t *w, FILE *f, const report_i18n_t *m);

/* report_hw_put when s does not fit into what is left of the buffer. */
void report_hw_put_more(report_hw_t *w, const char *s, size_t n);

/* Writes n bytes of s as they are: our own markup only.  Inline, as is
 * report_hw_raw: a page is tens of thousands of them, mostly literals
 * whose length the compiler knows. */
static inline void report_hw_put(report_hw_t *w, const char *s, size_t n)
{
    if (n <= sizeof w->buf - w->len) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    } else {
        report_hw_put_more(w, s, n);
    }
}

/* Writes s as it is: our own markup only. */
static inline void report_hw_raw(report_hw_t *w, const char *s)
{
    report_hw_put(w, s, strlen(s));
}

/* Writes formatted markup or numbers: never model text. */
void report_hw_fmt(report_hw_t *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes v as "%lld" would. */
void report_hw_int(report_hw_t *w, long long v);

/* Writes v with decimals digits after the point, as "%.*f" would. */
void report_hw_fixed(report_hw_t *w, double v, int decimals);

/* The HTML/XML escape of c ("&lt;" for '<'), its length in *len; NULL
 * when c is written as it is.  The one table of report_hw_esc and the
 * SVG charts. */
static inline const char *report_hw_escape_of(char c, size_t *len)
{
    switch (c) {
    case '<':
        *len = 4;
        return "&lt;";
    case '>':
        *len = 4;
        return "&gt;";
    case '&':
        *len = 5;
        return "&amp;";
    case '"':
        *len = 6;
        return "&quot;";
    case '\'':
        *len = 5;
        return "&#39;";
    default:
        return NULL;
    }
}

/* Hands s to put(ctx, bytes, n) HTML/XML-escaped, in runs between the
 * escapes (report_hw_escape_of); NULL hands nothing.  The one escaping
 * loop of report_hw_esc and the SVG charts. */
void report_hw_escape_runs(const char *s,
                           void (*put)(void *ctx, const char *p, size_t n),
                           void *ctx);

/* Writes s HTML-escaped (<, >, &, " and '); NULL writes nothing. */
void report_hw_esc(report_hw_t *w, const char *s);

/* Escapes and frees a heap string from report_text; NULL means out of
 * memory and is counted in w->oom. */
void report_hw_esc_free(report_hw_t *w, char *s);

/* The message key, escaped. */
void report_hw_msg(report_hw_t *w, const char *key);

/* prefix, then id usable in HTML id and href="#..": [A-Za-z0-9_-], others
 * '_'. */
void report_hw_id(report_hw_t *w, const char *prefix, const char *id);

/* The doctype, <html lang>, <head> with the title "title_a – title_b" and
 * the style sheet, and <body>. */
void report_hw_head(report_hw_t *w, const char *title_a,
                    const char *title_b);

/* One <div><dt>label</dt><dd>value</dd></div> of a meta list; nothing for
 * a NULL or empty value. */
void report_hw_meta_item(report_hw_t *w, const char *label_key,
                         const char *value);

/* A column header from a message; num: right-aligned (class "num"). */
void report_hw_th(report_hw_t *w, const char *key, int num);

/* When count is 0: writes the message key as a paragraph, closes the
 * section and returns true (the section has nothing else to show).
 * Otherwise writes nothing and returns false. */
bool report_hw_none(report_hw_t *w, size_t count, const char *key);

/* Hands what is gathered to f and flushes it.  Returns 0, BL_EIO when a
 * write failed, or BL_ENOMEM when some text could not be made. */
int report_hw_finish(report_hw_t *w, bl_err_t *err);

#endif
