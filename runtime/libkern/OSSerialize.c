/* The OSSerialize text buffer and the XML plist writer (Apple's layout:
 * prolog, DOCTYPE, <plist version="1.0">, one tab per level). */
#include "lk_internal.h"

void OSSerialize_init(OSSerialize *s)
{
    memset(s, 0, sizeof(*s));
}

void OSSerialize_free(OSSerialize *s)
{
    if (s->text)
        lk_free(s->text, s->capacity);
    memset(s, 0, sizeof(*s));
}

/* Room for `more` bytes plus the NUL; false (and failed) without memory. */
static bool grow(OSSerialize *s, size_t more)
{
    size_t want, cap;
    char *t;

    if (s->failed)
        return false;
    if (more >= ((size_t)1 << 40) - s->length) {
        s->failed = true;
        return false;
    }
    want = s->length + more + 1;
    if (want <= s->capacity)
        return true;
    for (cap = s->capacity ? s->capacity : 256; cap < want; cap *= 2)
        ;
    t = lk_alloc(cap);
    if (!t) {
        s->failed = true;
        return false;
    }
    if (s->text) {
        memcpy(t, s->text, s->length + 1);
        lk_free(s->text, s->capacity);
    }
    s->text = t;
    s->capacity = cap;
    return true;
}

bool OSSerialize_append(OSSerialize *s, const char *text, size_t len)
{
    if (!grow(s, len))
        return false;
    memcpy(s->text + s->length, text, len);
    s->length += len;
    s->text[s->length] = '\0';
    return true;
}

bool OSSerialize_appendf(OSSerialize *s, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;

    if (s->failed)
        return false;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(s->text ? s->text + s->length : NULL,
                  s->text ? s->capacity - s->length : 0, fmt, ap);
    if (n >= 0 && s->text && (size_t)n < s->capacity - s->length) {
        s->length += (size_t)n;
    } else if (n >= 0 && grow(s, (size_t)n)) {
        vsnprintf(s->text + s->length, s->capacity - s->length, fmt, ap2);
        s->length += (size_t)n;
    } else {
        s->failed = true;
        if (s->text)
            s->text[s->length] = '\0';
    }
    va_end(ap2);
    va_end(ap);
    return !s->failed;
}

#define IS(obj, cls) OSObject_is_kind_of(obj, OSTypeID(cls))

static void indent(OSSerialize *s, unsigned level)
{
    static const char tabs[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";

    while (level > 16) {
        OSSerialize_append(s, tabs, 16);
        level -= 16;
    }
    OSSerialize_append(s, tabs, level);
}

/* Text with & < > escaped, and control characters other than tab and
 * newline as character references (so they survive a reparse). */
static void escaped(OSSerialize *s, const char *t, size_t len)
{
    size_t run = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        const char *rep = NULL;

        if (c == '&')
            rep = "&amp;";
        else if (c == '<')
            rep = "&lt;";
        else if (c == '>')
            rep = "&gt;";
        else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
            rep = "";
        else
            continue;
        OSSerialize_append(s, t + run, i - run);
        run = i + 1;
        if (*rep)
            OSSerialize_append(s, rep, strlen(rep));
        else
            OSSerialize_appendf(s, "&#%u;", c);
    }
    OSSerialize_append(s, t + run, len - run);
}

static __attribute__((noinline)) void simple(OSSerialize *s, unsigned level,
                                            const char *tag, const char *text,
                                            size_t len, bool escape)
{
    indent(s, level);
    OSSerialize_appendf(s, "<%s>", tag);
    if (escape)
        escaped(s, text, len);
    else
        OSSerialize_append(s, text, len);
    OSSerialize_appendf(s, "</%s>\n", tag);
}

/* A non-container value; false if obj has no plist form.  Kept out of
 * write_value so the recursion's stack frames stay small. */
static __attribute__((noinline)) bool write_scalar(OSSerialize *s,
                                                   const void *obj,
                                                   unsigned level)
{
    char buf[24];

    if (IS(obj, OSString)) {
        const OSString *str = obj;

        simple(s, level, "string", str->cstr, str->length, true);
    } else if (IS(obj, OSNumber)) {
        const OSNumber *n = obj;

        if (n->is_real) {
            simple(s, level, "real", n->real_text, strlen(n->real_text), false);
        } else {
            if (n->is_signed)
                snprintf(buf, sizeof(buf), "%lld",
                         (long long)OSNumber_signed_64(n));
            else
                snprintf(buf, sizeof(buf), "%llu",
                         (unsigned long long)n->value);
            simple(s, level, "integer", buf, strlen(buf), false);
        }
    } else if (IS(obj, OSBoolean)) {
        indent(s, level);
        OSSerialize_appendf(s, "<%s/>\n", OSBoolean_get_value(obj) ? "true"
                                                                   : "false");
    } else if (IS(obj, OSData)) {
        const OSData *d = obj;

        indent(s, level);
        OSSerialize_append(s, "<data>\n", 7);
        lk_base64_append(s, d->bytes, d->length, level);
        indent(s, level);
        OSSerialize_append(s, "</data>\n", 8);
    } else if (IS(obj, OSDate)) {
        if (!lk_date_format(OSDate_get_seconds(obj), buf))
            return false;
        simple(s, level, "date", buf, LK_DATE_LEN, false);
    } else {
        return false;   /* sets and non-value objects have no plist form */
    }
    return !s->failed;
}

static bool write_value(OSSerialize *s, const void *obj, unsigned level,
                        unsigned depth)
{
    if (!obj)
        return false;
    if (IS(obj, OSArray)) {
        const OSArray *a = obj;

        if (depth >= LK_MAX_DEPTH)
            return false;
        indent(s, level);
        if (!a->count) {
            OSSerialize_append(s, "<array/>\n", 9);
            return !s->failed;
        }
        OSSerialize_append(s, "<array>\n", 8);
        for (unsigned i = 0; i < a->count; i++)
            if (!write_value(s, a->items[i], level + 1, depth + 1))
                return false;
        indent(s, level);
        OSSerialize_append(s, "</array>\n", 9);
    } else if (IS(obj, OSDictionary)) {
        const OSDictionary *d = obj;

        if (depth >= LK_MAX_DEPTH)
            return false;
        indent(s, level);
        if (!d->count) {
            OSSerialize_append(s, "<dict/>\n", 8);
            return !s->failed;
        }
        OSSerialize_append(s, "<dict>\n", 7);
        for (unsigned i = 0; i < d->count; i++) {
            simple(s, level + 1, "key", d->keys[i]->str.cstr,
                   d->keys[i]->str.length, true);
            if (!write_value(s, d->values[i], level + 1, depth + 1))
                return false;
        }
        indent(s, level);
        OSSerialize_append(s, "</dict>\n", 8);
    } else {
        return write_scalar(s, obj, level);
    }
    return !s->failed;
}

static const char xml_header[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
    "<plist version=\"1.0\">\n";

bool OSSerialize_object_xml(OSSerialize *s, const void *obj, unsigned flags)
{
    bool bare = flags & OS_SERIALIZE_NO_HEADER;

    if (!s)
        return false;
    if (!bare)
        OSSerialize_append(s, xml_header, sizeof(xml_header) - 1);
    if (!write_value(s, obj, 0, 0))
        return false;
    if (!bare)
        OSSerialize_append(s, "</plist>\n", 9);
    return !s->failed;
}
