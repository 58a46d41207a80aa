/* The matching benchmark (control "bench-match"): a catalogue of synthetic
 * personalities of its own (not the system's), spread over provider
 * classes, and nubs of those classes; IOCatalogue_find_candidates timed per
 * nub with rdtsc (guest instructions under -icount shift=0).
 *
 * Personality j has IOProviderClass "IOBenchNub<j % classes>", so every nub
 * has personalities/classes candidates; half of them also carry an
 * IOPropertyMatch that only some nubs satisfy, so the passive match does
 * real work.  Candidates grow with personalities/classes; the catalogue's
 * size alone should not matter (the IOProviderClass index). */
#include <format.h>
#include <string.h>

#include "arch/x86.h"
#include <libkern/platform.h>

#include "iokit/IOCatalogue.h"
#include "iokit/IOKitKernel.h"
#include "kern/control.h"
#include "kern/json.h"
#include "kern/kernel.h"

#define BENCH_MAX_PERSONALITIES 20000
#define BENCH_MAX_NUBS 2000

static bool set_str(OSDictionary *d, const char *key, const char *value)
{
    OSString *s = OSString_with_cstring(value);
    bool ok = s && OSDictionary_set_object(d, key, s);
    OSSafeReleaseNULL(s);
    return ok;
}

static bool set_num(OSDictionary *d, const char *key, uint64_t value)
{
    OSNumber *n = OSNumber_with_value(value, 32);
    bool ok = n && OSDictionary_set_object(d, key, n);
    OSSafeReleaseNULL(n);
    return ok;
}

