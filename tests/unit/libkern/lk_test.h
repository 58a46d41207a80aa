/* Helpers shared by the libkern unit tests: the plist corpus on disk (good/,
 * bad/ and bad/MANIFEST), whole-file reads and a live-object census for
 * leak checks. */
#ifndef UNIT_LIBKERN_LK_TEST_H
#define UNIT_LIBKERN_LK_TEST_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libkern/libkern.h"
#include "tap.h"

struct corpus_file {
    char name[128];
    char *text;
    size_t len;
};

struct corpus {
    struct corpus_file *files;
    size_t n;
};

/* The whole file; NULL if unreadable. */
static inline char *lk_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
        fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static inline int corpus_cmp(const void *a, const void *b)
{
    return strcmp(((const struct corpus_file *)a)->name,
                  ((const struct corpus_file *)b)->name);
}

/* Every *.plist in dir, sorted by name; false if the directory is unreadable
 * or empty. */
static inline bool corpus_load(const char *dir, struct corpus *c)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[1200];

    c->files = NULL;
    c->n = 0;
    if (!d)
        return false;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        struct corpus_file *f;

        if (l < 7 || l >= sizeof(f->name) || strcmp(e->d_name + l - 6, ".plist"))
            continue;
        c->files = realloc(c->files, (c->n + 1) * sizeof(*c->files));
        f = &c->files[c->n];
        memcpy(f->name, e->d_name, l + 1);     /* l < sizeof(f->name) */
        snprintf(path, sizeof(path), "%s/%s", dir, f->name);
        f->text = lk_read_file(path, &f->len);
        if (f->text)
            c->n++;
    }
    closedir(d);
    qsort(c->files, c->n, sizeof(*c->files), corpus_cmp);
    return c->n > 0;
}

static inline void corpus_free(struct corpus *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->files[i].text);
    free(c->files);
    c->files = NULL;
    c->n = 0;
}

/* One line of bad/MANIFEST: "name line:col rejects" or
 * "name line:col accepts: why libplist takes it". */
struct manifest_entry {
    char name[128];
    unsigned line, col;
    bool libplist_accepts;
    char reason[256];
};

/* Parse the manifest; false (with a note on stdout) on a malformed line. */
static inline bool manifest_load(const char *path, struct manifest_entry **out,
                                 size_t *n)
{
    size_t len, cap = 0;
    char *text = lk_read_file(path, &len), *line, *save = NULL;

    *out = NULL;
    *n = 0;
    if (!text)
        return false;
    for (line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        struct manifest_entry m;
        char verdict[16];
        int used = 0;

        if (line[0] == '#' || line[0] == '\0')
            continue;
        memset(&m, 0, sizeof(m));
        if (sscanf(line, "%127s %u:%u %15[a-z]%n", m.name, &m.line, &m.col,
                   verdict, &used) != 4) {
            printf("# MANIFEST: malformed line: %s\n", line);
            free(text);
            return false;
        }
        if (strcmp(verdict, "accepts") == 0) {
            const char *r = line + used;

            if (*r != ':') {
                printf("# MANIFEST: 'accepts' needs ': reason': %s\n", line);
                free(text);
                return false;
            }
            for (r++; *r == ' '; r++)
                ;
            snprintf(m.reason, sizeof(m.reason), "%s", r);
            m.libplist_accepts = true;
        } else if (strcmp(verdict, "rejects") != 0) {
            printf("# MANIFEST: verdict must be accepts or rejects: %s\n", line);
            free(text);
            return false;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = realloc(*out, cap * sizeof(**out));
        }
        (*out)[(*n)++] = m;
    }
    free(text);
    return true;
}

/* Live libkern objects of every registered class plus interned symbols
 * (symbols are also counted as instances; the sum still moves on a leak). */
static inline size_t lk_live_objects(void)
{
    size_t n = OSSymbol_count();

    for (const OSMetaClass *m = OSMetaClass_first(); m; m = OSMetaClass_next(m))
        n += OSMetaClass_get_instance_count(m);
    return n;
}

/* libkern_init, the cases, and a check that they leaked no object: the
 * main of every libkern unit test. */
static inline int lk_test_run(const struct tap_case *cases, size_t n)
{
    size_t live;
    int rc;

    if (!libkern_init()) {
        printf("Bail out! libkern_init failed\n");
        return 1;
    }
    live = lk_live_objects();
    rc = tap_run(cases, n);
    if (lk_live_objects() != live) {
        printf("# leaked %zu objects\n", lk_live_objects() - live);
        rc = 1;
    }
    return rc;
}

#endif
