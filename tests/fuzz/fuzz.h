/*
 * fuzz.h - what the libFuzzer harnesses share: the entry point, a check that
 * stays on in every build, and small helpers.
 *
 * A harness keeps no state between runs: everything it allocates is freed
 * before LLVMFuzzerTestOneInput returns (LeakSanitizer is on), and a broken
 * invariant prints what broke, then traps so libFuzzer saves the input.
 */
#ifndef EG_FUZZ_H
#define EG_FUZZ_H

#include "core/core.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(c)                                                                              \
    do {                                                                                           \
        if (!(c))                                                                                  \
            fuzz_fail(__FILE__, __LINE__, #c);                                                     \
    } while (0)

__attribute__((noreturn)) static inline void
fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "fuzz: invariant broken at %s:%d: %s\n", file, line, what);
    __builtin_trap();
}

/* A malloc'ed NUL-terminated copy of the input (an inner NUL ends the C string early). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = calloc(size + 1, 1);
    FUZZ_CHECK(s != NULL);
    if (size)
        memcpy(s, data, size);
    return s;
}

/* The string s[0..n) has no C0 control character and no DEL. */
static inline bool
fuzz_no_controls(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* Byte-for-byte equality of two buffers' contents. */
static inline bool
fuzz_buf_eq(const struct eg_buf *a, const struct eg_buf *b)
{
    return a->len == b->len && memcmp(eg_buf_str(a), eg_buf_str(b), a->len) == 0;
}

/* Does s[0..n) hold needle (NUL-terminated, not empty)? memmem needs _GNU_SOURCE. */
static inline bool
fuzz_contains(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, needle, k) == 0)
            return true;
    return false;
}

/*
 * Fills the stack below the caller with 0xA5, so a function called next that
 * reads an uninitialised local sees a recognisable garbage value instead of
 * whatever the previous run left (which is often a harmless 0).
 */
/* Not instrumented: ASan would put the array between redzones it leaves unpainted. */
__attribute__((noinline, no_sanitize("address"))) static inline void
fuzz_paint_stack(void)
{
    unsigned char pad[16 * 1024];
    memset(pad, 0xA5, sizeof(pad));
    __asm__ volatile("" : : "r"(pad) : "memory"); /* keeps the memset */
}

#endif /* EG_FUZZ_H */