static OSDictionary *make_personality(unsigned j, unsigned classes)
{
    OSDictionary *p = OSDictionary_with_capacity(6);
    char buf[40];
    bool ok = p != NULL;

    snprintf(buf, sizeof(buf), "IOBenchNub%u", j % classes);
    ok = ok && set_str(p, kIOProviderClassKey, buf);
    ok = ok && set_str(p, kIOClassKey, "IOBenchDriver");
    ok = ok && set_str(p, kCFBundleIdentifierKey, "org.dextbed.bench");
    snprintf(buf, sizeof(buf), "Bench%u", j);
    ok = ok && set_str(p, kIOPersonalityNameKey, buf);
    ok = ok && set_num(p, kIOProbeScoreKey, j % 1000);
    if (ok && (j & 1)) {
        OSDictionary *m = OSDictionary_with_capacity(1);
        ok = m && set_num(m, "bench-group", (j / classes) % 4) &&
             OSDictionary_set_object(p, kIOPropertyMatchKey, m);
        OSSafeReleaseNULL(m);
    }
    if (!ok)
        OSSafeReleaseNULL(p);
    return p;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Insertion sort is too slow for 2,000; a small heap sort. */
static void sort_u64(uint64_t *v, size_t n)
{
    for (size_t start = n / 2; start-- > 0;) {
        size_t root = start;
        for (size_t child; (child = 2 * root + 1) < n; root = child) {
            if (child + 1 < n && cmp_u64(&v[child], &v[child + 1]) < 0)
                child++;
            if (cmp_u64(&v[root], &v[child]) >= 0)
                break;
            uint64_t t = v[root]; v[root] = v[child]; v[child] = t;
        }
    }
    for (size_t end = n; end-- > 1;) {
        uint64_t t = v[0]; v[0] = v[end]; v[end] = t;
        size_t root = 0;
        for (size_t child; (child = 2 * root + 1) < end; root = child) {
            if (child + 1 < end && cmp_u64(&v[child], &v[child + 1]) < 0)
                child++;
            if (cmp_u64(&v[root], &v[child]) >= 0)
                break;
            t = v[root]; v[root] = v[child]; v[child] = t;
        }
    }
}

static void bench(unsigned npers, unsigned nnubs, unsigned classes,
                  const char *ids)
{
    IOCatalogue *cat = IOCatalogue_create();
    OSArray *pers = OSArray_with_capacity(npers);
    IOService **nubs = lk_alloc(nnubs * sizeof(*nubs));
    uint64_t *cost = lk_alloc(nnubs * sizeof(*cost));
    uint64_t matched = 0, total = 0, t_build = rdtsc();
    const char *fail = NULL;

    if (!cat || !pers || !nubs || !cost) {
        fail = "out of memory";
        goto out;
    }
    for (unsigned j = 0; j < npers; j++) {
        OSDictionary *p = make_personality(j, classes);
        if (!p || !OSArray_set_object(pers, p)) {
            OSSafeReleaseNULL(p);
            fail = "out of memory building personalities";
            goto out;
        }
        OSObject_release(p);
    }
    if (IOCatalogue_add_drivers(cat, pers, false) != kIOReturnSuccess) {
        fail = "IOCatalogue_add_drivers refused the personalities";
        goto out;
    }
    for (unsigned i = 0; i < nnubs; i++) {
        char name[40];
        snprintf(name, sizeof(name), "IOBenchNub%u", i % classes);
        OSMetaClass *meta = OSMetaClass_create_dynamic(name, OSTypeID(IOService));
        OSDictionary *props = OSDictionary_with_capacity(1);
        nubs[i] = meta ? (IOService *)OSMetaClass_alloc_instance(meta) : NULL;
        bool ok = nubs[i] && props && set_num(props, "bench-group", i % 4) &&
                  IORegistryEntry_init(&nubs[i]->entry, props);
        OSSafeReleaseNULL(props);
        if (!ok) {
            fail = "out of memory building nubs";
            goto out;
        }
    }
    t_build = rdtsc() - t_build;
    for (unsigned i = 0; i < nnubs; i++) {
        IOMatchCandidates c = { 0 };
        uint64_t t0 = rdtsc();
        unsigned n = IOCatalogue_find_candidates(cat, nubs[i], &c, NULL, NULL, false);
        cost[i] = rdtsc() - t0;
        IOMatchCandidates_free(&c);
        matched += n;
        total += cost[i];
    }
    uint64_t tests = IOCatalogue_get_match_tests(cat);
    sort_u64(cost, nnubs);
    control_sendf("{\"reply\":\"bench-match\",\"personalities\":%u,\"nubs\":%u,"
                  "\"classes\":%u,\"candidates_per_nub\":%u,\"matched_total\":%lu,"
                  "\"match_tests\":%lu,\"tsc_median\":%lu,\"tsc_p99\":%lu,"
                  "\"tsc_min\":%lu,\"tsc_max\":%lu,\"tsc_total\":%lu,"
                  "\"tsc_build\":%lu,\"tsc_hz\":%lu%s}",
                  npers, nnubs, classes, npers / classes, (unsigned long)matched,
                  (unsigned long)tests, (unsigned long)cost[nnubs / 2],
                  (unsigned long)cost[(nnubs * 99) / 100], (unsigned long)cost[0],
                  (unsigned long)cost[nnubs - 1], (unsigned long)total,
                  (unsigned long)t_build, (unsigned long)tsc_hz, ids);
out:
    if (fail)
        control_reply_error(ids, "bench-match: %s", fail);
    for (unsigned i = 0; nubs && i < nnubs; i++)
        OSSafeReleaseNULL(nubs[i]);
    if (nubs)
        lk_free(nubs, nnubs * sizeof(*nubs));
    if (cost)
        lk_free(cost, nnubs * sizeof(*cost));
    OSSafeReleaseNULL(pers);
    if (cat)
        IOCatalogue_destroy(cat);
}

void iokit_bench_command(const char *line, const char *ids);
void iokit_bench_command(const char *line, const char *ids)
{
    int64_t npers = 10000, nnubs = 1000, classes = 1000;

    json_get(line, "personalities", NULL, 0, &npers);
    json_get(line, "nubs", NULL, 0, &nnubs);
    json_get(line, "classes", NULL, 0, &classes);
    if (npers < 1 || npers > BENCH_MAX_PERSONALITIES || nnubs < 1 ||
        nnubs > BENCH_MAX_NUBS || classes < 1 || classes > npers) {
        control_reply_error(ids, "bench-match: personalities 1..%d, nubs 1..%d, "
                            "classes 1..personalities", BENCH_MAX_PERSONALITIES,
                            BENCH_MAX_NUBS);
        return;
    }
    bench((unsigned)npers, (unsigned)nnubs, (unsigned)classes, ids);
}
