/*
 * report_hw: the HTML writer of the report pages (see report_hw.h).  The
 * style sheet is here because every page carries it inline: a page
 * fetches nothing.
 */
#include "report_hw.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bl_number.h"

void report_hw_init(report_hw_t *w, FILE *f, const report_i18n_t *m)
{
    w->f = f;
    w->m = m;
    w->oom = 0;
    w->werr = 0;
    w->charts = NULL;
    w->len = 0;
}

/* Hands the gathered bytes to the file. */
static void s_flush(report_hw_t *w)
{
    if (w->len > 0 && fwrite(w->buf, 1, w->len, w->f) != w->len) {
        w->werr = 1;
    }
    w->len = 0;
}

void report_hw_put_more(report_hw_t *w, const char *s, size_t n)
{
    s_flush(w);
    if (n > sizeof w->buf) {
        if (fwrite(s, 1, n, w->f) != n) {
            w->werr = 1;
        }
        return;
    }
    memcpy(w->buf, s, n);
    w->len = n;
}

void report_hw_fmt(report_hw_t *w, const char *fmt, ...)
{
    va_list ap;
    for (int tries = 0; tries < 2; tries++) {
        size_t room = sizeof w->buf - w->len;
        va_start(ap, fmt);
        int n = vsnprintf(w->buf + w->len, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            w->oom = 1;
            return;
        }
        if ((size_t)n < room) {
            w->len += (size_t)n;
            return;
        }
        s_flush(w);
    }
    /* Longer than the whole buffer: straight to the file. */
    va_start(ap, fmt);
    if (vfprintf(w->f, fmt, ap) < 0) {
        w->werr = 1;
    }
    va_end(ap);
}

