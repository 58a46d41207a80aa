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
    FILE *f = fopen(path, "rb");
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

static void note_duplicate(PlistFile *pf, const PlistPos *old,
                           unsigned line, unsigned column)
{
    PlistDuplicate *d = realloc(pf->dups, (pf->dup_count + 1) * sizeof(*d));

    if (!d) {
        pf->out_of_memory = true;
        return;
    }
    pf->dups = d;
    d[pf->dup_count++] = (PlistDuplicate){
        .key = old->key, .first_line = old->line,
        .first_column = old->column, .line = line, .column = column };
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
    if (p->used) {
        if (key)
            note_duplicate(pf, p, line, column);
    } else {
        pf->pos_count++;
    }
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

int PlistFile_load(PlistFile *pf, const char *path, const char *tool)
{
    OSPlistError err = { 0 };
    FILE *diag = pf->diag ? pf->diag : stderr;

    memset(pf, 0, sizeof(*pf));
    pf->path = path;
    pf->tool = tool;
    pf->diag = diag;
    pf->text = plist_read_file(path, &pf->length);
    if (!pf->text) {
        fprintf(diag, "%s: error: cannot read: %s%s\n", path, strerror(errno),
                errno == EISDIR ? " (name the Info.plist inside it)" : "");
        pf->errors++;
        return PLIST_IO_ERROR;
    }
    if (!index_lines(pf)) {
        fprintf(diag, "%s: error: out of memory\n", path);
        pf->errors++;
        return PLIST_IO_ERROR;
    }
    pf->top = OSUnserializeXMLWithPositions(pf->text, pf->length, &err,
                                            record_position, pf);
    if (!pf->top) {
        PlistFile_error(pf, err.line, err.column, "%s", err.message);
        return PLIST_SYNTAX_ERROR;
    }
    if (pf->out_of_memory) {
        fprintf(diag, "%s: error: out of memory recording positions\n", path);
        pf->errors++;
        return PLIST_IO_ERROR;
    }
    return PLIST_LOADED;
}

void PlistFile_free(PlistFile *pf)
{
    OSSafeReleaseNULL(pf->top);
    free(pf->text);
    free(pf->pos);
    free(pf->line_starts);
    free(pf->dups);
    pf->text = NULL;
    pf->pos = NULL;
    pf->line_starts = NULL;
    pf->dups = NULL;
    pf->pos_count = pf->pos_slots = pf->dup_count = 0;
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

void PlistFile_where_in_string(const PlistFile *pf, size_t char_index,
                               unsigned *line, unsigned *column)
{
    static const char open[] = "<string>";

    if (*line == 0 || *line > pf->line_count || *column == 0)
        return;
    size_t off = pf->line_starts[*line - 1] + *column - 1;
    if (off + sizeof(open) - 1 > pf->length ||
        memcmp(pf->text + off, open, sizeof(open) - 1) != 0)
        return;
    off += sizeof(open) - 1;
    unsigned l = *line, c = *column + (unsigned)(sizeof(open) - 1);
    for (size_t i = 0; i < char_index; i++, off++) {
        if (off >= pf->length || pf->text[off] == '&' || pf->text[off] == '<')
            return;                 /* an entity or the end: not literal */
        if (pf->text[off] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *column = c;
}

static void vreport(PlistFile *pf, const char *what, unsigned line,
                    unsigned column, const char *fmt, va_list ap)
{
    FILE *out = pf->diag ? pf->diag : stderr;

    if (line)
        fprintf(out, "%s:%u:%u: %s: ", pf->path, line, column, what);
    else
        fprintf(out, "%s: %s: ", pf->path, what);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
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
