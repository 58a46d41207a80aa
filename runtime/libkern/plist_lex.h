/* Shared by the XML plist parser (OSUnserializeXML.c) and its scanner
 * (plist_lex.c): the parser state, tags, and the cursor functions that
 * track 1-based line and column.  Internal to libkern. */
#ifndef LIBKERN_PLIST_LEX_H
#define LIBKERN_PLIST_LEX_H

#include "lk_internal.h"

enum kind {
    K_PLIST, K_DICT, K_ARRAY, K_KEY, K_STRING, K_INTEGER, K_REAL, K_TRUE,
    K_FALSE, K_DATA, K_DATE, K_COUNT
};

extern const char *const lkx_kind_names[K_COUNT];

/* A tag just read: <name attrs>, <name/> or </name>. */
struct tag {
    enum kind kind;
    bool end, empty;
    unsigned line, col;         /* of its '<' */
    unsigned size;              /* <integer size="N">, else 0 */
};

/* An open container. */
struct frame {
    OSObject *container;        /* owned until it is closed */
    enum kind kind;
    unsigned line, col;
    const OSSymbol *key;        /* dict: key awaiting its value (owned) */
};

struct parser {
    const char *text;
    size_t len, pos;
    unsigned line, col;         /* of text[pos] */
    OSPlistError *err;
    bool failed;
    OSPlistPositionFn fn;
    void *ctx;
    char *buf;                  /* decoded text of the current scalar */
    size_t buf_len, buf_cap;
    struct frame *frames;
    unsigned depth;
};

/* Where a scalar's content starts; plain when it had no entity, comment or
 * CDATA, so a byte offset in the decoded text maps back to the source. */
struct content {
    size_t pos;
    unsigned line, col;
    bool plain;
};

/* Record the first error (later ones are dropped); always false. */
bool lkx_fail_at(struct parser *p, unsigned line, unsigned col,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define fail(p, ...) lkx_fail_at((p), (p)->line, (p)->col, __VA_ARGS__)
bool lkx_oom(struct parser *p);
/* "expected </k> to close <k> opened at line N[, found <found>]". */
bool lkx_fail_close(struct parser *p, unsigned line, unsigned col, enum kind k,
                    unsigned open_line, const char *found);
/* An error at byte off of the decoded content (its start when entities or
 * comments make offsets unreliable). */
bool lkx_fail_content(struct parser *p, const struct content *c, size_t off,
                      const char *what);

static inline bool at_end(const struct parser *p)
{
    return p->pos >= p->len;
}

static inline char cur(const struct parser *p)
{
    return p->pos < p->len ? p->text[p->pos] : '\0';
}

static inline bool starts(const struct parser *p, const char *s)
{
    size_t n = strlen(s);

    return p->len - p->pos >= n && memcmp(p->text + p->pos, s, n) == 0;
}

/* Move the cursor n bytes on. */
void lkx_adv(struct parser *p, size_t n);
/* Whitespace, comments, processing instructions and (in the prolog) the
 * DOCTYPE. */
bool lkx_skip_misc(struct parser *p, bool prolog);
/* Read a tag; the cursor is on its '<'. */
bool lkx_read_tag(struct parser *p, struct tag *t);
/* The decoded text content of scalar element t into p->buf, through its
 * end tag. */
bool lkx_read_text(struct parser *p, const struct tag *t, struct content *c);
/* p->buf without leading and trailing XML whitespace: [*start, *end). */
void lkx_trim(const struct parser *p, size_t *start, size_t *end);

#endif
