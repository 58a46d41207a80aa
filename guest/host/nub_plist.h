/* A nub described in a plist, rebuilt on the host with the real registry
 * code so the matching engine sees what the kernel would see
 * (docs/explain-match.md gives the format).
 *
 * The nub plist is a dictionary in the registry archive format that
 * `ioreg -a` prints: the properties inline, plus IOObjectClass,
 * IOObjectClassChain (the class first, up to OSObject),
 * IORegistryEntryName, IORegistryEntryLocation; optionally IOParentEntry
 * (the provider, same format, recursively) and IOResources (a dictionary
 * of published resources).  Or a whole archive, with the nub picked by
 * path or registry ID; its ancestors become the parents and its
 * IOResources entry the resources. */
#ifndef HOST_NUB_PLIST_H
#define HOST_NUB_PLIST_H

#include <stdint.h>

#include "iokit/IOService.h"
#include "plistfile.h"

typedef struct NubSelect {
    const char *path;               /* --path IOService:/...; NULL if none */
    bool by_id;                     /* --id N */
    uint64_t id;
} NubSelect;

/* Build the nub described by pf (loaded), attach it (and its parents)
 * under the registry root and publish its resources.  After
 * IORegistry_init, IOCatalogue_init and IOService_init_resources.  The
 * nub (borrowed: the registry holds it), or NULL after printing what is
 * wrong and how to fix it through pf. */
IOService *nub_build(PlistFile *pf, const NubSelect *sel);

#endif
