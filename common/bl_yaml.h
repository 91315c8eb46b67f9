/*
 * bl_yaml: a YAML file read into a small tree of nodes that remember where
 * they stand, for loaders that must report every error with its position.
 *
 * A document is read whole with libyaml's event API into scalars, sequences
 * and mappings; each node keeps its 1-based line and column (libyaml counts
 * from 0).  The typed readers (string, int, double, bool) and
 * bl_yaml_error() add "file:line:column: message" diagnostics to a
 * bl_diags_t.  It deliberately is not a general YAML library: one document
 * per file, no tags, no anchors or aliases (refused, so that a small file
 * cannot expand into a huge tree), and a key given twice in one mapping is
 * an error.  Mapping keys must be scalars.  Memory-only; a loaded document
 * is read-only and may be shared between threads.  Never prints.
 */
#ifndef BL_YAML_H
#define BL_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "bl_diag.h"

typedef enum bl_yaml_kind {
    BL_YAML_SCALAR = 0,
    BL_YAML_SEQUENCE,
    BL_YAML_MAPPING,
} bl_yaml_kind_t;

/* A loaded document (opaque); owns every node in it. */
typedef struct bl_yaml_doc bl_yaml_doc_t;

/* One node of a document (opaque); borrowed from its document, valid until
 * bl_yaml_free(). */
typedef struct bl_yaml_node bl_yaml_node_t;

/* Reads the YAML file at path.  Returns 0 and sets *out (the caller's; free
 * with bl_yaml_free).  On failure sets *out to NULL, adds one diagnostic to
 * diags and returns -errno when the file cannot be read (the diagnostic
 * names the file and the system's reason), or BL_ECONFIG on a syntax error
 * ("file:line:column: <libyaml's problem text>"), a second document, an
 * alias or a duplicate key.  The file name in diagnostics is path as given. */
int bl_yaml_load(bl_yaml_doc_t **out, const char *path, bl_diags_t *diags);

/* The same from a string in memory; name stands for the file name in
 * diagnostics.  len is the text's length in bytes. */
int bl_yaml_load_string(bl_yaml_doc_t **out, const char *name,
                        const char *text, size_t len, bl_diags_t *diags);

/* Frees the document and sets *doc to NULL; accepts NULL and *doc NULL. */
void bl_yaml_free(bl_yaml_doc_t **doc);

/* The path (or name) the document was loaded from. */
const char *bl_yaml_path(const bl_yaml_doc_t *doc);

/* The root node, or NULL when the file holds no document (empty or only
 * comments). */
const bl_yaml_node_t *bl_yaml_root(const bl_yaml_doc_t *doc);

/* The node's kind, 1-based line and column of its first character. */
bl_yaml_kind_t bl_yaml_kind(const bl_yaml_node_t *node);
size_t bl_yaml_line(const bl_yaml_node_t *node);
size_t bl_yaml_column(const bl_yaml_node_t *node);

/* "scalar", "sequence", "mapping": for messages. */
const char *bl_yaml_kind_name(bl_yaml_kind_t kind);

/* A scalar's text (NUL-terminated, may be ""); NULL for other kinds. */
const char *bl_yaml_scalar(const bl_yaml_node_t *node);

/* True for a scalar written with quotes ('x' or "x") or as a block (| >). */
bool bl_yaml_is_quoted(const bl_yaml_node_t *node);

/* True for a plain scalar that YAML reads as null: "", "~", "null",
 * "Null", "NULL".  A node is never NULL for a present key: `key:` with
 * nothing after it is a null scalar. */
bool bl_yaml_is_null(const bl_yaml_node_t *node);

/* Items of a sequence, pairs of a mapping; 0 for a scalar. */
size_t bl_yaml_size(const bl_yaml_node_t *node);

/* Item i of a sequence, or NULL when out of range or not a sequence. */
const bl_yaml_node_t *bl_yaml_item(const bl_yaml_node_t *node, size_t i);

/* Key / value of pair i of a mapping (in file order), or NULL.  Keys are
 * always scalars. */
const bl_yaml_node_t *bl_yaml_pair_key(const bl_yaml_node_t *node, size_t i);
const bl_yaml_node_t *bl_yaml_pair_value(const bl_yaml_node_t *node,
                                         size_t i);

/* The value under key in a mapping, or NULL when absent or node is not a
 * mapping. */
const bl_yaml_node_t *bl_yaml_map_get(const bl_yaml_node_t *node,
                                      const char *key);

/* Adds "file:line:column: message" at node's position (line and column 0
 * when node is NULL).  The message is lower case, no trailing period. */
void bl_yaml_error(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                   bl_diags_t *diags, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Typed readers.  Each returns 0 and sets *out, or adds one diagnostic at
 * node's position naming `what` (e.g. "min_peers") and returns BL_ECONFIG,
 * leaving *out as it was.
 * - string: any non-null scalar (a plain 12 reads as "12"); *out borrows the
 *   node's text.
 * - int: a plain decimal integer within [INT_MIN, INT_MAX] (sign allowed).
 * - double: a plain finite decimal number ("12", "-3.5", "1e3"); no hex,
 *   inf or nan.
 * - bool: a plain true/false/yes/no (any case). */
int bl_yaml_get_string(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                       const char *what, const char **out, bl_diags_t *diags);
int bl_yaml_get_int(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                    const char *what, int *out, bl_diags_t *diags);
int bl_yaml_get_double(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                       const char *what, double *out, bl_diags_t *diags);
int bl_yaml_get_bool(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                     const char *what, bool *out, bl_diags_t *diags);

/* Checks that every key of mapping node is one of the NULL-terminated list
 * allowed; adds "unknown key 'k' in <where>" at each other key's position.
 * Returns the number of unknown keys (0 when node is not a mapping). */
size_t bl_yaml_check_keys(const bl_yaml_doc_t *doc, const bl_yaml_node_t *node,
                          const char *where, const char *const *allowed,
                          bl_diags_t *diags);

#endif
