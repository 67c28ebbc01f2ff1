/*
 * tmpl.h - the template engine: every server-rendered HTML page and mail body.
 *
 * A logic-less, mustache-like language (docs/tmpl.md is the reference):
 *   {{name}} {{a.b}} {{.}}      a value from the JSON context, HTML-escaped
 *   {{name|date}}               one filter: date, datetime, number, url
 *   {{{raw_name}}}              unescaped; only for fields whose name starts with raw_
 *   {{#name}}..{{/name}}        section: each array item, or once if truthy
 *   {{^name}}..{{/name}}        inverted section: once if falsy or empty
 *   {{>name}}                   partial (another template of the set)
 *   {{<layout}}{{$b}}..{{/b}}{{/layout}}   a page filling the blocks {{$b}}..{{/b}} of a layout
 *   {{@key arg ...}}            a message of the render's catalogue (vi, en), escaped
 *   {{! comment }}
 *
 * Owns: a set of compiled templates and message catalogues, all in one arena.
 * Lifecycle: eg_tmpl_set_new(), then add templates and catalogues (one
 * thread, at start-up), then render from any number of threads at once; the
 * set is read-only after loading (its counters are atomic), and
 * eg_tmpl_set_free() releases everything. Escaping is the default everywhere:
 * the only unescaped output is template text, {{{raw_*}}} fields, and values in
 * plain-text (.txt) templates.
 * Context values are borrowed for the duration of a render and never changed.
 * Messages (msg) of the loading functions are replaced, not appended to.
 */
#ifndef EG_TMPL_H
#define EG_TMPL_H

#include "core/core.h"

#define EG_TMPL_MAX_SIZE ((size_t)1 << 20) /* bytes of one template's text */
#define EG_TMPL_MAX_NEST 64                /* sections open at once in one template */
#define EG_TMPL_MAX_DEPTH 64               /* render: sections, partials, layouts, blocks nested */
#define EG_TMPL_MAX_PARTIALS 16            /* render: partials and layouts nested */
#define EG_TMPL_MAX_ARGS 10                /* arguments of one message, {0} to {9} */
#define EG_TMPL_MAX_LANGS 8                /* catalogues in one set */
#define EG_TMPL_MAX_STEPS 10000000         /* default work budget of one render (nodes visited) */
#define EG_TMPL_DEFAULT_LANG "vi"

struct eg_tmpl_set;

/* An empty set, or NULL when out of memory. */
struct eg_tmpl_set *eg_tmpl_set_new(void);
/* Releases the set and everything compiled into it; NULL is fine. */
void eg_tmpl_set_free(struct eg_tmpl_set *set);

/*
 * Compiles text[0..len) as the template name ("layout", "partials/header",
 * "mail/received.txt": letters, digits and _ - . /). A name ending in ".txt"
 * is a plain-text template (mail bodies): nothing it prints is HTML-escaped.
 * Errors (EG_EINVAL) are described in msg as "name:line:column: what", the
 * column counting characters; EG_ECONFLICT if the name is taken; EG_ETOOBIG
 * past EG_TMPL_MAX_SIZE. A failed add leaves the set as it was.
 */
EG_WUR enum eg_err eg_tmpl_set_add(struct eg_tmpl_set *set, const char *name, const char *text,
                                   size_t len, struct eg_buf *msg);

/*
 * Adds every embedded file (core.h, eg_embedded_files) whose name starts with
 * prefix: "<prefix>x/y.html" as template "x/y", "<prefix>x.txt" as "x.txt".
 * EG_ENOTFOUND if there is none; the first compile error otherwise.
 */
EG_WUR enum eg_err eg_tmpl_set_load_embedded(struct eg_tmpl_set *set, const char *prefix,
                                             struct eg_buf *msg);

/*
 * Adds the catalogue of language lang ("vi", "en"): a flat JSON object of
 * key -> message, keys of letters, digits and _ - . ("nav.home"). {0} to {9}
 * in a message are filled from the tag's arguments. The object is copied;
 * the caller keeps its reference. EG_EINVAL for a value that is not a string
 * or a bad key, EG_ECONFLICT if lang is already there.
 */
EG_WUR enum eg_err eg_tmpl_set_catalogue(struct eg_tmpl_set *set, const char *lang,
                                         const json_t *messages, struct eg_buf *msg);

/* Adds every embedded "<prefix><lang>.json" as the catalogue of lang ("web/i18n/"). */
EG_WUR enum eg_err eg_tmpl_set_load_catalogues(struct eg_tmpl_set *set, const char *prefix,
                                               struct eg_buf *msg);

/*
 * Strict sets refuse to render a page that uses a message missing from the
 * render's catalogue (EG_ENOTFOUND); by default the key itself is printed.
 * Either way the miss is counted (eg_tmpl_missing_count) and logged.
 */
void eg_tmpl_set_strict(struct eg_tmpl_set *set, bool strict);
/* The work budget of one render in nodes visited (0 restores EG_TMPL_MAX_STEPS). */
void eg_tmpl_set_max_steps(struct eg_tmpl_set *set, uint64_t steps);

/*
 * Checks the loaded set as a whole: every partial and layout named exists,
 * every message used exists in every catalogue with enough arguments for its
 * placeholders, and all catalogues hold the same keys. EG_ENOTFOUND with one
 * line per problem (the first 20) in msg, "page:3:7: no message 'x' in en".
 */
EG_WUR enum eg_err eg_tmpl_set_check(const struct eg_tmpl_set *set, struct eg_buf *msg);

/* Is there a template of this name? */
bool eg_tmpl_has(const struct eg_tmpl_set *set, const char *name);

/*
 * Renders template name with the JSON context ctx (NULL for none) in language
 * lang (NULL or a language without a catalogue: EG_TMPL_DEFAULT_LANG),
 * appending to out. EG_ENOTFOUND for an unknown template or partial (or a
 * missing message in a strict set); EG_ETOOBIG when out would pass its max or
 * a nesting or work limit is reached. On failure out is as it was.
 * Safe to call from many threads at once on one set.
 */
EG_WUR enum eg_err eg_tmpl_render(const struct eg_tmpl_set *set, const char *name,
                                  const json_t *ctx, const char *lang, struct eg_buf *out);

/* Messages found missing by renders of this set so far. */
uint64_t eg_tmpl_missing_count(const struct eg_tmpl_set *set);

/*
 * Appends s[0..n) HTML-escaped as {{name}} prints it: & < > " ' ` = become
 * character references, control characters other than tab, CR and LF become
 * U+FFFD. Safe in element content and in quoted attribute values.
 */
EG_WUR enum eg_err eg_tmpl_escape(const char *s, size_t n, struct eg_buf *out);

#endif /* EG_TMPL_H */