void report_hw_int(report_hw_t *w, long long v)
{
    char digits[24];
    size_t nd = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v
                                 : (unsigned long long)v;
    do {
        digits[nd++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0) {
        digits[nd++] = '-';
    }
    char out[24];
    for (size_t i = 0; i < nd; i++) {
        out[i] = digits[nd - 1 - i];
    }
    report_hw_put(w, out, nd);
}

void report_hw_fixed(report_hw_t *w, double v, int decimals)
{
    char num[64];
    int n = bl_number_fixed(num, sizeof num, v, decimals);
    if (n > 0 && (size_t)n < sizeof num) {
        report_hw_put(w, num, (size_t)n);
    } else {
        report_hw_fmt(w, "%.*f", decimals, v);
    }
}

void report_hw_escape_runs(const char *s,
                           void (*put)(void *ctx, const char *p, size_t n),
                           void *ctx)
{
    if (s == NULL) {
        return;
    }
    const char *run = s;   /* handed on in runs between the escapes */
    for (const char *p = s;; p++) {
        if (*p == '\0') {
            put(ctx, run, (size_t)(p - run));
            return;
        }
        size_t el;
        const char *esc = report_hw_escape_of(*p, &el);
        if (esc == NULL) {
            continue;
        }
        put(ctx, run, (size_t)(p - run));
        put(ctx, esc, el);
        run = p + 1;
    }
}

static void s_put(void *ctx, const char *p, size_t n)
{
    report_hw_put(ctx, p, n);
}

void report_hw_esc(report_hw_t *w, const char *s)
{
    report_hw_escape_runs(s, s_put, w);
}

void report_hw_esc_free(report_hw_t *w, char *s)
{
    if (s == NULL) {
        w->oom = 1;
        return;
    }
    report_hw_esc(w, s);
    free(s);
}

void report_hw_msg(report_hw_t *w, const char *key)
{
    report_hw_esc(w, report_i18n_get(w->m, key));
}

void report_hw_id(report_hw_t *w, const char *prefix, const char *id)
{
    report_hw_raw(w, prefix);
    for (const char *p = id; p != NULL && *p != '\0'; p++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                 || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        report_hw_put(w, ok ? p : "_", 1);
    }
}

static const char s_css[] =
    ":root{--ink:#1f2328;--muted:#5b6169;--rule:#d8dde3;--soft:#f4f6f8;"
    "--accent:#0072B2;--b1:#D55E00;--b2:#E69F00;--b3:#56B4E9;--b4:#009E73}\n"
    "*{box-sizing:border-box}\n"
    "html{font-family:\"DejaVu Sans\",\"Segoe UI\",Helvetica,Arial,"
    "sans-serif;color:var(--ink);background:#fff;line-height:1.45}\n"
    "body{max-width:60rem;margin:0 auto;padding:2rem 2.2rem 3rem;"
    "font-size:15px}\n"
    "header.masthead{border-bottom:3px solid var(--accent);"
    "padding-bottom:1rem;margin-bottom:1.5rem}\n"
    ".kicker{text-transform:uppercase;letter-spacing:.08em;font-size:.8rem;"
    "color:var(--accent);margin:0 0 .2rem;font-weight:bold}\n"
    "h1{font-size:1.9rem;margin:0 0 .6rem;font-weight:600}\n"
    "h2{font-size:1.35rem;margin:2.2rem 0 .6rem;padding-bottom:.25rem;"
    "border-bottom:1px solid var(--rule);font-weight:600}\n"
    "h3{font-size:1.08rem;margin:1.4rem 0 .4rem;font-weight:600}\n"
    "p{margin:.4rem 0}\n"
    ".intro,.muted{color:var(--muted)}\n"
    "dl.meta{display:flex;flex-wrap:wrap;gap:.3rem 2rem;margin:0;"
    "font-size:.9rem}\n"
    "dl.meta div{display:flex;gap:.4rem}\n"
    "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;font-weight:600}\n"
    "table{border-collapse:collapse;width:100%;font-size:.88rem;"
    "margin:.5rem 0}\n"
    "th,td{text-align:left;padding:.32rem .5rem;border-bottom:1px solid "
    "var(--rule);vertical-align:top}\n"
    "thead th{font-weight:600;color:var(--muted);border-bottom:2px solid "
    "var(--rule)}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.principle th{background:var(--soft);color:var(--ink);"
    "font-weight:600;padding-top:.45rem}\n"
    "caption{text-align:left;color:var(--muted);font-size:.85rem;"
    "padding:.2rem 0}\n"
    "a{color:var(--accent);text-decoration:none}\n"
    ".chip{display:inline-flex;align-items:center;gap:.35rem;"
    "border-radius:999px;padding:.05rem .55rem .05rem .1rem;"
    "font-size:.82rem;white-space:nowrap;background:var(--soft)}\n"
    ".chip b{display:inline-block;min-width:1.45rem;text-align:center;"
    "border-radius:999px;color:#000;padding:.05rem .3rem}\n"
    ".chip.b1 b{background:var(--b1)}.chip.b2 b{background:var(--b2)}\n"
    ".chip.b3 b{background:var(--b3)}.chip.b4 b{background:var(--b4)}\n"
    ".chip.b0{color:var(--muted)}.chip.b0 b{background:#e3e6ea}\n"
    ".callout{background:var(--soft);border-left:4px solid var(--b1);"
    "padding:.6rem 1rem;margin:1rem 0;border-radius:0 6px 6px 0}\n"
    ".callout h3{margin-top:.2rem}\n"
    ".callout ol{margin:.3rem 0;padding-left:1.3rem}\n"
    "article.indicator{border-top:1px solid var(--rule);padding-top:.4rem;"
    "margin-top:1.2rem}\n"
    "article.indicator h3 .id,.id{color:var(--muted);font-weight:normal;"
    "margin-right:.4rem}\n"
    ".figure-line{display:flex;flex-wrap:wrap;align-items:baseline;"
    "gap:.2rem 1.4rem}\n"
    ".big{font-size:1.5rem;font-weight:600}\n"
    "ul.positions{margin:.3rem 0;padding-left:1.2rem}\n"
    "svg.chart{width:100%;height:auto;display:block;margin:.4rem 0}\n"
    "ul.key{list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1.4rem;"
    "margin:.4rem 0 .8rem;padding:.5rem .8rem;background:var(--soft);"
    "border-radius:6px;font-size:.9rem}\n"
    "ul.key li{display:flex;align-items:center;gap:.45rem}\n"
    "ul.key svg{flex:none}\n"
    "table.glance td{white-space:nowrap;width:1%}\n"

    "details{margin:.2rem 0 .6rem}summary{color:var(--accent);"
    "cursor:pointer;font-size:.88rem}\n"
    ".notice{background:#fff7e6;border-left:4px solid var(--b2);"
    "padding:.45rem .8rem;margin:.5rem 0;border-radius:0 6px 6px 0}\n"
    ".partners{margin:.2rem 0 .8rem;padding-left:1.2rem}\n"
    ".bar{display:inline-block;height:.7rem;background:var(--accent);"
    "border-radius:2px;vertical-align:middle}\n"
    "footer{margin-top:3rem;border-top:1px solid var(--rule);"
    "padding-top:.6rem;font-size:.8rem;color:var(--muted)}\n"
    "@page{size:A4;margin:16mm 15mm 18mm}\n"
    /* Print: no forced breaks; only small blocks are kept whole, long
     * tables break between rows and repeat their header. */
    "@media print{body{max-width:none;padding:0;font-size:9.5pt}"
    "h2{margin-top:1.4rem;break-after:avoid}h3{break-after:avoid}"
    "ul.key{break-after:avoid;break-inside:avoid}"
    "article.indicator,.callout,.area,figure,tr,li{break-inside:avoid}"
    "thead{display:table-header-group}"
    "th,td{padding:.22rem .45rem}p{margin:.25rem 0}"
    "article.indicator{margin-top:.5rem;padding-top:.3rem}"
    "article.indicator h3{margin:.3rem 0 .15rem}"
    ".big{font-size:1.3rem}svg.chart{margin:.2rem 0}"
    "details{display:none}"
    "a{color:inherit}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

void report_hw_head(report_hw_t *w, const char *title_a, const char *title_b)
{
    report_hw_raw(w, "<!DOCTYPE html>\n<html lang=\"");
    report_hw_esc(w, report_i18n_lang(w->m));
    report_hw_raw(w, "\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, "
                     "initial-scale=1\">\n<title>");
    report_hw_esc(w, title_a);
    report_hw_raw(w, " – ");
    report_hw_esc(w, title_b);
    report_hw_raw(w, "</title>\n<style>\n");
    report_hw_raw(w, s_css);
    report_hw_raw(w, "</style>\n</head>\n<body>\n");
}

void report_hw_meta_item(report_hw_t *w, const char *label_key,
                         const char *value) {
    if (value == NULL || value[0] == '\0') {
        return;
    }
    report_hw_raw(w, "<div><dt>");
    report_hw_msg(w, label_key);
    report_hw_raw(w, "</dt><dd>");
    report_hw_esc(w, value);
    report_hw_raw(w, "</dd></div>");
}

void report_hw_th(report_hw_t *w, const char *key, int num)
{
    report_hw_raw(w, num ? "<th scope=\"col\" class=\"num\">"
                         : "<th scope=\"col\">");
    report_hw_msg(w, key);
    report_hw_raw(w, "</th>");
}

bool report_hw_none(report_hw_t *w, size_t count, const char *key)
{
    if (count != 0) {
        return false;
    }
    report_hw_raw(w, "<p>");
    report_hw_msg(w, key);
    report_hw_raw(w, "</p>\n</section>\n");
    return true;
}

int report_hw_finish(report_hw_t *w, bl_err_t *err)
{
    s_flush(w);
    if (fflush(w->f) != 0 || ferror(w->f) || w->werr) {
        return bl_err_set(err, BL_EIO, "cannot write the report page");
    }
    if (w->oom) {
        return bl_err_set(err, BL_ENOMEM, "report page: out of memory");
    }
    return 0;
}
