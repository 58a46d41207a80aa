/* A plist file with the position of every value (plistfile.h). */
#include "plistfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct PlistPos {
    const void *container;          /* NULL: the top object (or a free slot */
    const OSSymbol *key;            /*  when used is false) */
    unsigned index;
    unsigned line, column;
    bool used;
};

char *plist_read_file(const char *path, size_t *length)
{
    bool use_stdin = strcmp(path, "-") == 0;
    FILE *f = use_stdin ? stdin : fopen(path, "rb");
    struct stat st;

    if (!f)
        return NULL;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        errno = EISDIR;
        return NULL;
    }
    size_t cap = 4096, len = 0, n;
    char *buf = malloc(cap + 1);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            if (cap >= OS_PLIST_MAX_TEXT + 1) {
                errno = EFBIG;      /* the parser refuses it anyway */
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, (cap *= 2) + 1);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
        errno = EIO;
    }
    if (!use_stdin)
        fclose(f);
    if (!buf)
        return NULL;
    buf[len] = '\0';
    *length = len;
    return buf;
}

static size_t pos_hash(const void *container, const OSSymbol *key,
                       unsigned index)
{
    uint64_t h = (uintptr_t)container * 0x9e3779b97f4a7c15ull;

    h ^= (uintptr_t)key * 0xc2b2ae3d27d4eb4full;
    h ^= (uint64_t)index * 0x165667b19e3779f9ull;
    return (size_t)(h ^ (h >> 29));
}

/* The slot of (container, key, index), or the free slot where it goes. */
static PlistPos *pos_slot(PlistPos *table, size_t slots, const void *container,
                          const OSSymbol *key, unsigned index)
{
    size_t i = pos_hash(container, key, index) & (slots - 1);

    while (table[i].used && !(table[i].container == container &&
                              table[i].key == key && table[i].index == index))
        i = (i + 1) & (slots - 1);
    return &table[i];
}

static bool pos_grow(PlistFile *pf)
{
    size_t slots = pf->pos_slots ? pf->pos_slots * 2 : 256;
    PlistPos *table = calloc(slots, sizeof(*table));

    if (!table)
        return false;
    for (size_t i = 0; i < pf->pos_slots; i++) {
        PlistPos *p = &pf->pos[i];
        if (p->used)
            *pos_slot(table, slots, p->container, p->key, p->index) = *p;
    }
    free(pf->pos);
    pf->pos = table;
    pf->pos_slots = slots;
    return true;
}

/* The parser's callback: remember where each value is written. */
static void record_position(void *ctx, const OSObject *container,
                            const OSSymbol *key, unsigned index,
                            const OSObject *value, unsigned line,
                            unsigned column)
{
    PlistFile *pf = ctx;

    (void)value;
    if (key)
        index = 0;                  /* dictionary members go by key */
    if ((pf->pos_count + 1) * 2 > pf->pos_slots && !pos_grow(pf)) {
        pf->out_of_memory = true;
        return;
    }
    PlistPos *p = pos_slot(pf->pos, pf->pos_slots, container, key, index);
    if (!p->used)
        pf->pos_count++;
    *p = (PlistPos){ .container = container, .key = key, .index = index,
                     .line = line, .column = column, .used = true };
}

static bool index_lines(PlistFile *pf)
{
    size_t n = 1;

    for (size_t i = 0; i < pf->length; i++)
        n += pf->text[i] == '\n';
    pf->line_starts = malloc(n * sizeof(*pf->line_starts));
    if (!pf->line_starts)
        return false;
    pf->line_starts[0] = 0;
    pf->line_count = 1;
    for (size_t i = 0; i < pf->length; i++)
        if (pf->text[i] == '\n')
            pf->line_starts[pf->line_count++] = i + 1;
    return true;
}

