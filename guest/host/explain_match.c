/* explain-match: why does (or doesn't) a driver match a nub?
 *
 * usage: explain-match [--json] PERSONALITIES... [--nub] NUB.plist
 *                      [--path IOService:/... | --id N]
 * (NUB.plist "-": standard input, e.g. piped from scripts/dextbed ioreg -a)
 *
 * Runs the kernel's own matching code (guest/iokit, built for the host) on
 * a nub rebuilt from its plist (nub_plist.h) and the personalities given,
 * and reports every personality considered: matched or the key that
 * rejected it and why, its score and category; then per category the
 * ranking and the winner.  docs/explain-match.md.
 * Exit: 0 something matched, 1 nothing did, 2 bad input. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "iokit/IOCatalogue.h"
#include "infoplist_rules.h"
#include "nub_plist.h"

#define TOOL "explain-match"

static void usage(FILE *out)
{
    fprintf(out,
"usage: " TOOL " [--json] PERSONALITIES... [--nub] NUB.plist\n"
"                     [--path IOService:/... | --id N]\n"
"\n"
"Match the personalities against the nub with the kernel's matching code and\n"
"say, for each, whether it matches, or which key rejected it and why; then,\n"
"per IOMatchCategory, the ranking and the winner.\n"
"\n"
"PERSONALITIES  Info.plist files, bundle directories holding one, or plist\n"
"               files whose top is a single personality <dict>\n"
"NUB.plist      the nub as 'scripts/dextbed ioreg -a' prints an entry\n"
"               (IOObjectClass, IOObjectClassChain, properties; optionally\n"
"               IOParentEntry and IOResources); --nub FILE, or the last\n"
"               argument; - reads it from standard input\n"
"  --path P     the nub file is a whole registry archive: use the entry at\n"
"               path P (e.g. IOService:/PCI0@0/pci8086,10d3@2)\n"
"  --id N       ... or the entry whose IORegistryEntryID is N\n"
"  --json       one JSON object instead of text\n"
"  --help       this text\n"
"\n"
"Exit status: 0 something matched, 1 nothing matched, 2 bad input.\n"
"docs/explain-match.md has the nub format and examples.\n");
}

/* ---- what the matching engine reported ---- */

typedef struct Considered {
    OSDictionary *personality;      /* retained */
    bool matched;
    char rejected_key[96];
    char reason[sizeof(((IOMatchResult *)0)->reason)];
    int32_t score;
    char category[128];
    unsigned rank;                  /* 1-based in its category; 0: none */
} Considered;

typedef struct Report {
    Considered *items;
    size_t count, capacity;
    bool out_of_memory;
} Report;

static void on_match(void *ctx, OSDictionary *personality,
                     const IOMatchResult *r)
{
    Report *rep = ctx;

    if (rep->count == rep->capacity) {
        size_t cap = rep->capacity ? rep->capacity * 2 : 16;
        Considered *n = realloc(rep->items, cap * sizeof(*n));
        if (!n) {
            rep->out_of_memory = true;
            return;
        }
        rep->items = n;
        rep->capacity = cap;
    }
    Considered *c = &rep->items[rep->count++];
    memset(c, 0, sizeof(*c));
    OSObject_retain(personality);
    c->personality = personality;
    c->matched = r->matched;
    c->score = r->score;
    snprintf(c->rejected_key, sizeof(c->rejected_key), "%s",
             r->rejected_key ? r->rejected_key : "");
    snprintf(c->reason, sizeof(c->reason), "%s", r->reason);
    snprintf(c->category, sizeof(c->category), "%s",
             r->category ? OSSymbol_get_cstring(r->category)
                         : kIODefaultMatchCategoryKey);
}

static const char *pstr(const OSDictionary *p, const char *key)
{
    const OSString *s = OSDynamicCast(OSString, OSDictionary_get_object(p, key));

    return s ? OSString_get_cstring(s) : NULL;
}

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

/* ---- loading the personalities ---- */

/* The Info.plist of a bundle directory, or path (malloc). */
static char *plist_path(const char *path)
{
    static const char *const inside[] = { "Info.plist", "Contents/Info.plist" };
    struct stat st;

    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return strdup(path);
    for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
        char *p = malloc(strlen(path) + strlen(inside[i]) + 2);
        if (!p)
            return NULL;
        sprintf(p, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
                inside[i]);
        if (stat(p, &st) == 0)
            return p;
        free(p);
    }
    return strdup(path);
}

