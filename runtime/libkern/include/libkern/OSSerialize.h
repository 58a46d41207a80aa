/* XML property lists (Apple's plist DTD, "-//Apple//DTD PLIST 1.0//EN"):
 * parse into libkern objects and serialize back.
 *
 * Parsed: <dict> (keys in order) -> OSDictionary, <array> -> OSArray,
 * <string> -> OSString, <integer> (decimal, negative, 0x hex) -> OSNumber,
 * <real> -> OSNumber (real), <true/> <false/> -> OSBoolean, <data> (base64,
 * whitespace allowed) -> OSData, <date> (ISO 8601 UTC) -> OSDate.  The
 * <?xml?> prolog, <!DOCTYPE> and the <plist> wrapper are optional; comments
 * are skipped; the five XML entities and &#N; / &#xN; character references
 * are decoded.  Limits: depth 64, 16 MiB of text.
 *
 * Serialized: the prolog, DOCTYPE and <plist version="1.0">, tab-indented as
 * Apple writes it; integers in decimal (negative when written negative);
 * data in base64 lines of at most 68 characters at the element's indent;
 * dates as YYYY-MM-DDTHH:MM:SSZ; reals as their canonical decimal text.
 * serialize(parse(serialize(x))) == serialize(x) byte for byte, and
 * parse(serialize(x)) is equal to x (OSObject_is_equal_to). */
#ifndef LIBKERN_OSSERIALIZE_H
#define LIBKERN_OSSERIALIZE_H

#include "libkern/OSCollections.h"

#define OS_PLIST_MAX_DEPTH 64
#define OS_PLIST_MAX_TEXT (16u << 20)

/* Where and why a parse failed: 1-based line and column of the offending
 * character, and a message that says what was expected, e.g.
 * "expected </integer> to close <integer> opened at line 4". */
typedef struct OSPlistError {
    unsigned line, column;
    char message[200];
} OSPlistError;

/* Parse len bytes of XML (need not be NUL-terminated).  The top object
 * (+1), or NULL with *err filled (err may be NULL). */
OSObject *OSUnserializeXML(const char *text, size_t len, OSPlistError *err);

/* Called once per parsed value, after it is built, with the position of
 * its opening tag: container is the enclosing array or dictionary (NULL for
 * the top object), key the dictionary key it is stored under (NULL in an
 * array), index its position in the container.  Tools use it to report
 * file:line for a value that is well-formed but wrong (Info.plist checks). */
typedef void (*OSPlistPositionFn)(void *ctx, const OSObject *container,
                                  const OSSymbol *key, unsigned index,
                                  const OSObject *value, unsigned line,
                                  unsigned column);
OSObject *OSUnserializeXMLWithPositions(const char *text, size_t len,
                                        OSPlistError *err,
                                        OSPlistPositionFn fn, void *ctx);

/* A growable text buffer. */
typedef struct OSSerialize {
    char *text;                 /* NUL-terminated */
    size_t length, capacity;
    bool failed;                /* an allocation failed; text is truncated */
} OSSerialize;

void OSSerialize_init(OSSerialize *s);
void OSSerialize_free(OSSerialize *s);
bool OSSerialize_append(OSSerialize *s, const char *text, size_t len);
bool OSSerialize_appendf(OSSerialize *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Flags for OSSerializeXML. */
#define OS_SERIALIZE_NO_HEADER 0x1  /* the bare object: no prolog, no <plist> */

/* Append obj as XML to s; false if an allocation failed or obj (or
 * something in it) is not a plist type. */
bool OSSerialize_object_xml(OSSerialize *s, const void *obj, unsigned flags);

#endif
