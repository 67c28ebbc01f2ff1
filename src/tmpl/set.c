/*
 * set.c - a set of templates and catalogues: loading, lookup, and the
 * whole-set check. Everything compiled lives in the set's arena; only the
 * hash indexes are malloc'ed (they grow while loading).
 */
#include "tmpl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK ((size_t)64 * 1024)
#define ARENA_MAX ((size_t)256 * 1024 * 1024)
#define NAME_MAX_BYTES 200
#define LANG_MAX_BYTES 15
#define CHECK_PROBLEMS_MAX 20

static enum eg_err say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...) EG_PRINTF(3, 4);

static enum eg_err
say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...)
{
    if (!msg)
        return rc;
    eg_buf_reset(msg);
    va_list ap;
    va_start(ap, fmt);
    if (eg_buf_vprintf(msg, fmt, ap) != EG_OK)
        eg_buf_reset(msg);
    va_end(ap);
    return rc;
}

/* ---- the hash index ----------------------------------------------------- */

uint32_t
tmpl_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

void
tindex_release(struct tindex *ix)
{
    free(ix->slots);
    ix->slots = NULL;
    ix->cap = 0;
    ix->n = 0;
}

static struct tindex_slot *
tindex_slot(const struct tindex *ix, const char *key, size_t klen, uint32_t hash)
{
    size_t mask = ix->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        struct tindex_slot *s = &ix->slots[i];
        if (!s->key || (s->hash == hash && s->klen == klen && memcmp(s->key, key, klen) == 0))
            return s;
    }
}

void *
tindex_get(const struct tindex *ix, const char *key, size_t klen, uint32_t hash)
{
    if (ix->cap == 0)
        return NULL;
    const struct tindex_slot *s = tindex_slot(ix, key, klen, hash);
    return s->key ? s->val : NULL;
}

enum eg_err
tindex_put(struct tindex *ix, const char *key, size_t klen, uint32_t hash, void *val)
{
    if (tindex_get(ix, key, klen, hash))
        return EG_ECONFLICT;
    if ((ix->n + 1) * 4 > ix->cap * 3) {
        struct tindex bigger = {NULL, ix->cap ? ix->cap * 2 : 16, 0};
        bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
        if (!bigger.slots)
            return EG_ENOMEM;
        for (size_t i = 0; i < ix->cap; i++) {
            const struct tindex_slot *s = &ix->slots[i];
            if (s->key)
                *tindex_slot(&bigger, s->key, s->klen, s->hash) = *s;
        }
        bigger.n = ix->n;
        free(ix->slots);
        *ix = bigger;
    }
    *tindex_slot(ix, key, klen, hash) = (struct tindex_slot){key, klen, hash, val};
    ix->n++;
    return EG_OK;
}

/* ---- the set ------------------------------------------------------------ */

struct eg_tmpl_set *
eg_tmpl_set_new(void)
{
    struct eg_tmpl_set *set = calloc(1, sizeof(*set));
    if (!set)
        return NULL;
    set->arena = eg_arena_new(ARENA_CHUNK, ARENA_MAX);
    if (set->arena)
        set->missing = eg_arena_zalloc(set->arena, sizeof(*set->missing));
    if (!set->missing) {
        eg_tmpl_set_free(set);
        return NULL;
    }
    atomic_init(set->missing, 0);
    set->max_steps = EG_TMPL_MAX_STEPS;
    return set;
}

void
eg_tmpl_set_free(struct eg_tmpl_set *set)
{
    if (!set)
        return;
    tindex_release(&set->tmpls);
    for (size_t i = 0; i < set->ncats; i++)
        tindex_release(&set->cats[i].msgs);
    eg_arena_free(set->arena);
    free(set);
}

void
eg_tmpl_set_strict(struct eg_tmpl_set *set, bool strict)
{
    set->strict = strict;
}

void
eg_tmpl_set_max_steps(struct eg_tmpl_set *set, uint64_t steps)
{
    set->max_steps = steps ? steps : EG_TMPL_MAX_STEPS;
}

uint64_t
eg_tmpl_missing_count(const struct eg_tmpl_set *set)
{
    return atomic_load(set->missing);
}

