/* libkern value types: OSString, OSSymbol, OSNumber, OSBoolean, OSData,
 * OSDate.  Ownership as in OSObject.h: *_with_* returns +1. */
#ifndef LIBKERN_OSTYPES_H
#define LIBKERN_OSTYPES_H

#include "libkern/OSObject.h"

/* An immutable byte string (no embedded NULs), always NUL-terminated. */
typedef struct OSString {
    OSObject obj;
    char *cstr;
    size_t length;              /* bytes, NUL excluded */
} OSString;

/* An interned string: one OSSymbol per distinct string, so symbols compare
 * by pointer.  Dictionary keys and matching keys are symbols.  Leaves the
 * symbol table on its last release. */
typedef struct OSSymbol {
    OSString str;
    uint32_t hash;
    struct OSSymbol *next_in_bucket;
} OSSymbol;

/* An integer of 8, 16, 32 or 64 bits, or a real.  Integers keep their value
 * as 64 raw bits and whether they were written negative (signed), so both
 * -1 and 18446744073709551615 round-trip.  A real keeps its decimal text as
 * written (the kernel has no floating point); two reals are equal when their
 * decimal values are equal ("1.50" == "1.5" == "15e-1"). */
typedef struct OSNumber {
    OSObject obj;
    uint64_t value;             /* integer: the bits; real: unused */
    uint8_t bits;               /* 8, 16, 32 or 64 */
    bool is_signed;             /* integer written with a '-' */
    bool is_real;
    char *real_text;            /* real only: canonical decimal text */
} OSNumber;

typedef struct OSBoolean {
    OSObject obj;
    bool value;
} OSBoolean;

typedef struct OSData {
    OSObject obj;
    uint8_t *bytes;
    size_t length;
} OSData;

/* A plist <date>: whole seconds since 2001-01-01T00:00:00Z (Apple's
 * reference date; negative before it).  Serialized as ISO 8601 UTC,
 * "YYYY-MM-DDTHH:MM:SSZ". */
typedef struct OSDate {
    OSObject obj;
    int64_t seconds;
} OSDate;

OSDeclareMetaClass(OSString);
OSDeclareMetaClass(OSSymbol);
OSDeclareMetaClass(OSNumber);
OSDeclareMetaClass(OSBoolean);
OSDeclareMetaClass(OSData);
OSDeclareMetaClass(OSDate);

OSString *OSString_with_cstring(const char *s);
/* NULL if s has an embedded NUL. */
OSString *OSString_with_bytes(const char *s, size_t length);
const char *OSString_get_cstring(const OSString *s);
size_t OSString_get_length(const OSString *s);
bool OSString_is_equal_to_cstring(const OSString *s, const char *c);

/* The symbol for s (+1); the same pointer for equal strings while it lives. */
const OSSymbol *OSSymbol_with_cstring(const char *s);
const OSSymbol *OSSymbol_with_bytes(const char *s, size_t length);
/* The existing symbol (+1), or NULL when none is interned. */
const OSSymbol *OSSymbol_existing(const char *s);
const char *OSSymbol_get_cstring(const OSSymbol *sym);
/* Symbols alive now (for leak checks). */
size_t OSSymbol_count(void);

OSNumber *OSNumber_with_value(uint64_t value, unsigned bits);
OSNumber *OSNumber_with_signed(int64_t value, unsigned bits);
/* A real from decimal text ("1.5", "-2e10", "nan", "inf"); NULL if the text
 * is not a decimal real. */
OSNumber *OSNumber_with_real_text(const char *text);
uint64_t OSNumber_unsigned_64(const OSNumber *n);
uint32_t OSNumber_unsigned_32(const OSNumber *n);
int64_t OSNumber_signed_64(const OSNumber *n);
unsigned OSNumber_get_bits(const OSNumber *n);
bool OSNumber_is_real(const OSNumber *n);
/* Canonical decimal text of a real (NULL for an integer). */
const char *OSNumber_get_real_text(const OSNumber *n);

/* The two singletons (immortal: retain/release are no-ops on them). */
extern OSBoolean *const kOSBooleanTrue;
extern OSBoolean *const kOSBooleanFalse;
OSBoolean *OSBoolean_with_value(bool value);   /* a singleton, not +1 */
bool OSBoolean_get_value(const OSBoolean *b);

OSData *OSData_with_bytes(const void *bytes, size_t length);
const void *OSData_get_bytes(const OSData *d);
size_t OSData_get_length(const OSData *d);

OSDate *OSDate_with_seconds(int64_t seconds_since_2001);
int64_t OSDate_get_seconds(const OSDate *d);

#endif
