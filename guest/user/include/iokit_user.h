/* The IORegistry as guest programs see it (the beginning of IOKitLib). */
#ifndef USER_IOKIT_USER_H
#define USER_IOKIT_USER_H

#include <stddef.h>

#include "kern/return.h"

/* The registry archive of plane ("IOService", "IOPower"): XML plist as
 * IORegistryEntry_serialize_archive writes it (guest/include/iokit/
 * IORegistryEntry.h): the root entry's dictionary with every entry's
 * properties and children.  *xml_out is malloc'd and NUL-terminated; the
 * caller frees it.  KERN_INVALID_ARGUMENT for an unknown plane. */
kern_return_t io_registry_copy_archive(const char *plane, char **xml_out,
                                       size_t *len_out);

#endif
