/* libkern collections: OSArray, OSDictionary, OSSet.  They retain what they
 * hold and release it when it is removed or the collection is freed; get*
 * returns borrowed pointers.  Index-based iteration: for (i = 0; i <
 * count; i++).  Capacity grows as needed; a failed growth returns false and
 * leaves the collection unchanged. */
#ifndef LIBKERN_OSCOLLECTIONS_H
#define LIBKERN_OSCOLLECTIONS_H

#include "libkern/OSObject.h"
#include "libkern/OSTypes.h"

typedef struct OSArray {
    OSObject obj;
    OSObject **items;
    unsigned count, capacity;
} OSArray;

/* Keys are symbols; iteration follows insertion order (so a parsed plist
 * serializes back in its own order).  Lookups are hashed once the
 * dictionary is large, so a dictionary with thousands of keys stays O(1). */
typedef struct OSDictionary {
    OSObject obj;
    const OSSymbol **keys;
    OSObject **values;
    unsigned count, capacity;
    unsigned *hash_index;       /* NULL while small; slots hold index + 1 */
    unsigned hash_slots;
    /* Bit (hash & 63) set for every key: most lookups of an absent key
     * (matching asks a personality for a dozen keys it mostly lacks) end
     * here without a scan. */
    uint64_t key_filter;
} OSDictionary;

/* Unordered, no object twice (identity, as IOKit's OSSet). */
typedef struct OSSet {
    OSObject obj;
    OSArray *members;
} OSSet;

OSDeclareMetaClass(OSArray);
OSDeclareMetaClass(OSDictionary);
OSDeclareMetaClass(OSSet);

OSArray *OSArray_with_capacity(unsigned capacity);
unsigned OSArray_get_count(const OSArray *a);
/* Borrowed; NULL when index >= count. */
OSObject *OSArray_get_object(const OSArray *a, unsigned index);
/* Append (retains). */
bool OSArray_set_object(OSArray *a, const void *obj);
/* Insert at index (<= count), shifting later items up. */
bool OSArray_insert_object(OSArray *a, unsigned index, const void *obj);
/* Replace the item at index (< count). */
bool OSArray_replace_object(OSArray *a, unsigned index, const void *obj);
void OSArray_remove_object(OSArray *a, unsigned index);
/* First index >= start holding exactly obj (identity), or -1. */
int OSArray_get_next_index_of_object(const OSArray *a, const void *obj,
                                     unsigned start);
/* Shallow copy (+1). */
OSArray *OSArray_copy(const OSArray *a);

OSDictionary *OSDictionary_with_capacity(unsigned capacity);
unsigned OSDictionary_get_count(const OSDictionary *d);
/* Borrowed; NULL when absent. */
OSObject *OSDictionary_get_object(const OSDictionary *d, const char *key);
OSObject *OSDictionary_get_object_sym(const OSDictionary *d,
                                      const OSSymbol *key);
/* Set (retains; replaces and releases an existing value, keeping its
 * position). */
bool OSDictionary_set_object(OSDictionary *d, const char *key, const void *obj);
bool OSDictionary_set_object_sym(OSDictionary *d, const OSSymbol *key,
                                 const void *obj);
void OSDictionary_remove_object(OSDictionary *d, const char *key);
/* Iteration in insertion order: key and value at index (< count). */
const OSSymbol *OSDictionary_get_key_at(const OSDictionary *d, unsigned index);
OSObject *OSDictionary_get_value_at(const OSDictionary *d, unsigned index);
/* Shallow copy (+1). */
OSDictionary *OSDictionary_copy(const OSDictionary *d);
/* Set every entry of src into d; false if memory ran out. */
bool OSDictionary_merge(OSDictionary *d, const OSDictionary *src);

OSSet *OSSet_with_capacity(unsigned capacity);
unsigned OSSet_get_count(const OSSet *s);
/* Adds unless already present (identity); true if present afterwards. */
bool OSSet_set_object(OSSet *s, const void *obj);
bool OSSet_contains_object(const OSSet *s, const void *obj);
void OSSet_remove_object(OSSet *s, const void *obj);
/* Iteration (order unspecified but stable while unchanged). */
OSObject *OSSet_get_object_at(const OSSet *s, unsigned index);

/* Deep copy of a value tree (strings, numbers, data, dates, booleans,
 * arrays, dictionaries, sets) (+1); other objects are shared (retained). */
OSObject *OSObject_copy_deep(const void *obj);

#endif
