/* The rules an Info.plist must follow to be loaded (docs/info-plist.md):
 * what kmutil checks before a bundle goes into a kernel collection.  Each
 * problem is printed through PlistFile_error at the line:column of the
 * value at fault (or of the dictionary missing a key), with a fix. */
#ifndef HOST_INFOPLIST_RULES_H
#define HOST_INFOPLIST_RULES_H

#include "plistfile.h"

/* Check pf->top as a bundle's Info.plist.  Returns the number of errors
 * reported. */
unsigned infoplist_validate(PlistFile *pf);

/* Check one personality: dict, stored in container under key (or at
 * index when key is NULL; container NULL for a file whose top is the
 * personality), named name, of the bundle bundle_id (for examples in
 * fixes; may be NULL).  Returns the number of errors printed. */
unsigned infoplist_validate_personality(PlistFile *pf, const void *container,
                                        const OSSymbol *key, unsigned index,
                                        const OSObject *value, const char *name,
                                        const char *bundle_id);

#endif
