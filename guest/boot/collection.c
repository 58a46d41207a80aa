/* Boot collection checks, shared by the kernel and the host tool. */
#include <string.h>

#include "boot/collection.h"

uint64_t bootcol_checksum(const void *image, size_t size)
{
    const unsigned char *p = image;
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t csum_at = offsetof(struct bootcol_header, checksum);

    for (size_t i = 0; i < size; i++) {
        unsigned char c = (i >= csum_at && i < csum_at + 8) ? 0 : p[i];
        h = (h ^ c) * 0x100000001b3ULL;
    }
    return h;
}

enum bootcol_status bootcol_validate(const void *image, size_t size, long *bad_entry)
{
    const struct bootcol_header *h = image;

    *bad_entry = -1;
    if (size < sizeof(*h))
        return BOOTCOL_TOO_SMALL;
    if (h->magic != BOOTCOL_MAGIC)
        return BOOTCOL_BAD_MAGIC;
    if (h->version != BOOTCOL_VERSION)
        return BOOTCOL_BAD_VERSION;
    if (h->total_size != size)
        return BOOTCOL_SIZE_MISMATCH;
    if (h->count > BOOTCOL_MAX_FILES ||
        sizeof(*h) + (uint64_t)h->count * sizeof(struct bootcol_entry) > size)
        return BOOTCOL_BAD_TABLE;
    if (bootcol_checksum(image, size) != h->checksum)
        return BOOTCOL_BAD_CHECKSUM;
    const struct bootcol_entry *e = (const void *)(h + 1);
    for (uint32_t i = 0; i < h->count; i++) {
        if (strnlen(e[i].name, BOOTCOL_NAME_MAX) == BOOTCOL_NAME_MAX ||
            e[i].name[0] == '\0' || e[i].offset > size ||
            e[i].size > size - e[i].offset) {
            *bad_entry = (long)i;
            return BOOTCOL_BAD_ENTRY;
        }
    }
    return BOOTCOL_OK;
}

const char *bootcol_status_text(enum bootcol_status st)
{
    switch (st) {
    case BOOTCOL_OK:            return "ok";
    case BOOTCOL_TOO_SMALL:     return "smaller than its header";
    case BOOTCOL_BAD_MAGIC:     return "bad magic (not a dextbed boot collection)";
    case BOOTCOL_BAD_VERSION:   return "unsupported version";
    case BOOTCOL_SIZE_MISMATCH: return "size does not match the header (truncated?)";
    case BOOTCOL_BAD_CHECKSUM:  return "checksum mismatch (corrupt image)";
    case BOOTCOL_BAD_TABLE:     return "entry table out of bounds";
    case BOOTCOL_BAD_ENTRY:     return "entry with a bad name, offset or size";
    }
    return "unknown error";
}

const struct bootcol_entry *bootcol_find(const void *image, const char *name)
{
    const struct bootcol_header *h = image;
    const struct bootcol_entry *e = (const void *)(h + 1);

    for (uint32_t i = 0; i < h->count; i++) {
        if (strcmp(e[i].name, name) == 0)
            return &e[i];
    }
    return NULL;
}
