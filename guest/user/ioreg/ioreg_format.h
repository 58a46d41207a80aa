/* ioreg's formatter: the registry archive (IORegistryEntry_serialize_archive
 * in iokit/IORegistryEntry.h: one dictionary per entry, its properties
 * inline with the IORegistryEntry... / IOObject... / IOService... keys of
 * iokit/IOKitKeys.h, children in IORegistryEntryChildren) shown as macOS
 * ioreg shows the registry, or written back as a plist (-a).
 *
 * Portable C over libkern: built into the guest's bin/ioreg and into the
 * host's ioreg-format (scripts/dextbed ioreg).  Output goes through a
 * callback, one whole line ('\n' included) per call in text mode.  docs/ioreg.md
 * describes every option and the output. */
#ifndef IOREG_FORMAT_H
#define IOREG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include <libkern/libkern.h>

/* Lines are clipped to this many columns unless -w says otherwise. */
#define IOREG_DEFAULT_WIDTH 132
/* Entries deeper than this below the archive's top are refused. */
#define IOREG_MAX_DEPTH 62

typedef void (*ioreg_write_fn)(void *ctx, const char *text, size_t len);

typedef struct ioreg_options {
    bool archive;               /* -a: XML plist instead of text */
    bool inheritance;           /* -i: class as its chain, "IOService:IOResources" */
    bool list;                  /* -l: properties of every entry shown */
    bool root;                  /* -r: matches as roots of their own subtrees */
    bool hex;                   /* -x: numbers and data in hexadecimal */
    const char *class_name;     /* -c: entries of this class or a subclass */
    const char *key;            /* -k: entries that have this property */
    const char *name;           /* -n: entries named this ("name@loc" too) */
    const char *plane;          /* -p: the plane fetched (default IOService) */
    unsigned depth;             /* -d: levels shown, 0 = all */
    unsigned width;             /* -w: columns, 0 = unlimited */
} ioreg_options;

/* The defaults: text, IOService plane, every level, IOREG_DEFAULT_WIDTH. */
void ioreg_options_init(ioreg_options *o);

/* Parse ioreg's options in argv[1..argc-1] (getopt style: "-lw0", "-c X",
 * "-cX", "--" ends them) into o, which points into argv.  Returns the index
 * of the first operand (argc when none), or -1 with the reason in err
 * ("unknown option -q", "-d needs a number, not 'x'"). */
int ioreg_parse_args(ioreg_options *o, int argc, char **argv, char *err,
                     size_t err_size);

/* The usage message: "usage: PROG [-ailrx] ... OPERANDS" and one line per
 * option. */
void ioreg_write_usage(ioreg_write_fn write, void *ctx, const char *prog,
                       const char *operands);

/* True when archive is a registry archive (an entry dictionary, or an array
 * of them as ioreg -a -r writes): every entry has a name and a class, and
 * each meta key has its type.  Otherwise err names the entry and the key. */
bool ioreg_check_archive(const OSObject *archive, char *err, size_t err_size);

/* Show archive as o says.  Returns the number of entries that matched -c,
 * -n or -k (the number of entries shown when none is given), or -1 with
 * the reason in err when the archive is not a registry archive (nothing is
 * written then) or memory ran out. */
long ioreg_format(const OSObject *archive, const ioreg_options *o,
                  ioreg_write_fn write, void *ctx, char *err, size_t err_size);

/* Parse len bytes of archive XML, then ioreg_format.  A parse error is
 * reported as "line L, column C: message". */
long ioreg_format_xml(const char *xml, size_t len, const ioreg_options *o,
                      ioreg_write_fn write, void *ctx, char *err,
                      size_t err_size);

#endif
