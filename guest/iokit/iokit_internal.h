/* Interfaces between the IOKit core's own sources in guest/iokit; not for
 * drivers or tools, which use the headers in guest/include/iokit.
 *
 * Everything here runs on the matching work loop (single-threaded). */
#ifndef IOKIT_INTERNAL_H
#define IOKIT_INTERNAL_H

#include "iokit/IOCatalogue.h"

/* snprintf: the host's <stdio.h>, or the guest's <format.h>. */
#if __STDC_HOSTED__
#include <stdio.h>
#else
#include <format.h>
#endif
#include <string.h>

/* Deepest registry entry (root is 0).  Every walk of the registry recurses
 * at most this deep, and attach refuses to go deeper, so the kernel's
 * 16 KiB stacks are safe. */
#define IOKIT_MAX_DEPTH 64

/* Deepest IOParentMatch inside IOParentMatch. */
#define IOKIT_MAX_PARENT_MATCH_NESTING 4

/* Is a class named class_name in obj's class chain (obj's class or one of
 * its superclasses)?  By name, so classes made at run time by
 * OSMetaClass_create_dynamic (host tools) count like kernel classes. */
bool iokit_class_chain_has(const void *obj, const char *class_name);

/* A short description of a property value for reasons and logs:
 * "\"text\"", "0x10d3", "true", "<01 02 03>", "<OSArray>". */
void iokit_describe_value(const void *value, char *buf, size_t size);

/* --- match.c --- */

/* Does the nub's name or one of its "compatible" names equal one of
 * `names` (an OSString or an OSArray / OSSet of them)?  *matched (may be
 * NULL) gets the name that matched (borrowed from `names`). */
bool IOMatch_compare_names(IOService *nub, const OSObject *names,
                           const OSString **matched);

/* Record that key rejected a personality: *rej = key and, when reason is
 * not NULL, the formatted words into it.  Returns false (for "return
 * IOMatch_reject(...)"). */
bool IOMatch_reject(const char **rej, char *reason, size_t rsize, const char *key,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* IOCatalogue_match_personality.  Without explain (the kernel matching a
 * nub) r->reason stays empty and r->category is filled only for a match:
 * words and symbol lookups cost more than the match itself. */
bool IOMatch_personality(IOService *nub, OSDictionary *personality, IOMatchResult *r,
                         bool explain);

/* The personality's IOMatchCategory (or IODefaultMatchCategory) as an
 * interned symbol, borrowed: valid for the life of the system. */
const OSSymbol *IOMatch_category_of(const OSDictionary *personality);

/* --- match_pci.c, match_usb.c: the families' keys (see
 * IOServiceMethods.match_property_table) --- */
bool IOMatch_pci_property_table(IOService *nub, OSDictionary *table,
                                int32_t *score, const char **rejected_key,
                                char *reason, size_t reason_size);
/* interface: the nub is an IOUSBHostInterface (else an IOUSBHostDevice). */
bool IOMatch_usb_property_table(IOService *nub, OSDictionary *table,
                                bool interface, int32_t *score,
                                const char **rejected_key, char *reason,
                                size_t reason_size);

/* --- service.c --- */

/* Call fn on every registered, active IOService in the IOService plane
 * (depth-first from the root; an entry with two parents may be seen
 * twice).  fn returns false to stop the walk. */
typedef bool (*IOServiceApplier)(IOService *svc, void *ctx);
void IOService_apply_registered(IOServiceApplier fn, void *ctx);

#endif