bool
eg_tmpl_has(const struct eg_tmpl_set *set, const char *name)
{
    size_t n = strlen(name);
    return tindex_get(&set->tmpls, name, n, tmpl_hash(name, n)) != NULL;
}

static bool
ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

enum eg_err
eg_tmpl_set_add(struct eg_tmpl_set *set, const char *name, const char *text, size_t len,
                struct eg_buf *msg)
{
    size_t n = strlen(name);
    if (n > NAME_MAX_BYTES || !tmpl_name_ok(name, n, "./"))
        return say(msg, EG_EINVAL, "bad template name '%.*s' (letters, digits, _ - . /)",
                   NAME_MAX_BYTES, name);
    if (len > EG_TMPL_MAX_SIZE)
        return say(msg, EG_ETOOBIG, "%s: template longer than %zu bytes", name, EG_TMPL_MAX_SIZE);
    uint32_t hash = tmpl_hash(name, n);
    if (tindex_get(&set->tmpls, name, n, hash))
        return say(msg, EG_ECONFLICT, "%s: a template of this name is already there", name);
    struct tmpl *t = eg_arena_zalloc(set->arena, sizeof(*t));
    if (!t)
        return say(msg, EG_ENOMEM, "%s: out of memory", name);
    t->name = eg_arena_strndup(set->arena, name, n);
    t->text_mode = ends_with(name, n, ".txt");
    enum eg_err rc = t->name ? tmpl_compile(set->arena, name, text, len, &t->root, msg) : EG_ENOMEM;
    if (rc == EG_OK)
        rc = tindex_put(&set->tmpls, t->name, n, hash, t);
    if (rc == EG_ENOMEM)
        return say(msg, rc, "%s: out of memory", name);
    return rc;
}

enum eg_err
eg_tmpl_set_load_embedded(struct eg_tmpl_set *set, const char *prefix, struct eg_buf *msg)
{
    size_t plen = strlen(prefix);
    size_t found = 0;
    for (size_t i = 0; i < eg_embedded_count; i++) {
        const struct eg_embedded_file *f = &eg_embedded_files[i];
        size_t n = strlen(f->name);
        if (n <= plen || strncmp(f->name, prefix, plen) != 0)
            continue;
        const char *rel = f->name + plen;
        size_t rlen = n - plen;
        if (ends_with(rel, rlen, ".html"))
            rlen -= 5;
        else if (!ends_with(rel, rlen, ".txt"))
            continue;
        char name[NAME_MAX_BYTES + 1];
        if (rlen > NAME_MAX_BYTES)
            return say(msg, EG_EINVAL, "%s: name too long", f->name);
        memcpy(name, rel, rlen);
        name[rlen] = '\0';
        enum eg_err rc = eg_tmpl_set_add(set, name, (const char *)f->data, f->len, msg);
        if (rc != EG_OK)
            return rc;
        found++;
    }
    if (found == 0)
        return say(msg, EG_ENOTFOUND, "no embedded template under '%s'", prefix);
    return EG_OK;
}

/* ---- catalogues --------------------------------------------------------- */

/* "Hồ sơ {0} ngày {1}" into pieces: text, argument 0, text, argument 1. */
static enum eg_err
compile_msg(struct eg_arena *a, const char *s, size_t n, struct tmsg **out)
{
    struct tmsg *m = eg_arena_zalloc(a, sizeof(*m));
    if (!m)
        return EG_ENOMEM;
    m->max_arg = -1;
    size_t holes = 0;
    for (size_t i = 0; i + 2 < n; i++)
        holes += s[i] == '{' && s[i + 1] >= '0' && s[i + 1] <= '9' && s[i + 2] == '}';
    m->pieces = eg_arena_zalloc(a, (2 * holes + 1) * sizeof(*m->pieces));
    if (!m->pieces)
        return EG_ENOMEM;
    size_t start = 0;
    for (size_t i = 0; i + 2 < n; i++) {
        if (!(s[i] == '{' && s[i + 1] >= '0' && s[i + 1] <= '9' && s[i + 2] == '}'))
            continue;
        if (i > start)
            m->pieces[m->npieces++] = (struct tpiece){{s + start, i - start}, -1};
        int arg = s[i + 1] - '0';
        m->pieces[m->npieces++] = (struct tpiece){{s + i, 3}, arg};
        if (arg > m->max_arg)
            m->max_arg = arg;
        start = i + 3;
        i += 2;
    }
    if (n > start)
        m->pieces[m->npieces++] = (struct tpiece){{s + start, n - start}, -1};
    *out = m;
    return EG_OK;
}

