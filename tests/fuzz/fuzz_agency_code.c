/*
 * fuzz_agency_code.c - eg_agency_code_parse, the QCVN 102 agency identifier
 * "V1V2V3.Z1Z2.Y1Y2.MX1X2" (DOMAIN-VN §1.2), checked against its definition.
 *
 * Invariants:
 *  - it accepts exactly the 13-character form
 *    ^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$ in which no level is set
 *    below a zero level (000.05.00.H41 is not a code);
 *  - on success the decoded fields are those digits, depth is the deepest
 *    non-zero level, and the parent is the code with that level zeroed; it
 *    parses with depth - 1, the same group and level 1, and so on up to depth
 *    1, whose parent is "";
 *  - on failure msg is a non-empty, valid UTF-8 sentence (it reaches
 *    clients); passing no msg changes nothing but the message.
 */
#include "fuzz.h"

#include "directory/directory.h"

static bool
digit(char c)
{
    return c >= '0' && c <= '9';
}

static int
num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* The definition, written out; fills want when s is a code. */
static bool
model(const char *s, struct eg_agency_code *want)
{
    static const char shape[] = "999.99.99.A99";
    memset(want, 0, sizeof(*want));
    if (strlen(s) != 13)
        return false;
    for (int i = 0; i < 13; i++) {
        bool ok = shape[i] == '9'   ? digit(s[i])
                  : shape[i] == 'A' ? (s[i] >= 'A' && s[i] <= 'Z')
                                    : s[i] == '.';
        if (!ok)
            return false;
    }
    want->level4 = num(s, 3);
    want->level3 = num(s + 4, 2);
    want->level2 = num(s + 7, 2);
    want->group = s[10];
    want->level1 = num(s + 11, 2);
    if (want->level2 == 0 && (want->level3 || want->level4))
        return false;
    if (want->level3 == 0 && want->level4)
        return false;
    want->depth = want->level4 ? 4 : want->level3 ? 3 : want->level2 ? 2 : 1;
    if (want->depth > 1) {
        static const int at[] = {0, 0, 7, 4, 0}; /* where the deepest level starts */
        static const int len[] = {0, 0, 2, 2, 3};
        memcpy(want->parent, s, 14);
        memset(want->parent + at[want->depth], '0', (size_t)len[want->depth]);
    }
    return true;
}

static bool
same_code(const struct eg_agency_code *a, const struct eg_agency_code *b)
{
    return a->group == b->group && a->level1 == b->level1 && a->level2 == b->level2 &&
           a->level3 == b->level3 && a->level4 == b->level4 && a->depth == b->depth &&
           memcmp(a->parent, b->parent, sizeof(a->parent)) == 0;
}

static void
check(const char *code)
{
    struct eg_agency_code got, want, quiet;
    struct eg_buf msg = EG_BUF_INIT(512);
    memset(&got, 0xA5, sizeof(got));
    enum eg_err rc = eg_agency_code_parse(code, &got, &msg);
    enum eg_err rc2 = eg_agency_code_parse(code, &quiet, NULL);
    bool ok = model(code, &want);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    FUZZ_CHECK(rc == rc2);
    FUZZ_CHECK((rc == EG_OK) == ok);
    FUZZ_CHECK(same_code(&got, &quiet));
    if (rc != EG_OK) {
        FUZZ_CHECK(msg.len > 0 && eg_utf8_valid(msg.p, msg.len));
        eg_buf_release(&msg);
        return;
    }
    eg_buf_release(&msg);
    FUZZ_CHECK(same_code(&got, &want));

    /* Up the tree: each parent is a code one level shallower, ending at level 1. */
    struct eg_agency_code c = got;
    while (c.depth > 1) {
        struct eg_agency_code up;
        FUZZ_CHECK(strlen(c.parent) == 13);
        FUZZ_CHECK(eg_agency_code_parse(c.parent, &up, NULL) == EG_OK);
        FUZZ_CHECK(up.depth == c.depth - 1);
        FUZZ_CHECK(up.group == got.group && up.level1 == got.level1);
        c = up;
    }
    FUZZ_CHECK(c.parent[0] == '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *code = fuzz_cstr(data, size);
    check(code);
    free(code);
    return 0;
}
