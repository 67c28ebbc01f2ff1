/* arena.c - region allocation with cleanups, freed all at once. */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 16

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(ALIGN) unsigned char data[];
};

struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *arg;
};

struct eg_arena {
    struct chunk *head; /* current chunk; the first one is the last in the list */
    struct cleanup *cleanups;
    size_t chunk;
    size_t max;
    size_t total; /* bytes of chunks held */
};

static struct chunk *
chunk_new(size_t size)
{
    struct chunk *c = malloc(sizeof(*c) + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

struct eg_arena *
eg_arena_new(size_t chunk, size_t max)
{
    if (chunk < 256)
        chunk = 256;
    if (max < chunk)
        max = chunk;
    struct eg_arena *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->head = chunk_new(chunk);
    if (!a->head) {
        free(a);
        return NULL;
    }
    a->chunk = chunk;
    a->max = max;
    a->total = chunk;
    return a;
}

static void
run_cleanups(struct eg_arena *a)
{
    while (a->cleanups) {
        struct cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->arg);
    }
}

void
eg_arena_clear(struct eg_arena *a)
{
    if (!a)
        return;
    run_cleanups(a);
    struct chunk *c = a->head;
    while (c->next) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = c;
    c->used = 0;
    a->total = c->size;
}

void
eg_arena_free(struct eg_arena *a)
{
    if (!a)
        return;
    eg_arena_clear(a);
    free(a->head);
    free(a);
}

void *
eg_arena_alloc(struct eg_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > a->max || n > SIZE_MAX - ALIGN)
        return NULL;
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    struct chunk *c = a->head;
    if (c->size - c->used < need) {
        size_t size = need > a->chunk ? need : a->chunk;
        if (a->total > a->max || size > a->max - a->total)
            return NULL;
        struct chunk *nc = chunk_new(size);
        if (!nc)
            return NULL;
        nc->next = c;
        a->head = nc;
        a->total += size;
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += need;
    return p;
}

void *
eg_arena_zalloc(struct eg_arena *a, size_t n)
{
    void *p = eg_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *
eg_arena_strndup(struct eg_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = eg_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
eg_arena_strdup(struct eg_arena *a, const char *s)
{
    return eg_arena_strndup(a, s, strlen(s));
}

char *
eg_arena_printf(struct eg_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = eg_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

enum eg_err
eg_arena_cleanup(struct eg_arena *a, void (*fn)(void *), void *arg)
{
    struct cleanup *c = eg_arena_alloc(a, sizeof(*c));
    if (!c)
        return EG_ENOMEM;
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
    return EG_OK;
}

size_t
eg_arena_used(const struct eg_arena *a)
{
    size_t used = 0;
    for (const struct chunk *c = a->head; c; c = c->next)
        used += c->used;
    return used;
}