/* "dir/e1000.plist" -> "e1000" (malloc). */
static char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 6 && strcmp(b + n - 6, ".plist") == 0)
        n -= 6;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, b, n);
        s[n] = '\0';
    }
    return s;
}

/* A file whose top is one personality: wrapped as a bundle of one. */
static OSDictionary *wrap_personality(OSDictionary *p, const char *name,
                                      const char *bundle_id)
{
    OSDictionary *info = OSDictionary_with_capacity(2);
    OSDictionary *pers = OSDictionary_with_capacity(1);
    OSString *id = OSString_with_cstring(bundle_id);
    bool ok = info && pers && id &&
              OSDictionary_set_object(pers, name, p) &&
              OSDictionary_set_object(info, kCFBundleIdentifierKey, id) &&
              OSDictionary_set_object(info, kIOKitPersonalitiesKey, pers);

    OSSafeReleaseNULL(pers);
    OSSafeReleaseNULL(id);
    if (!ok)
        OSSafeReleaseNULL(info);
    return info;
}

/* Load, check and add one personalities argument to cat; false after
 * printing why. */
static bool add_personalities(IOCatalogue *cat, const char *arg)
{
    PlistFile pf = { .diag = stderr };
    char *path = plist_path(arg), *name = NULL;
    OSDictionary *info = NULL;
    bool ok = false;

    if (!path) {
        fprintf(stderr, "%s: error: out of memory\n", arg);
        return false;
    }
    if (PlistFile_load(&pf, path) != PLIST_LOADED)
        goto out;
    OSDictionary *top = OSDynamicCast(OSDictionary, pf.top);
    unsigned line, col;
    PlistFile_where(&pf, NULL, NULL, 0, &line, &col);
    if (top && (OSDictionary_get_object(top, kIOKitPersonalitiesKey) ||
                OSDictionary_get_object(top, kCFBundleIdentifierKey)) &&
        !OSDictionary_get_object(top, kIOProviderClassKey)) {
        if (infoplist_validate(&pf))
            goto invalid;
        info = top;
        OSObject_retain(info);
    } else if (top && OSDictionary_get_object(top, kIOProviderClassKey)) {
        const char *own = pstr(top, kCFBundleIdentifierKey);
        if (!(name = base_name(path)))
            goto out;
        if (infoplist_validate_personality(&pf, NULL, NULL, 0, pf.top, name,
                                           own))
            goto invalid;
        info = wrap_personality(top, name, own ? own : name);
    } else {
        PlistFile_error(&pf, line, col,
                        "this is neither an Info.plist (no IOKitPersonalities "
                        "or CFBundleIdentifier) nor a personality (no "
                        "IOProviderClass); give a bundle's Info.plist, its "
                        "directory, or a file holding one personality <dict>");
        goto out;
    }
    if (!info) {
        PlistFile_error(&pf, 0, 0, "out of memory");
        goto out;
    }
    if (!OSDictionary_get_object(info, kIOKitPersonalitiesKey))
        PlistFile_note(&pf, line, col, "no IOKitPersonalities: this bundle "
                       "has nothing to match");
    IOCatalogue_add_bundle(cat, info, path);
    ok = true;
    goto out;
invalid:
    PlistFile_flush(&pf);
    fprintf(stderr, "%s: the build would refuse this plist (errors above); "
            "fix them first\n", path);
out:
    OSSafeReleaseNULL(info);
    PlistFile_free(&pf);
    free(name);
    free(path);
    return ok;
}

/* ---- output ---- */

/* s as a JSON string: quotes, backslashes and control characters escaped,
 * bytes that are not UTF-8 replaced by U+FFFD. */
