/*
 * procedures.h - the catalogue of administrative procedures (thủ tục hành chính).
 *
 * Owns the tables of migration 0007. A procedure is a JSON document (the shape
 * of data/demo/procedures.json, described in docs/procedures.md): what to
 * bring, how long it takes, what it costs, who decides, the legal basis, and
 * the online form. Documents are versioned with effective dates; the current
 * published version is what the portal shows, and a dossier keeps the version
 * it was submitted under. Search is diacritic-insensitive and word-order
 * tolerant, through SQLite FTS5 or a PostgreSQL GIN index over folded text.
 *
 * Read views are jansson objects owned by the caller. Thread safety:
 * stateless, everything goes through the db or the caller's tx.
 */
#ifndef EG_PROCEDURES_H
#define EG_PROCEDURES_H

#include "core/core.h"
#include "db/db.h"

#define EG_PROCEDURE_CODE_MAX 64
/* The longest search text, in bytes: more is refused (EG_EINVAL), not cut. */
#define EG_PROCEDURE_QUERY_MAX 200

/* "1.000656", or with a local variant's suffix "1.000656.000.00.00.H41". */
bool eg_procedure_code_ok(const char *code);

/*
 * Checks a procedure document: every field, the form definition (field types,
 * names, select options, conditional fields referring to earlier selects, file
 * limits). msg names the first problem with its path ("form.fields[3].type").
 */
EG_WUR enum eg_err eg_procedure_check(const json_t *doc, struct eg_buf *msg);

/*
 * Adds a procedure field (lĩnh vực) or renames it: code A-Z, 0-9, _ (at most
 * 16), names NFC without control characters (at most 300); a rename without
 * name_en keeps the English name there is. EG_EINVAL otherwise.
 */
EG_WUR enum eg_err eg_procedure_field_put(struct eg_tx *tx, const char *code, const char *name,
                                          const char *name_en);

enum eg_procedure_put_mode {
    EG_PUT_ANY,     /* a new procedure or the next version of one (import) */
    EG_PUT_NEW,     /* only a new procedure: EG_ECONFLICT when the code exists */
    EG_PUT_VERSION, /* only a new version: EG_ENOTFOUND when the code does not exist */
};

struct eg_procedure_put {
    enum eg_procedure_put_mode mode;
    bool publish;      /* the new version becomes current at once */
    bool demo;         /* demo data, labelled as such */
    const char *actor; /* who, for the version's record ("account:12") */
    int64_t now_ms;
};

/*
 * Stores doc as the next version of its procedure (creating the procedure when
 * new), resolving its agencies ("*communes*" = every open commune People's
 * Committee). *version gets the version number. EG_EINVAL with msg for a bad
 * document or an unknown field or agency.
 */
EG_WUR enum eg_err eg_procedure_put(struct eg_tx *tx, const json_t *doc,
                                    const struct eg_procedure_put *how, int *version,
                                    struct eg_buf *msg);
/*
 * Publishes a stored version (it becomes current); EG_ENOTFOUND if none,
 * EG_EINVAL with msg when one of its agencies has closed since.
 */
EG_WUR enum eg_err eg_procedure_publish(struct eg_tx *tx, const char *code, int version,
                                        int64_t now_ms, struct eg_buf *msg);
/* Retires a procedure: it leaves the portal, its versions stay. */
EG_WUR enum eg_err eg_procedure_retire(struct eg_tx *tx, const char *code, int64_t now_ms);

/*
 * The published procedure: its current document plus "version", "status",
 * "field_name" and "agencies":[{"code","name"}]. With include_drafts the
 * newest version whatever its state (for administrators). EG_ENOTFOUND.
 */
EG_WUR enum eg_err eg_procedure_get(struct eg_db *db, const char *code, bool include_drafts,
                                    json_t **out);

/*
 * Parsed documents kept between calls, for a hot path that reads the same
 * procedures again and again (submissions). A cache belongs to one database.
 * eg_procedure_get_cached() answers as eg_procedure_get(db, code, false, out)
 * but the members of *out are shared with the cache and must not be changed
 * (its own top-level keys may be). With agency, "agencies" lists that unit
 * only (empty when it does not carry the procedure out). Thread-safe.
 */
struct eg_procedure_cache;
EG_WUR enum eg_err eg_procedure_cache_new(struct eg_procedure_cache **out);
void eg_procedure_cache_free(struct eg_procedure_cache *c);
EG_WUR enum eg_err eg_procedure_get_cached(struct eg_db *db, struct eg_procedure_cache *cache,
                                           const char *code, const char *agency, json_t **out);

struct eg_procedure_query {
    const char *q;         /* free text; NULL lists by popularity */
    const char *field;     /* field code */
    const char *agency;    /* QCVN 102 code of an implementing unit */
    const char *level;     /* "province" / "commune" */
    const char *applicant; /* "citizen" / "business" */
    bool include_drafts;   /* administrators' lists */
    bool include_retired;  /* ... with the retired ones too (only with include_drafts) */
    int limit;             /* 1..100 */
    int offset;            /* >= 0 */
};

