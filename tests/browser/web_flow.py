#!/usr/bin/python3
"""The web portal in a real browser (headless Chromium through Debian's
chromium-driver and python3-selenium), as SPEC section 9's people use it.

Run by tests/e2e/test_e2e_web_browser.c, which starts the node, sends the
register and the other providers' figures, and makes the accounts:

    web_flow.py URL WORKDIR PROVIDER LOGIN PASSWORD COORD_LOGIN COORD_PASSWORD

WORKDIR holds bad.csv (rows with errors) and good.csv; downloads go to
WORKDIR/downloads.  The coordinator creates the provider's login (a
one-time password); the provider logs in, chooses PASSWORD, sends the bad
file and reads the errors with their line numbers on the page, sends the
good file; the coordinator sees the provider counted and closes the
period; the provider opens its report and downloads the PDF.  Every wait is a
WebDriverWait on a condition; exits non-zero with the reason on failure.
"""
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 240  # seconds for the slowest step (a period's close and render)


def browser(downloads):
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--window-size=412,915"):  # a phone's width
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {
        "download.default_directory": downloads,
        "download.prompt_for_download": False,
        "plugins.always_open_pdf_externally": True,
    })
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                         options=opts)
    d.execute_cdp_cmd("Page.setDownloadBehavior",
                      {"behavior": "allow", "downloadPath": downloads})
    return d


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def log_in(d, url, login, password):
    d.get(url + "/login")
    d.find_element(By.ID, "login").send_keys(login)
    d.find_element(By.ID, "password").send_keys(password)
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(d, WAIT).until(lambda x: "/login" not in x.current_url)


def log_out(d):
    d.find_element(By.CSS_SELECTOR, "header form button").click()
    WebDriverWait(d, WAIT).until(lambda x: "/login" in x.current_url)


def upload(d, url, path):
    d.get(url + "/submit")
    d.find_element(By.ID, "file").send_keys(path)
    d.find_element(By.CSS_SELECTOR, "main form button").click()
    WebDriverWait(d, WAIT).until(lambda x: "/submissions/" in x.current_url)


def validated(d):
    """Reloads the submission page until validation has finished: the
    counts are there and no longer say "being validated".  Any other page
    met on the way (an error page) is written to stderr, so that a failure
    shows what the browser saw."""
    d.refresh()
    text = d.find_element(By.TAG_NAME, "main").text
    if not d.find_elements(By.ID, "counts"):
        print("web_flow: %s (%s): %s" % (d.current_url, d.title, text[:400]),
              file=sys.stderr)
        return False
    return text if "reload the page" not in text else False


