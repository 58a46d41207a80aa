/* IORegistryEntry: a node of the IORegistry.  Every entry has a 64-bit
 * registry ID (unique for the life of the system, never reused), a name
 * (default: its class name), an optional location ("1f,3" for a PCI slot),
 * a property table (an OSDictionary) and, in each plane it is in, parents
 * and children.  The registry root ("Root", class IORegistryEntry) is in
 * every plane.
 *
 * Planes: IOService (drivers under the nubs they drive) and IOPower, and up
 * to IO_REGISTRY_MAX_PLANES in all.  Parent and child links each hold a
 * reference, so an attached entry lives until it is detached.
 *
 * Paths: "IOService:/" is the root; a component is name[@location]; an
 * entry's path is its plane's name, ':', then the components from the root
 * down through its first parent in that plane, e.g.
 * "IOService:/IOResources" or "IOService:/PCI0@0/pci8086,10d3@2".
 *
 * Portable C over libkern, with no kernel dependency: the kernel and the
 * host tools (explain-match, unit tests) run this same code. */
#ifndef IOKIT_IOREGISTRYENTRY_H
#define IOKIT_IOREGISTRYENTRY_H

#include <libkern/libkern.h>

#include "iokit/IOReturn.h"

#define IO_REGISTRY_MAX_PLANES 4
#define IO_REGISTRY_PATH_MAX   512

typedef struct IORegistryPlane {
    const OSSymbol *name;
    unsigned index;             /* into the per-entry link arrays */
} IORegistryPlane;

typedef struct IORegistryEntry {
    OSObject obj;
    uint64_t registry_id;
    const OSSymbol *name;               /* NULL: the class name */
    const OSSymbol *location;           /* NULL: none */
    OSDictionary *properties;
    OSArray *parents[IO_REGISTRY_MAX_PLANES];   /* NULL when none */
    OSArray *children[IO_REGISTRY_MAX_PLANES];
    struct IORegistryEntry *id_next;    /* registry ID hash chain */
    bool in_id_table;
} IORegistryEntry;

OSDeclareMetaClass(IORegistryEntry);

/* The planes, valid after IORegistry_init. */
extern const IORegistryPlane *gIOServicePlane;
extern const IORegistryPlane *gIOPowerPlane;

/* Create the root and the planes.  Once, after libkern_init. */
bool IORegistry_init(void);
IORegistryEntry *IORegistryEntry_get_root(void);
const IORegistryPlane *IORegistry_get_plane(const char *name);
/* Entries alive (for leak checks). */
size_t IORegistry_entry_count(void);

/* Two-phase construction: after OSMetaClass_alloc_instance, init gives the
 * entry its ID and a property table (a copy of dict's entries when dict is
 * non-NULL).  false when out of memory. */
bool IORegistryEntry_init(IORegistryEntry *e, OSDictionary *dict);

uint64_t IORegistryEntry_get_registry_entry_id(const IORegistryEntry *e);
/* Borrowed, +0 lookups by ID; NULL if no live entry has it. */
IORegistryEntry *IORegistryEntry_find_by_id(uint64_t id);

const char *IORegistryEntry_get_name(const IORegistryEntry *e);
bool IORegistryEntry_set_name(IORegistryEntry *e, const char *name);
/* NULL when none. */
const char *IORegistryEntry_get_location(const IORegistryEntry *e);
bool IORegistryEntry_set_location(IORegistryEntry *e, const char *location);

/* Properties: borrowed get, retaining set. */
OSObject *IORegistryEntry_get_property(const IORegistryEntry *e, const char *key);
bool IORegistryEntry_set_property(IORegistryEntry *e, const char *key,
                                  const void *value);
void IORegistryEntry_remove_property(IORegistryEntry *e, const char *key);
/* The live table (borrowed; do not modify through it). */
OSDictionary *IORegistryEntry_get_property_table(const IORegistryEntry *e);
/* The property found on e or the nearest ancestor in plane (borrowed). */
OSObject *IORegistryEntry_get_property_recursive(const IORegistryEntry *e,
                                                 const char *key,
                                                 const IORegistryPlane *plane);

/* Links.  attach: e becomes a child of parent in plane (false if e is
 * already its child or out of memory). */
bool IORegistryEntry_attach_to_parent(IORegistryEntry *e, IORegistryEntry *parent,
                                      const IORegistryPlane *plane);
void IORegistryEntry_detach_from_parent(IORegistryEntry *e, IORegistryEntry *parent,
                                        const IORegistryPlane *plane);
/* Detach from every parent and child in every plane. */
void IORegistryEntry_detach_all(IORegistryEntry *e);
bool IORegistryEntry_in_plane(const IORegistryEntry *e, const IORegistryPlane *plane);
/* First parent in plane, borrowed; NULL for none. */
IORegistryEntry *IORegistryEntry_get_parent_entry(const IORegistryEntry *e,
                                                  const IORegistryPlane *plane);
/* Borrowed arrays of IORegistryEntry; NULL when none. */
OSArray *IORegistryEntry_get_parent_array(const IORegistryEntry *e,
                                          const IORegistryPlane *plane);
OSArray *IORegistryEntry_get_child_array(const IORegistryEntry *e,
                                         const IORegistryPlane *plane);
/* Depth below the root in plane (root 0); -1 when not in the plane. */
int IORegistryEntry_get_depth(const IORegistryEntry *e, const IORegistryPlane *plane);

/* The entry's path in plane into buf; false when it does not fit or the
 * entry is not in the plane. */
bool IORegistryEntry_get_path(const IORegistryEntry *e, const IORegistryPlane *plane,
                              char *buf, size_t size);
/* Look up "Plane:/a/b@loc" (or a path without a plane, in default_plane).
 * +1; NULL when nothing is there. */
IORegistryEntry *IORegistryEntry_from_path(const char *path,
                                           const IORegistryPlane *default_plane);

/* Append the subtree under e in plane as the registry archive that ioreg
 * reads (one dictionary per entry: its properties plus the keys
 * kIORegistryEntryNameKey ... kIOServiceBusyStateKey of IOKitKeys.h, children
 * in kIORegistryEntryChildrenKey), XML plist with header.  False if out of
 * memory. */
bool IORegistryEntry_serialize_archive(const IORegistryEntry *e,
                                       const IORegistryPlane *plane,
                                       OSSerialize *s);

#endif
