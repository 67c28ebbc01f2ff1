/*
 * argon-rate.c - L_argon of ../shared/docs/PERFORMANCE.md: argon2id hashes per
 * second on THREADS threads at egov's production parameters (libsodium
 * crypto_pwhash_str_alg, opslimit 2, memlimit 19 MiB, ALG_ARGON2ID13; see
 * src/identity/password.c). Used by bench/sections/login.sh, which builds it:
 *
 *   cc -O2 tools/argon-rate.c $(pkg-config --cflags --libs libsodium) -lpthread -o argon-rate
 *   argon-rate THREADS SECONDS [WARMUP-SECONDS]
 *
 * Every thread hashes for WARMUP seconds (default 1, not counted), then all start
 * together and hash until SECONDS have passed; a thread finishes the hash it is in.
 * Prints one number: the sum over threads of hashes / the time that thread ran
 * (hashes per second). Not part of egov: it is not built by CMake.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OPSLIMIT 2ULL
#define MEMLIMIT ((size_t)19 * 1024 * 1024)

static double g_seconds, g_warmup;
static pthread_barrier_t g_start;

struct worker {
    pthread_t t;
    long hashes;
    double elapsed;
    int failed;
};

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
one_hash(void)
{
    static const char pw[] = "correct horse battery staple";
    char out[crypto_pwhash_STRBYTES];
    return crypto_pwhash_str_alg(out, pw, sizeof(pw) - 1, OPSLIMIT, MEMLIMIT,
                                 crypto_pwhash_ALG_ARGON2ID13);
}

static void *
run(void *arg)
{
    struct worker *w = arg;
    double end = now_s() + g_warmup;
    while (g_warmup > 0 && now_s() < end)
        if (one_hash() != 0)
            w->failed = 1;
    pthread_barrier_wait(&g_start);
    double t0 = now_s(), t;
    end = t0 + g_seconds;
    do {
        if (one_hash() != 0) {
            w->failed = 1;
            break;
        }
        w->hashes++;
        t = now_s();
    } while (t < end);
    w->elapsed = now_s() - t0;
    return NULL;
}

int
main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: argon-rate THREADS SECONDS [WARMUP-SECONDS]\n");
        return 2;
    }
    char *e1, *e2, *e3 = "";
    long n = strtol(argv[1], &e1, 10);
    g_seconds = strtod(argv[2], &e2);
    g_warmup = argc == 4 ? strtod(argv[3], &e3) : 1.0;
    if (*e1 || *e2 || *e3 || n < 1 || n > 1024 || !(g_seconds > 0) || !(g_warmup >= 0)) {
        fprintf(stderr, "argon-rate: THREADS must be 1-1024, SECONDS > 0, WARMUP >= 0\n");
        return 2;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "argon-rate: sodium_init failed\n");
        return 1;
    }
    struct worker *w = calloc((size_t)n, sizeof(*w));
    if (!w || pthread_barrier_init(&g_start, NULL, (unsigned)n) != 0) {
        fprintf(stderr, "argon-rate: out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++)
        if (pthread_create(&w[i].t, NULL, run, &w[i]) != 0) {
            fprintf(stderr, "argon-rate: cannot start thread %d\n", i);
            return 1;
        }
    double rate = 0;
    int failed = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(w[i].t, NULL);
        failed |= w[i].failed;
        if (w[i].elapsed > 0)
            rate += (double)w[i].hashes / w[i].elapsed;
    }
    if (failed) {
        fprintf(stderr, "argon-rate: crypto_pwhash_str_alg failed (out of memory?)\n");
        return 1;
    }
    printf("%.2f\n", rate);
    return 0;
}
