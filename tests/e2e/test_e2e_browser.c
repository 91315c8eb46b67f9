/*
 * The provider's report in a real browser: the fake provider of
 * tests/support/report_fixture is rendered to HTML and to the cairo PDF in
 * a private directory; headless Chromium (Debian's package) opens the HTML
 * from the file, takes a screenshot and prints it to PDF, and must log no
 * console message; pdftotext (poppler-utils) then reads the provider's
 * figures back out of both PDFs, the printed one and report_pdf's own.
 *
 * Without chromium or pdftotext the tests fail and say what to install;
 * BL_SKIP_BROWSER=1 skips them instead.  This is not a layout test: what
 * the page looks like is for a person to judge from the screenshot.
 */
#define _XOPEN_SOURCE 700   /* nftw */

#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bl_test_node.h"
#include "report_fixture.h"
#include "report_html.h"
#include "report_i18n.h"
#include "report_model.h"
#include "report_pdf.h"

/* How long one Chromium or pdftotext run may take before it is killed. */
#define S_RUN_SECONDS 90

static char s_dir[64];

/* dir/name into buf (sized for s_dir plus a short name). */
static const char *s_path(char *buf, size_t size, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", s_dir, name);
    cr_assert(n > 0 && (size_t)n < size, "path too long: %s", name);
    return buf;
}

/* 1 when an executable called name is on $PATH. */
static int s_on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL) {
        return 0;
    }
    char *copy = strdup(path);
    cr_assert_not_null(copy);
    int found = 0;
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d != NULL && !found;
         d = strtok_r(NULL, ":", &save)) {
        size_t size = strlen(d) + strlen(name) + 2;
        char *full = malloc(size);
        cr_assert_not_null(full);
        snprintf(full, size, "%s/%s", d, name);
        found = access(full, X_OK) == 0;
        free(full);
    }
    free(copy);
    return found;
}

/* Fails (or, with BL_SKIP_BROWSER=1, skips) unless chromium and pdftotext
 * are installed. */
static void s_require_tools(void)
{
    int have_chromium = s_on_path("chromium");
    int have_pdftotext = s_on_path("pdftotext");
    if (have_chromium && have_pdftotext) {
        return;
    }
    const char *skip = getenv("BL_SKIP_BROWSER");
    if (skip != NULL && strcmp(skip, "1") == 0) {
        cr_skip_test("BL_SKIP_BROWSER=1: not testing in a browser");
    }
    cr_assert_fail("%s%s%s not found: install Debian's chromium and "
                   "poppler-utils (apt-get install chromium poppler-utils; "
                   "CI does), or set BL_SKIP_BROWSER=1 to skip",
                   have_chromium ? "" : "chromium",
                   !have_chromium && !have_pdftotext ? " and " : "",
                   have_pdftotext ? "" : "pdftotext");
}

/* Runs argv in its own process group with stdout and stderr into the file
 * log (replaced); kills the group after S_RUN_SECONDS.  Returns the exit
 * status, or -1 when the program did not exit normally in time. */