static void json_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fprintf(out, "\\%c", c);
            p++;
        } else if (c == '\n') {
            fputs("\\n", out), p++;
        } else if (c == '\t') {
            fputs("\\t", out), p++;
        } else if (c == '\r') {
            fputs("\\r", out), p++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c);
            p++;
        } else if (c < 0x80) {
            fputc(c, out);
            p++;
        } else {
            /* A whole, shortest-form UTF-8 sequence, or U+FFFD. */
            unsigned n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3
                         : c >= 0xc2 && c <= 0xdf ? 2 : 0;
            uint32_t cp = n == 4 ? c & 7u : n == 3 ? c & 15u : c & 31u;
            unsigned i = 1;
            for (; n && i < n && (p[i] & 0xc0) == 0x80; i++)
                cp = cp << 6 | (p[i] & 0x3fu);
            bool valid = n && i == n &&
                         !(n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) &&
                         !(n == 4 && (cp < 0x10000 || cp > 0x10ffff));
            if (valid) {
                fwrite(p, 1, n, out);
                p += n;
            } else {
                fputs("\\ufffd", out);
                p++;
            }
        }
    }
    fputc('"', out);
}

typedef struct Nub {
    IOService *svc;
    char path[IO_REGISTRY_PATH_MAX];
} Nub;

/* The reason without a leading "KEY: " that repeats the rejected key. */
static const char *reason_text(const Considered *c)
{
    size_t n = strlen(c->rejected_key);

    if (n && strncmp(c->reason, c->rejected_key, n) == 0 &&
        c->reason[n] == ':' && c->reason[n + 1] == ' ')
        return c->reason + n + 2;
    return c->reason;
}

static void text_report(const Nub *nub, const Report *rep,
                        const IOMatchCandidates *cands)
{
    int wb = 6, wn = 11, wc = 7;    /* "BUNDLE", "PERSONALITY", "IOCLASS" */

    printf("nub %s, class chain", nub->path);
    for (const OSMetaClass *m = OSObject_get_meta_class(nub->svc); m;
         m = m->super)
        printf(" %s", m->name);
    printf("\n\n");
    for (size_t i = 0; i < rep->count; i++) {
        const OSDictionary *p = rep->items[i].personality;
        int b = (int)strlen(or_dash(pstr(p, kCFBundleIdentifierKey)));
        int n = (int)strlen(or_dash(pstr(p, kIOPersonalityNameKey)));
        int c = (int)strlen(or_dash(pstr(p, kIOClassKey)));
        wb = b > wb ? b : wb;
        wn = n > wn ? n : wn;
        wc = c > wc ? c : wc;
    }
    printf("%-*s  %-*s  %-*s  RESULT\n", wb, "BUNDLE", wn, "PERSONALITY", wc,
           "IOCLASS");
    for (size_t i = 0; i < rep->count; i++) {
        const Considered *c = &rep->items[i];
        printf("%-*s  %-*s  %-*s  ", wb,
               or_dash(pstr(c->personality, kCFBundleIdentifierKey)), wn,
               or_dash(pstr(c->personality, kIOPersonalityNameKey)), wc,
               or_dash(pstr(c->personality, kIOClassKey)));
        if (c->matched)
            printf("MATCH score %" PRId32 ", category %s\n", c->score,
                   c->category);
        else
            printf("no: %s: %s\n", c->rejected_key[0] ? c->rejected_key : "?",
                   reason_text(c));
    }
    if (!rep->count)
        printf("(no personalities)\n");

    for (unsigned i = 0; i < cands->count; i++) {
        const IOMatchCandidate *m = &cands->items[i];
        const char *cat = OSSymbol_get_cstring(m->category);
        bool first = i == 0 || cands->items[i - 1].category != m->category;
        if (first)
            printf("\n%s:\n", cat);
        unsigned rank = 1;
        for (unsigned j = i; j > 0 && cands->items[j - 1].category == m->category; j--)
            rank++;
        printf("  %u. score %-6" PRId32 " %s %s (%s)\n", rank, m->score,
               or_dash(pstr(m->personality, kCFBundleIdentifierKey)),
               or_dash(pstr(m->personality, kIOPersonalityNameKey)),
               or_dash(pstr(m->personality, kIOClassKey)));
        bool last = i + 1 == cands->count ||
                    cands->items[i + 1].category != m->category;
        if (last) {
            const IOMatchCandidate *w = &cands->items[i + 1 - rank];
            printf("  winner: %s %s (%s): would be probed first; probe() may "
                   "still change the score, start() may fail and fall "
                   "through\n",
                   or_dash(pstr(w->personality, kCFBundleIdentifierKey)),
                   or_dash(pstr(w->personality, kIOPersonalityNameKey)),
                   or_dash(pstr(w->personality, kIOClassKey)));
        }
    }
    if (!cands->count) {
        size_t on_class = 0;
        for (size_t i = 0; i < rep->count; i++)
            on_class += strcmp(rep->items[i].rejected_key,
                               kIOProviderClassKey) == 0;
        printf("\nnothing matched%s\n", rep->count && on_class == rep->count
               ? ": no personality's IOProviderClass is in the nub's class "
                 "chain" : "");
    }
}