const struct tmsg *
tmpl_msg_find(const struct tcat *cat, struct eg_str key, uint32_t hash)
{
    return tindex_get(&cat->msgs, key.p, key.n, hash);
}

enum eg_err
eg_tmpl_set_catalogue(struct eg_tmpl_set *set, const char *lang, const json_t *messages,
                      struct eg_buf *msg)
{
    size_t llen = strlen(lang);
    if (llen > LANG_MAX_BYTES || !tmpl_name_ok(lang, llen, ""))
        return say(msg, EG_EINVAL, "bad language code '%.*s'", LANG_MAX_BYTES, lang);
    for (size_t i = 0; i < set->ncats; i++)
        if (strcmp(set->cats[i].lang, lang) == 0)
            return say(msg, EG_ECONFLICT, "%s: the catalogue is already there", lang);
    if (set->ncats == EG_TMPL_MAX_LANGS)
        return say(msg, EG_ETOOBIG, "%s: more than %d catalogues", lang, EG_TMPL_MAX_LANGS);
    if (!json_is_object(messages))
        return say(msg, EG_EINVAL, "%s: a catalogue is a JSON object of key -> message", lang);

    struct tcat cat = {{0}, {NULL, 0, 0}};
    memcpy(cat.lang, lang, llen + 1);
    const char *k;
    json_t *v;
    enum eg_err rc = EG_OK;
    json_object_foreach((json_t *)messages, k, v)
    {
        size_t klen = strlen(k);
        struct tmsg *m = NULL;
        if (klen > NAME_MAX_BYTES || !tmpl_name_ok(k, klen, ".")) {
            rc = say(msg, EG_EINVAL, "%s: bad key '%.*s' (letters, digits, _ - .)", lang,
                     NAME_MAX_BYTES, k);
            break;
        }
        if (!json_is_string(v)) {
            rc = say(msg, EG_EINVAL, "%s: message '%s' is not a string", lang, k);
            break;
        }
        const char *key = eg_arena_strndup(set->arena, k, klen);
        const char *text =
            eg_arena_strndup(set->arena, json_string_value(v), json_string_length(v));
        rc = key && text ? compile_msg(set->arena, text, json_string_length(v), &m) : EG_ENOMEM;
        if (rc == EG_OK)
            rc = tindex_put(&cat.msgs, key, klen, tmpl_hash(key, klen), m);
        if (rc != EG_OK) {
            say(msg, rc, "%s: out of memory", lang);
            break;
        }
    }
    if (rc != EG_OK) {
        tindex_release(&cat.msgs);
        return rc;
    }
    set->cats[set->ncats++] = cat;
    return EG_OK;
}

enum eg_err
eg_tmpl_set_load_catalogues(struct eg_tmpl_set *set, const char *prefix, struct eg_buf *msg)
{
    size_t plen = strlen(prefix);
    size_t found = 0;
    for (size_t i = 0; i < eg_embedded_count; i++) {
        const struct eg_embedded_file *f = &eg_embedded_files[i];
        size_t n = strlen(f->name);
        if (n <= plen || strncmp(f->name, prefix, plen) != 0 || !ends_with(f->name, n, ".json"))
            continue;
        char lang[LANG_MAX_BYTES + 1];
        size_t llen = n - plen - 5;
        if (llen > LANG_MAX_BYTES || memchr(f->name + plen, '/', llen))
            continue;
        memcpy(lang, f->name + plen, llen);
        lang[llen] = '\0';
        json_t *obj = NULL;
        enum eg_err rc = eg_json_parse((const char *)f->data, f->len, &obj, msg);
        if (rc == EG_OK)
            rc = eg_tmpl_set_catalogue(set, lang, obj, msg);
        else if (msg && eg_buf_printf(msg, " (%s)", f->name) != EG_OK)
            eg_buf_reset(msg);
        json_decref(obj);
        if (rc != EG_OK)
            return rc;
        found++;
    }
    if (found == 0)
        return say(msg, EG_ENOTFOUND, "no embedded catalogue under '%s'", prefix);
    return EG_OK;
}

