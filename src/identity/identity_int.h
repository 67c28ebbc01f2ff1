/* identity_int.h - shared inside src/identity/ only. */
#ifndef EG_IDENTITY_INT_H
#define EG_IDENTITY_INT_H

#include "identity/identity.h"

#include <sodium.h>

struct eg_identity {
    struct eg_identity_config cfg;
    unsigned char hash_key[crypto_auth_hmacsha256_KEYBYTES]; /* keyed hash of personal ids */
    unsigned char seal_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    struct eg_pool *pool;
    char **breached; /* sorted; bsearch */
    size_t nbreached;
    char dummy_hash[crypto_pwhash_STRBYTES]; /* verified against for unknown logins */
};

/* SHA-256 of a token's text: what the tables store. */
void eg_token_hash(const char *token, unsigned char out[32]);
/* 32 random bytes as base64url without padding (43 chars + NUL). */
EG_WUR enum eg_err eg_token_new(char out[EG_TOKEN_TEXT]);
/* "account:42" into buf. */
const char *eg_actor_of(int64_t account_id, char *buf, size_t n);
/* The breached list, from the embedded file and an optional extra file. */
EG_WUR enum eg_err eg_breached_load(struct eg_identity *id, struct eg_buf *msg);
void eg_breached_free(struct eg_identity *id);
/* Appends an audit entry; identity's changes all go through here. */
EG_WUR enum eg_err eg_identity_audit(struct eg_tx *tx, const char *actor, const char *action,
                                     const char *object, bool ok, const char *remote,
                                     const char *request_id, int64_t now_ms);

#endif /* EG_IDENTITY_INT_H */
