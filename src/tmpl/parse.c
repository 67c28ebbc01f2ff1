/*
 * parse.c - template text to nodes: tags, names, filters, nesting, and errors
 * that name the template, the line and the column.
 *
 * One pass, no recursion: open sections, layouts and blocks sit on a fixed
 * stack of EG_TMPL_MAX_NEST entries. Text nodes point into the arena's copy
 * of the source.
 */
#include "tmpl_int.h"

#include <stdio.h>
#include <string.h>

struct parser {
    struct eg_arena *arena;
    const char *name;
    const char *src;
    size_t len;
    size_t mark; /* src[mark] is at line, col */
    uint32_t line, col;
    struct eg_buf *msg;
};

struct open {
    struct tnode *node;  /* NULL for the template itself */
    struct tnode **tail; /* where the next child goes */
};

/* A tag's position and content, trimmed. */
struct tag {
    uint32_t line, col;
    const char *p;
    size_t n;
    bool triple;
};

static void
advance(struct parser *p, size_t to)
{
    for (; p->mark < to; p->mark++) {
        unsigned char c = (unsigned char)p->src[p->mark];
        if (c == '\n') {
            p->line++;
            p->col = 1;
        } else if ((c & 0xc0) != 0x80) {
            p->col++;
        }
    }
}

static enum eg_err fail(struct parser *p, const struct tag *t, const char *fmt, ...)
    EG_PRINTF(3, 4);

static enum eg_err
fail(struct parser *p, const struct tag *t, const char *fmt, ...)
{
    if (!p->msg)
        return EG_EINVAL;
    eg_buf_reset(p->msg);
    va_list ap;
    va_start(ap, fmt);
    if (eg_buf_printf(p->msg, "%s:%u:%u: ", p->name, t->line, t->col) != EG_OK ||
        eg_buf_vprintf(p->msg, fmt, ap) != EG_OK)
        eg_buf_reset(p->msg);
    va_end(ap);
    return EG_EINVAL;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

bool
tmpl_name_ok(const char *s, size_t n, const char *extra)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!name_char(s[i]) && (s[i] == '\0' || !strchr(extra, s[i])))
            return false;
    return true;
}

static struct eg_str
trim(const char *s, size_t n)
{
    while (n > 0 && is_space(s[0])) {
        s++;
        n--;
    }
    while (n > 0 && is_space(s[n - 1]))
        n--;
    return (struct eg_str){s, n};
}

/* At most 40 bytes of a name for messages. */
#define SHOW(s) (int)((s).n > 40 ? 40 : (s).n), (s).p

static struct tnode *
node_new(struct parser *p, struct open *o, enum tnode_kind kind, const struct tag *t)
{
    struct tnode *n = eg_arena_zalloc(p->arena, sizeof(*n));
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = t->line;
    n->col = t->col;
    *o->tail = n;
    o->tail = &n->next;
    return n;
}

/* "a.b.c", "." or "a|filter" into ref. */
static enum eg_err
parse_ref(struct parser *p, const struct tag *t, struct eg_str s, bool filter_ok, struct tref *ref)
{
    const char *bar = memchr(s.p, '|', s.n);
    struct eg_str path = {s.p, bar ? (size_t)(bar - s.p) : s.n};
    ref->filter = TF_NONE;
    if (bar) {
        struct eg_str f = {bar + 1, s.n - path.n - 1};
        if (!filter_ok)
            return fail(p, t, "no filter is allowed in this tag");
        if (!tmpl_filter_parse(f.p, f.n, &ref->filter))
            return fail(p, t, "unknown filter '%.*s' (date, datetime, number, url)", SHOW(f));
    }
    if (path.n == 1 && path.p[0] == '.') {
        ref->seg = NULL;
        ref->nseg = 0;
        return EG_OK;
    }
    size_t nseg = 1;
    for (size_t i = 0; i < path.n; i++)
        nseg += path.p[i] == '.';
    ref->seg = eg_arena_alloc(p->arena, nseg * sizeof(*ref->seg));
    if (!ref->seg)
        return EG_ENOMEM;
    ref->nseg = 0;
    for (size_t i = 0, start = 0; i <= path.n; i++) {
        if (i < path.n && path.p[i] != '.')
            continue;
        if (!tmpl_name_ok(path.p + start, i - start, ""))
            return fail(p, t, "bad name '%.*s' (letters, digits, _ and -, joined by dots)",
                        SHOW(path));
        ref->seg[ref->nseg] = eg_arena_strndup(p->arena, path.p + start, i - start);
        if (!ref->seg[ref->nseg++])
            return EG_ENOMEM;
        start = i + 1;
    }
    return EG_OK;
}