/*
 * {"items":[{"code","name","name_en","field":{"code","name","name_en"},"level","applicants":[...],
 * "online_level","working_days","status"}],"total":N,"partial":B}, best
 * match first. When no procedure has every word of q, those with some of them
 * are listed and partial is true. EG_EINVAL for a bad limit or offset or a q
 * longer than EG_PROCEDURE_QUERY_MAX.
 */
EG_WUR enum eg_err eg_procedure_search(struct eg_db *db, const struct eg_procedure_query *q,
                                       json_t **out);
/*
 * The database's plan for the search's two statements (the page, then the
 * count), one step per line: for tests that prove no table is scanned.
 */
EG_WUR enum eg_err eg_procedure_search_plan(struct eg_db *db, const struct eg_procedure_query *q,
                                            struct eg_buf *out);
/*
 * Every version of a procedure, newest first: [{"version","valid_from",
 * "created_at","created_by","published_at","current"}]. EG_ENOTFOUND.
 */
EG_WUR enum eg_err eg_procedure_versions(struct eg_db *db, const char *code, json_t **out);
/*
 * A version's document exactly as stored (agencies as written, "*communes*"
 * included): version 0 is the newest. For editing. EG_ENOTFOUND.
 */
EG_WUR enum eg_err eg_procedure_document(struct eg_db *db, const char *code, int version,
                                         json_t **out);
/* The current name of a procedure, without reading its document (a status page). EG_ENOTFOUND. */
EG_WUR enum eg_err eg_procedure_name_tx(struct eg_tx *tx, const char *code, char *out, size_t n);
/* The same inside the caller's transaction (a dossier's action reads its procedure's rules). */
EG_WUR enum eg_err eg_procedure_document_tx(struct eg_tx *tx, const char *code, int version,
                                            json_t **out);
/*
 * The same from cache when it holds that version (a stored version never
 * changes): *out's members are shared with the cache and must not be changed.
 * A NULL cache reads and parses as eg_procedure_document_tx.
 */
EG_WUR enum eg_err eg_procedure_document_cached_tx(struct eg_tx *tx,
                                                   struct eg_procedure_cache *cache,
                                                   const char *code, int version, json_t **out);
/*
 * The units that carry out published procedures, with how many:
 * [{"code","name","kind","count"}], departments and other provincial units
 * before the communes, then by code.
 */
EG_WUR enum eg_err eg_procedure_agencies(struct eg_db *db, json_t **out);
/* How many procedures there are, whatever their state. */
EG_WUR enum eg_err eg_procedure_count(struct eg_db *db, int64_t *out);
/*
 * A number that changes with anything the public catalogue pages show:
 * procedures and their versions, agencies and fields, org units, the
 * instance's settings (kept by triggers, migration 0013). A page rendered
 * under one number is still true while the number is the same.
 */
EG_WUR enum eg_err eg_catalogue_generation(struct eg_db *db, int64_t *out);
/* The fields with the number of published procedures in each: [{"code","name","count"}]. */
EG_WUR enum eg_err eg_procedure_fields(struct eg_db *db, json_t **out);
/* Every procedure's current document, for export: {"fields":[...],"procedures":[...]}. */
EG_WUR enum eg_err eg_procedure_export(struct eg_db *db, json_t **out);
/*
 * Imports a catalogue document ({"fields":[...],"procedures":[...]}) in tx, all
 * or nothing, each procedure as a new version (published if publish).
 */
EG_WUR enum eg_err eg_procedure_import(struct eg_tx *tx, const json_t *catalogue, bool publish,
                                       bool demo, const char *actor, int64_t now_ms, size_t *count,
                                       struct eg_buf *msg);

/*
 * The blank declaration (tờ khai) of a procedure as an A4 PDF, from its online
 * form: the national header, the title and addressee, one numbered item per
 * field (dotted lines, date blanks, 12 boxes for a personal id, check boxes
 * for a choice, "(nếu ...)" for a conditional field), the documents to
 * attach, the commitment and the signature block; the procedure code is in
 * every page's footer. procedure is a document as eg_procedure_get() returns
 * it (or as stored); lang "vi" (or NULL) or "en" chooses the fixed texts, the
 * labels stay as written. fonts_dir: NULL for EG_PDF_FONTS_DIR (pdf/pdf.h).
 * The PDF is appended to out; EG_ENOTFOUND when the procedure has no form
 * fields, EG_EINVAL for a bad lang or a missing font (msg says which).
 */
EG_WUR enum eg_err eg_procedure_form_pdf(const json_t *procedure, const char *lang,
                                         const char *fonts_dir, struct eg_buf *out,
                                         struct eg_buf *msg);

#endif /* EG_PROCEDURES_H */
