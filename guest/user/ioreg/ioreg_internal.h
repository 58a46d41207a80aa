/* Pieces of ioreg's formatter shared between its sources. */
#ifndef IOREG_INTERNAL_H
#define IOREG_INTERNAL_H

#include "ioreg_format.h"

/* Append v in ioreg's value syntax: "string", 123 (0x7b with hex), Yes/No,
 * <data>, (array,items), {"key"=value}, [set,members]. */
void ioreg_append_value(OSSerialize *s, const OSObject *v, bool hex);
/* Append "str". */
void ioreg_append_string(OSSerialize *s, const char *str);

/* Any of -c, -n, -k given. */
bool ioreg_has_criteria(const ioreg_options *o);

/* Format a message into err (size bytes; nothing when err is NULL). */
void ioreg_set_err(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
