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

/* ==== LDAP (src/directory/ldap.c, docs/ldap.md) ==================================== */

/*
 * Staff sign-in against an external LDAP server or Active Directory, and a one-way
 * export of the directory into LDAP, through libldap (OpenLDAP 2.5).
 *
 * Sign-in is search-then-bind: the service account (or an anonymous session when no
 * bind DN is set) finds the one entry matching ldap_user_filter, with the login
 * escaped per RFC 4515; then a simple bind as that entry's DN with the password on the
 * same connection decides. egov never stores or logs these passwords. An empty
 * password is refused before anything is sent (an LDAP bind with an empty password is
 * an "unauthenticated bind" that some servers answer with success).
 *
 * Export: egov is the source. ldap_export_base is egov's: every organizationalUnit and
 * inetOrgPerson below it that egov does not export is deleted; other entries are left
 * alone. Nothing is written outside it.
 *
 * Every call opens its own connection and closes it before returning: no state is
 * kept between calls, so all of this may be used from any thread. Calls block for at
 * most the configured timeouts per network step; run them off the HTTP workers.
 */

#define EG_LDAP_STR 1024

struct eg_ldap_config {
    char url[EG_LDAP_STR];         /* "ldap://h:389", "ldaps://h:636", "ldapi://"; several,
                                      space-separated, are tried in order; "" = LDAP off */
    bool starttls;                 /* ldap:// upgraded with StartTLS (never with ldaps://) */
    char ca_file[EG_LDAP_STR];     /* PEM CA certificates; "" = the system's */
    char bind_dn[EG_LDAP_STR];     /* the service account; "" = search anonymously */
    char bind_password[256];       /* secret: never logged */
    char user_base[EG_LDAP_STR];   /* where sign-in searches (subtree) */
    char user_filter[EG_LDAP_STR]; /* every "%s" becomes the escaped login */
    char export_base[EG_LDAP_STR]; /* where export writes; must exist */
    long long connect_timeout_ms;  /* TCP (and TLS) connect, per server */
    long long timeout_ms;          /* each LDAP operation */
    bool allow_plaintext;          /* allow ldap:// without StartTLS to a non-loopback host */
    int page_size;                 /* export's paged search; not a setting (tests use small) */
};

/*
 * Defaults: no URL (LDAP off), filter "(&(objectClass=inetOrgPerson)(uid=%s))",
 * connect timeout 5 s, operation timeout 10 s, page size 500.
 */
void eg_ldap_config_defaults(struct eg_ldap_config *c);
/*
 * Sets one setting by its config-file name: ldap_url, ldap_starttls, ldap_ca_file,
 * ldap_bind_dn, ldap_bind_password, ldap_user_base, ldap_user_filter,
 * ldap_export_base, ldap_connect_timeout, ldap_timeout, ldap_allow_plaintext. Each
 * value is checked on its own (URL scheme, DN syntax, filter shape, ranges); a bad one
 * is EG_EINVAL with "ORIGIN: KEY: why" in msg. A key that is not one of these is
 * EG_ENOTFOUND and msg is untouched, so a caller can fall through to its other keys.
 */
EG_WUR enum eg_err eg_ldap_config_set(struct eg_ldap_config *c, const char *key, const char *value,
                                      const char *origin, struct eg_buf *msg);
/* Whether LDAP is configured at all (ldap_url is set). */
bool eg_ldap_enabled(const struct eg_ldap_config *c);
/*
 * The settings taken together: a URL is set; ldaps:// and StartTLS are not both asked
 * for; no password would cross a network in clear (ldap:// to a host that is not
 * loopback needs StartTLS, unless allow_plaintext); sign-in needs user_base
 * (for_export false); export needs export_base and bind_dn, and export_base must not
 * contain user_base or sit inside it (export deletes what it does not own).
 * Call it at start-up so a bad configuration fails early; EG_EINVAL with msg.
 */
EG_WUR enum eg_err eg_ldap_config_check(const struct eg_ldap_config *c, bool for_export,
                                        struct eg_buf *msg);

/*
 * Appends s escaped for use as a value in an LDAP filter (RFC 4515): '*', '(', ')',
 * '\\', NUL and every byte outside printable ASCII become a backslash and two hex
 * digits, so no login can add to or change a filter.
 */
EG_WUR enum eg_err eg_ldap_filter_escape(const char *s, size_t n, struct eg_buf *out);

/* Who signed in. Strings are malloc'ed (NULL when the entry has no such attribute). */
struct eg_ldap_person {
    char *dn;
    char *cn;
    char *mail;
    char *display_name;
};
/* Frees the strings; the struct may be reused. NULL-safe. */
void eg_ldap_person_release(struct eg_ldap_person *p);

/*
 * Checks login and password against LDAP (search, then bind as the entry found).
 *   EG_OK          the password is right; out is filled (release it).
 *   EG_EFORBIDDEN  wrong password, unknown login, several entries matching, an empty
 *                  password or login: one answer for all, and the same msg.
 *   EG_EUNAVAIL    the server cannot be reached or does not answer within the
 *                  timeouts, TLS fails, the service account is refused, or LDAP is
 *                  not (or badly) configured: the caller answers 503, not "wrong
 *                  password". msg says why, for the log.
 *   EG_ENOMEM, EG_EIO  anything else.
 * msg never holds the password.
 */
EG_WUR enum eg_err eg_ldap_authenticate(const struct eg_ldap_config *c, const char *login,
                                        const char *password, struct eg_ldap_person *out,
                                        struct eg_buf *msg);

struct eg_ldap_export_report {
    size_t added;     /* entries created */
    size_t modified;  /* entries whose attributes were changed or that were moved */
    size_t deleted;   /* entries removed: closed units, disabled or removed staff */
    size_t unchanged; /* entries that already matched */
};

/*
 * Writes the directory under c->export_base, as the service account:
 *   - every org unit that is open, and whose ancestors are all open, as
 *     organizationalUnit "ou=CODE" under its parent's entry (the root unit under the
 *     base), with description = name, postalAddress = address, telephoneNumber = phone;
 *   - "ou=people" under the base, for staff without a current assignment;
 *   - every active staff account as inetOrgPerson "uid=LOGIN" under the unit of its
 *     first open assignment whose unit is exported (else under ou=people), with
 *     cn = displayName = name, sn = the first word of the name (the family name),
 *     givenName = the last word, mail, telephoneNumber, title = the position.
 * Only what differs is written (values compared byte for byte), so a second run
 * changes nothing. Entries of those two classes below the base that egov does not
 * export are deleted, deepest first. rep counts what was done, also on failure
 * (a later run finishes the job). EG_EINVAL for bad settings, EG_ENOTFOUND when the
 * base does not exist, EG_EUNAVAIL when the server cannot be reached, EG_EFORBIDDEN
 * when the service account may not write, EG_ECONFLICT when an entry egov must delete
 * has children it does not own; msg names the entry.
 */
EG_WUR enum eg_err eg_ldap_export(const struct eg_ldap_config *c, struct eg_db *db,
                                  struct eg_ldap_export_report *rep, struct eg_buf *msg);

#endif /* EG_DIRECTORY_H */