def main():
    url, work, provider, login, password, clogin, cpassword = sys.argv[1:8]
    url = url.rstrip("/")
    downloads = os.path.join(work, "downloads")
    os.makedirs(downloads, exist_ok=True)
    d = browser(downloads)
    try:
        # No session: the log-in page; the portal runs no script.
        d.get(url + "/")
        check(d.current_url.endswith("/login"), "no session: " +
              d.current_url)
        check(not d.find_elements(By.TAG_NAME, "script"), "a script")

        # The coordinator makes the provider's login.
        log_in(d, url, clogin, cpassword)
        d.get(url + "/coordinator")
        d.find_element(By.ID, "new-login").send_keys(login)
        d.find_element(By.ID, "new-provider").send_keys(provider)
        d.find_element(By.XPATH, "//form[@action='/coordinator/users']"
                                 "//button").click()
        one_time = WebDriverWait(d, WAIT).until(
            lambda x: x.find_elements(By.ID, "one-time"))[0].text
        check(len(one_time) >= 10, "one-time password: " + one_time)
        log_out(d)

        # The provider's first log-in: a password of its own first.
        log_in(d, url, login, one_time)
        check(d.current_url.endswith("/password"), d.current_url)
        d.find_element(By.ID, "password").send_keys(password)
        d.find_element(By.ID, "repeat").send_keys(password)
        d.find_element(By.CSS_SELECTOR, "main form button").click()
        WebDriverWait(d, WAIT).until(lambda x: x.current_url.endswith("/"))
        check(provider in d.find_element(By.TAG_NAME, "h1").text,
              "the provider's home")

        # A file with bad rows: the errors with their line numbers.
        upload(d, url, os.path.join(work, "bad.csv"))
        text = WebDriverWait(d, WAIT).until(validated)
        rows = d.find_elements(By.CSS_SELECTOR, "#problems tbody tr")
        lines = [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows]
        check("3" in lines and "4" in lines, "bad rows by line: %s" % lines)
        check("not your provider" in text, "another provider's row")
        check("2 rejected" in d.find_element(By.ID, "counts").text,
              d.find_element(By.ID, "counts").text)

        # The corrected file.
        upload(d, url, os.path.join(work, "good.csv"))
        WebDriverWait(d, WAIT).until(validated)
        counts = d.find_element(By.ID, "counts").text
        check(" 0 rejected" in counts, "good file: " + counts)

        # An improvement action from the form: a submission of its own.
        d.get(url + "/actions")
        for name, value in (("period", "2025"), ("action_id", "a1"),
                            ("indicator_id", "LEA-01"),
                            ("action", "Weekly training, with a checklist"),
                            ("owner", "Ana"), ("due", "2026-03-01"),
                            ("status", "planned")):
            d.find_element(By.ID, "f-" + name).send_keys(value)
        d.find_element(By.CSS_SELECTOR, "main form button").click()
        # The form's 303 first: validated() reloads the page, and a reload
        # before the post has left cancels it (so it went under load).
        WebDriverWait(d, WAIT).until(lambda x: "/submissions/" in
                                     x.current_url)
        WebDriverWait(d, WAIT).until(validated)
        counts = d.find_element(By.ID, "counts").text
        check(" 0 rejected" in counts, "the action: " + counts)
        d.get(url + "/actions")
        check(len(d.find_elements(By.CSS_SELECTOR, "#actions li a")) == 1,
              "the action listed")
        log_out(d)

        # The coordinator sees the whole register (five providers sent
        # with `benchlearn submit`, this one through the portal), each with
        # its completeness, and closes the period.
        log_in(d, url, clogin, cpassword)
        d.get(url + "/coordinator?period=2025")
        table = d.find_element(By.ID, "dashboard").text
        check(provider in table, "dashboard: " + table)
        check("Sent: 6 / 6" in d.find_element(By.ID, "sent-count").text,
              d.find_element(By.ID, "sent-count").text)
        cells = [c.text for c in d.find_elements(
            By.XPATH, "//table[@id='dashboard']//tr[td[1]='%s']/td"
            % provider)]
        # bad.csv's respondent x2 (answer 9) was never sent again: its row
        # is still rejected.
        check(len(cells) == 5 and cells[1] == "Sent" and "%" in cells[2]
              and cells[3] == "1", "the provider's row: %s" % cells)
        # Sorted by a column, by a link (no JavaScript).
        d.find_element(By.CSS_SELECTOR,
                       "#dashboard th a[href$='sort=last']").click()
        check(d.find_element(By.CSS_SELECTOR, "#dashboard tbody td").text
              == provider, "the last submission first")
        d.find_element(By.XPATH,
                       "//form[@action='/coordinator/close/2025']//button"
                       ).click()
        WebDriverWait(d, WAIT).until(
            lambda x: x.find_elements(By.CSS_SELECTOR, "[role=status]"))
        log_out(d)

        # The provider's report, once rendered, in the page and as a PDF.
        log_in(d, url, login, password)

        def report_link(x):
            x.get(url + "/")
            links = x.find_elements(By.CSS_SELECTOR, "#reports a")
            return links if links else False
        links = WebDriverWait(d, WAIT).until(report_link)
        hrefs = [a.get_attribute("href") for a in links]
        html = [h for h in hrefs if h.endswith("/reports/2025/%s.html" %
                                                   provider)]
        pdf = [h for h in hrefs if h.endswith(".pdf")]
        check(html and pdf, "report links: %s" % hrefs)
        d.get(html[0])
        body = d.find_element(By.TAG_NAME, "body").text
        check(provider in body, "the report names its provider")
        d.get(url + "/")
        d.find_element(By.CSS_SELECTOR, "#reports a[href$='.pdf']").click()
        target = os.path.join(downloads, "%s-2025.pdf" % provider)

        def downloaded(_):
            return os.path.exists(target) and os.path.getsize(target) > 0
        WebDriverWait(d, WAIT).until(downloaded)
        with open(target, "rb") as f:
            check(f.read(5) == b"%PDF-", "the download is a PDF")
        # Another provider's report by URL: as if it did not exist.
        d.get(html[0].replace(provider, "NO-0002"))
        check("Not found" in d.find_element(By.TAG_NAME, "main").text,
              "another provider's report")
        d.get(url + "/")
        log_out(d)

        # The coordinator's summary, served as the close rendered it.
        log_in(d, url, clogin, cpassword)
        d.get(url + "/coordinator/summary/2025.html")
        body = d.find_element(By.TAG_NAME, "body").text
        check("2025" in body and "Not found" not in body,
              "the summary: " + body[:200])
    except Exception:
        try:  # what the browser shows, for the Criterion log
            print("web_flow: last page %s: %s" % (
                d.current_url, d.find_element(By.TAG_NAME, "body").text[:800]),
                file=sys.stderr)
        except Exception:
            pass
        raise
    finally:
        d.quit()
    print("web_flow: ok")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the reason for the Criterion log
        print("web_flow: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
