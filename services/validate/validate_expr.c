/*
 * validate_expr: a recursive-descent compiler from a rule's expression text
 * to postfix code, and a stack machine that evaluates it.  The grammar and
 * the contract are in validate_expr.h.  Not a general expression language:
 * no functions, no comparisons inside an expression, no variables but the
 * provider's own figures.
 */
#include "validate_expr.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every operand takes at least one character and two operands need an
 * operator between them, so the text bound also bounds the number of
 * operands, and with it the evaluation stack and the figure list. */
#define S_OPERANDS_MAX (VALIDATE_EXPR_TEXT_MAX / 2 + 1)

typedef enum s_op_kind {
    S_OP_NUM = 0,  /* push num */
    S_OP_REF,      /* push the figure refs[ref] */
    S_OP_NEG,
    S_OP_ADD,
    S_OP_SUB,
    S_OP_MUL,
    S_OP_DIV,
} s_op_kind_t;

typedef struct s_op {
    s_op_kind_t kind;
    double num;   /* S_OP_NUM only */
    size_t ref;   /* S_OP_REF only: index into refs */
} s_op_t;

/* A stored figure: the public view plus the strings it borrows from. */
typedef struct s_ref {
    validate_expr_ref_t pub;
    char *indicator_id;  /* owned; NULL for a register field */
    char *field;         /* owned */
} s_ref_t;

struct validate_expr {
    s_op_t *ops;      /* postfix code, n_ops entries */
    size_t n_ops;
    size_t cap_ops;
    s_ref_t *refs;    /* distinct figures in order of first use */
    size_t n_refs;
    size_t cap_refs;
    size_t max_stack; /* evaluation stack needed, in values */
};

typedef enum s_tok_kind {
    S_TOK_END = 0,
    S_TOK_NUM,
    S_TOK_REF,    /* indicator reference: ind_* and field_* set */
    S_TOK_NAME,   /* bare name: field_* set */
    S_TOK_PLUS,
    S_TOK_MINUS,
    S_TOK_STAR,
    S_TOK_SLASH,
    S_TOK_LPAREN,
    S_TOK_RPAREN,
} s_tok_kind_t;

typedef struct s_tok {
    s_tok_kind_t kind;
    size_t start;      /* byte offset of the token's first character */
    size_t len;        /* bytes */
    double num;
    size_t ind_start, ind_len;      /* S_TOK_REF */
    size_t field_start, field_len;  /* S_TOK_REF, S_TOK_NAME */
} s_tok_t;

typedef struct s_parser {
    const char *text;
    size_t len;
    size_t pos;        /* next byte to lex */
    s_tok_t tok;       /* current token */
    size_t depth;      /* parenthesis nesting */
    size_t stack;      /* evaluation stack depth at this point of the code */
    validate_expr_t *expr;
    int rc;            /* first error, 0 while none */
    size_t column;     /* its 1-based column */
    bl_err_t *err;
} s_parser_t;

static const char *const s_indicator_fields[] = {
    "numerator", "denominator", "value"};
static const char *const s_register_fields[] = {"users", "staff"};