int PlistFile_load(PlistFile *pf, const char *path)
{
    OSPlistError err = { 0 };
    FILE *diag = pf->diag ? pf->diag : stderr;

    memset(pf, 0, sizeof(*pf));
    pf->path = strcmp(path, "-") == 0 ? "<stdin>" : path;
    pf->diag = diag;
    pf->text = plist_read_file(path, &pf->length);
    if (!pf->text) {
        PlistFile_error(pf, 0, 0, "cannot read: %s%s", strerror(errno),
                        errno == EISDIR ? " (name the Info.plist inside it)"
                                        : "");
        return PLIST_IO_ERROR;
    }
    if (!index_lines(pf)) {
        PlistFile_error(pf, 0, 0, "out of memory");
        return PLIST_IO_ERROR;
    }
    pf->top = OSUnserializeXMLWithPositions(pf->text, pf->length, &err,
                                            record_position, pf);
    if (!pf->top) {
        PlistFile_error(pf, err.line, err.column, "%s", err.message);
        return PLIST_SYNTAX_ERROR;
    }
    if (pf->out_of_memory) {
        PlistFile_error(pf, 0, 0, "out of memory recording positions");
        return PLIST_IO_ERROR;
    }
    return PLIST_LOADED;
}

static int diag_order(const void *a, const void *b)
{
    const PlistDiag *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->column != y->column)
        return x->column < y->column ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void PlistFile_flush(PlistFile *pf)
{
    FILE *out = pf->diag ? pf->diag : stderr;

    if (pf->diag_count)
        qsort(pf->diags, pf->diag_count, sizeof(*pf->diags), diag_order);
    for (size_t i = 0; i < pf->diag_count; i++) {
        fprintf(out, "%s\n", pf->diags[i].text);
        free(pf->diags[i].text);
    }
    fflush(out);
    free(pf->diags);
    pf->diags = NULL;
    pf->diag_count = 0;
}

void PlistFile_free(PlistFile *pf)
{
    PlistFile_flush(pf);
    OSSafeReleaseNULL(pf->top);
    free(pf->text);
    free(pf->pos);
    free(pf->line_starts);
    pf->text = NULL;
    pf->pos = NULL;
    pf->line_starts = NULL;
    pf->pos_count = pf->pos_slots = 0;
}

bool PlistFile_where(const PlistFile *pf, const void *container,
                     const OSSymbol *key, unsigned index, unsigned *line,
                     unsigned *column)
{
    *line = 1;
    *column = 1;
    if (!pf->pos_slots)
        return false;
    if (key)
        index = 0;
    const PlistPos *p = pos_slot(pf->pos, pf->pos_slots, container, key, index);
    if (!p->used)
        return false;
    *line = p->line;
    *column = p->column;
    return true;
}

/* Byte offset of line:column (columns count characters, as the parser's:
 * UTF-8 continuation bytes share one); false when outside the file. */
static bool offset_of(const PlistFile *pf, unsigned line, unsigned column,
                      size_t *off)
{
    if (line == 0 || line > pf->line_count || column == 0)
        return false;
    size_t o = pf->line_starts[line - 1];
    for (unsigned c = 1; c < column; c++) {
        if (o >= pf->length || pf->text[o] == '\n')
            return false;
        o++;
        while (o < pf->length && ((unsigned char)pf->text[o] & 0xc0) == 0x80)
            o++;
    }
    *off = o;
    return true;
}

/* Decoded bytes of the entity at text[off] ('&'), its source length in
 * *len; 0 when it is not one. */