static enum eg_err
parse_msg(struct parser *p, struct open *o, const struct tag *t, struct eg_str s)
{
    struct eg_str tok[EG_TMPL_MAX_ARGS + 2];
    size_t ntok = 0;
    for (size_t i = 0; i < s.n;) {
        while (i < s.n && is_space(s.p[i]))
            i++;
        size_t start = i;
        while (i < s.n && !is_space(s.p[i]))
            i++;
        if (i == start)
            break;
        if (ntok == EG_ARRAY_LEN(tok))
            return fail(p, t, "a message takes at most %d arguments", EG_TMPL_MAX_ARGS);
        tok[ntok++] = (struct eg_str){s.p + start, i - start};
    }
    if (ntok == 0)
        return fail(p, t, "a message tag needs a key: {{@key}}");
    if (!tmpl_name_ok(tok[0].p, tok[0].n, "."))
        return fail(p, t, "bad message key '%.*s'", SHOW(tok[0]));
    if (ntok - 1 > EG_TMPL_MAX_ARGS)
        return fail(p, t, "a message takes at most %d arguments", EG_TMPL_MAX_ARGS);
    struct tnode *n = node_new(p, o, TN_MSG, t);
    if (!n)
        return EG_ENOMEM;
    n->text = tok[0];
    n->hash = tmpl_hash(tok[0].p, tok[0].n);
    n->nargs = ntok - 1;
    if (n->nargs) {
        n->args = eg_arena_zalloc(p->arena, n->nargs * sizeof(*n->args));
        if (!n->args)
            return EG_ENOMEM;
    }
    for (size_t i = 0; i < n->nargs; i++) {
        enum eg_err rc = parse_ref(p, t, tok[i + 1], true, &n->args[i]);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}

static const char *
kind_name(enum tnode_kind k)
{
    switch (k) {
    case TN_SECTION:
        return "section";
    case TN_INVERTED:
        return "inverted section";
    case TN_PARENT:
        return "layout";
    default:
        return "block";
    }
}

/* Opens a section, inverted section, layout or block: a new level on the stack. */
static enum eg_err
parse_open(struct parser *p, struct open *stack, size_t *depth, const struct tag *t,
           enum tnode_kind kind, struct eg_str name)
{
    if (*depth == EG_TMPL_MAX_NEST)
        return fail(p, t, "more than %d sections nested", EG_TMPL_MAX_NEST);
    struct tref ref = {NULL, 0, TF_NONE};
    enum eg_err rc = EG_OK;
    if (kind == TN_SECTION || kind == TN_INVERTED)
        rc = parse_ref(p, t, name, false, &ref);
    else if (!tmpl_name_ok(name.p, name.n, kind == TN_PARENT ? "./" : ""))
        rc = fail(p, t, "bad %s name '%.*s'", kind_name(kind), SHOW(name));
    if (rc != EG_OK)
        return rc;
    struct open *o = &stack[*depth];
    if (kind == TN_BLOCK && o->node && o->node->kind == TN_PARENT) {
        for (const struct tnode *b = o->node->child; b; b = b->next)
            if (eg_str_eq(b->text, name))
                return fail(p, t, "block '%.*s' is filled twice", SHOW(name));
    }
    struct tnode *n = node_new(p, o, kind, t);
    if (!n)
        return EG_ENOMEM;
    n->ref = ref;
    n->text = name;
    n->hash = tmpl_hash(name.p, name.n);
    (*depth)++;
    stack[*depth].node = n;
    stack[*depth].tail = &n->child;
    return EG_OK;
}

static enum eg_err
parse_close(struct parser *p, struct open *stack, size_t *depth, const struct tag *t,
            struct eg_str name)
{
    const struct tnode *o = stack[*depth].node;
    if (!o)
        return fail(p, t, "'{{/%.*s}}' closes nothing", SHOW(name));
    if (!eg_str_eq(o->text, name))
        return fail(p, t, "'{{/%.*s}}' does not close %s '%.*s' opened at %u:%u", SHOW(name),
                    kind_name(o->kind), SHOW(o->text), o->line, o->col);
    (*depth)--;
    return EG_OK;
}

/* One tag, its sigil already known; o is the innermost open level. */
static enum eg_err
parse_tag(struct parser *p, struct open *stack, size_t *depth, const struct tag *t)
{
    struct open *o = &stack[*depth];
    bool in_parent = o->node && o->node->kind == TN_PARENT;
    struct tnode *n;
    enum eg_err rc;

    if (t->n == 0)
        return fail(p, t, "empty tag");
    char sigil = t->p[0];
    struct eg_str rest = trim(t->p + 1, t->n - 1);
    if (in_parent && !t->triple && sigil != '$' && sigil != '/' && sigil != '!')
        return fail(p, t, "only blocks {{$name}}..{{/name}} may fill layout '%.*s'",
                    SHOW(o->node->text));
    if (t->triple) {
        struct eg_str all = {t->p, t->n};
        if (in_parent)
            return fail(p, t, "only blocks {{$name}}..{{/name}} may fill layout '%.*s'",
                        SHOW(o->node->text));
        n = node_new(p, o, TN_RAW, t);
        if (!n)
            return EG_ENOMEM;
        rc = parse_ref(p, t, all, false, &n->ref);
        if (rc != EG_OK)
            return rc;
        if (n->ref.nseg == 0 || strncmp(n->ref.seg[n->ref.nseg - 1], "raw_", 4) != 0)
            return fail(p, t, "'{{{%.*s}}}' prints unescaped: only names starting with raw_ may",
                        SHOW(all));
        return EG_OK;
    }
    switch (sigil) {
    case '!':
        return EG_OK;
    case '#':
        return parse_open(p, stack, depth, t, TN_SECTION, rest);
    case '^':
        return parse_open(p, stack, depth, t, TN_INVERTED, rest);
    case '<':
        return parse_open(p, stack, depth, t, TN_PARENT, rest);
    case '$':
        return parse_open(p, stack, depth, t, TN_BLOCK, rest);
    case '/':
        return parse_close(p, stack, depth, t, rest);
    case '@':
        return parse_msg(p, o, t, rest);
    case '>':
        if (!tmpl_name_ok(rest.p, rest.n, "./"))
            return fail(p, t, "bad partial name '%.*s'", SHOW(rest));
        n = node_new(p, o, TN_PARTIAL, t);
        if (!n)
            return EG_ENOMEM;
        n->text = rest;
        n->hash = tmpl_hash(rest.p, rest.n);
        return EG_OK;
    case '&':
        return fail(p, t, "'{{&' is not supported; unescaped output is {{{raw_name}}}");
    default:
        if (!name_char(sigil) && sigil != '.')
            return fail(p, t, "bad tag '{{%.*s}}'", SHOW(((struct eg_str){t->p, t->n})));
        n = node_new(p, o, TN_VAR, t);
        if (!n)
            return EG_ENOMEM;
        return parse_ref(p, t, (struct eg_str){t->p, t->n}, true, &n->ref);
    }
}

/* The offset of the first "{{" at or after from, or len. */
static size_t
find_open(const char *s, size_t len, size_t from)
{
    while (from + 1 < len) {
        const char *q = memchr(s + from, '{', len - from - 1);
        if (!q)
            break;
        if (q[1] == '{')
            return (size_t)(q - s);
        from = (size_t)(q - s) + 1;
    }
    return len;
}

/* The offset of the first k closing braces at or after from, or len. */
static size_t
find_close(const char *s, size_t len, size_t from, size_t k)
{
    for (size_t i = from; i + k <= len; i++) {
        if (s[i] != '}')
            continue;
        size_t j = 1;
        while (j < k && s[i + j] == '}')
            j++;
        if (j == k)
            return i;
    }
    return len;
}

static enum eg_err
add_text(struct parser *p, struct open *o, size_t from, size_t to)
{
    struct tag t = {p->line, p->col, NULL, 0, false};
    struct eg_str s = {p->src + from, to - from};
    if (o->node && o->node->kind == TN_PARENT) {
        if (trim(s.p, s.n).n > 0)
            return fail(p, &t, "only blocks {{$name}}..{{/name}} may fill layout '%.*s'",
                        SHOW(o->node->text));
        return EG_OK;
    }
    struct tnode *n = node_new(p, o, TN_TEXT, &t);
    if (!n)
        return EG_ENOMEM;
    n->text = s;
    return EG_OK;
}

enum eg_err
tmpl_compile(struct eg_arena *arena, const char *name, const char *text, size_t len,
             struct tnode **out, struct eg_buf *msg)
{
    struct parser p = {arena, name, NULL, len, 0, 1, 1, msg};
    struct open stack[EG_TMPL_MAX_NEST + 1];
    size_t depth = 0;
    size_t pos = 0;
    enum eg_err rc = EG_OK;

    *out = NULL;
    p.src = eg_arena_strndup(arena, len ? text : "", len);
    if (!p.src)
        return EG_ENOMEM;
    stack[0].node = NULL;
    stack[0].tail = out;
    while (pos < len && rc == EG_OK) {
        size_t open = find_open(p.src, len, pos);
        advance(&p, pos);
        if (open > pos)
            rc = add_text(&p, &stack[depth], pos, open);
        if (open == len || rc != EG_OK)
            break;
        advance(&p, open);
        struct tag t = {p.line, p.col, NULL, 0, false};
        size_t body = open + 2;
        t.triple = body < len && p.src[body] == '{';
        size_t k = t.triple ? 3 : 2;
        size_t close = find_close(p.src, len, body + (t.triple ? 1 : 0), k);
        if (close == len) {
            rc = fail(&p, &t, "'%s' has no '%s'", t.triple ? "{{{" : "{{", t.triple ? "}}}" : "}}");
            break;
        }
        struct eg_str c = trim(p.src + body + (k - 2), close - body - (k - 2));
        t.p = c.p;
        t.n = c.n;
        rc = parse_tag(&p, stack, &depth, &t);
        pos = close + k;
    }
    if (rc == EG_OK && depth > 0) {
        const struct tnode *o = stack[depth].node;
        struct tag t = {o->line, o->col, NULL, 0, false};
        rc = fail(&p, &t, "%s '%.*s' is never closed", kind_name(o->kind), SHOW(o->text));
    }
    if (rc != EG_OK)
        *out = NULL;
    return rc;
}
