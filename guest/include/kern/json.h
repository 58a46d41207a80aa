/* Reading one flat JSON object (a control-channel command line).  Bounded
 * and strict: anything malformed is rejected, never partially used. */
#ifndef KERN_JSON_H
#define KERN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_NONE, JSON_STRING, JSON_NUMBER, JSON_BOOL, JSON_NULL, JSON_NESTED };

/* Validate that line is one JSON object with string keys; true if so. */
bool json_valid_object(const char *line);
/* Look up key at the top level.  Strings are unescaped into out (size bytes,
 * NUL-terminated; false if it does not fit); numbers set *num. */
enum json_type json_get(const char *line, const char *key, char *out, size_t size,
                        int64_t *num);

#endif