/* ---- the whole-set check ------------------------------------------------ */

struct checker {
    const struct eg_tmpl_set *set;
    struct eg_buf *msg;
    size_t problems;
};

static void problem(struct checker *c, const char *fmt, ...) EG_PRINTF(2, 3);

static void
problem(struct checker *c, const char *fmt, ...)
{
    c->problems++;
    if (!c->msg || c->problems > CHECK_PROBLEMS_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    size_t len = c->msg->len;
    if (eg_buf_vprintf(c->msg, fmt, ap) != EG_OK || eg_buf_addc(c->msg, '\n') != EG_OK) {
        c->msg->len = len;
        if (c->msg->p)
            c->msg->p[len] = '\0';
    }
    va_end(ap);
}

static void
check_msg(struct checker *c, const struct tmpl *t, const struct tnode *n)
{
    for (size_t i = 0; i < c->set->ncats; i++) {
        const struct tcat *cat = &c->set->cats[i];
        const struct tmsg *m = tmpl_msg_find(cat, n->text, n->hash);
        if (!m)
            problem(c, "%s:%u:%u: no message '%.*s' in %s", t->name, n->line, n->col,
                    (int)n->text.n, n->text.p, cat->lang);
        else if (m->max_arg >= (int)n->nargs)
            problem(c, "%s:%u:%u: message '%.*s' in %s needs %d arguments, the tag gives %zu",
                    t->name, n->line, n->col, (int)n->text.n, n->text.p, cat->lang, m->max_arg + 1,
                    n->nargs);
    }
}

/* Nodes nest at most EG_TMPL_MAX_NEST deep (the compiler's limit), so recursion is bounded. */
static void
check_nodes(struct checker *c, const struct tmpl *t, const struct tnode *n)
{
    for (; n; n = n->next) {
        if ((n->kind == TN_PARTIAL || n->kind == TN_PARENT) &&
            !tindex_get(&c->set->tmpls, n->text.p, n->text.n, n->hash))
            problem(c, "%s:%u:%u: no template '%.*s'", t->name, n->line, n->col, (int)n->text.n,
                    n->text.p);
        if (n->kind == TN_MSG)
            check_msg(c, t, n);
        check_nodes(c, t, n->child);
    }
}

static void
check_catalogues(struct checker *c)
{
    const struct eg_tmpl_set *set = c->set;
    for (size_t i = 1; i < set->ncats; i++) {
        const struct tcat *a = &set->cats[0], *b = &set->cats[i];
        for (int pass = 0; pass < 2; pass++) {
            const struct tcat *from = pass ? b : a, *to = pass ? a : b;
            for (size_t s = 0; s < from->msgs.cap; s++) {
                const struct tindex_slot *sl = &from->msgs.slots[s];
                if (sl->key && !tindex_get(&to->msgs, sl->key, sl->klen, sl->hash))
                    problem(c, "catalogue %s: no message '%s' (%s has it)", to->lang, sl->key,
                            from->lang);
            }
        }
    }
}

enum eg_err
eg_tmpl_set_check(const struct eg_tmpl_set *set, struct eg_buf *msg)
{
    struct checker c = {set, msg, 0};
    if (msg)
        eg_buf_reset(msg);
    for (size_t s = 0; s < set->tmpls.cap; s++) {
        const struct tindex_slot *sl = &set->tmpls.slots[s];
        if (sl->key)
            check_nodes(&c, sl->val, ((const struct tmpl *)sl->val)->root);
    }
    check_catalogues(&c);
    if (c.problems > CHECK_PROBLEMS_MAX && msg &&
        eg_buf_printf(msg, "... and %zu more\n", c.problems - CHECK_PROBLEMS_MAX) != EG_OK)
        eg_buf_reset(msg);
    return c.problems ? EG_ENOTFOUND : EG_OK;
}
