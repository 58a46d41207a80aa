/* mkbootcol: build a boot collection image from files (host tool).
 *
 * usage: mkbootcol OUTPUT NAME=FILE...
 * NAME is the path the guest sees; FILE is read from the host. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/collection.h"

static void *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mkbootcol: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    if (buf && ferror(f)) {
        fprintf(stderr, "mkbootcol: %s: read error (a directory?)\n", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = len;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mkbootcol OUTPUT NAME=FILE...\n");
        return 2;
    }
    size_t count = (size_t)argc - 2;
    if (count > BOOTCOL_MAX_FILES) {
        fprintf(stderr, "mkbootcol: at most %d files\n", BOOTCOL_MAX_FILES);
        return 2;
    }
    void **data = calloc(count + 1, sizeof(*data));
    struct bootcol_entry *ents = calloc(count + 1, sizeof(*ents));
    if (!data || !ents) {
        fprintf(stderr, "mkbootcol: out of memory\n");
        return 1;
    }
    size_t off = sizeof(struct bootcol_header) + count * sizeof(*ents);
    for (size_t i = 0; i < count; i++) {
        const char *arg = argv[i + 2];
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg || (size_t)(eq - arg) >= BOOTCOL_NAME_MAX) {
            fprintf(stderr, "mkbootcol: argument '%s': expected NAME=FILE with "
                    "NAME of 1 to %d characters\n", arg, BOOTCOL_NAME_MAX - 1);
            return 2;
        }
        memcpy(ents[i].name, arg, (size_t)(eq - arg));
        for (size_t j = 0; j < i; j++) {
            if (strcmp(ents[j].name, ents[i].name) == 0) {
                fprintf(stderr, "mkbootcol: argument '%s': the name '%s' is "
                        "already given by argument %zu; each name must be "
                        "unique\n", arg, ents[i].name, j + 1);
                return 2;
            }
        }
        data[i] = read_file(eq + 1, &ents[i].size);
        if (!data[i])
            return 1;
        off = (off + 15) & ~(size_t)15;
        ents[i].offset = off;
        off += ents[i].size;
    }
    unsigned char *img = calloc(1, off);
    if (!img) {
        fprintf(stderr, "mkbootcol: out of memory for a %zu-byte image\n", off);
        return 1;
    }
    struct bootcol_header *h = (void *)img;
    h->magic = BOOTCOL_MAGIC;
    h->version = BOOTCOL_VERSION;
    h->count = (uint32_t)count;
    h->total_size = off;
    memcpy(h + 1, ents, count * sizeof(*ents));
    for (size_t i = 0; i < count; i++)
        memcpy(img + ents[i].offset, data[i], ents[i].size);
    h->checksum = bootcol_checksum(img, off);

    FILE *out = fopen(argv[1], "wb");
    if (!out || fwrite(img, 1, off, out) != off || fclose(out) != 0) {
        fprintf(stderr, "mkbootcol: cannot write %s: %s\n", argv[1], strerror(errno));
        remove(argv[1]);    /* never leave a partial image behind */
        return 1;
    }
    return 0;
}
