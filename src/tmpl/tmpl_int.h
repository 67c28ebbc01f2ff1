/*
 * tmpl_int.h - the insides of the template engine, shared by src/tmpl/ only.
 *
 * A template compiles to a list of nodes in the set's arena; names are split
 * into NUL-terminated segments and hashed once, so a render only walks nodes
 * and looks keys up in the context. Catalogue messages compile to pieces
 * (text, or an argument index). Nothing here changes after loading except the
 * atomic miss counter.
 */
#ifndef EG_TMPL_INT_H
#define EG_TMPL_INT_H

#include "tmpl.h"

#include <stdatomic.h>

enum tfilter {
    TF_NONE,
    TF_DATE,
    TF_DATETIME,
    TF_NUMBER,
    TF_URL,
};

/* A value in the context: "a.b.c" as segments; no segment is "." (the current item). */
struct tref {
    const char **seg;
    size_t nseg;
    enum tfilter filter;
};

enum tnode_kind {
    TN_TEXT,     /* text: bytes printed as they are */
    TN_VAR,      /* ref */
    TN_RAW,      /* ref, unescaped */
    TN_SECTION,  /* ref, child */
    TN_INVERTED, /* ref, child */
    TN_PARTIAL,  /* text: template name */
    TN_PARENT,   /* text: layout name; child: TN_BLOCK overrides only */
    TN_BLOCK,    /* text: block name; child: default content (or the override) */
    TN_MSG,      /* text: message key; args */
};

struct tnode {
    enum tnode_kind kind;
    uint32_t line, col;
    uint32_t hash; /* of text, for names and keys */
    struct tnode *next;
    struct tnode *child;
    struct eg_str text;
    struct tref ref;
    struct tref *args;
    size_t nargs;
};

struct tmpl {
    const char *name;
    struct tnode *root;
    bool text_mode; /* a .txt template: nothing escaped */
};

/* Open addressing, linear probing; keys are borrowed (they live in the arena). */
struct tindex_slot {
    const char *key;
    size_t klen;
    uint32_t hash;
    void *val;
};

struct tindex {
    struct tindex_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t n;
};

/* A piece of a message: text (arg < 0) or the argument arg. */
struct tpiece {
    struct eg_str text;
    int arg;
};

struct tmsg {
    struct tpiece *pieces;
    size_t npieces;
    int max_arg; /* highest placeholder, -1 if none */
};

struct tcat {
    char lang[16];
    struct tindex msgs; /* key -> struct tmsg */
};

struct eg_tmpl_set {
    struct eg_arena *arena;
    struct tindex tmpls; /* name -> struct tmpl */
    struct tcat cats[EG_TMPL_MAX_LANGS];
    size_t ncats;
    bool strict;
    uint64_t max_steps;
    _Atomic uint64_t *missing;
};

uint32_t tmpl_hash(const char *s, size_t n);
void tindex_release(struct tindex *ix);
/* EG_ECONFLICT if key is there; EG_ENOMEM. */
EG_WUR enum eg_err tindex_put(struct tindex *ix, const char *key, size_t klen, uint32_t hash,
                              void *val);
void *tindex_get(const struct tindex *ix, const char *key, size_t klen, uint32_t hash);

/*
 * Compiles text into *out (nodes in arena). On EG_EINVAL msg (if any) holds
 * "name:line:col: what".
 */
EG_WUR enum eg_err tmpl_compile(struct eg_arena *arena, const char *name, const char *text,
                                size_t len, struct tnode **out, struct eg_buf *msg);

/* Letters, digits and _ - plus extra (NUL-terminated list of more allowed bytes). */
bool tmpl_name_ok(const char *s, size_t n, const char *extra);

/* Output of values: escaped (html) or only with control characters replaced (text). */
EG_WUR enum eg_err tmpl_put(struct eg_buf *out, const char *s, size_t n, bool html);
/* Prints v through filter f as {{x|f}} does. lang picks number separators. */
EG_WUR enum eg_err tmpl_put_value(struct eg_buf *out, const json_t *v, enum tfilter f, bool english,
                                  bool html);
/* "date" -> TF_DATE ...; false if there is no such filter. */
bool tmpl_filter_parse(const char *s, size_t n, enum tfilter *out);

/* The message key of catalogue cat, or NULL. */
const struct tmsg *tmpl_msg_find(const struct tcat *cat, struct eg_str key, uint32_t hash);

#endif /* EG_TMPL_INT_H */
