/*
 * report_pdfjob: a provider's PDF written by a thread of its own (see
 * report_pdfjob.h).  The thread calls report_pdf_write and nothing else;
 * everything before and after runs on the loop's thread.
 */
#include "report_pdfjob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "report_pdf.h"

static void *s_pdf_main(void *arg)
{
    report_pdfjob_t *pdf = arg;
    pdf->rc = report_pdf_write(pdf->path, pdf->p, pdf->m, &pdf->err);
    atomic_store(&pdf->done, true);
    zmq_send(pdf->kick, "", 0, ZMQ_DONTWAIT);   /* a wake-up; may be lost */
    return NULL;
}

int report_pdfjob_copy(const char *src, const char *dst, bl_err_t *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return bl_err_set(err, -errno, "cannot read '%s': %s", src,
                          strerror(errno));
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        int rc = bl_err_set(err, -errno, "cannot write '%s': %s", dst,
                            strerror(errno));
        close(in);
        return rc;
    }
    char buf[16384];
    int rc = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = bl_err_set(err, -errno, "cannot read '%s': %s", src,
                            strerror(errno));
            break;
        }
        if (n == 0) {
            break;
        }
        for (ssize_t off = 0; off < n && rc == 0;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w < 0) {
                rc = bl_err_set(err, -errno, "cannot write '%s': %s", dst,
                                strerror(errno));
            } else {
                off += w;
            }
        }
        if (rc != 0) {
            break;
        }
    }
    close(in);
    if (close(out) != 0 && rc == 0) {
        rc = bl_err_set(err, BL_EIO, "cannot write '%s'", dst);
    }
    return rc;
}

int report_pdfjob_start(report_pdfjob_t *pdf, report_provider_t **p,
                        const report_i18n_t *m, const char *dir,
                        const char *copy_to, bl_err_t *err)
{
    pdf->p = *p;
    pdf->m = m;
    pdf->rc = 0;
    bl_err_clear(&pdf->err);
    atomic_store(&pdf->done, false);
    snprintf(pdf->path, sizeof pdf->path, "%s/%s.pdf", dir,
             (*p)->provider_id);
    pdf->copy_to[0] = '\0';
    if (copy_to != NULL) {
        snprintf(pdf->copy_to, sizeof pdf->copy_to, "%s/%s.pdf", copy_to,
                 (*p)->provider_id);
    }
    snprintf(pdf->id, sizeof pdf->id, "%s", (*p)->provider_id);
    int rc = pthread_create(&pdf->thread, NULL, s_pdf_main, pdf);
    if (rc != 0) {
        pdf->p = NULL;
        return bl_err_set(err, -rc, "cannot start a thread: %s",
                          strerror(rc));
    }
    pdf->running = true;
    *p = NULL;
    return 0;
}

int report_pdfjob_join(report_pdfjob_t *pdf)
{
    pthread_join(pdf->thread, NULL);
    pdf->running = false;
    report_provider_destroy(&pdf->p);
    if (pdf->rc == 0 && pdf->copy_to[0] != '\0') {
        pdf->rc = report_pdfjob_copy(pdf->path, pdf->copy_to, &pdf->err);
    }
    return pdf->rc;
}

void report_pdfjob_abandon(report_pdfjob_t *pdf)
{
    if (pdf->running) {
        pthread_join(pdf->thread, NULL);
        pdf->running = false;
        report_provider_destroy(&pdf->p);
    }
}
