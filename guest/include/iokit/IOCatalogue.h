/* IOCatalogue: every personality known to the system, indexed by
 * IOProviderClass, and the matching engine that the kernel and the host
 * explain-match tool share.
 *
 * Personalities come from each bundle's Info.plist (IOKitPersonalities):
 * each is an OSDictionary, stored with two keys added: CFBundleIdentifier
 * (the bundle's) and IOPersonalityName (its key in IOKitPersonalities).
 *
 * Matching a nub: for each class in the nub's class chain, the
 * personalities indexed under that class name are the candidates (so the
 * cost grows with the candidates, not with the catalogue).  Each candidate
 * is matched passively (IOCatalogue_match_personality) and the matches are
 * ranked per IOMatchCategory: by score, highest first; equal scores keep
 * catalogue order (the order personalities were added: bundles in boot
 * collection order, personalities in their Info.plist order). */
#ifndef IOKIT_IOCATALOGUE_H
#define IOKIT_IOCATALOGUE_H

#include "iokit/IOService.h"

typedef struct IOCatalogue IOCatalogue;

/* The outcome of matching one personality against one nub. */
typedef struct IOMatchResult {
    bool matched;
    /* The personality key that rejected it (NULL if matched). */
    const char *rejected_key;
    /* Why, in words: "IOPCIMatch 0x10008086 does not match vendor 0x8086
     * device 0x10d3". */
    char reason[200];
    int32_t score;                  /* IOProbeScore + family score */
    const OSSymbol *category;       /* IOMatchCategory or the default */
} IOMatchResult;

/* One ranked candidate. */
typedef struct IOMatchCandidate {
    OSDictionary *personality;      /* retained */
    int32_t score;
    const OSSymbol *category;       /* retained */
    uint32_t order;                 /* catalogue order (tie-break) */
} IOMatchCandidate;

typedef struct IOMatchCandidates {
    IOMatchCandidate *items;        /* sorted: category, score desc, order */
    unsigned count, capacity;
} IOMatchCandidates;
void IOMatchCandidates_free(IOMatchCandidates *c);

/* The system catalogue (kernel; host tools make their own). */
extern IOCatalogue *gIOCatalogue;
bool IOCatalogue_init(void);        /* creates gIOCatalogue */

IOCatalogue *IOCatalogue_create(void);
void IOCatalogue_destroy(IOCatalogue *cat);
unsigned IOCatalogue_get_count(const IOCatalogue *cat);
/* Personality at catalogue position i (borrowed). */
OSDictionary *IOCatalogue_get_personality(const IOCatalogue *cat, unsigned i);

/* Add a bundle's personalities: info is its Info.plist dictionary.  Each
 * personality must be a dictionary with an IOProviderClass string; bad ones
 * are skipped with a log line naming bundle and personality.  Returns how
 * many were added.  */
unsigned IOCatalogue_add_bundle(IOCatalogue *cat, OSDictionary *info,
                                const char *origin);
/* Add personalities at run time (an array of dictionaries, each carrying
 * CFBundleIdentifier and IOPersonalityName, or given defaults); when
 * do_match, every registered, active service whose class chain holds one of
 * their IOProviderClass values is matched again.  kIOReturnBadArgument if
 * any is malformed (nothing added). */
IOReturn IOCatalogue_add_drivers(IOCatalogue *cat, OSArray *personalities,
                                 bool do_match);
/* Remove the personalities equal to all of matching's keys (e.g.
 * {CFBundleIdentifier: id}); returns how many. */
unsigned IOCatalogue_remove_drivers(IOCatalogue *cat, OSDictionary *matching);

/* Passive match of one personality against nub, every key (IOKit's
 * order: IOProviderClass, family keys, IONameMatch, IOPropertyMatch,
 * IOPropertyExistsMatch, IOResourceMatch, IOLocationMatch, IOPathMatch,
 * IOParentMatch).  Fills *r. */
bool IOCatalogue_match_personality(IOService *nub, OSDictionary *personality,
                                   IOMatchResult *r);

/* Called for every personality considered: the candidates (IOProviderClass
 * in the class chain) with their result; with report_all, also the rest of
 * the catalogue, rejected on IOProviderClass. */
typedef void (*IOMatchReportFn)(void *ctx, OSDictionary *personality,
                                const IOMatchResult *r);
/* The ranked matches for nub into *out (cleared first); returns the count
 * or 0 (also when out of memory, with a log line). */
unsigned IOCatalogue_find_candidates(IOCatalogue *cat, IOService *nub,
                                     IOMatchCandidates *out,
                                     IOMatchReportFn report, void *ctx,
                                     bool report_all);

/* Statistics, for the bench: personalities tested passively since the
 * catalogue was created. */
uint64_t IOCatalogue_get_match_tests(const IOCatalogue *cat);

#endif
