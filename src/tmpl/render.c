/*
 * render.c - walking compiled nodes against a JSON context.
 *
 * All render state lives on the caller's stack (struct render): the context
 * stack, the layouts being filled, and the counters that bound a render
 * (depth, partials, steps). Nothing is allocated but the output, nothing
 * shared is written but the atomic miss counter, so any number of threads
 * may render from one set.
 *
 * Layouts: each {{<name}} being rendered is a frame on r->parents. A block
 * takes its fill from the visible frames [lo, hi), outermost first. A layout
 * with {{<base}} at the top level of its template continues its page's chain
 * (the page's fills reach base); any other {{<name}} (in a fill, a section or a
 * partial) starts a chain of its own, and a fill sees only the frames from
 * its chain's start to its own, so fills never leak into unrelated layouts.
 */
#include "tmpl_int.h"

#include <string.h>

#define MISSING_LOG_MAX 100 /* misses logged per set; all are counted */

struct render {
    const struct eg_tmpl_set *set;
    const struct tcat *cat;
    bool english;
    bool html;
    struct eg_buf *out;
    const char *tname; /* the template being walked, for logs */
    const json_t *stack[EG_TMPL_MAX_DEPTH + 1];
    size_t nstack;
    const struct tnode *parents[EG_TMPL_MAX_PARTIALS]; /* layouts being filled, outermost first */
    size_t nparents;
    size_t lo, hi;    /* the frames a block may take its fill from */
    bool layout_root; /* walking the top level of a layout's template */
    unsigned depth;
    unsigned partials;
    uint64_t steps;
};

static enum eg_err render_list(struct render *r, const struct tnode *n);

/*
 * The first segment is looked up from the innermost context outwards; the
 * others only inside what the first one found.
 */
static const json_t *
lookup(const struct render *r, const struct tref *ref)
{
    if (ref->nseg == 0)
        return r->stack[r->nstack - 1];
    const json_t *v = NULL;
    for (size_t i = r->nstack; i-- > 0 && !v;)
        if (json_is_object(r->stack[i]))
            v = json_object_get(r->stack[i], ref->seg[0]);
    for (size_t k = 1; v && k < ref->nseg; k++)
        v = json_is_object(v) ? json_object_get(v, ref->seg[k]) : NULL;
    return v;
}

static bool
truthy(const json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_OBJECT:
    case JSON_TRUE:
        return true;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0.0;
    default:
        return false;
    }
}

static enum eg_err
step(struct render *r)
{
    if (++r->steps > r->set->max_steps) {
        eg_warn("tmpl: %s: more than %llu steps", r->tname, (unsigned long long)r->set->max_steps);
        return EG_ETOOBIG;
    }
    return EG_OK;
}

/* Renders body one level deeper, with ctx (if any) as the innermost context. */
static enum eg_err
render_nested(struct render *r, const struct tnode *body, const json_t *ctx)
{
    if (r->depth >= EG_TMPL_MAX_DEPTH) {
        eg_warn("tmpl: %s: nested deeper than %d", r->tname, EG_TMPL_MAX_DEPTH);
        return EG_ETOOBIG;
    }
    bool layout_root = r->layout_root;
    r->layout_root = false;
    r->depth++;
    if (ctx)
        r->stack[r->nstack++] = ctx;
    enum eg_err rc = render_list(r, body);
    if (ctx)
        r->nstack--;
    r->depth--;
    r->layout_root = layout_root;
    return rc;
}

static enum eg_err
render_section(struct render *r, const struct tnode *n)
{
    const json_t *v = lookup(r, &n->ref);
    if (n->kind == TN_INVERTED)
        return truthy(v) ? EG_OK : render_nested(r, n->child, NULL);
    if (!truthy(v))
        return EG_OK;
    if (!json_is_array(v))
        return render_nested(r, n->child, v);
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < json_array_size(v) && rc == EG_OK; i++) {
        rc = step(r);
        if (rc == EG_OK)
            rc = render_nested(r, n->child, json_array_get(v, i));
    }
    return rc;
}

/* {{>name}} and {{<name}}..{{/name}}: another template, in the same contexts. */
static enum eg_err
render_partial(struct render *r, const struct tnode *n)
{
    const struct tmpl *t = tindex_get(&r->set->tmpls, n->text.p, n->text.n, n->hash);
    if (!t) {
        eg_warn("tmpl: %s:%u:%u: no template '%.*s'", r->tname, n->line, n->col, (int)n->text.n,
                n->text.p);
        return EG_ENOTFOUND;
    }
    if (r->partials >= EG_TMPL_MAX_PARTIALS || r->depth >= EG_TMPL_MAX_DEPTH) {
        eg_warn("tmpl: %s:%u:%u: more than %d partials or %d levels nested", r->tname, n->line,
                n->col, EG_TMPL_MAX_PARTIALS, EG_TMPL_MAX_DEPTH);
        return EG_ETOOBIG;
    }
    const char *caller = r->tname;
    size_t lo = r->lo, hi = r->hi;
    bool layout_root = r->layout_root;
    if (n->kind == TN_PARENT) {
        if (!layout_root)
            r->lo = r->nparents; /* a chain of its own */
        r->parents[r->nparents++] = n;
        r->hi = r->nparents;
    }
    r->layout_root = n->kind == TN_PARENT;
    r->tname = t->name;
    r->partials++;
    r->depth++;
    enum eg_err rc = render_list(r, t->root);
    r->depth--;
    r->partials--;
    r->tname = caller;
    r->layout_root = layout_root;
    r->lo = lo;
    r->hi = hi;
    if (n->kind == TN_PARENT)
        r->nparents--;
    return rc;
}