static int s_run(char *const argv[], const char *log)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
            dup2(fd, STDERR_FILENO) < 0) {
            _exit(126);
        }
        close(fd);
        execvp(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid);
    struct timespec tick = {0, 50 * 1000 * 1000};
    for (long waited = 0; waited < S_RUN_SECONDS * 20L; waited++) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        cr_assert_neq(r, -1, "waitpid: %s", strerror(errno));
        if (r == pid) {
            /* Chromium's helpers must not outlive it. */
            kill(-pid, SIGKILL);
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        nanosleep(&tick, NULL);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* Headless Chromium on the file page with one more option (--screenshot=
 * or --print-to-pdf=); its log goes to the file log.  Returns the exit
 * status as s_run. */
static int s_chromium(const char *page, const char *option, const char *log)
{
    char profile[128];
    char url[160];
    char user_data[160];
    s_path(profile, sizeof profile, "profile");
    snprintf(url, sizeof url, "file://%s", page);
    snprintf(user_data, sizeof user_data, "--user-data-dir=%s", profile);
    char *argv[] = {
        "chromium", "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", user_data,
        "--enable-logging=stderr", "--v=0", "--window-size=1280,2000",
        "--no-pdf-header-footer", (char *)option, url, NULL,
    };
    return s_run(argv, log);
}

/* The lines of log that report a console message or an uncaught
 * exception, as one heap string, or NULL when there are none.  Chromium 156
 * logs every console message of the page, whatever its level, as
 * "[pid:tid:date:INFO:CONSOLE:line] "text", source: url (line)"; an
 * uncaught exception is such a line with "Uncaught" in its text.  The page
 * has no script, so any console line at all is a fault. */
static char *s_console_lines(const char *log)
{
    char *text = bl_test_read_file(log, NULL);
    cr_assert_not_null(text, "cannot read %s", log);
    char *found = NULL;
    size_t found_len = 0;
    FILE *out = open_memstream(&found, &found_len);
    cr_assert_not_null(out);
    for (char *line = text; *line != '\0';) {
        char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        char *copy = strndup(line, len);
        cr_assert_not_null(copy);
        if (strstr(copy, ":CONSOLE") != NULL ||
            strstr(copy, "Uncaught") != NULL) {
            fprintf(out, "%s\n", copy);
        }
        free(copy);
        line += len + (end != NULL);
    }
    cr_assert_eq(fclose(out), 0);
    free(text);
    if (found_len == 0) {
        free(found);
        return NULL;
    }
    return found;
}

/* The text of the PDF at path as pdftotext reads it, with every run of
 * white space (line breaks included) made one space, so that a phrase the
 * layout wrapped is still found. */
static char *s_pdf_text(const char *pdf)
{
    char txt[128];
    char log[128];
    s_path(txt, sizeof txt, "pdftotext.txt");
    s_path(log, sizeof log, "pdftotext.log");
    char *argv[] = {"pdftotext", "-enc", "UTF-8", (char *)pdf, txt, NULL};
    int rc = s_run(argv, log);
    char *why = bl_test_read_file(log, NULL);
    cr_assert_eq(rc, 0, "pdftotext %s: exit %d: %s", pdf, rc,
                 why != NULL ? why : "");
    free(why);
    char *text = bl_test_read_file(txt, NULL);
    cr_assert_not_null(text, "cannot read %s", txt);
    size_t out = 0;
    int space = 1;
    for (size_t i = 0; text[i] != '\0'; i++) {
        if (isspace((unsigned char)text[i])) {
            if (!space) {
                text[out++] = ' ';
            }
            space = 1;
        } else {
            text[out++] = text[i];
            space = 0;
        }
    }
    text[out] = '\0';
    return text;
}

/* Asserts that text (from the PDF called which) contains every phrase. */
static void s_assert_phrases(const char *which, const char *text,
                             const char *const *phrases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        cr_expect_not_null(strstr(text, phrases[i]),
                           "%s lacks \"%s\"; its text:\n%s", which,
                           phrases[i], text);
    }
}

