/*
 * bl_yaml: libyaml's event stream folded into a positioned node tree, and
 * typed readers that turn a wrong type into a positioned diagnostic.
 *
 * Not a general YAML library: no aliases (refused, so that a small file can
 * never expand into a huge tree), no tags, one document per file, nesting
 * bounded by BL_YAML_DEPTH_MAX.
 */
#include "bl_yaml.h"

#include "bl_vec.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "bl_error.h"

/* Deeper nesting is refused: the tree is freed recursively. */
#define BL_YAML_DEPTH_MAX 64

struct bl_yaml_node {
    bl_yaml_kind_t kind;
    size_t line;                 /* 1-based */
    size_t column;               /* 1-based */
    char *text;                  /* scalar only, NUL-terminated */
    bool quoted;                 /* scalar not in plain style */
    size_t n;                    /* children; a mapping holds key, value, ... */
    size_t cap;
    struct bl_yaml_node **kids;
};

struct bl_yaml_doc {
    char *path;
    bl_yaml_node_t *root;        /* NULL for an empty file */
};

static void s_node_free(bl_yaml_node_t *node)
{
    if (node == NULL) {
        return;
    }
    for (size_t i = 0; i < node->n; i++) {
        s_node_free(node->kids[i]);
    }
    free(node->kids);
    free(node->text);
    free(node);
}

static bl_yaml_node_t *s_node_new(bl_yaml_kind_t kind, const yaml_mark_t *m)
{
    bl_yaml_node_t *node = calloc(1, sizeof *node);
    if (node == NULL) {
        return NULL;
    }
    node->kind = kind;
    node->line = m->line + 1;
    node->column = m->column + 1;
    return node;
}

static int s_node_append(bl_yaml_node_t *parent, bl_yaml_node_t *kid)
{
    if (BL_GROW(parent->kids, parent->cap, parent->n + 1) != 0) {
        return BL_ENOMEM;
    }
    parent->kids[parent->n++] = kid;
    return 0;
}

/* The state of one parse: the open collections and the first fatal error. */
typedef struct s_builder {
    const char *name;
    bl_diags_t *diags;
    bl_yaml_node_t *root;
    bl_yaml_node_t *stack[BL_YAML_DEPTH_MAX];
    size_t depth;
    size_t n_documents;
    int rc;                      /* first error, 0 while all is well */
    bool stop;                   /* an error after which parsing ends */
    FILE *fp;                    /* the source: a file ... */
    const char *text;            /* ... or a string of len bytes */
    size_t len;
} s_builder_t;

/* Records an error.  S_GO_ON marks one after which parsing goes
 * on (a duplicate key), so that every such error is found at once. */
#define S_GO_ON 1

