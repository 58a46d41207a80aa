/* A small strict JSON reader for flat command objects.  See kern/json.h. */
#include <string.h>

#include "kern/json.h"

#define MAX_DEPTH 8

static const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return p;
}

/* Parse a string at p (at the quote).  Copies the unescaped text into out
 * when out is non-NULL; returns the position after the closing quote or NULL. */
static const char *parse_string(const char *p, char *out, size_t size, bool *fits)
{
    size_t n = 0;

    if (*p++ != '"')
        return NULL;
    if (fits)
        *fits = true;
    for (;;) {
        char c = *p++;
        if (c == '\0' || (unsigned char)c < 0x20)
            return NULL;
        if (c == '"')
            break;
        if (c == '\\') {
            char e = *p++;
            switch (e) {
            case '"': case '\\': case '/': c = e; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v = 0;
                for (int i = 0; i < 4; i++, p++) {
                    char h = *p;
                    v <<= 4;
                    if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
                    else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
                    else return NULL;
                }
                if (v == 0)
                    return NULL;        /* would cut the string short */
                c = v < 0x80 ? (char)v : '?';   /* ASCII only in commands */
                break;
            }
            default:
                return NULL;
            }
        }
        if (out) {
            if (n + 1 < size)
                out[n++] = c;
            else if (fits)
                *fits = false;
        }
    }
    if (out && size)
        out[n] = '\0';
    return p;
}

static const char *parse_number(const char *p, int64_t *num)
{
    bool neg = false;
    uint64_t v = 0;

    if (*p == '-') {
        neg = true;
        p++;
    }
    if (*p < '0' || *p > '9')
        return NULL;
    while (*p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return NULL;
        v = v * 10 + (uint64_t)(*p++ - '0');
    }
    if (*p == '.' || *p == 'e' || *p == 'E')
        return NULL;                    /* integers only */
    if (v > (uint64_t)INT64_MAX)
        return NULL;
    if (num)
        *num = neg ? -(int64_t)v : (int64_t)v;
    return p;
}

static const char *skip_value(const char *p, int depth, enum json_type *type);

static const char *skip_container(const char *p, int depth)
{
    char close = *p == '{' ? '}' : ']';
    bool object = *p == '{';

    if (depth >= MAX_DEPTH)
        return NULL;
    p = ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (object) {
            p = parse_string(p, NULL, 0, NULL);
            if (!p)
                return NULL;
            p = ws(p);
            if (*p++ != ':')
                return NULL;
        }
        p = skip_value(ws(p), depth + 1, NULL);
        if (!p)
            return NULL;
        p = ws(p);
        if (*p == ',') {
            p = ws(p + 1);
            continue;
        }
        if (*p == close)
            return p + 1;
        return NULL;
    }
}

static const char *skip_value(const char *p, int depth, enum json_type *type)
{
    enum json_type t;

    if (*p == '"') {
        t = JSON_STRING;
        p = parse_string(p, NULL, 0, NULL);
    } else if (*p == '{' || *p == '[') {
        t = JSON_NESTED;
        p = skip_container(p, depth);
    } else if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0) {
        t = *p == 't' ? JSON_BOOL : JSON_NULL;
        p += 4;
    } else if (strncmp(p, "false", 5) == 0) {
        t = JSON_BOOL;
        p += 5;
    } else {
        t = JSON_NUMBER;
        p = parse_number(p, NULL);
    }
    if (type)
        *type = t;
    return p;
}

bool json_valid_object(const char *line)
{
    const char *p = ws(line);

    if (*p != '{')
        return false;
    p = skip_container(p, 0);
    return p && *ws(p) == '\0';
}

enum json_type json_get(const char *line, const char *key, char *out, size_t size,
                        int64_t *num)
{
    char k[64];
    bool fits;
    const char *p = ws(line);

    if (!json_valid_object(line))
        return JSON_NONE;
    p = ws(p + 1);
    while (*p == '"') {
        p = parse_string(p, k, sizeof(k), &fits);
        p = ws(p);
        p = ws(p + 1);                  /* ':' (validated above) */
        if (fits && strcmp(k, key) == 0) {
            enum json_type t;
            const char *end = skip_value(p, 1, &t);
            if (t == JSON_STRING) {
                if (!parse_string(p, out, size, &fits) || !fits)
                    return JSON_NONE;
            } else if (t == JSON_NUMBER) {
                parse_number(p, num);
            } else if (t == JSON_BOOL && num) {
                *num = *p == 't';
            }
            (void)end;
            return t;
        }
        p = ws(skip_value(p, 1, NULL));
        if (*p == ',')
            p = ws(p + 1);
    }
    return JSON_NONE;
}
