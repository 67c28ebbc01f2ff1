/*
 * directory.h - the organisation tree: org units with QCVN 102 agency codes.
 *
 * Owns the org_unit table. A unit is closed, never deleted; its code is
 * validated here and never reused. Read views are returned as jansson objects
 * (the caller owns the reference) so the API and the pages show the same data.
 * Thread safety: stateless; every function takes the db or a tx.
 */
#ifndef EG_DIRECTORY_H
#define EG_DIRECTORY_H

#include "core/core.h"
#include "db/db.h"

#define EG_AGENCY_CODE_MAX 35

/* A decoded agency code "V1V2V3.Z1Z2.Y1Y2.MX1X2" (DOMAIN-VN §1.2). */
struct eg_agency_code {
    char group;      /* M: 'H' provincial People's Committee, 'G' ministries ... */
    int level1;      /* X1X2 */
    int level2;      /* Y1Y2, 0 when absent */
    int level3;      /* Z1Z2 */
    int level4;      /* V1V2V3 */
    int depth;       /* 1..4: the deepest level that is not zero */
    char parent[14]; /* the code one level up, "" for a level-1 unit */
};

/*
 * Validates the 13-character form ^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$
 * and decodes it. A lower level cannot be set when a higher one is zero
 * (000.05.00.H41 is not a code). msg (optional) says what is wrong.
 */
EG_WUR enum eg_err eg_agency_code_parse(const char *code, struct eg_agency_code *out,
                                        struct eg_buf *msg);
/* The group letter's meaning in Vietnamese, or NULL if not known. */
const char *eg_agency_group_name(char group);

enum eg_org_kind {
    EG_ORG_PROVINCE_COMMITTEE,
    EG_ORG_DEPARTMENT,
    EG_ORG_SERVICE_CENTER,
    EG_ORG_SUB_UNIT,
    EG_ORG_COMMUNE_COMMITTEE,
};
const char *eg_org_kind_str(enum eg_org_kind k);
EG_WUR enum eg_err eg_org_kind_parse(const char *s, enum eg_org_kind *out);

struct eg_org_unit {
    const char *code;
    const char *parent_code; /* NULL for the root */
    enum eg_org_kind kind;
    const char *name;
    const char *name_en;
    const char *short_name;
    const char *address;
    const char *phone;
    const char *email;
    const char *website;
    const char *valid_from; /* YYYY-MM-DD */
    bool demo;
};

/*
 * Adds a unit inside tx. The code must parse, be new, and sit below its
 * parent's code; the parent must exist and be open. Names are stored NFC with
 * a folded shadow for search. EG_ECONFLICT when the code exists.
 */
EG_WUR enum eg_err eg_org_unit_create(struct eg_tx *tx, const struct eg_org_unit *u, int64_t now_ms,
                                      struct eg_buf *msg);

/* The row id of the unit with this code (open or closed); EG_ENOTFOUND. */
EG_WUR enum eg_err eg_org_unit_id(struct eg_tx *tx, const char *code, int64_t *out);

/* The root unit (the provincial People's Committee): the unit of province-wide objects. */
EG_WUR enum eg_err eg_org_unit_root(struct eg_tx *tx, int64_t *out);

/* Number of org units (open or closed). */
EG_WUR enum eg_err eg_org_unit_count(struct eg_db *db, int64_t *out);

/* One unit as {"code","name",...,"parent":{"code","name"}|null}; EG_ENOTFOUND if none. */
EG_WUR enum eg_err eg_org_unit_get(struct eg_db *db, const char *code, json_t **out);

struct eg_org_query {
    const char *q;      /* free text, diacritic-insensitive; NULL for all */
    const char *parent; /* only children of this code */
    bool include_closed;
    int limit;  /* 1..200 */
    int offset; /* >= 0 */
};

/* {"items":[...],"total":N}, ordered by code. */
EG_WUR enum eg_err eg_org_unit_list(struct eg_db *db, const struct eg_org_query *q, json_t **out);

/*
 * Imports units from JSON: an array of objects with the keys of struct
 * eg_org_unit ("code", "parent", "kind", "name", "name_en", "short_name",
 * "address", "phone", "email", "website", "valid_from"); parents first. All or
 * nothing: the caller's tx is left to roll back on failure. msg names the
 * offending unit.
 */
EG_WUR enum eg_err eg_org_unit_import(struct eg_tx *tx, const json_t *units, bool demo,
                                      int64_t now_ms, size_t *count, struct eg_buf *msg);

/* This installation's own facts (province name, demo label ...), as key/value. */
EG_WUR enum eg_err eg_instance_set(struct eg_tx *tx, const char *key, const char *value,
                                   int64_t now_ms);
/* The value appended to out; EG_ENOTFOUND when unset. */
EG_WUR enum eg_err eg_instance_get(struct eg_db *db, const char *key, struct eg_buf *out);

/* ---- changing units ---------------------------------------------------------------- */

/* Fields an administrator may change; NULL leaves one as it is. The code never changes. */
struct eg_org_unit_update {
    const char *name;
    const char *name_en;
    const char *short_name;
    const char *address;
    const char *phone;
    const char *email;
    const char *website;
};
EG_WUR enum eg_err eg_org_unit_update(struct eg_tx *tx, const char *code,
                                      const struct eg_org_unit_update *u, int64_t now_ms,
                                      struct eg_buf *msg);
/*
 * Closes a unit as of valid_to (YYYY-MM-DD): it stays in the directory, its code
 * is never reused. A unit with open sub-units cannot close (EG_ECONFLICT).
 */
EG_WUR enum eg_err eg_org_unit_close(struct eg_tx *tx, const char *code, const char *valid_to,
                                     int64_t now_ms, struct eg_buf *msg);

/* ---- staff in units ---------------------------------------------------------------- */

/* Assigns a staff account to a unit with a position ("Chuyên viên", "Trưởng phòng" ...). */
EG_WUR enum eg_err eg_staff_assign(struct eg_tx *tx, int64_t account_id, int64_t org_unit_id,
                                   const char *position, int64_t now_ms, struct eg_buf *msg);
/* The unit of the account's first open assignment (0 if none). */
EG_WUR enum eg_err eg_staff_primary_unit(struct eg_tx *tx, int64_t account_id, int64_t *out);
/* [{"org_unit":{"id","code","name"},"position","since"}] for the account's open assignments. */
EG_WUR enum eg_err eg_staff_assignments(struct eg_tx *tx, int64_t account_id, json_t **out);

#endif /* EG_DIRECTORY_H */
