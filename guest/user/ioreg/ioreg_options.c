/* ioreg's options (ioreg_format.h): parsing and the usage message, shared
 * by the guest's bin/ioreg and the host's ioreg-format. */
#include <stdarg.h>
#include <string.h>
#if __STDC_HOSTED__
#include <stdio.h>
#else
#include <format.h>
#endif

#include "iokit/IOKitKeys.h"
#include "ioreg_internal.h"

void ioreg_set_err(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;

    if (!err || !size)
        return;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

void ioreg_options_init(ioreg_options *o)
{
    memset(o, 0, sizeof(*o));
    o->plane = kIOServicePlane;
    o->width = IOREG_DEFAULT_WIDTH;
}

/* A whole number for -d or -w (at most 1,000,000). */
static bool parse_count(char opt, const char *s, unsigned *out, char *err, size_t size)
{
    unsigned long v = 0;
    const char *p = s;

    if (!*p)
        goto bad;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            goto bad;
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 1000000)
            goto bad;
    }
    *out = (unsigned)v;
    return true;
bad:
    ioreg_set_err(err, size, "-%c needs a whole number from 0 to 1000000, not '%s'", opt, s);
    return false;
}

static bool set_option(ioreg_options *o, char opt, const char *val, char *err,
                       size_t size)
{
    switch (opt) {
    case 'd':
        return parse_count(opt, val, &o->depth, err, size);
    case 'w':
        return parse_count(opt, val, &o->width, err, size);
    case 'p':
        if (!*val || strlen(val) > 31) {
            ioreg_set_err(err, size, "-p needs a plane name (IOService, IOPower)");
            return false;
        }
        o->plane = val;
        return true;
    default:
        if (!*val) {
            ioreg_set_err(err, size, "-%c needs a non-empty %s", opt,
                    opt == 'c' ? "class name" : opt == 'n' ? "name" : "key");
            return false;
        }
        if (opt == 'c')
            o->class_name = val;
        else if (opt == 'n')
            o->name = val;
        else
            o->key = val;
        return true;
    }
}

int ioreg_parse_args(ioreg_options *o, int argc, char **argv, char *err,
                     size_t err_size)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0')
            break;                      /* an operand ("-" is one too) */
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        for (const char *p = a + 1; *p; p++) {
            char c = *p;
            if (c == 'a' || c == 'i' || c == 'l' || c == 'r' || c == 'x') {
                *(c == 'a' ? &o->archive : c == 'i' ? &o->inheritance :
                  c == 'l' ? &o->list : c == 'r' ? &o->root : &o->hex) = true;
                continue;
            }
            if (c == 'c' || c == 'd' || c == 'k' || c == 'n' || c == 'p' || c == 'w') {
                const char *val = p[1] ? p + 1 : i + 1 < argc ? argv[++i] : NULL;
                if (!val) {
                    ioreg_set_err(err, err_size, "option -%c needs an argument", c);
                    return -1;
                }
                if (!set_option(o, c, val, err, err_size))
                    return -1;
                break;
            }
            if ((unsigned char)c >= 0x21 && (unsigned char)c < 0x7f)
                ioreg_set_err(err, err_size, "unknown option -%c", c);
            else
                ioreg_set_err(err, err_size, "unknown option -\\x%02x", (unsigned char)c);
            return -1;
        }
    }
    if (o->root && !ioreg_has_criteria(o)) {
        ioreg_set_err(err, err_size, "-r needs -c, -n or -k to say which entries are the roots");
        return -1;
    }
    return i;
}

void ioreg_write_usage(ioreg_write_fn write, void *ctx, const char *prog,
                       const char *operands)
{
    static const char *const lines[] = {
        "  -a        archive output: the registry as an XML plist",
        "  -c class  show the entries of this class or a subclass (their",
        "            subtrees, the path to them, their properties)",
        "  -d depth  show this many levels (from the root, or from each match)",
        "  -i        show each entry's class inheritance",
        "  -k key    show the entries that have this property",
        "  -l        list the properties of every entry shown",
        "  -n name   show the entries with this name (name@location also)",
        "  -p plane  the registry plane: IOService (default) or IOPower",
        "  -r        show the matching entries as roots of their own subtrees",
        "  -w width  clip lines to this width (default 132; 0 is unlimited)",
        "  -x        show numbers and data in hexadecimal",
    };
    char head[160];
    int n = snprintf(head, sizeof(head),
                     "usage: %s [-ailrx] [-c class] [-d depth] [-k key] [-n name] "
                     "[-p plane] [-w width]%s%s\n", prog, operands ? " " : "",
                     operands ? operands : "");

    write(ctx, head, n > 0 && (size_t)n < sizeof(head) ? (size_t)n : strlen(head));
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        char line[96];
        int m = snprintf(line, sizeof(line), "%s\n", lines[i]);
        write(ctx, line, m > 0 && (size_t)m < sizeof(line) ? (size_t)m : strlen(line));
    }
}
