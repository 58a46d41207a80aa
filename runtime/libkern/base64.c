/* base64 (RFC 4648, with padding) for plist <data>. */
#include "lk_internal.h"

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define B64_LINE 68

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static bool is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

long lk_base64_decode(const char *in, size_t len, uint8_t *out, size_t *bad,
                      const char **why)
{
    uint32_t quad = 0;
    unsigned n = 0, pad = 0;
    size_t o = 0, last = 0;

    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        int v;

        if (is_xml_space(c))
            continue;
        last = i;
        if (c == '=') {
            /* Padding: only the last one or two places of a quartet. */
            if (n < 2) {
                *bad = i;
                *why = "misplaced '=' in base64";
                return -1;
            }
            pad++;
            n++;
            quad <<= 6;
        } else {
            v = b64_value(c);
            if (v < 0) {
                *bad = i;
                *why = "invalid character in base64";
                return -1;
            }
            if (pad) {
                *bad = i;
                *why = "base64 continues after '=' padding";
                return -1;
            }
            quad = quad << 6 | (uint32_t)v;
            n++;
        }
        if (n == 4) {
            out[o++] = (uint8_t)(quad >> 16);
            if (pad < 2)
                out[o++] = (uint8_t)(quad >> 8);
            if (pad < 1)
                out[o++] = (uint8_t)quad;
            if (pad)
                pad = 3;    /* nothing may follow a padded quartet */
            n = 0;
            quad = 0;
        }
    }
    if (n) {
        *bad = len ? last + 1 : 0;
        *why = "base64 length is not a multiple of 4";
        return -1;
    }
    return (long)o;
}

bool lk_base64_append(OSSerialize *s, const uint8_t *bytes, size_t len,
                      unsigned indent)
{
    char line[B64_LINE + 1];
    size_t n = 0;

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)bytes[i] << 16;

        if (i + 1 < len)
            v |= (uint32_t)bytes[i + 1] << 8;
        if (i + 2 < len)
            v |= bytes[i + 2];
        line[n++] = b64_chars[v >> 18 & 63];
        line[n++] = b64_chars[v >> 12 & 63];
        line[n++] = i + 1 < len ? b64_chars[v >> 6 & 63] : '=';
        line[n++] = i + 2 < len ? b64_chars[v & 63] : '=';
        if (n == B64_LINE || i + 3 >= len) {
            for (unsigned t = 0; t < indent; t++)
                OSSerialize_append(s, "\t", 1);
            line[n++] = '\n';
            OSSerialize_append(s, line, n);
            n = 0;
        }
    }
    return !s->failed;
}