static void s_fail(s_builder_t *b, int rc, size_t line, size_t col,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void s_fail(s_builder_t *b, int rc, size_t line, size_t col,
                   const char *fmt, ...)
{
    if (rc == S_GO_ON) {
        rc = BL_ECONFIG;
    } else {
        b->stop = true;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bl_diags_add(b->diags, b->name, line, col, "%s", msg);
    if (b->rc == 0) {
        b->rc = rc;
    }
}

/* Attaches a new node to the open collection (or makes it the root).  A
 * mapping's keys must be scalars and unique; a duplicate is reported but the
 * parse goes on so that every duplicate is found. */
static int s_attach(s_builder_t *b, bl_yaml_node_t *node)
{
    if (b->depth == 0) {
        if (b->root != NULL) {
            s_fail(b, BL_ECONFIG, node->line, node->column,
                   "more than one root node");
            s_node_free(node);
            return BL_ECONFIG;
        }
        b->root = node;
        return 0;
    }
    bl_yaml_node_t *parent = b->stack[b->depth - 1];
    if (parent->kind == BL_YAML_MAPPING && parent->n % 2 == 0) {
        if (node->kind != BL_YAML_SCALAR) {
            s_fail(b, S_GO_ON, node->line, node->column,
                   "a mapping key must be a scalar, not a %s",
                   bl_yaml_kind_name(node->kind));
        } else {
            for (size_t i = 0; i < parent->n; i += 2) {
                const bl_yaml_node_t *k = parent->kids[i];
                if (k->kind == BL_YAML_SCALAR
                    && strcmp(k->text, node->text) == 0) {
                    s_fail(b, S_GO_ON, node->line, node->column,
                           "duplicate key '%s' (first at line %zu)",
                           node->text, k->line);
                    break;
                }
            }
        }
    }
    int rc = s_node_append(parent, node);
    if (rc != 0) {
        s_node_free(node);
        s_fail(b, rc, 0, 0, "out of memory");
    }
    return rc;
}

static int s_open(s_builder_t *b, bl_yaml_kind_t kind, const yaml_mark_t *m)
{
    if (b->depth == BL_YAML_DEPTH_MAX) {
        s_fail(b, BL_ECONFIG, m->line + 1, m->column + 1,
               "nesting deeper than %d levels", BL_YAML_DEPTH_MAX);
        return BL_ECONFIG;
    }
    bl_yaml_node_t *node = s_node_new(kind, m);
    if (node == NULL) {
        s_fail(b, BL_ENOMEM, 0, 0, "out of memory");
        return BL_ENOMEM;
    }
    int rc = s_attach(b, node);
    if (rc != 0) {
        return rc;
    }
    b->stack[b->depth++] = node;
    return 0;
}

static int s_scalar(s_builder_t *b, const yaml_event_t *ev)
{
    bl_yaml_node_t *node = s_node_new(BL_YAML_SCALAR, &ev->start_mark);
    if (node == NULL) {
        s_fail(b, BL_ENOMEM, 0, 0, "out of memory");
        return BL_ENOMEM;
    }
    size_t len = ev->data.scalar.length;
    node->text = malloc(len + 1);
    if (node->text == NULL) {
        free(node);
        s_fail(b, BL_ENOMEM, 0, 0, "out of memory");
        return BL_ENOMEM;
    }
    memcpy(node->text, ev->data.scalar.value, len);
    node->text[len] = '\0';
    if (strlen(node->text) != len) {
        s_fail(b, S_GO_ON, node->line, node->column,
               "a scalar holds a NUL character");
    }
    node->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    return s_attach(b, node);
}

/* Line and column (1-based, column in bytes) of a byte offset in the
 * source, for the reader's errors, which come with an offset only. */
static void s_offset_position(s_builder_t *b, size_t offset, size_t *line,
                              size_t *col)
{
    *line = 1;
    *col = 1;
    if (b->fp != NULL && fseek(b->fp, 0, SEEK_SET) != 0) {
        *line = 0;
        *col = 0;
        return;
    }
    for (size_t i = 0; i < offset; i++) {
        int ch = EOF;
        if (b->fp != NULL) {
            ch = fgetc(b->fp);
        } else if (i < b->len) {
            ch = (unsigned char)b->text[i];
        }
        if (ch == EOF) {
            break;
        }
        if (ch == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Reports libyaml's own error: its problem text at its position. */
static void s_parser_error(s_builder_t *b, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "syntax error";
    size_t line = p->problem_mark.line + 1;
    size_t col = p->problem_mark.column + 1;
    if (p->error == YAML_READER_ERROR) {
        s_offset_position(b, p->problem_offset, &line, &col);
    }
    if (p->context != NULL) {
        s_fail(b, BL_ECONFIG, line, col, "%s (%s at line %zu)", problem,
               p->context, p->context_mark.line + 1);
    } else {
        s_fail(b, BL_ECONFIG, line, col, "%s", problem);
    }
}

/* Runs the event loop.  Stops at the first libyaml error or structural
 * error; duplicate keys are collected and stop nothing. */
static void s_build(s_builder_t *b, yaml_parser_t *p)
{
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(p, &ev)) {
            s_parser_error(b, p);
            return;
        }
        bool done = false;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++b->n_documents > 1) {
                s_fail(b, BL_ECONFIG, ev.start_mark.line + 1,
                       ev.start_mark.column + 1,
                       "more than one document in the file");
            }
            break;
        case YAML_ALIAS_EVENT:
            s_fail(b, BL_ECONFIG, ev.start_mark.line + 1,
                   ev.start_mark.column + 1, "aliases are not supported");
            break;
        case YAML_SCALAR_EVENT:
            s_scalar(b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            s_open(b, BL_YAML_SEQUENCE, &ev.start_mark);
            break;
        case YAML_MAPPING_START_EVENT:
            s_open(b, BL_YAML_MAPPING, &ev.start_mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (b->depth > 0) {
                b->depth--;
            }
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (done || b->stop) {
            return;
        }
    }
}

static int s_finish(bl_yaml_doc_t **out, const char *name, s_builder_t *b)
{
    if (b->rc != 0) {
        s_node_free(b->root);
        return b->rc;
    }
    bl_yaml_doc_t *doc = calloc(1, sizeof *doc);
    char *path = strdup(name);
    if (doc == NULL || path == NULL) {
        free(doc);
        free(path);
        s_node_free(b->root);
        bl_diags_add(b->diags, name, 0, 0, "out of memory");
        return BL_ENOMEM;
    }
    doc->path = path;
    doc->root = b->root;
    *out = doc;
    return 0;
}

int bl_yaml_load(bl_yaml_doc_t **out, const char *path, bl_diags_t *diags)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        int rc = -errno;
        bl_diags_add(diags, path, 0, 0, "cannot open: %s", strerror(errno));
        return rc;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        bl_diags_add(diags, path, 0, 0, "out of memory");
        return BL_ENOMEM;
    }
    yaml_parser_set_input_file(&parser, fp);
    s_builder_t b = {.name = path, .diags = diags, .fp = fp};
    s_build(&b, &parser);
    bool read_failed = ferror(fp) != 0;
    yaml_parser_delete(&parser);
    fclose(fp);
    if (read_failed && b.rc == 0) {
        bl_diags_add(diags, path, 0, 0, "read error");
        s_node_free(b.root);
        return -EIO;
    }
    return s_finish(out, path, &b);
}

int bl_yaml_load_string(bl_yaml_doc_t **out, const char *name,
                        const char *text, size_t len, bl_diags_t *diags)
{
    *out = NULL;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        bl_diags_add(diags, name, 0, 0, "out of memory");
        return BL_ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    s_builder_t b = {.name = name, .diags = diags, .text = text,
                     .len = len};
    s_build(&b, &parser);
    yaml_parser_delete(&parser);
    return s_finish(out, name, &b);
}

void bl_yaml_free(bl_yaml_doc_t **doc)
{
    if (doc == NULL || *doc == NULL) {
        return;
    }
    s_node_free((*doc)->root);
    free((*doc)->path);
    free(*doc);
    *doc = NULL;
}

const char *bl_yaml_path(const bl_yaml_doc_t *doc)
{
    return doc->path;
}

const bl_yaml_node_t *bl_yaml_root(const bl_yaml_doc_t *doc)
{
    return doc->root;
}

bl_yaml_kind_t bl_yaml_kind(const bl_yaml_node_t *node)
{
    return node->kind;
}

size_t bl_yaml_line(const bl_yaml_node_t *node)
{
    return node->line;
}

size_t bl_yaml_column(const bl_yaml_node_t *node)
{
    return node->column;
}

const char *bl_yaml_kind_name(bl_yaml_kind_t kind)
{
    switch (kind) {
    case BL_YAML_SCALAR:
        return "scalar";
    case BL_YAML_SEQUENCE:
        return "sequence";
    case BL_YAML_MAPPING:
        return "mapping";
    }
    return "node";
}

const char *bl_yaml_scalar(const bl_yaml_node_t *node)
{
    return node->kind == BL_YAML_SCALAR ? node->text : NULL;
}

bool bl_yaml_is_quoted(const bl_yaml_node_t *node)
{
    return node->kind == BL_YAML_SCALAR && node->quoted;
}

bool bl_yaml_is_null(const bl_yaml_node_t *node)
{
    if (node->kind != BL_YAML_SCALAR || node->quoted) {
        return false;
    }
    const char *t = node->text;
    return t[0] == '\0' || strcmp(t, "~") == 0 || strcmp(t, "null") == 0
           || strcmp(t, "Null") == 0 || strcmp(t, "NULL") == 0;
}

size_t bl_yaml_size(const bl_yaml_node_t *node)
{
    switch (node->kind) {
    case BL_YAML_SEQUENCE:
        return node->n;
    case BL_YAML_MAPPING:
        return node->n / 2;
    default:
        return 0;
    }
}

const bl_yaml_node_t *bl_yaml_item(const bl_yaml_node_t *node, size_t i)
{
    if (node->kind != BL_YAML_SEQUENCE || i >= node->n) {
        return NULL;
    }
    return node->kids[i];
}

const bl_yaml_node_t *bl_yaml_pair_key(const bl_yaml_node_t *node, size_t i)
{
    if (node->kind != BL_YAML_MAPPING || i >= node->n / 2) {
        return NULL;
    }
    return node->kids[2 * i];
}

const bl_yaml_node_t *bl_yaml_pair_value(const bl_yaml_node_t *node,
                                         size_t i)
{
    if (node->kind != BL_YAML_MAPPING || i >= node->n / 2) {
        return NULL;
    }
    return node->kids[2 * i + 1];
}

const bl_yaml_node_t *bl_yaml_map_get(const bl_yaml_node_t *node,
                                      const char *key)
{
    if (node == NULL || node->kind != BL_YAML_MAPPING) {
        return NULL;
    }
    for (size_t i = 0; i + 1 < node->n; i += 2) {
        const bl_yaml_node_t *k = node->kids[i];
        if (k->kind == BL_YAML_SCALAR && strcmp(k->text, key) == 0) {
            return node->kids[i + 1];
        }
    }
    return NULL;
}

void bl_yaml_error(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                   bl_diags_t *diags, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bl_diags_add(diags, doc->path, node ? node->line : 0,
                 node ? node->column : 0, "%s", msg);
}

/* Shared check of the typed readers: a non-null plain scalar. */
static int s_need_plain(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                        const char *what, const char *type,
                        bl_diags_t *diags)
{
    if (node->kind != BL_YAML_SCALAR) {
        bl_yaml_error(doc, node, diags, "%s: expected %s, got a %s", what,
                      type, bl_yaml_kind_name(node->kind));
        return BL_ECONFIG;
    }
    if (bl_yaml_is_null(node)) {
        bl_yaml_error(doc, node, diags, "%s: missing value, expected %s",
                      what, type);
        return BL_ECONFIG;
    }
    if (node->quoted) {
        bl_yaml_error(doc, node, diags,
                      "%s: expected %s, got the quoted string '%s'", what,
                      type, node->text);
        return BL_ECONFIG;
    }
    return 0;
}

int bl_yaml_get_string(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                       const char *what, const char **out, bl_diags_t *diags)
{
    if (node->kind != BL_YAML_SCALAR) {
        bl_yaml_error(doc, node, diags, "%s: expected a string, got a %s",
                      what, bl_yaml_kind_name(node->kind));
        return BL_ECONFIG;
    }
    if (bl_yaml_is_null(node)) {
        bl_yaml_error(doc, node, diags, "%s: missing value, expected a string",
                      what);
        return BL_ECONFIG;
    }
    *out = node->text;
    return 0;
}

int bl_yaml_get_int(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                    const char *what, int *out, bl_diags_t *diags)
{
    int rc = s_need_plain(doc, node, what, "an integer", diags);
    if (rc != 0) {
        return rc;
    }
    const char *t = node->text;
    const char *digits = (t[0] == '+' || t[0] == '-') ? t + 1 : t;
    bool ok = isdigit((unsigned char)digits[0]) != 0;
    for (const char *c = digits; ok && *c != '\0'; c++) {
        ok = isdigit((unsigned char)*c) != 0;
    }
    if (!ok) {
        bl_yaml_error(doc, node, diags, "%s: '%s' is not an integer", what, t);
        return BL_ECONFIG;
    }
    errno = 0;
    long v = strtol(t, NULL, 10);
    if (errno == ERANGE || v < INT_MIN || v > INT_MAX) {
        bl_yaml_error(doc, node, diags, "%s: %s is out of range", what, t);
        return BL_ECONFIG;
    }
    *out = (int)v;
    return 0;
}

int bl_yaml_get_double(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                       const char *what, double *out, bl_diags_t *diags)
{
    int rc = s_need_plain(doc, node, what, "a number", diags);
    if (rc != 0) {
        return rc;
    }
    /* strtod also reads hex, inf and nan: allow only a decimal's characters
     * and require a digit. */
    const char *t = node->text;
    bool digit = false;
    bool ok = true;
    for (const char *c = t; *c != '\0'; c++) {
        if (isdigit((unsigned char)*c)) {
            digit = true;
        } else if (strchr("+-.eE", *c) == NULL) {
            ok = false;
        }
    }
    char *end = NULL;
    errno = 0;
    double v = ok && digit ? strtod(t, &end) : 0.0;
    if (!ok || !digit || end == NULL || *end != '\0') {
        bl_yaml_error(doc, node, diags, "%s: '%s' is not a number", what, t);
        return BL_ECONFIG;
    }
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0)) {
        bl_yaml_error(doc, node, diags, "%s: %s is out of range", what, t);
        return BL_ECONFIG;
    }
    *out = v;
    return 0;
}

