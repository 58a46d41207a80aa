/* ioreg-format: the host side of `scripts/dextbed ioreg`.  Reads a registry
 * archive (the XML the control channel's "ioreg" command or `ioreg -a`
 * writes) from a file or stdin and shows it with ioreg's options.
 *
 *   ioreg-format [-ailrx] [-c class] [-d depth] [-k key] [-n name]
 *                [-p plane] [-w width] [file]
 *
 * Exit status: 0 shown, 1 bad input or nothing matched -c/-n/-k, 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioreg_format.h"

#define PROG "ioreg-format"

static void write_file(void *ctx, const char *text, size_t len)
{
    fwrite(text, 1, len, (FILE *)ctx);
}

/* The whole of f, at most OS_PLIST_MAX_TEXT bytes; NULL with errno set, or
 * with *too_big when it is larger. */
static char *read_all(FILE *f, size_t *len, int *too_big)
{
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);

    *too_big = 0;
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                free(buf);
                return NULL;
            }
            *len = n;
            return buf;
        }
        if (n > OS_PLIST_MAX_TEXT) {
            *too_big = 1;
            free(buf);
            return NULL;
        }
        if (n == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                free(buf);
            buf = bigger;
            cap *= 2;
        }
    }
    errno = ENOMEM;
    return NULL;
}

int main(int argc, char **argv)
{
    ioreg_options o;
    char err[300];
    const char *path = NULL;
    FILE *in = stdin;
    size_t len = 0;
    int too_big;

    ioreg_options_init(&o);
    int first = ioreg_parse_args(&o, argc, argv, err, sizeof(err));
    if (first < 0 || argc - first > 1) {
        fprintf(stderr, PROG ": error: %s\n",
                first < 0 ? err : "more than one input file");
        ioreg_write_usage(write_file, stderr, PROG, "[file]");
        return 2;
    }
    if (first < argc && strcmp(argv[first], "-") != 0) {
        path = argv[first];
        in = fopen(path, "rb");
        if (!in) {
            fprintf(stderr, PROG ": error: cannot open %s: %s\n", path, strerror(errno));
            return 1;
        }
    }
    const char *source = path ? path : "standard input";
    char *xml = read_all(in, &len, &too_big);
    if (path)
        fclose(in);
    if (!xml) {
        if (too_big)
            fprintf(stderr, PROG ": error: %s: larger than %u bytes, the most an archive "
                    "may be\n", source, OS_PLIST_MAX_TEXT);
        else
            fprintf(stderr, PROG ": error: cannot read %s: %s\n", source, strerror(errno));
        return 1;
    }
    if (!libkern_init()) {
        fprintf(stderr, PROG ": error: cannot initialise libkern\n");
        free(xml);
        return 1;
    }
    long found = ioreg_format_xml(xml, len, &o, write_file, stdout, err, sizeof(err));
    free(xml);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, PROG ": error: writing the output: %s\n", strerror(errno));
        return 1;
    }
    if (found < 0) {
        fprintf(stderr, PROG ": error: %s: %s\n", source, err);
        return 1;
    }
    if (found == 0 && (o.class_name || o.name || o.key)) {
        fprintf(stderr, PROG ": no entry in the %s plane matches%s%s%s%s%s%s\n", o.plane,
                o.class_name ? " -c " : "", o.class_name ? o.class_name : "",
                o.name ? " -n " : "", o.name ? o.name : "",
                o.key ? " -k " : "", o.key ? o.key : "");
        return 1;
    }
    return 0;
}
