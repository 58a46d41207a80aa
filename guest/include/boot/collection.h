/* The boot collection: one image holding every file the kernel needs from
 * the host (bundles' Info.plists, dext and app executables), built by
 * mkbootcol on the host and passed to QEMU as the PVH boot module.
 *
 * Layout (little-endian): header, then entry table, then file data.
 * The checksum is FNV-1a 64 over the whole image with the checksum field
 * read as zero.  Everything is validated before use: sizes, offsets and
 * names are guest-visible inputs like any other. */
#ifndef BOOT_COLLECTION_H
#define BOOT_COLLECTION_H

#include <stdint.h>
#include <stddef.h>

#define BOOTCOL_MAGIC     0x314c4f4354584444ULL   /* "DDXTCOL1" */
#define BOOTCOL_VERSION   1
#define BOOTCOL_NAME_MAX  96
#define BOOTCOL_MAX_FILES 4096

struct bootcol_header {
    uint64_t magic;
    uint32_t version;
    uint32_t count;         /* entries */
    uint64_t total_size;    /* bytes, header included */
    uint64_t checksum;
};

struct bootcol_entry {
    char name[BOOTCOL_NAME_MAX];    /* NUL-terminated path, e.g. "etc/motd" */
    uint64_t offset;                /* from the start of the image */
    uint64_t size;
};

/* Status of a validation, with a message for the console. */
enum bootcol_status {
    BOOTCOL_OK = 0,
    BOOTCOL_TOO_SMALL,
    BOOTCOL_BAD_MAGIC,
    BOOTCOL_BAD_VERSION,
    BOOTCOL_SIZE_MISMATCH,
    BOOTCOL_BAD_CHECKSUM,
    BOOTCOL_BAD_TABLE,
    BOOTCOL_BAD_ENTRY,
};

uint64_t bootcol_checksum(const void *image, size_t size);
/* Check an image of size bytes; on failure *bad_entry names the entry (or -1). */
enum bootcol_status bootcol_validate(const void *image, size_t size, long *bad_entry);
const char *bootcol_status_text(enum bootcol_status st);
/* Find a file by name in a validated image. */
const struct bootcol_entry *bootcol_find(const void *image, const char *name);

#endif