static size_t entity_bytes(const char *text, size_t length, size_t off,
                           size_t *len)
{
    size_t n = 1;

    while (off + n < length && n < 14 && text[off + n] != ';')
        n++;
    if (off + n >= length || text[off + n] != ';')
        return 0;
    *len = n + 1;
    if (text[off + 1] != '#')
        return 1;                   /* &amp; &lt; &gt; &quot; &apos; */
    unsigned long c = text[off + 2] == 'x' || text[off + 2] == 'X'
                      ? strtoul(text + off + 3, NULL, 16)
                      : strtoul(text + off + 2, NULL, 10);
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

void PlistFile_where_in_string(const PlistFile *pf, size_t char_index,
                               unsigned *line, unsigned *column)
{
    static const char open[] = "<string>", cdata[] = "<![CDATA[";
    const char *t = pf->text;
    size_t off, decoded = 0;
    bool in_cdata = false;

    if (!offset_of(pf, *line, *column, &off) ||
        off + sizeof(open) - 1 > pf->length ||
        memcmp(t + off, open, sizeof(open) - 1) != 0)
        return;
    off += sizeof(open) - 1;
    while (off < pf->length) {
        size_t src = 1, dec = 1;
        if (in_cdata && strncmp(t + off, "]]>", 3) == 0) {
            in_cdata = false;
            src = 3;
            dec = 0;
        } else if (!in_cdata && strncmp(t + off, cdata, sizeof(cdata) - 1) == 0) {
            in_cdata = true;
            src = sizeof(cdata) - 1;
            dec = 0;
        } else if (!in_cdata && strncmp(t + off, "<!--", 4) == 0) {
            const char *end = strstr(t + off, "-->");
            if (!end)
                return;
            src = (size_t)(end - (t + off)) + 3;
            dec = 0;
        } else if (!in_cdata && t[off] == '<') {
            return;                 /* the end of the string */
        } else if (!in_cdata && t[off] == '&') {
            dec = entity_bytes(t, pf->length, off, &src);
            if (!dec)
                return;
        }
        if (dec && decoded == char_index)
            break;
        if (decoded + dec > char_index)
            return;                 /* inside a multi-byte reference */
        decoded += dec;
        off += src;
    }
    /* The line and column of off. */
    size_t lo = 0, hi = pf->line_count;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (pf->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    unsigned c = 1;
    for (size_t o = pf->line_starts[lo]; o < off; o++)
        if (((unsigned char)t[o] & 0xc0) != 0x80)
            c++;
    *line = (unsigned)lo + 1;
    *column = c;
}

static void vreport(PlistFile *pf, const char *what, unsigned line,
                    unsigned column, const char *fmt, va_list ap)
{
    char msg[1024], *text;
    PlistDiag *d = realloc(pf->diags, (pf->diag_count + 1) * sizeof(*d));

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (line)
        text = malloc(strlen(pf->path) + strlen(msg) + 48);
    else
        text = malloc(strlen(pf->path) + strlen(msg) + 16);
    if (!d || !text) {
        /* No memory to hold it: print it now. */
        free(text);
        if (d)
            pf->diags = d;
        fprintf(pf->diag ? pf->diag : stderr, "%s: %s: %s\n", pf->path, what,
                msg);
        return;
    }
    if (line)
        sprintf(text, "%s:%u:%u: %s: %s", pf->path, line, column, what, msg);
    else
        sprintf(text, "%s: %s: %s", pf->path, what, msg);
    pf->diags = d;
    d[pf->diag_count] = (PlistDiag){ .line = line, .column = column,
                                     .seq = (unsigned)pf->diag_count,
                                     .text = text };
    pf->diag_count++;
}

void PlistFile_error(PlistFile *pf, unsigned line, unsigned column,
                     const char *fmt, ...)
{
    va_list ap;

    pf->errors++;
    va_start(ap, fmt);
    vreport(pf, "error", line, column, fmt, ap);
    va_end(ap);
}

void PlistFile_note(PlistFile *pf, unsigned line, unsigned column,
                    const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(pf, "note", line, column, fmt, ap);
    va_end(ap);
}

const char *plist_type_name(const void *value)
{
    const OSNumber *n = OSDynamicCast(OSNumber, value);
    const OSBoolean *b = OSDynamicCast(OSBoolean, value);

    if (OSDynamicCast(OSString, value))
        return "<string>";
    if (n)
        return OSNumber_is_real(n) ? "<real>" : "<integer>";
    if (b)
        return OSBoolean_get_value(b) ? "<true/>" : "<false/>";
    if (OSDynamicCast(OSData, value))
        return "<data>";
    if (OSDynamicCast(OSDate, value))
        return "<date>";
    if (OSDynamicCast(OSArray, value))
        return "<array>";
    if (OSDynamicCast(OSDictionary, value))
        return "<dict>";
    return "an object";
}

const char *plist_type_article(const void *value)
{
    const char *name = plist_type_name(value);

    return strcmp(name, "<integer>") == 0 || strcmp(name, "<array>") == 0
           ? "an" : "a";
}