static int s_fail(s_parser_t *p, int rc, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int s_fail(s_parser_t *p, int rc, size_t offset, const char *fmt, ...)
{
    if (p->rc != 0) {
        return p->rc;  /* keep the first error: later ones are echoes */
    }
    p->rc = rc;
    p->column = rc == BL_ENOMEM ? 0 : offset + 1;
    if (p->err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        p->err->code = rc;
        vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static bool s_is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool s_is_word_start(char c)
{
    return (c >= 'a' && c <= 'z') || s_is_upper(c) || c == '_';
}

static bool s_is_word(char c)
{
    return s_is_word_start(c) || s_is_digit(c);
}

static bool s_slice_in(const char *s, size_t len, const char *const *set,
                       size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(set[i]) == len && memcmp(set[i], s, len) == 0) {
            return true;
        }
    }
    return false;
}

/* Quotes at most 24 bytes of the slice for a message. */
static void s_quote(char *buf, size_t size, const char *s, size_t len)
{
    const size_t show_max = 24;
    if (len > show_max) {
        snprintf(buf, size, "'%.*s...'", (int)show_max, s);
    } else {
        snprintf(buf, size, "'%.*s'", (int)len, s);
    }
}

/* Lexes a number [0-9]+ ('.' [0-9]+)? starting at p->pos. */
static int s_lex_number(s_parser_t *p, s_tok_t *t)
{
    const char *s = p->text;
    size_t i = p->pos;
    while (i < p->len && s_is_digit(s[i])) {
        i++;
    }
    if (i < p->len && s[i] == '.') {
        if (i + 1 >= p->len || !s_is_digit(s[i + 1])) {
            return s_fail(p, BL_EINVAL, i + 1, "expected a digit after '.'");
        }
        i++;
        while (i < p->len && s_is_digit(s[i])) {
            i++;
        }
    }
    /* The slice holds only digits and one '.', so strtod (in the C locale
     * every daemon runs in) reads exactly it; copy to stop it at the end. */
    size_t n = i - p->pos;
    char *copy = malloc(n + 1);
    if (copy == NULL) {
        return s_fail(p, BL_ENOMEM, p->pos, "out of memory");
    }
    memcpy(copy, s + p->pos, n);
    copy[n] = '\0';
    double v = strtod(copy, NULL);
    free(copy);
    if (!isfinite(v)) {
        return s_fail(p, BL_EINVAL, p->pos, "number out of range");
    }
    t->kind = S_TOK_NUM;
    t->num = v;
    t->len = n;
    p->pos = i;
    return 0;
}

/* Lexes a word: a register field name, or an indicator id with its field. */
static int s_lex_word(s_parser_t *p, s_tok_t *t)
{
    const char *s = p->text;
    size_t i = p->pos;
    while (i < p->len && s_is_word(s[i])) {
        i++;
    }
    size_t word_len = i - p->pos;
    bool id_letters = word_len >= 2 && word_len <= 4;
    for (size_t k = p->pos; id_letters && k < i; k++) {
        id_letters = s_is_upper(s[k]);
    }
    if (!(id_letters && i + 1 < p->len && s[i] == '-'
          && s_is_digit(s[i + 1]))) {
        t->kind = S_TOK_NAME;
        t->field_start = p->pos;
        t->field_len = word_len;
        t->len = word_len;
        p->pos = i;
        if (!s_slice_in(s + t->start, word_len, s_register_fields,
                        sizeof s_register_fields
                            / sizeof s_register_fields[0])) {
            char q[40];
            s_quote(q, sizeof q, s + t->start, word_len);
            return s_fail(p, BL_EINVAL, t->start, "unknown field %s", q);
        }
        return 0;
    }
    /* An indicator id: LETTERS '-' digits ('.' digits)? */
    i++;
    while (i < p->len && s_is_digit(s[i])) {
        i++;
    }
    if (i + 1 < p->len && s[i] == '.' && s_is_digit(s[i + 1])) {
        i++;
        while (i < p->len && s_is_digit(s[i])) {
            i++;
        }
    }
    t->ind_start = p->pos;
    t->ind_len = i - p->pos;
    if (i < p->len && s_is_word(s[i])) {
        char q[40];
        s_quote(q, sizeof q, s + i, 1);
        return s_fail(p, BL_EINVAL, i, "unexpected %s in indicator id", q);
    }
    if (!(i + 1 < p->len && s[i] == '.' && s_is_word_start(s[i + 1]))) {
        char q[40];
        s_quote(q, sizeof q, s + t->ind_start, t->ind_len);
        return s_fail(p, BL_EINVAL, i,
                      "expected '.numerator', '.denominator' or '.value' "
                      "after %s",
                      q);
    }
    i++;
    size_t field_start = i;
    while (i < p->len && s_is_word(s[i])) {
        i++;
    }
    t->kind = S_TOK_REF;
    t->field_start = field_start;
    t->field_len = i - field_start;
    t->len = i - p->pos;
    p->pos = i;
    if (!s_slice_in(s + field_start, t->field_len, s_indicator_fields,
                    sizeof s_indicator_fields
                        / sizeof s_indicator_fields[0])) {
        char q[40];
        s_quote(q, sizeof q, s + field_start, t->field_len);
        return s_fail(p, BL_EINVAL, field_start, "unknown field %s", q);
    }
    return 0;
}

/* Reads the next token into p->tok.  Returns 0 or the error code. */
static int s_next(s_parser_t *p)
{
    const char *s = p->text;
    while (p->pos < p->len && (s[p->pos] == ' ' || s[p->pos] == '\t')) {
        p->pos++;
    }
    s_tok_t t = {.kind = S_TOK_END, .start = p->pos};
    if (p->pos >= p->len) {
        p->tok = t;
        return 0;
    }
    char c = s[p->pos];
    int rc = 0;
    if (s_is_digit(c)) {
        rc = s_lex_number(p, &t);
    } else if (s_is_word_start(c)) {
        rc = s_lex_word(p, &t);
    } else {
        switch (c) {
        case '+': t.kind = S_TOK_PLUS; break;
        case '-': t.kind = S_TOK_MINUS; break;
        case '*': t.kind = S_TOK_STAR; break;
        case '/': t.kind = S_TOK_SLASH; break;
        case '(': t.kind = S_TOK_LPAREN; break;
        case ')': t.kind = S_TOK_RPAREN; break;
        default:
            if (isprint((unsigned char)c)) {
                return s_fail(p, BL_EINVAL, p->pos, "unexpected '%c'", c);
            }
            return s_fail(p, BL_EINVAL, p->pos, "unexpected byte 0x%02x",
                          (unsigned)(unsigned char)c);
        }
        t.len = 1;
        p->pos++;
    }
    if (rc == 0) {
        p->tok = t;
    }
    return rc;
}

/* Fails with "unexpected <current token>". */
static int s_unexpected(s_parser_t *p)
{
    const s_tok_t *t = &p->tok;
    if (t->kind == S_TOK_END) {
        return s_fail(p, BL_EINVAL, t->start,
                      "unexpected end of expression");
    }
    char q[40];
    s_quote(q, sizeof q, p->text + t->start, t->len);
    return s_fail(p, BL_EINVAL, t->start, "unexpected %s", q);
}

static int s_emit(s_parser_t *p, s_op_t op)
{
    validate_expr_t *e = p->expr;
    if (e->n_ops == e->cap_ops) {
        size_t cap = e->cap_ops == 0 ? 16 : e->cap_ops * 2;
        s_op_t *grown = realloc(e->ops, cap * sizeof *grown);
        if (grown == NULL) {
            return s_fail(p, BL_ENOMEM, 0, "out of memory");
        }
        e->ops = grown;
        e->cap_ops = cap;
    }
    e->ops[e->n_ops++] = op;
    switch (op.kind) {
    case S_OP_NUM:
    case S_OP_REF:
        p->stack++;
        if (p->stack > e->max_stack) {
            e->max_stack = p->stack;
        }
        break;
    case S_OP_NEG:
        break;
    default:
        p->stack--;  /* two operands in, one out */
        break;
    }
    return 0;
}

/* Finds or adds the figure (indicator slice, field slice); sets *index. */
static int s_add_ref(s_parser_t *p, const s_tok_t *t, size_t *index)
{
    validate_expr_t *e = p->expr;
    const char *s = p->text;
    bool is_ind = t->kind == S_TOK_REF;
    for (size_t i = 0; i < e->n_refs; i++) {
        const s_ref_t *r = &e->refs[i];
        bool same_ind = is_ind
            ? (r->indicator_id != NULL
               && strlen(r->indicator_id) == t->ind_len
               && memcmp(r->indicator_id, s + t->ind_start, t->ind_len) == 0)
            : r->indicator_id == NULL;
        if (same_ind && strlen(r->field) == t->field_len
            && memcmp(r->field, s + t->field_start, t->field_len) == 0) {
            *index = i;
            return 0;
        }
    }
    if (e->n_refs == e->cap_refs) {
        size_t cap = e->cap_refs == 0 ? 4 : e->cap_refs * 2;
        s_ref_t *grown = realloc(e->refs, cap * sizeof *grown);
        if (grown == NULL) {
            return s_fail(p, BL_ENOMEM, 0, "out of memory");
        }
        e->refs = grown;
        e->cap_refs = cap;
    }
    s_ref_t *r = &e->refs[e->n_refs];
    r->indicator_id = NULL;
    r->field = strndup(s + t->field_start, t->field_len);
    if (is_ind) {
        r->indicator_id = strndup(s + t->ind_start, t->ind_len);
    }
    if (r->field == NULL || (is_ind && r->indicator_id == NULL)) {
        free(r->field);
        free(r->indicator_id);
        return s_fail(p, BL_ENOMEM, 0, "out of memory");
    }
    r->pub.indicator_id = r->indicator_id;
    r->pub.field = r->field;
    r->pub.column = t->start + 1;
    *index = e->n_refs++;
    return 0;
}

static int s_expr(s_parser_t *p);

/* primary := number | reference | field | '(' expr ')' */
static int s_primary(s_parser_t *p)
{
    s_tok_t t = p->tok;
    switch (t.kind) {
    case S_TOK_NUM:
        if (s_emit(p, (s_op_t){.kind = S_OP_NUM, .num = t.num}) != 0) {
            return p->rc;
        }
        return s_next(p);
    case S_TOK_REF:
    case S_TOK_NAME: {
        size_t index = 0;
        if (s_add_ref(p, &t, &index) != 0
            || s_emit(p, (s_op_t){.kind = S_OP_REF, .ref = index}) != 0) {
            return p->rc;
        }
        return s_next(p);
    }
    case S_TOK_LPAREN:
        if (p->depth >= VALIDATE_EXPR_DEPTH_MAX) {
            return s_fail(p, BL_EINVAL, t.start,
                          "parentheses nested deeper than %d",
                          VALIDATE_EXPR_DEPTH_MAX);
        }
        p->depth++;
        if (s_next(p) != 0 || s_expr(p) != 0) {
            return p->rc;
        }
        if (p->tok.kind != S_TOK_RPAREN) {
            if (p->tok.kind == S_TOK_END) {
                return s_fail(p, BL_EINVAL, t.start, "unclosed '('");
            }
            return s_unexpected(p);
        }
        p->depth--;
        return s_next(p);
    default:
        return s_unexpected(p);
    }
}

/* unary := '-'* primary.  A loop, not recursion: "- - - 1" costs no stack. */
static int s_unary(s_parser_t *p)
{
    size_t negations = 0;
    while (p->tok.kind == S_TOK_MINUS) {
        negations++;
        if (s_next(p) != 0) {
            return p->rc;
        }
    }
    if (s_primary(p) != 0) {
        return p->rc;
    }
    if (negations % 2 == 1) {
        return s_emit(p, (s_op_t){.kind = S_OP_NEG});
    }
    return 0;
}

/* term := unary (('*' | '/') unary)* */
static int s_term(s_parser_t *p)
{
    if (s_unary(p) != 0) {
        return p->rc;
    }
    while (p->tok.kind == S_TOK_STAR || p->tok.kind == S_TOK_SLASH) {
        s_op_kind_t kind = p->tok.kind == S_TOK_STAR ? S_OP_MUL : S_OP_DIV;
        if (s_next(p) != 0 || s_unary(p) != 0
            || s_emit(p, (s_op_t){.kind = kind}) != 0) {
            return p->rc;
        }
    }
    return 0;
}

/* expr := term (('+' | '-') term)* */
static int s_expr(s_parser_t *p)
{
    if (s_term(p) != 0) {
        return p->rc;
    }
    while (p->tok.kind == S_TOK_PLUS || p->tok.kind == S_TOK_MINUS) {
        s_op_kind_t kind = p->tok.kind == S_TOK_PLUS ? S_OP_ADD : S_OP_SUB;
        if (s_next(p) != 0 || s_term(p) != 0
            || s_emit(p, (s_op_t){.kind = kind}) != 0) {
            return p->rc;
        }
    }
    return 0;
}

int validate_expr_compile(validate_expr_t **out, const char *text,
                          size_t *column, bl_err_t *err)
{
    if (out == NULL || text == NULL) {
        if (column != NULL) {
            *column = 0;
        }
        return bl_err_set(err, BL_EINVAL, "no expression");
    }
    *out = NULL;
    if (column != NULL) {
        *column = 0;
    }
    s_parser_t p = {.text = text, .err = err};
    p.len = strnlen(text, VALIDATE_EXPR_TEXT_MAX + 1);
    if (p.len > VALIDATE_EXPR_TEXT_MAX) {
        s_fail(&p, BL_EINVAL, VALIDATE_EXPR_TEXT_MAX,
               "expression longer than %d characters",
               VALIDATE_EXPR_TEXT_MAX);
        goto fail_parse;
    }
    p.expr = calloc(1, sizeof *p.expr);
    if (p.expr == NULL) {
        s_fail(&p, BL_ENOMEM, 0, "out of memory");
        goto fail_parse;
    }
    if (s_next(&p) != 0) {
        goto fail_parse;
    }
    if (p.tok.kind == S_TOK_END) {
        s_fail(&p, BL_EINVAL, p.tok.start, "empty expression");
        goto fail_parse;
    }
    if (s_expr(&p) != 0) {
        goto fail_parse;
    }
    if (p.tok.kind != S_TOK_END) {
        s_unexpected(&p);
        goto fail_parse;
    }
    /* Holds by the argument at S_OPERANDS_MAX; checked because eval's
     * fixed arrays rely on it. */
    if (p.expr->max_stack > S_OPERANDS_MAX
        || p.expr->n_refs > S_OPERANDS_MAX) {
        s_fail(&p, BL_EINVAL, 0, "expression too complex");
        goto fail_parse;
    }
    *out = p.expr;
    return 0;

fail_parse:
    validate_expr_destroy(&p.expr);
    if (column != NULL) {
        *column = p.column;
    }
    return p.rc;
}

void validate_expr_destroy(validate_expr_t **expr)
{
    if (expr == NULL || *expr == NULL) {
        return;
    }
    validate_expr_t *e = *expr;
    for (size_t i = 0; i < e->n_refs; i++) {
        free(e->refs[i].indicator_id);
        free(e->refs[i].field);
    }
    free(e->refs);
    free(e->ops);
    free(e);
    *expr = NULL;
}

size_t validate_expr_ref_count(const validate_expr_t *expr)
{
    return expr == NULL ? 0 : expr->n_refs;
}

const validate_expr_ref_t *validate_expr_ref(const validate_expr_t *expr,
                                             size_t i)
{
    if (expr == NULL || i >= expr->n_refs) {
        return NULL;
    }
    return &expr->refs[i].pub;
}

int validate_expr_eval(const validate_expr_t *expr,
                       validate_expr_lookup_fn lookup, void *ctx,
                       double *out)
{
    if (expr == NULL || out == NULL
        || (lookup == NULL && expr->n_refs > 0)) {
        return BL_EINVAL;
    }
    double figures[S_OPERANDS_MAX];
    for (size_t i = 0; i < expr->n_refs; i++) {
        const s_ref_t *r = &expr->refs[i];
        double v = NAN;
        int rc = lookup(ctx, r->indicator_id, r->field, &v);
        if (rc < 0) {
            return rc;
        }
        if (rc > 1) {
            return BL_EINVAL;
        }
        if (rc == 1 || !isfinite(v)) {
            return VALIDATE_EXPR_NA;
        }
        figures[i] = v;
    }
    double stack[S_OPERANDS_MAX];
    size_t top = 0;  /* values on the stack */
    for (size_t i = 0; i < expr->n_ops; i++) {
        const s_op_t *op = &expr->ops[i];
        double a = 0.0;
        double b = 0.0;
        switch (op->kind) {
        case S_OP_NUM:
            stack[top++] = op->num;
            continue;
        case S_OP_REF:
            stack[top++] = figures[op->ref];
            continue;
        case S_OP_NEG:
            stack[top - 1] = -stack[top - 1];
            continue;
        default:
            break;
        }
        b = stack[--top];
        a = stack[top - 1];
        double r = 0.0;
        switch (op->kind) {
        case S_OP_ADD: r = a + b; break;
        case S_OP_SUB: r = a - b; break;
        case S_OP_MUL: r = a * b; break;
        default:
            if (b == 0.0) {
                return VALIDATE_EXPR_NA;
            }
            r = a / b;
            break;
        }
        if (!isfinite(r)) {
            return VALIDATE_EXPR_NA;
        }
        stack[top - 1] = r;
    }
    /* A zero is a zero: never report -0 in a message. */
    *out = stack[0] == 0.0 ? 0.0 : stack[0];
    return 0;
}

int validate_rule_holds(double left, const char *op, double right)
{
    if (op == NULL || isnan(left) || isnan(right)) {
        return BL_EINVAL;
    }
    bool equal = left == right || fabs(left - right) <= 1e-9 * fabs(right);
    if (strcmp(op, "==") == 0) {
        return equal;
    }
    if (strcmp(op, "!=") == 0) {
        return !equal;
    }
    if (strcmp(op, "<") == 0) {
        return !equal && left < right;
    }
    if (strcmp(op, "<=") == 0) {
        return equal || left < right;
    }
    if (strcmp(op, ">") == 0) {
        return !equal && left > right;
    }
    if (strcmp(op, ">=") == 0) {
        return equal || left > right;
    }
    return BL_EINVAL;
}