/* Writes the fixture's report as report.html and report.pdf (English). */
static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/test_e2e_browser.XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir), "mkdtemp: %s", strerror(errno));
    char messages[512];
    snprintf(messages, sizeof messages, "%s/config/messages",
             bl_test_source_dir());
    report_i18n_t *m = NULL;
    bl_err_t err = {0};
    cr_assert_eq(report_i18n_open(&m, messages, "en", &err), 0, "%s",
                 err.msg);
    report_provider_t *r = report_fixture_provider();
    char path[128];
    FILE *f = fopen(s_path(path, sizeof path, "report.html"), "w");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    cr_assert_eq(report_html_write_provider(f, r, m, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(report_pdf_write(s_path(path, sizeof path, "report.pdf"),
                                  r, m, &err),
                 0, "%s", err.msg);
    report_provider_destroy(&r);
    report_i18n_destroy(&m);
}

static int s_remove(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void s_teardown(void)
{
    if (s_dir[0] != '\0') {
        nftw(s_dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
    }
}

/* The provider's name and figures, as both the printed page and the cairo
 * PDF word them (see report_fixture.h for where they come from). */
static const char *const s_figures[] = {
    "Bergen <Care> & Co \"AS\"",
    "NO-bergen-01",
    "RES-02 Individual-plan goals achieved",
    "Your value: 71.4%",
    "Better than 72% of 48 national peers: band 3, above the median.",
    "8.6% short of the reference value 80.0%.",
    "In 2024 the value was 66.0%; it is now 71.4% (better).",
    "Percentile rank among national peers: 61% in 2024, 72% now.",
    "Fewer than 5 people answered (3)",
    "Better than 8% of 30 national peers: band 1, lowest quarter.",
    "Your value: 4.31",
    "Oslo Omsorg (NO-oslo-03)",
};

Test(e2e_browser, page_opens_without_console_errors_and_screenshots,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    s_require_tools();
    char page[128];
    char png[128];
    char log[128];
    char option[160];
    s_path(page, sizeof page, "report.html");
    s_path(png, sizeof png, "report.png");
    s_path(log, sizeof log, "chromium.log");
    snprintf(option, sizeof option, "--screenshot=%s", png);
    int rc = s_chromium(page, option, log);
    char *why = bl_test_read_file(log, NULL);
    cr_assert_eq(rc, 0, "chromium exit %d:\n%s", rc, why ? why : "");
    free(why);
    char *bad = s_console_lines(log);
    cr_assert_null(bad, "console: %s", bad);
    size_t size = 0;
    char *image = bl_test_read_file(png, &size);
    cr_assert_not_null(image, "no screenshot at %s", png);
    cr_assert_gt(size, 10 * 1024, "screenshot of %zu bytes is blank", size);
    /* A PNG of the window's size: signature, then IHDR width and height. */
    cr_assert_eq(memcmp(image, "\x89PNG\r\n\x1a\n", 8), 0);
    const unsigned char *ihdr = (const unsigned char *)image + 16;
    unsigned long width = (unsigned long)ihdr[0] << 24 |
                          (unsigned long)ihdr[1] << 16 |
                          (unsigned long)ihdr[2] << 8 | ihdr[3];
    unsigned long height = (unsigned long)ihdr[4] << 24 |
                           (unsigned long)ihdr[5] << 16 |
                           (unsigned long)ihdr[6] << 8 | ihdr[7];
    cr_assert_eq(width, 1280);
    cr_assert_eq(height, 2000);
    free(image);
}

Test(e2e_browser, printed_page_carries_the_providers_figures,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    s_require_tools();
    char page[128];
    char pdf[128];
    char log[128];
    char option[160];
    s_path(page, sizeof page, "report.html");
    s_path(pdf, sizeof pdf, "printed.pdf");
    s_path(log, sizeof log, "chromium.log");
    snprintf(option, sizeof option, "--print-to-pdf=%s", pdf);
    int rc = s_chromium(page, option, log);
    char *why = bl_test_read_file(log, NULL);
    cr_assert_eq(rc, 0, "chromium exit %d:\n%s", rc, why ? why : "");
    free(why);
    char *bad = s_console_lines(log);
    cr_assert_null(bad, "console: %s", bad);
    char *text = s_pdf_text(pdf);
    s_assert_phrases("printed PDF", text, s_figures,
                     sizeof s_figures / sizeof s_figures[0]);
    /* Only the page has these: the overview's lowest-case phrase and the
     * units table. */
    static const char *const page_only[] = {
        "STA-02 Sickness absence – better than 8% of 30 national peers",
        "Whole provider north south 71.4% ★ 75.0% 68.1%",
    };
    s_assert_phrases("printed PDF", text, page_only,
                     sizeof page_only / sizeof page_only[0]);
    free(text);
}

Test(e2e_browser, cairo_pdf_carries_the_providers_figures,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    s_require_tools();
    char pdf[128];
    char *text = s_pdf_text(s_path(pdf, sizeof pdf, "report.pdf"));
    s_assert_phrases("cairo PDF", text, s_figures,
                     sizeof s_figures / sizeof s_figures[0]);
    /* The PDF lists the units' values where the page has a table. */
    static const char *const pdf_only[] = {
        "north: 75.0% · south: 68.1%",
    };
    s_assert_phrases("cairo PDF", text, pdf_only,
                     sizeof pdf_only / sizeof pdf_only[0]);
    free(text);
}

/* The console check itself: a copy of the page with a script that logs an
 * error and throws must be caught, or a change in Chromium's log format
 * would make the checks above pass on anything. */
Test(e2e_browser, console_check_catches_a_script_error, .init = s_setup,
     .fini = s_teardown, .timeout = 120)
{
    s_require_tools();
    char page[128];
    char broken[128];
    char png[128];
    char log[128];
    char option[160];
    char *html = bl_test_read_file(s_path(page, sizeof page, "report.html"), NULL);
    cr_assert_not_null(html);
    char *body_end = strstr(html, "</body>");
    cr_assert_not_null(body_end, "the page has no </body>");
    FILE *f = fopen(s_path(broken, sizeof broken, "broken.html"), "w");
    cr_assert_not_null(f);
    fprintf(f, "%.*s<script>console.error(\"deliberate\");"
               "s_no_such_function();</script>%s",
            (int)(body_end - html), html, body_end);
    cr_assert_eq(fclose(f), 0);
    free(html);
    s_path(png, sizeof png, "broken.png");
    s_path(log, sizeof log, "chromium.log");
    snprintf(option, sizeof option, "--screenshot=%s", png);
    cr_assert_eq(s_chromium(broken, option, log), 0);
    char *bad = s_console_lines(log);
    cr_assert_not_null(bad, "the injected script error went unnoticed");
    cr_assert_not_null(strstr(bad, "\"deliberate\""), "%s", bad);
    cr_assert_not_null(strstr(bad, "Uncaught ReferenceError: "
                                   "s_no_such_function is not defined"),
                       "%s", bad);
    free(bad);
}
