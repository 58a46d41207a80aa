/* OSString (immutable byte strings) and OSSymbol (interned strings in one
 * hash table; a symbol leaves the table on its last release). */
#include "lk_internal.h"

static void OSString_dtor(OSObject *obj)
{
    OSString *s = (OSString *)obj;

    if (s->cstr)
        lk_free(s->cstr, s->length + 1);
    s->cstr = NULL;
}

/* The symbol table: chained buckets, a power of two of them, doubled when
 * the table holds more symbols than buckets. */
static struct {
    OSSymbol **buckets;
    size_t nbuckets;
    size_t count;
} symtab;

#define SYMTAB_MIN_BUCKETS 64

static void OSSymbol_dtor(OSObject *obj)
{
    OSSymbol *sym = (OSSymbol *)obj;
    OSSymbol **pp;

    if (!symtab.buckets)
        return;
    for (pp = &symtab.buckets[sym->hash & (symtab.nbuckets - 1)]; *pp;
         pp = &(*pp)->next_in_bucket) {
        if (*pp == sym) {
            *pp = sym->next_in_bucket;
            symtab.count--;
            return;
        }
    }
}

OSDefineMetaClass(OSString, OSObject, NULL, OSString_dtor, NULL);
OSDefineMetaClass(OSSymbol, OSString, NULL, OSSymbol_dtor, NULL);

/* Fill a new string object (OSString or OSSymbol) with a copy of s. */
static bool string_fill(OSString *str, const char *s, size_t length)
{
    str->cstr = lk_strndup(s, length);
    if (!str->cstr)
        return false;
    str->length = length;
    return true;
}

OSString *OSString_with_bytes(const char *s, size_t length)
{
    OSString *str;

    if (!s || strnlen(s, length) != length)
        return NULL;
    str = (OSString *)OSMetaClass_alloc_instance(&OSString_metaClass);
    if (!str)
        return NULL;
    if (!string_fill(str, s, length)) {
        OSObject_release(str);
        return NULL;
    }
    return str;
}

OSString *OSString_with_cstring(const char *s)
{
    return s ? OSString_with_bytes(s, strlen(s)) : NULL;
}

const char *OSString_get_cstring(const OSString *s)
{
    return s ? s->cstr : NULL;
}

size_t OSString_get_length(const OSString *s)
{
    return s ? s->length : 0;
}

bool OSString_is_equal_to_cstring(const OSString *s, const char *c)
{
    return s && c && strcmp(s->cstr, c) == 0;
}

bool lk_string_equal(const OSString *a, const OSString *b)
{
    return a->length == b->length && memcmp(a->cstr, b->cstr, a->length) == 0;
}

/* Double the buckets; on allocation failure keep the old (longer chains). */
static void symtab_grow(void)
{
    size_t n = symtab.nbuckets ? symtab.nbuckets * 2 : SYMTAB_MIN_BUCKETS;
    OSSymbol **b = lk_alloc(n * sizeof(*b));

    if (!b)
        return;
    for (size_t i = 0; i < symtab.nbuckets; i++) {
        OSSymbol *sym = symtab.buckets[i], *next;

        for (; sym; sym = next) {
            next = sym->next_in_bucket;
            sym->next_in_bucket = b[sym->hash & (n - 1)];
            b[sym->hash & (n - 1)] = sym;
        }
    }
    if (symtab.buckets)
        lk_free(symtab.buckets, symtab.nbuckets * sizeof(*b));
    symtab.buckets = b;
    symtab.nbuckets = n;
}

static const OSSymbol *symbol_find(const char *s, size_t len, uint32_t hash)
{
    if (!symtab.buckets)
        return NULL;
    for (OSSymbol *sym = symtab.buckets[hash & (symtab.nbuckets - 1)]; sym;
         sym = sym->next_in_bucket)
        if (sym->hash == hash && sym->str.length == len &&
            memcmp(sym->str.cstr, s, len) == 0)
            return sym;
    return NULL;
}

const OSSymbol *lk_symbol_find(const char *s, size_t len)
{
    return symbol_find(s, len, lk_hash(s, len));
}

const OSSymbol *OSSymbol_with_bytes(const char *s, size_t length)
{
    const OSSymbol *found;
    OSSymbol *sym;
    uint32_t hash;

    if (!s || strnlen(s, length) != length)
        return NULL;
    hash = lk_hash(s, length);
    found = symbol_find(s, length, hash);
    if (found) {
        OSObject_retain(found);
        return found;
    }
    if (symtab.count >= symtab.nbuckets)
        symtab_grow();
    if (!symtab.buckets)
        return NULL;
    sym = (OSSymbol *)OSMetaClass_alloc_instance(&OSSymbol_metaClass);
    if (!sym)
        return NULL;
    if (!string_fill(&sym->str, s, length)) {
        /* Not yet in the table: the dtor finds nothing to unlink. */
        OSObject_release(sym);
        return NULL;
    }
    sym->hash = hash;
    sym->next_in_bucket = symtab.buckets[hash & (symtab.nbuckets - 1)];
    symtab.buckets[hash & (symtab.nbuckets - 1)] = sym;
    symtab.count++;
    return sym;
}

const OSSymbol *OSSymbol_with_cstring(const char *s)
{
    return s ? OSSymbol_with_bytes(s, strlen(s)) : NULL;
}

const OSSymbol *OSSymbol_existing(const char *s)
{
    const OSSymbol *sym;

    if (!s)
        return NULL;
    sym = lk_symbol_find(s, strlen(s));
    if (sym)
        OSObject_retain(sym);
    return sym;
}

const char *OSSymbol_get_cstring(const OSSymbol *sym)
{
    return sym ? sym->str.cstr : NULL;
}

size_t OSSymbol_count(void)
{
    return symtab.count;
}
