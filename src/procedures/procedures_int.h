/* procedures_int.h - what the files of src/procedures/ share. */
#ifndef EG_PROCEDURES_INT_H
#define EG_PROCEDURES_INT_H

#include "procedures.h"

/*
 * The text search runs over: folded (eg_text_fold), then only words of a-z and
 * 0-9 separated by single spaces, so that "20/2021/NĐ-CP" is the three words
 * "20 2021 nd cp" to SQLite's tokenizer, to PostgreSQL's and to the ranking's
 * LIKE patterns alike. Appends to out.
 */
EG_WUR enum eg_err eg_proc_words(const char *text, size_t n, struct eg_buf *out);

/* NFC, valid UTF-8, no control characters (tab and newline only when multiline). */
bool eg_proc_clean_text(const char *s, size_t n, bool multiline);

/*
 * cache.c: a shallow copy of the cached document of (pid, version), or NULL;
 * put keeps a reference to doc, which nobody may change afterwards.
 */
json_t *eg_proc_cache_get(struct eg_procedure_cache *c, int64_t pid, int version);
void eg_proc_cache_put(struct eg_procedure_cache *c, int64_t pid, int version, json_t *doc);

#endif /* EG_PROCEDURES_INT_H */
