/* libkern internals shared by its sources: the C library subset they may use
 * (string.h plus snprintf; <stdio.h> on the host, the guest's <format.h>
 * otherwise) and helpers that cross file boundaries.  Not installed. */
#ifndef LIBKERN_LK_INTERNAL_H
#define LIBKERN_LK_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if __STDC_HOSTED__
#include <stdio.h>
#else
#include <format.h>
#endif

#include "libkern/libkern.h"
#include "libkern/platform.h"

/* Deepest container nesting that equality, copy, serialization and the
 * parser accept: one limit, so any parsed tree can be compared, copied and
 * written back. */
#define LK_MAX_DEPTH OS_PLIST_MAX_DEPTH

/* FNV-1a over len bytes. */
uint32_t lk_hash(const char *s, size_t len);
/* A lk_alloc'd NUL-terminated copy of len bytes (free with len + 1). */
char *lk_strndup(const char *s, size_t len);

/* OSString.c: the interned symbol for s, borrowed (no retain), or NULL. */
const OSSymbol *lk_symbol_find(const char *s, size_t len);
/* Same text (OSString or OSSymbol). */
bool lk_string_equal(const OSString *a, const OSString *b);

/* OSNumber.c: equal numeric value (integers by value regardless of bits,
 * reals by exact decimal value; an integer never equals a real). */
bool lk_number_equal(const OSNumber *a, const OSNumber *b);
/* Canonical text of the real in s[0..len) into out (cap bytes); false if it
 * is not a decimal real, is longer than LK_REAL_MAX_TEXT or has more than
 * LK_REAL_MAX_DIGITS significant digits.  Canonical text is at most 80
 * bytes, so it is always accepted again. */
#define LK_REAL_MAX_TEXT 128
#define LK_REAL_MAX_DIGITS 64
#define LK_REAL_CANON_CAP (LK_REAL_MAX_TEXT + 48)
bool lk_real_canonical(const char *s, size_t len, char *out, size_t cap);
OSNumber *lk_number_with_real_bytes(const char *s, size_t len);

/* OSDate.c: "YYYY-MM-DDTHH:MM:SSZ" (exactly LK_DATE_LEN bytes) <-> seconds
 * since 2001-01-01T00:00:00Z.  Parse: false with *bad the offset of the
 * first wrong byte.  Format: false outside years 0000..9999. */
#define LK_DATE_LEN 20
bool lk_date_parse(const char *s, size_t len, int64_t *seconds, size_t *bad);
bool lk_date_format(int64_t seconds, char out[LK_DATE_LEN + 1]);

/* base64.c.  Decode len bytes of base64 (XML whitespace ignored) into out
 * (room for len / 4 * 3 bytes); the decoded length, or -1 with *bad the
 * offset of the offending byte and *why a message. */
long lk_base64_decode(const char *in, size_t len, uint8_t *out, size_t *bad,
                      const char **why);
/* Append bytes as base64 lines of at most 68 characters, each preceded by
 * indent tabs and followed by a newline. */
bool lk_base64_append(OSSerialize *s, const uint8_t *bytes, size_t len,
                      unsigned indent);

/* OSEqual.c */
bool lk_is_equal_depth(const void *a, const void *b, unsigned depth);

#endif
