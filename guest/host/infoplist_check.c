/* infoplist-check: validate a bundle's Info.plist at build time, as kmutil
 * does before a bundle goes into a kernel collection (docs/info-plist.md).
 *
 * usage: infoplist-check [--quiet] [--output FILE] INFO.PLIST|BUNDLE...
 *
 * Every problem is printed as "path:line:column: error: what; fix" (the
 * form compilers use, so editors jump to it).  With --output the plist is
 * written back as libkern serializes it (canonical XML: what the kernel
 * parses is what libkern wrote), only when it is valid.
 * Exit: 0 valid, 1 errors in a plist, 2 usage or I/O errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "infoplist_rules.h"

#define TOOL "infoplist-check"

static void usage(FILE *out)
{
    fprintf(out,
"usage: " TOOL " [--quiet] [--output FILE] INFO.PLIST|BUNDLE...\n"
"\n"
"Check bundles' Info.plist files as the build does before they go into the\n"
"boot collection: the plist syntax, CFBundleIdentifier, and every matching\n"
"key of every personality in IOKitPersonalities (docs/info-plist.md).\n"
"A BUNDLE directory is checked through its Info.plist (or\n"
"Contents/Info.plist).  Each problem is printed as\n"
"  FILE:LINE:COLUMN: error: WHAT; FIX\n"
"\n"
"  --output FILE  write the plist, re-serialized as canonical XML, to FILE\n"
"                 (one input only); only when it is valid, else FILE is\n"
"                 removed so nothing stale is left\n"
"  --quiet        print nothing for a valid plist\n"
"  --help         this text\n"
"\n"
"Exit status: 0 valid, 1 a plist has errors, 2 usage or I/O error.\n");
}

/* The Info.plist of a bundle directory, or path itself (malloc). */
static char *plist_path(const char *path)
{
    static const char *const inside[] = { "Info.plist", "Contents/Info.plist" };
    struct stat st;

    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return strdup(path);
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
        char *p = malloc(n + strlen(inside[i]) + 2);
        if (!p)
            return NULL;
        sprintf(p, "%.*s/%s", (int)n, path, inside[i]);
        if (stat(p, &st) == 0)
            return p;
        free(p);
    }
    return strdup(path);            /* reading it says "Is a directory" */
}

/* Serialize top to output through a temporary file and a rename, so a
 * failure never leaves a partial plist.  Checks that what was written
 * parses back equal.  0, or 2 after a message. */
static int write_output(const char *output, const OSObject *top)
{
    OSSerialize s;
    OSPlistError err;
    int rc = 2;

    OSSerialize_init(&s);
    if (!OSSerialize_object_xml(&s, top, 0) || s.failed) {
        fprintf(stderr, "%s: error: cannot serialize the plist (out of memory)\n",
                output);
        goto out_free;
    }
    OSObject *back = OSUnserializeXML(s.text, s.length, &err);
    bool same = back && OSObject_is_equal_to(back, top);
    OSSafeReleaseNULL(back);
    if (!same) {
        fprintf(stderr, "%s: error: libkern's serialization does not parse "
                "back to the same plist (a libkern bug); not written\n", output);
        goto out_free;
    }

    char *tmp = malloc(strlen(output) + 8);
    if (!tmp) {
        fprintf(stderr, "%s: error: out of memory\n", output);
        goto out_free;
    }
    sprintf(tmp, "%s.tmp", output);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(s.text, 1, s.length, f) != s.length) {
        fprintf(stderr, "%s: error: cannot write: %s\n", tmp, strerror(errno));
        if (f)
            fclose(f);
        remove(tmp);
        goto out_tmp;
    }
    if (fclose(f) != 0 || rename(tmp, output) != 0) {
        fprintf(stderr, "%s: error: cannot write: %s\n", output,
                strerror(errno));
        remove(tmp);
        goto out_tmp;
    }
    rc = 0;
out_tmp:
    free(tmp);
out_free:
    OSSerialize_free(&s);
    return rc;
}

/* Check one file; 0 valid, 1 errors, 2 unreadable.  With output, write it
 * when valid. */
static int check_one(const char *arg, const char *output, bool quiet)
{
    PlistFile pf = { .diag = stderr };
    char *path = plist_path(arg);
    int rc;

    if (!path) {
        fprintf(stderr, "%s: error: out of memory\n", arg);
        return 2;
    }
    switch (PlistFile_load(&pf, path)) {
    case PLIST_IO_ERROR:
        rc = 2;
        break;
    case PLIST_SYNTAX_ERROR:
        rc = 1;
        break;
    default:
        rc = infoplist_validate(&pf) ? 1 : 0;
        break;
    }
    PlistFile_flush(&pf);
    if (rc == 0 && output)
        rc = write_output(output, pf.top);
    if (rc == 0 && !quiet) {
        const OSDictionary *top = OSDynamicCast(OSDictionary, pf.top);
        const OSDictionary *p = OSDynamicCast(OSDictionary,
            OSDictionary_get_object(top, "IOKitPersonalities"));
        unsigned n = p ? OSDictionary_get_count(p) : 0;
        printf("%s: ok, %u personalit%s\n", path, n, n == 1 ? "y" : "ies");
    }
    if (rc == 1 && !quiet)
        fprintf(stderr, "%s: %u error%s\n", path, pf.errors,
                pf.errors == 1 ? "" : "s");
    PlistFile_free(&pf);
    free(path);
    return rc;
}

int main(int argc, char **argv)
{
    const char *output = NULL;
    bool quiet = false;
    int first = 1;

    for (; first < argc && argv[first][0] == '-'; first++) {
        const char *a = argv[first];
        if (strcmp(a, "--") == 0) {
            first++;
            break;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
        } else if (strcmp(a, "--output") == 0 || strcmp(a, "-o") == 0) {
            if (first + 1 >= argc) {
                fprintf(stderr, TOOL ": %s needs a FILE; see --help\n", a);
                return 2;
            }
            output = argv[++first];
        } else if (strncmp(a, "--output=", 9) == 0) {
            output = a + 9;
        } else {
            fprintf(stderr, TOOL ": unknown option '%s'; see --help\n", a);
            return 2;
        }
    }
    if (first >= argc) {
        fprintf(stderr, TOOL ": no Info.plist given\n");
        usage(stderr);
        return 2;
    }
    if (output && argc - first != 1) {
        fprintf(stderr, TOOL ": --output takes one input, %d given; run "
                "once per bundle\n", argc - first);
        return 2;
    }
    if (output && !*output) {
        fprintf(stderr, TOOL ": --output needs a file name\n");
        return 2;
    }
    if (!libkern_init()) {
        fprintf(stderr, TOOL ": libkern failed to initialize\n");
        return 2;
    }

    int worst = 0;
    for (int i = first; i < argc; i++) {
        int rc = check_one(argv[i], output, quiet);
        if (rc > worst)
            worst = rc;
    }
    if (output && worst != 0 && remove(output) != 0 && errno != ENOENT)
        fprintf(stderr, "%s: error: cannot remove the stale output: %s\n",
                output, strerror(errno));
    return worst;
}
