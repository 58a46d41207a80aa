/* bin/ioreg: the IORegistry as macOS ioreg shows it, from inside the guest.
 * Reads the registry archive of a plane (io_registry_copy_archive) and
 * prints it with ioreg's options, one console line per output line.
 *
 *   ioreg [-ailrx] [-c class] [-d depth] [-k key] [-n name] [-p plane] [-w width]
 *
 * Exit status: 0 shown, 1 no registry or nothing matched -c/-n/-k, 2 usage. */
#include "iokit_user.h"
#include "ioreg_format.h"
#include "libc.h"

/* Lines can be longer than printf's buffer (-w0): pass them on in pieces. */
static void write_console(void *ctx, const char *text, size_t len)
{
    char piece[257];

    (void)ctx;
    while (len) {
        size_t n = len < sizeof(piece) - 1 ? len : sizeof(piece) - 1;
        memcpy(piece, text, n);
        piece[n] = '\0';
        printf("%s", piece);
        text += n;
        len -= n;
    }
}

int main(int argc, char **argv)
{
    ioreg_options o;
    char err[300];
    char *xml = NULL;
    size_t len = 0;

    ioreg_options_init(&o);
    int first = ioreg_parse_args(&o, argc, argv, err, sizeof(err));
    if (first < 0 || first < argc) {
        if (first < 0)
            printf("ioreg: %s\n", err);
        else
            printf("ioreg: unexpected argument '%s'\n", argv[first]);
        ioreg_write_usage(write_console, NULL, "ioreg", NULL);
        return 2;
    }
    if (!libkern_init()) {
        printf("ioreg: cannot initialise libkern\n");
        return 1;
    }
    kern_return_t kr = io_registry_copy_archive(o.plane, &xml, &len);
    if (kr == KERN_INVALID_ARGUMENT) {
        printf("ioreg: unknown plane '%s' (planes: IOService, IOPower)\n", o.plane);
        return 1;
    }
    if (kr != KERN_SUCCESS) {
        printf("ioreg: cannot read the registry: %s\n", kern_return_name(kr));
        return 1;
    }
    long found = ioreg_format_xml(xml, len, &o, write_console, NULL, err, sizeof(err));
    free(xml);
    if (found < 0) {
        printf("ioreg: %s\n", err);
        return 1;
    }
    if (found == 0 && (o.class_name || o.name || o.key)) {
        /* -a has written an empty array: keep its output a plist. */
        if (!o.archive)
            printf("ioreg: no entry in the %s plane matches%s%s%s%s%s%s\n", o.plane,
                   o.class_name ? " -c " : "", o.class_name ? o.class_name : "",
                   o.name ? " -n " : "", o.name ? o.name : "",
                   o.key ? " -k " : "", o.key ? o.key : "");
        return 1;
    }
    return 0;
}