static void json_candidate(const IOMatchCandidate *m)
{
    printf("{\"bundle\":");
    json_string(stdout, pstr(m->personality, kCFBundleIdentifierKey));
    printf(",\"name\":");
    json_string(stdout, pstr(m->personality, kIOPersonalityNameKey));
    printf(",\"class\":");
    json_string(stdout, pstr(m->personality, kIOClassKey));
    printf(",\"score\":%" PRId32 "}", m->score);
}

static void json_report(const Nub *nub, const Report *rep,
                        const IOMatchCandidates *cands)
{
    const IORegistryEntry *e = &nub->svc->entry;

    printf("{\"nub\":{\"path\":");
    json_string(stdout, nub->path);
    printf(",\"name\":");
    json_string(stdout, IORegistryEntry_get_name(e));
    printf(",\"location\":");
    json_string(stdout, IORegistryEntry_get_location(e));
    printf(",\"class\":");
    json_string(stdout, OSObject_get_class_name(e));
    printf(",\"class_chain\":[");
    for (const OSMetaClass *m = OSObject_get_meta_class(e); m; m = m->super) {
        json_string(stdout, m->name);
        if (m->super)
            putchar(',');
    }
    printf("]},\"personalities\":[");
    for (size_t i = 0; i < rep->count; i++) {
        const Considered *c = &rep->items[i];
        const OSDictionary *p = c->personality;
        printf("%s{\"bundle\":", i ? "," : "");
        json_string(stdout, pstr(p, kCFBundleIdentifierKey));
        printf(",\"name\":");
        json_string(stdout, pstr(p, kIOPersonalityNameKey));
        printf(",\"class\":");
        json_string(stdout, pstr(p, kIOClassKey));
        if (pstr(p, kIOUserClassKey)) {
            printf(",\"user_class\":");
            json_string(stdout, pstr(p, kIOUserClassKey));
        }
        printf(",\"provider_class\":");
        json_string(stdout, pstr(p, kIOProviderClassKey));
        printf(",\"matched\":%s,\"rejected_key\":", c->matched ? "true" : "false");
        json_string(stdout, c->matched ? NULL : c->rejected_key);
        printf(",\"reason\":");
        json_string(stdout, c->matched ? NULL : c->reason);
        if (c->matched)
            printf(",\"score\":%" PRId32, c->score);
        else
            printf(",\"score\":null");
        printf(",\"category\":");
        json_string(stdout, c->category);
        if (c->rank)
            printf(",\"rank\":%u}", c->rank);
        else
            printf(",\"rank\":null}");
    }
    printf("],\"categories\":{");
    for (unsigned i = 0; i < cands->count; i++) {
        const IOMatchCandidate *m = &cands->items[i];
        bool first = i == 0 || cands->items[i - 1].category != m->category;
        if (first) {
            printf("%s", i ? "," : "");
            json_string(stdout, OSSymbol_get_cstring(m->category));
            printf(":{\"winner\":");
            json_candidate(m);
            printf(",\"ranking\":[");
        } else {
            putchar(',');
        }
        json_candidate(m);
        if (i + 1 == cands->count || cands->items[i + 1].category != m->category)
            printf("]}");
    }
    printf("},\"matched\":%u}\n", cands->count);
}

/* Each report entry's rank in its category, from the ranked candidates. */
static void assign_ranks(Report *rep, const IOMatchCandidates *cands)
{
    unsigned rank = 0;

    for (unsigned i = 0; i < cands->count; i++) {
        const IOMatchCandidate *m = &cands->items[i];
        rank = i && cands->items[i - 1].category == m->category ? rank + 1 : 1;
        for (size_t j = 0; j < rep->count; j++) {
            if (rep->items[j].personality == m->personality) {
                rep->items[j].rank = rank;
                break;
            }
        }
    }
}

/* ---- main ---- */

typedef struct Args {
    const char **personalities;
    unsigned count;
    const char *nub;
    NubSelect sel;
    bool json;
} Args;

