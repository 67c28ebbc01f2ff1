/*
 * portal.h - the server-rendered pages: the public home and agency directory,
 * signing up and in (with the TOTP step), one's own account, and administration.
 *
 * A channel like api/: every page route goes through the gate (who is calling,
 * CSRF on every form, the route's declared permission), and the handlers call
 * the same functions of identity/, access/, directory/ and audit/ as the JSON
 * API does. No business rule lives here: the pages only read forms, call those
 * functions and render templates (web/templates/, docs/tmpl.md) that escape
 * everything they print.
 *
 * Forms follow POST/redirect/GET: every POST answers 303 See Other with a GET
 * page to show next. What that page needs from the POST (the user's input and
 * the errors on a refused form, a secret shown once) travels in a short-lived
 * HttpOnly cookie (__Host-egov-flash) that the page consumes; a plain notice
 * travels as ?m=KEY, a key of the message catalogue. Passwords never do.
 *
 * Language: ?lang=vi|en, remembered in the __Host-egov-lang cookie; Vietnamese
 * otherwise (Accept-Language is not consulted: Vietnamese by default).
 *
 * Ownership: eg_portal_register() keeps pointers to cfg and everything in it,
 * so cfg must outlive the router (like struct eg_api). The template set is the
 * caller's: load it with eg_portal_templates() and free it with
 * eg_tmpl_set_free() after the server has stopped.
 * Thread safety: read-only once registered; handlers run on any worker.
 */
#ifndef EG_PORTAL_H
#define EG_PORTAL_H

#include "core/core.h"
#include "db/db.h"
#include "gate/gate.h"
#include "http/http.h"
#include "identity/identity.h"
#include "tmpl/tmpl.h"

/*
 * The database, identity, clock and mail notifier come with each call from the
 * gate (struct eg_call), so the pages use exactly what the API uses.
 */
struct eg_dossiers;
struct eg_files;

struct eg_portal_config {
    const struct eg_tmpl_set *templates; /* from eg_portal_templates() */
    /* The dossier service and the attachment store: submission, one's dossiers, the desk,
     * tracking. NULL: those pages answer 503. */
    struct eg_dossiers *dossiers;
    struct eg_files *files;
    const char *public_url; /* "https://dichvucong.example.vn": the tracking link on slips */
    /* Catalogue pages rendered for visitors not signed in, kept while the catalogue's
     * generation stands (eg_portal_memo_new); NULL: every page is rendered. */
    struct eg_memo *pages;
};

/* The memo for eg_portal_config.pages, holding at most bytes of pages; free with eg_memo_free(). */
EG_WUR enum eg_err eg_portal_memo_new(size_t bytes, struct eg_memo **out);

/*
 * Loads the templates and catalogues compiled into the binary (web/templates/,
 * web/i18n/) and checks them as a whole (eg_tmpl_set_check): a missing partial,
 * message or translation refuses to start, with msg saying what.
 */
EG_WUR enum eg_err eg_portal_templates(struct eg_tmpl_set **out, struct eg_buf *msg);

/* Adds every page route to r behind the gate g. */
EG_WUR enum eg_err eg_portal_register(struct eg_router *r, struct eg_gate *g,
                                      const struct eg_portal_config *cfg);

#endif /* EG_PORTAL_H */