int bl_yaml_get_bool(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                     const char *what, bool *out, bl_diags_t *diags)
{
    int rc = s_need_plain(doc, node, what, "true or false", diags);
    if (rc != 0) {
        return rc;
    }
    const char *t = node->text;
    if (strcasecmp(t, "true") == 0 || strcasecmp(t, "yes") == 0) {
        *out = true;
        return 0;
    }
    if (strcasecmp(t, "false") == 0 || strcasecmp(t, "no") == 0) {
        *out = false;
        return 0;
    }
    bl_yaml_error(doc, node, diags, "%s: expected true or false, got '%s'",
                  what, t);
    return BL_ECONFIG;
}

size_t bl_yaml_check_keys(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                          const char *where, const char *const *allowed,
                          bl_diags_t *diags)
{
    if (node == NULL || node->kind != BL_YAML_MAPPING) {
        return 0;
    }
    size_t unknown = 0;
    for (size_t i = 0; i + 1 < node->n; i += 2) {
        const bl_yaml_node_t *k = node->kids[i];
        if (k->kind != BL_YAML_SCALAR) {
            continue;
        }
        bool known = false;
        for (size_t j = 0; allowed[j] != NULL && !known; j++) {
            known = strcmp(allowed[j], k->text) == 0;
        }
        if (!known) {
            bl_yaml_error(doc, k, diags, "unknown key '%s' in %s", k->text,
                          where);
            unknown++;
        }
    }
    return unknown;
}
