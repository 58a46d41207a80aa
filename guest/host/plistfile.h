/* A plist file read by a host tool, with the line:column of every value,
 * so a complaint about a well-formed but wrong value names where it is
 * written, as a compiler would: "path:12:9: error: ...".
 *
 * The positions come from libkern's parser (OSUnserializeXMLWithPositions):
 * one per value, its opening tag, addressed by the container it is in and
 * its key (dictionaries) or index (arrays); the top object has no
 * container.  Shared by infoplist-check and explain-match. */
#ifndef HOST_PLISTFILE_H
#define HOST_PLISTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include <libkern/libkern.h>

typedef struct PlistPos PlistPos;

/* One diagnostic, held until PlistFile_flush prints them in file order. */
typedef struct PlistDiag {
    unsigned line, column;          /* 0: the file as a whole */
    unsigned seq;                   /* order of report (stable sort) */
    char *text;                     /* the whole line, malloc */
} PlistDiag;

typedef struct PlistFile {
    const char *path;               /* as the user named it */
    char *text;                     /* the file, NUL-terminated */
    size_t length;
    OSObject *top;                  /* +1; NULL until loaded */
    PlistPos *pos;                  /* hash table of positions */
    size_t pos_count, pos_slots;
    size_t *line_starts;            /* byte offset of each line */
    size_t line_count;
    bool out_of_memory;
    unsigned errors;                /* PlistFile_error calls */
    PlistDiag *diags;               /* not yet printed */
    size_t diag_count;
    FILE *diag;                     /* where diagnostics go (stderr) */
} PlistFile;

/* PlistFile_load results. */
enum {
    PLIST_LOADED = 0,
    PLIST_SYNTAX_ERROR = 1,         /* printed as path:line:col: error: */
    PLIST_IO_ERROR = 2,             /* printed as path: error: <errno> */
};

/* Read path ("-": standard input, named "<stdin>" in messages) and parse
 * it.  pf->diag (stderr when NULL) is kept; every failure is reported
 * (PlistFile_error). */
int PlistFile_load(PlistFile *pf, const char *path);
/* Print the held diagnostics sorted by line and column, then free them. */
void PlistFile_flush(PlistFile *pf);
/* Flush, then free everything. */
void PlistFile_free(PlistFile *pf);

/* Where the value stored under key (a dictionary member; index ignored) or
 * at index (key NULL: an array element, or the top when container is NULL)
 * is written.  false (and 1:1) when unknown. */
bool PlistFile_where(const PlistFile *pf, const void *container,
                     const OSSymbol *key, unsigned index, unsigned *line,
                     unsigned *column);
/* Where the byte at char_index of the decoded text of a <string> written
 * at line:column (its tag) is in the file, through entities and CDATA;
 * leaves *line and *column alone when it cannot tell. */
void PlistFile_where_in_string(const PlistFile *pf, size_t char_index,
                               unsigned *line, unsigned *column);

/* "path:line:column: error: message" (line 0: "path: error: message"),
 * held for PlistFile_flush; counts pf->errors. */
void PlistFile_error(PlistFile *pf, unsigned line, unsigned column,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same, with "note" (not counted). */
void PlistFile_note(PlistFile *pf, unsigned line, unsigned column,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The plist element a value is written as: "<string>", "<integer>",
 * "<real>", "<true/>", "<false/>", "<data>", "<date>", "<array>",
 * "<dict>"; "an object" for anything else. */
const char *plist_type_name(const void *value);
/* "a" or "an" for that name. */
const char *plist_type_article(const void *value);

/* Read a whole file ("-": standard input) into a NUL-terminated buffer
 * (malloc); NULL with errno set on failure.  A directory fails with
 * EISDIR. */
char *plist_read_file(const char *path, size_t *length);

#endif