/* 0 to go on, else the exit status (help: -1 -> 0). */
static int parse_args(int argc, char **argv, Args *a)
{
    a->personalities = calloc((size_t)argc, sizeof(*a->personalities));
    if (!a->personalities)
        return 2;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(s, "--json") == 0) {
            a->json = true;
        } else if (strcmp(s, "--nub") == 0 && more) {
            if (a->nub) {
                fprintf(stderr, TOOL ": --nub given twice; one nub at a time\n");
                return 2;
            }
            a->nub = argv[++i];
        } else if (strcmp(s, "--path") == 0 && more) {
            a->sel.path = argv[++i];
        } else if (strcmp(s, "--id") == 0 && more) {
            char *end;
            errno = 0;
            a->sel.id = strtoull(argv[++i], &end, 0);
            if (errno || *end || !*argv[i] || argv[i][0] == '-') {
                fprintf(stderr, TOOL ": --id %s: expected a registry entry "
                        "ID (a number, as IORegistryEntryID shows it)\n",
                        argv[i]);
                return 2;
            }
            a->sel.by_id = true;
        } else if (s[0] == '-' && s[1]) {
            fprintf(stderr, TOOL ": %s: %s; see --help\n", s,
                    strcmp(s, "--nub") == 0 || strcmp(s, "--path") == 0 ||
                    strcmp(s, "--id") == 0 ? "needs a value"
                                           : "unknown option");
            return 2;
        } else {
            a->personalities[a->count++] = s;
        }
    }
    if (!a->nub && a->count)
        a->nub = a->personalities[--a->count];
    if (a->sel.path && a->sel.by_id) {
        fprintf(stderr, TOOL ": give --path or --id, not both\n");
        return 2;
    }
    if (!a->nub || !a->count) {
        fprintf(stderr, TOOL ": %s; usage: " TOOL " [--json] PERSONALITIES... "
                "NUB.plist (see --help)\n",
                !a->nub ? "no personalities and no nub given"
                        : "no personalities given (Info.plist files, bundle "
                          "directories or personality plists)");
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    Args a = { 0 };
    Report rep = { 0 };
    IOMatchCandidates cands = { 0 };
    PlistFile nubf = { .diag = stderr };
    Nub nub = { 0 };
    int rc = parse_args(argc, argv, &a);

    if (rc)
        return rc < 0 ? 0 : rc;
    if (!libkern_init() || !IORegistry_init() || !IOCatalogue_init() ||
        !IOService_init_resources()) {
        fprintf(stderr, TOOL ": cannot initialize libkern and the registry\n");
        return 2;
    }
    IOCatalogue *cat = IOCatalogue_create();
    if (!cat) {
        fprintf(stderr, TOOL ": out of memory\n");
        return 2;
    }
    rc = 0;
    for (unsigned i = 0; i < a.count; i++)
        if (!add_personalities(cat, a.personalities[i]))
            rc = 2;
    if (rc)
        return rc;

    if (PlistFile_load(&nubf, a.nub) != PLIST_LOADED ||
        !(nub.svc = nub_build(&nubf, &a.sel))) {
        PlistFile_free(&nubf);
        fprintf(stderr, "%s: not a usable nub; docs/explain-match.md shows "
                "the format\n", strcmp(a.nub, "-") == 0 ? "<stdin>" : a.nub);
        return 2;
    }
    PlistFile_flush(&nubf);
    if (!IORegistryEntry_get_path(&nub.svc->entry, gIOServicePlane, nub.path,
                                  sizeof(nub.path)))
        snprintf(nub.path, sizeof(nub.path), "%s",
                 IORegistryEntry_get_name(&nub.svc->entry));

    unsigned matched = IOCatalogue_find_candidates(cat, nub.svc, &cands,
                                                   on_match, &rep, true);
    if (rep.out_of_memory) {
        fprintf(stderr, TOOL ": out of memory\n");
        return 2;
    }
    assign_ranks(&rep, &cands);
    if (a.json)
        json_report(&nub, &rep, &cands);
    else
        text_report(&nub, &rep, &cands);
    fflush(stdout);

    for (size_t i = 0; i < rep.count; i++)
        OSObject_release(rep.items[i].personality);
    free(rep.items);
    IOMatchCandidates_free(&cands);
    IOCatalogue_destroy(cat);
    PlistFile_free(&nubf);
    free(a.personalities);
    return matched ? 0 : 1;
}
