/* err.c - the error vocabulary and its words. */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>

static const struct {
    const char *code;
    const char *text;
} errs[EG_ERR_COUNT] = {
    [EG_OK] = {"ok", "success"},
    [EG_EINVAL] = {"invalid_argument", "the input is not valid"},
    [EG_ENOTFOUND] = {"not_found", "not found"},
    [EG_ECONFLICT] = {"conflict", "conflicts with the current state"},
    [EG_EUNAUTH] = {"unauthenticated", "sign-in required"},
    [EG_EFORBIDDEN] = {"forbidden", "not allowed"},
    [EG_ETOOBIG] = {"too_large", "a size limit was exceeded"},
    [EG_ERATE] = {"rate_limited", "too many requests"},
    [EG_ENOMEM] = {"out_of_memory", "out of memory"},
    [EG_EIO] = {"io_error", "input/output error"},
    [EG_EBUSY] = {"busy", "busy, try again"},
    [EG_EUNAVAIL] = {"unavailable", "a required service is unavailable"},
    [EG_ETIMEOUT] = {"timeout", "timed out"},
    [EG_EVERSION] = {"version_mismatch", "the database is newer than this program"},
    [EG_EINTERNAL] = {"internal", "internal error"},
};

const char *
eg_strerror(enum eg_err e)
{
    if ((unsigned)e >= EG_ERR_COUNT)
        return "unknown error";
    return errs[e].text;
}

const char *
eg_err_code(enum eg_err e)
{
    if ((unsigned)e >= EG_ERR_COUNT)
        return "internal";
    return errs[e].code;
}

void
eg_bug(const char *file, int line, const char *what)
{
    fprintf(stderr, "egov: BUG at %s:%d: %s\n", file, line, what);
    abort();
}