/* {{$name}}default{{/name}}: the outermost visible fill, else the default. */
static enum eg_err
render_block(struct render *r, const struct tnode *n)
{
    for (size_t i = r->lo; i < r->hi; i++) {
        for (const struct tnode *b = r->parents[i]->child; b; b = b->next) {
            if (b->hash != n->hash || !eg_str_eq(b->text, n->text))
                continue;
            /* The fill belongs to frame i's page: it sees that frame and the ones outside it. */
            size_t hi = r->hi;
            r->hi = i + 1;
            enum eg_err rc = render_nested(r, b->child, NULL);
            r->hi = hi;
            return rc;
        }
    }
    return render_nested(r, n->child, NULL);
}

static enum eg_err
render_msg(struct render *r, const struct tnode *n)
{
    const struct tmsg *m = r->cat ? tmpl_msg_find(r->cat, n->text, n->hash) : NULL;
    if (!m) {
        uint64_t seen = atomic_fetch_add(r->set->missing, 1);
        if (seen < MISSING_LOG_MAX)
            eg_warn("tmpl: %s:%u:%u: no message '%.*s' in '%s'", r->tname, n->line, n->col,
                    (int)n->text.n, n->text.p, r->cat ? r->cat->lang : "(no catalogue)");
        if (r->set->strict)
            return EG_ENOTFOUND;
        return tmpl_put(r->out, n->text.p, n->text.n, r->html);
    }
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < m->npieces && rc == EG_OK; i++) {
        const struct tpiece *p = &m->pieces[i];
        if (p->arg >= 0 && (size_t)p->arg < n->nargs) {
            const struct tref *a = &n->args[p->arg];
            rc = tmpl_put_value(r->out, lookup(r, a), a->filter, r->english, r->html);
        } else {
            rc = tmpl_put(r->out, p->text.p, p->text.n, r->html);
        }
    }
    return rc;
}

static enum eg_err
render_node(struct render *r, const struct tnode *n)
{
    enum eg_err rc = step(r);
    if (rc != EG_OK)
        return rc;
    switch (n->kind) {
    case TN_TEXT:
        return eg_buf_add(r->out, n->text.p, n->text.n);
    case TN_VAR:
        return tmpl_put_value(r->out, lookup(r, &n->ref), n->ref.filter, r->english, r->html);
    case TN_RAW: {
        const json_t *v = lookup(r, &n->ref);
        if (json_is_string(v))
            return eg_buf_add(r->out, json_string_value(v), json_string_length(v));
        return tmpl_put_value(r->out, v, TF_NONE, r->english, r->html);
    }
    case TN_SECTION:
    case TN_INVERTED:
        return render_section(r, n);
    case TN_PARTIAL:
    case TN_PARENT:
        return render_partial(r, n);
    case TN_BLOCK:
        return render_block(r, n);
    case TN_MSG:
        return render_msg(r, n);
    }
    EG_BUG("unknown template node");
}

static enum eg_err
render_list(struct render *r, const struct tnode *n)
{
    enum eg_err rc = EG_OK;
    for (; n && rc == EG_OK; n = n->next)
        rc = render_node(r, n);
    return rc;
}

/* The catalogue of lang, else of the default language, else the first one. */
static const struct tcat *
pick_catalogue(const struct eg_tmpl_set *set, const char *lang)
{
    for (size_t i = 0; lang && i < set->ncats; i++)
        if (strcmp(set->cats[i].lang, lang) == 0)
            return &set->cats[i];
    for (size_t i = 0; i < set->ncats; i++)
        if (strcmp(set->cats[i].lang, EG_TMPL_DEFAULT_LANG) == 0)
            return &set->cats[i];
    return set->ncats ? &set->cats[0] : NULL;
}

enum eg_err
eg_tmpl_render(const struct eg_tmpl_set *set, const char *name, const json_t *ctx, const char *lang,
               struct eg_buf *out)
{
    size_t n = strlen(name);
    const struct tmpl *t = tindex_get(&set->tmpls, name, n, tmpl_hash(name, n));
    if (!t)
        return EG_ENOTFOUND;
    struct render r;
    r.set = set;
    r.cat = pick_catalogue(set, lang);
    r.english = r.cat && strncmp(r.cat->lang, "en", 2) == 0;
    r.html = !t->text_mode;
    r.out = out;
    r.tname = t->name;
    r.stack[0] = ctx;
    r.nstack = 1;
    r.nparents = 0;
    r.lo = 0;
    r.hi = 0;
    r.layout_root = false;
    r.depth = 0;
    r.partials = 0;
    r.steps = 0;

    size_t len = out->len;
    enum eg_err rc = render_list(&r, t->root);
    if (rc != EG_OK && out->p) {
        out->len = len;
        out->p[len] = '\0';
    }
    return rc;
}
