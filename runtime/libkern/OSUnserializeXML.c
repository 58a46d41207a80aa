/* The XML plist parser.  Iterative (an explicit stack of at most
 * LK_MAX_DEPTH open containers on the heap), so any input runs in bounded
 * stack; every error names the 1-based line and column of the offending
 * character and what was expected there. */
#include "lk_internal.h"

enum kind {
    K_PLIST, K_DICT, K_ARRAY, K_KEY, K_STRING, K_INTEGER, K_REAL, K_TRUE,
    K_FALSE, K_DATA, K_DATE, K_COUNT
};

static const char *const kind_names[K_COUNT] = {
    "plist", "dict", "array", "key", "string", "integer", "real", "true",
    "false", "data", "date",
};

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

static bool fail_at(struct parser *p, unsigned line, unsigned col,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static bool fail_at(struct parser *p, unsigned line, unsigned col,
                    const char *fmt, ...)
{
    va_list ap;

    if (p->failed)
        return false;
    p->failed = true;
    if (p->err) {
        p->err->line = line;
        p->err->column = col;
        va_start(ap, fmt);
        vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
        va_end(ap);
    }
    return false;
}

#define fail(p, ...) fail_at((p), (p)->line, (p)->col, __VA_ARGS__)

static bool oom(struct parser *p)
{
    return fail(p, "out of memory");
}

static bool at_end(const struct parser *p)
{
    return p->pos >= p->len;
}

static char cur(const struct parser *p)
{
    return p->pos < p->len ? p->text[p->pos] : '\0';
}

static bool starts(const struct parser *p, const char *s)
{
    size_t n = strlen(s);

    return p->len - p->pos >= n && memcmp(p->text + p->pos, s, n) == 0;
}

/* Line and column after moving from (line, col) over text[from..to). */
static void walk(const char *text, size_t from, size_t to, unsigned *line,
                 unsigned *col)
{
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c == '\n') {
            (*line)++;
            *col = 1;
        } else if ((c & 0xc0) != 0x80) {
            (*col)++;   /* UTF-8 continuation bytes share their column */
        }
    }
}

static void adv(struct parser *p, size_t n)
{
    if (n > p->len - p->pos)
        n = p->len - p->pos;
    walk(p->text, p->pos, p->pos + n, &p->line, &p->col);
    p->pos += n;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space(struct parser *p)
{
    size_t n = 0;

    while (p->pos + n < p->len && is_space(p->text[p->pos + n]))
        n++;
    adv(p, n);
}

/* Offset of s in text[from..len), or len. */
static size_t find(const struct parser *p, size_t from, const char *s)
{
    size_t n = strlen(s);

    for (size_t i = from; i + n <= p->len; i++)
        if (p->text[i] == s[0] && memcmp(p->text + i, s, n) == 0)
            return i;
    return p->len;
}

/* Skip a construct from here to the end of `close`. */
static bool skip_to(struct parser *p, const char *close, const char *what)
{
    size_t e = find(p, p->pos, close);

    if (e == p->len)
        return fail(p, "unterminated %s (expected %s)", what, close);
    adv(p, e + strlen(close) - p->pos);
    return true;
}

static bool skip_doctype(struct parser *p)
{
    unsigned line = p->line, col = p->col;
    unsigned brackets = 0;
    char quote = 0;

    for (size_t i = p->pos + 9; i < p->len; i++) {
        char c = p->text[i];

        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '[') {
            brackets++;
        } else if (c == ']' && brackets) {
            brackets--;
        } else if (c == '>' && !brackets) {
            adv(p, i + 1 - p->pos);
            return true;
        }
    }
    return fail_at(p, line, col, "unterminated <!DOCTYPE (expected '>')");
}

/* Whitespace, comments, processing instructions and (in the prolog) the
 * DOCTYPE. */
static bool skip_misc(struct parser *p, bool prolog)
{
    for (;;) {
        skip_space(p);
        if (starts(p, "<!--")) {
            if (!skip_to(p, "-->", "comment"))
                return false;
        } else if (starts(p, "<?")) {
            if (!skip_to(p, "?>", "processing instruction"))
                return false;
        } else if (prolog && starts(p, "<!DOCTYPE")) {
            if (!skip_doctype(p))
                return false;
        } else {
            return true;
        }
    }
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '.' ||
           c == '-';
}

/* The name at text[pos..), its length in *n. */
static size_t name_length(const struct parser *p)
{
    size_t n = 0;

    while (p->pos + n < p->len && is_name_char(p->text[p->pos + n]))
        n++;
    return n;
}

/* An attribute name="value"; applies size= to integers.  The cursor is on
 * its first character. */
static bool read_attribute(struct parser *p, struct tag *t)
{
    size_t n = name_length(p), vstart, vend;
    const char *name = p->text + p->pos;
    unsigned line = p->line, col = p->col;
    char quote;

    if (!n)
        return fail(p, "expected an attribute, '>' or '/>' in <%s>",
                    kind_names[t->kind]);
    adv(p, n);
    skip_space(p);
    if (cur(p) != '=')
        return fail(p, "expected '=' after attribute in <%s>",
                    kind_names[t->kind]);
    adv(p, 1);
    skip_space(p);
    quote = cur(p);
    if (quote != '"' && quote != '\'')
        return fail(p, "expected a quoted attribute value in <%s>",
                    kind_names[t->kind]);
    adv(p, 1);
    vstart = p->pos;
    for (vend = vstart; vend < p->len && p->text[vend] != quote; vend++)
        if (p->text[vend] == '<')
            break;
    if (vend >= p->len || p->text[vend] != quote) {
        adv(p, vend - p->pos);
        return fail(p, "expected %c to end an attribute value in <%s>", quote,
                    kind_names[t->kind]);
    }
    if (n == 5 && memcmp(name, "IDREF", 5) == 0)
        return fail_at(p, line, col, "IDREF attributes are not supported");
    if (n == 4 && memcmp(name, "size", 4) == 0 && t->kind == K_INTEGER) {
        size_t len = vend - vstart;
        const char *v = p->text + vstart;

        t->size = len == 1 && v[0] == '8'                        ? 8
                  : len == 2 && v[0] == '1' && v[1] == '6'       ? 16
                  : len == 2 && v[0] == '3' && v[1] == '2'       ? 32
                  : len == 2 && v[0] == '6' && v[1] == '4'       ? 64
                                                                 : 0;
        if (!t->size)
            return fail(p, "size must be 8, 16, 32 or 64");
    }
    adv(p, vend + 1 - p->pos);
    return true;
}

/* Read a tag; the cursor is on its '<'. */
static bool read_tag(struct parser *p, struct tag *t)
{
    char name[16];
    size_t n;

    memset(t, 0, sizeof(*t));
    t->line = p->line;
    t->col = p->col;
    adv(p, 1);
    if (cur(p) == '/') {
        t->end = true;
        adv(p, 1);
    }
    n = name_length(p);
    if (!n)
        return fail(p, "expected an element name after '<'");
    for (t->kind = 0; t->kind < K_COUNT; t->kind++)
        if (strlen(kind_names[t->kind]) == n &&
            memcmp(kind_names[t->kind], p->text + p->pos, n) == 0)
            break;
    if (t->kind == K_COUNT) {
        memcpy(name, p->text + p->pos, n < sizeof(name) ? n : sizeof(name) - 1);
        name[n < sizeof(name) ? n : sizeof(name) - 1] = '\0';
        return fail_at(p, t->line, t->col, "unknown element <%s%s>", name,
                       n < sizeof(name) ? "" : "...");
    }
    adv(p, n);
    for (;;) {
        bool spaced = is_space(cur(p));

        skip_space(p);
        if (at_end(p))
            return fail(p, "expected '>' to end <%s%s> opened at line %u",
                        t->end ? "/" : "", kind_names[t->kind], t->line);
        if (cur(p) == '>') {
            adv(p, 1);
            return true;
        }
        if (t->end)
            return fail(p, "expected '>' to end </%s>", kind_names[t->kind]);
        if (cur(p) == '/') {
            adv(p, 1);
            if (cur(p) != '>')
                return fail(p, "expected '>' after '/' in <%s/>",
                            kind_names[t->kind]);
            adv(p, 1);
            t->empty = true;
            return true;
        }
        if (!spaced)
            return fail(p, "expected a space, '>' or '/>' in <%s>",
                        kind_names[t->kind]);
        if (!read_attribute(p, t))
            return false;
    }
}

static bool buf_append(struct parser *p, const char *s, size_t n)
{
    if (p->buf_len + n > p->buf_cap) {
        size_t cap = p->buf_cap ? p->buf_cap : 256;
        char *b;

        while (cap < p->buf_len + n)
            cap *= 2;
        b = lk_alloc(cap);
        if (!b)
            return oom(p);
        if (p->buf) {
            memcpy(b, p->buf, p->buf_len);
            lk_free(p->buf, p->buf_cap);
        }
        p->buf = b;
        p->buf_cap = cap;
    }
    memcpy(p->buf + p->buf_len, s, n);
    p->buf_len += n;
    return true;
}

static bool put_utf8(struct parser *p, uint32_t c)
{
    char u[4];
    size_t n;

    if (c < 0x80) {
        u[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xc0 | c >> 6);
        u[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xe0 | c >> 12);
        u[1] = (char)(0x80 | (c >> 6 & 0x3f));
        u[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | c >> 18);
        u[1] = (char)(0x80 | (c >> 12 & 0x3f));
        u[2] = (char)(0x80 | (c >> 6 & 0x3f));
        u[3] = (char)(0x80 | (c & 0x3f));
        n = 4;
    }
    return buf_append(p, u, n);
}

/* Decode the entity or character reference at the cursor ('&'). */
static bool entity(struct parser *p)
{
    static const struct { const char *name; char c; } named[] = {
        { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
        { "apos", '\'' },
    };
    const char *s = p->text + p->pos + 1;
    size_t n = 0, max = p->len - p->pos - 1;
    uint32_t c = 0;

    while (n < max && n < 12 && s[n] != ';')
        n++;
    if (n >= max || s[n] != ';' || n == 0)
        return fail(p, "'&' must start an entity such as &amp; or &#38;");
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (strlen(named[i].name) == n && memcmp(named[i].name, s, n) == 0) {
            adv(p, n + 2);
            return buf_append(p, &named[i].c, 1);
        }
    if (s[0] != '#' || n < 2)
        return fail(p, "unknown entity (expected &amp; &lt; &gt; &quot; "
                       "&apos; or &#N;)");
    if (s[1] == 'x' || s[1] == 'X') {
        if (n < 3)
            return fail(p, "expected hex digits in a character reference");
        for (size_t i = 2; i < n; i++) {
            char d = s[i];
            unsigned v = d >= '0' && d <= '9'   ? (unsigned)(d - '0')
                         : d >= 'a' && d <= 'f' ? (unsigned)(d - 'a' + 10)
                         : d >= 'A' && d <= 'F' ? (unsigned)(d - 'A' + 10)
                                                : 16u;
            if (v == 16)
                return fail(p, "expected hex digits in a character reference");
            c = c * 16 + v;
        }
    } else {
        for (size_t i = 1; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return fail(p, "expected digits in a character reference");
            c = c * 10 + (uint32_t)(s[i] - '0');
        }
    }
    /* At most 10 digits: c cannot wrap past the range check. */
    if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return fail(p, "character reference to an invalid character");
    adv(p, n + 2);
    return put_utf8(p, c);
}

static bool fail_close(struct parser *p, unsigned line, unsigned col,
                       enum kind k, unsigned open_line, const char *found)
{
    return fail_at(p, line, col,
                   "expected </%s> to close <%s> opened at line %u%s%s",
                   kind_names[k], kind_names[k], open_line,
                   found ? ", found " : "", found ? found : "");
}

/* The text content of scalar element t into p->buf, through its end tag. */
static bool read_text(struct parser *p, const struct tag *t, struct content *c)
{
    c->pos = p->pos;
    c->line = p->line;
    c->col = p->col;
    c->plain = true;
    p->buf_len = 0;
    for (;;) {
        size_t run = p->pos;
        struct tag e;
        char ch;

        while (run < p->len && (ch = p->text[run]) != '<' && ch != '&' &&
               ch != '\0')
            run++;
        if (run > p->pos) {
            if (!buf_append(p, p->text + p->pos, run - p->pos))
                return false;
            adv(p, run - p->pos);
        }
        if (at_end(p))
            return fail_close(p, p->line, p->col, t->kind, t->line,
                              "the end of the input");
        ch = cur(p);
        if (ch == '\0')
            return fail(p, "NUL character in <%s>", kind_names[t->kind]);
        if (ch == '&') {
            c->plain = false;
            if (!entity(p))
                return false;
        } else if (starts(p, "<!--")) {
            c->plain = false;
            if (!skip_to(p, "-->", "comment"))
                return false;
        } else if (starts(p, "<?")) {
            c->plain = false;
            if (!skip_to(p, "?>", "processing instruction"))
                return false;
        } else if (starts(p, "<![CDATA[")) {
            c->plain = false;
            size_t e_at = find(p, p->pos + 9, "]]>");

            size_t clen = e_at - p->pos - 9;

            if (e_at == p->len)
                return fail(p, "unterminated CDATA section (expected ]]>)");
            if (strnlen(p->text + p->pos + 9, clen) != clen) {
                adv(p, 9 + strnlen(p->text + p->pos + 9, clen));
                return fail(p, "NUL character in <%s>", kind_names[t->kind]);
            }
            if (!buf_append(p, p->text + p->pos + 9, e_at - p->pos - 9))
                return false;
            adv(p, e_at + 3 - p->pos);
        } else if (starts(p, "</")) {
            if (!read_tag(p, &e))
                return false;
            if (e.kind != t->kind) {
                char found[24];

                snprintf(found, sizeof(found), "</%s>", kind_names[e.kind]);
                return fail_close(p, e.line, e.col, t->kind, t->line, found);
            }
            return true;
        } else {
            return fail_close(p, p->line, p->col, t->kind, t->line,
                              "a tag inside it");
        }
    }
}

/* Report an error at byte `off` of the decoded content (or at the content's
 * start when entities make offsets unreliable). */
static bool fail_content(struct parser *p, const struct content *c, size_t off,
                         const char *what)
{
    unsigned line = c->line, col = c->col;

    if (c->plain)
        walk(p->text, c->pos, c->pos + off, &line, &col);
    return fail_at(p, line, col, "%s", what);
}

/* Content without leading and trailing XML whitespace: [*start, *end). */
static void trim(const struct parser *p, size_t *start, size_t *end)
{
    *start = 0;
    *end = p->buf_len;
    while (*start < *end && is_space(p->buf[*start]))
        (*start)++;
    while (*end > *start && is_space(p->buf[*end - 1]))
        (*end)--;
}

static int digit_value(char c, unsigned base)
{
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 99;

    return v < (int)base ? v : -1;
}

static OSObject *parse_integer(struct parser *p, const struct tag *t,
                               const struct content *c)
{
    size_t i, end, start;
    unsigned base = 10, bits = t->size ? t->size : 64;
    uint64_t v = 0, limit;
    bool neg = false;
    OSNumber *n;
    char msg[64];

    trim(p, &i, &end);
    start = i;
    if (i < end && (p->buf[i] == '-' || p->buf[i] == '+'))
        neg = p->buf[i++] == '-';
    if (end - i > 2 && p->buf[i] == '0' && (p->buf[i + 1] | 0x20) == 'x') {
        base = 16;
        i += 2;
    }
    if (i == end) {
        fail_content(p, c, i, "expected digits in <integer>");
        return NULL;
    }
    for (; i < end; i++) {
        int d = digit_value(p->buf[i], base);

        if (d < 0) {
            fail_content(p, c, i, base == 16 ? "expected a hex digit in <integer>"
                                             : "expected a digit in <integer>");
            return NULL;
        }
        if (v > (UINT64_MAX - (uint64_t)d) / base) {
            fail_content(p, c, i, "integer does not fit in 64 bits");
            return NULL;
        }
        v = v * base + (uint64_t)d;
    }
    limit = neg ? UINT64_C(1) << (bits - 1)
                : bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    if (v > limit) {
        snprintf(msg, sizeof(msg), "integer does not fit in %u bits", bits);
        fail_content(p, c, start, msg);
        return NULL;
    }
    n = OSNumber_with_value(neg ? 0 - v : v, bits);
    if (!n) {
        oom(p);
        return NULL;
    }
    n->is_signed = neg && v != 0;
    return (OSObject *)n;
}

static OSObject *parse_data(struct parser *p, const struct content *c)
{
    size_t cap = p->buf_len / 4 * 3 + 3, bad = 0;
    const char *why = NULL;
    uint8_t *bytes = lk_alloc(cap);
    OSObject *d;
    long n;

    if (!bytes) {
        oom(p);
        return NULL;
    }
    n = lk_base64_decode(p->buf, p->buf_len, bytes, &bad, &why);
    if (n < 0) {
        lk_free(bytes, cap);
        fail_content(p, c, bad, why);
        return NULL;
    }
    d = (OSObject *)OSData_with_bytes(bytes, (size_t)n);
    lk_free(bytes, cap);
    if (!d)
        oom(p);
    return d;
}

static OSObject *parse_real(struct parser *p, const struct content *c)
{
    char canon[LK_REAL_CANON_CAP];
    size_t s, e;
    OSObject *v;

    trim(p, &s, &e);
    if (!lk_real_canonical(p->buf + s, e - s, canon, sizeof(canon))) {
        fail_content(p, c, s, "expected a decimal number in <real>");
        return NULL;
    }
    v = (OSObject *)lk_number_with_real_bytes(p->buf + s, e - s);
    if (!v)
        oom(p);
    return v;
}

/* A scalar element whose start tag t has just been read. */
static OSObject *parse_scalar(struct parser *p, const struct tag *t)
{
    struct content c = { p->pos, p->line, p->col, true };
    size_t s, e, bad;
    OSObject *v = NULL;
    int64_t secs;

    p->buf_len = 0;
    if (!t->empty && !read_text(p, t, &c))
        return NULL;
    switch (t->kind) {
    case K_STRING:
        v = (OSObject *)OSString_with_bytes(p->buf, p->buf_len);
        break;
    case K_INTEGER:
        return parse_integer(p, t, &c);
    case K_REAL:
        return parse_real(p, &c);
    case K_TRUE:
    case K_FALSE:
        trim(p, &s, &e);
        if (s != e) {
            fail_content(p, &c, s, t->kind == K_TRUE ? "<true> must be empty"
                                                     : "<false> must be empty");
            return NULL;
        }
        return (OSObject *)OSBoolean_with_value(t->kind == K_TRUE);
    case K_DATA:
        return parse_data(p, &c);
    case K_DATE:
        trim(p, &s, &e);
        if (!lk_date_parse(p->buf + s, e - s, &secs, &bad)) {
            fail_content(p, &c, s + bad,
                         "expected a date YYYY-MM-DDTHH:MM:SSZ in <date>");
            return NULL;
        }
        v = (OSObject *)OSDate_with_seconds(secs);
        break;
    default:
        lk_panic("parse_scalar of <%s>", kind_names[t->kind]);
    }
    if (!v)
        oom(p);
    return v;
}

static void report(struct parser *p, const OSObject *container,
                   const OSSymbol *key, unsigned index, const OSObject *value,
                   unsigned line, unsigned col)
{
    if (p->fn)
        p->fn(p->ctx, container, key, index, value, line, col);
}

/* A dictionary key: <key>text</key>, not yet present in the dict. */
static bool parse_key(struct parser *p, struct frame *f, const struct tag *t)
{
    struct content c;
    const OSSymbol *sym;

    p->buf_len = 0;
    if (!t->empty && !read_text(p, t, &c))
        return false;
    sym = OSSymbol_with_bytes(p->buf, p->buf_len);
    if (!sym)
        return oom(p);
    if (OSDictionary_get_object_sym((OSDictionary *)f->container, sym)) {
        fail_at(p, t->line, t->col, "duplicate key \"%.60s\" in <dict> opened at line %u",
                OSSymbol_get_cstring(sym), f->line);
        OSObject_release(sym);
        return false;
    }
    f->key = sym;
    return true;
}

/* Read the next tag inside the innermost open container. */
static bool next_tag(struct parser *p, struct tag *t)
{
    struct frame *f = &p->frames[p->depth - 1];

    if (!skip_misc(p, false))
        return false;
    if (at_end(p))
        return fail_close(p, p->line, p->col, f->kind, f->line,
                          "the end of the input");
    if (cur(p) != '<') {
        if (f->kind == K_DICT && !f->key)
            return fail(p, "expected <key> in <dict> opened at line %u, "
                           "found text", f->line);
        return fail(p, "unexpected text in <%s> opened at line %u",
                    kind_names[f->kind], f->line);
    }
    return read_tag(p, t);
}

/* Parse the value whose start tag t has been read; the top object or NULL. */
static OSObject *parse_value(struct parser *p, struct tag t)
{
    for (;;) {
        struct frame *f = p->depth ? &p->frames[p->depth - 1] : NULL;
        OSObject *value = NULL;
        const OSSymbol *key = NULL;
        unsigned line = t.line, col = t.col, index = 0;
        bool ok;

        if (t.end) {
            if (!f || t.kind != f->kind) {
                char found[24];

                snprintf(found, sizeof(found), "</%s>", kind_names[t.kind]);
                if (!f)
                    fail_at(p, t.line, t.col, "unexpected %s", found);
                else
                    fail_close(p, t.line, t.col, f->kind, f->line, found);
                return NULL;
            }
            if (f->key) {
                fail_at(p, t.line, t.col,
                        "expected a value for key \"%.60s\" before </dict>",
                        OSSymbol_get_cstring(f->key));
                return NULL;
            }
            value = f->container;
            f->container = NULL;
            line = f->line;
            col = f->col;
            p->depth--;
            f = p->depth ? &p->frames[p->depth - 1] : NULL;
        } else if (f && f->kind == K_DICT && !f->key) {
            if (t.kind != K_KEY) {
                fail_at(p, t.line, t.col,
                        "expected <key> in <dict> opened at line %u, found <%s>",
                        f->line, kind_names[t.kind]);
                return NULL;
            }
            if (!parse_key(p, f, &t) || !next_tag(p, &t))
                return NULL;
            continue;
        } else if (t.kind == K_KEY) {
            if (f && f->kind == K_DICT)
                fail_at(p, t.line, t.col,
                        "expected a value for key \"%.60s\", found <key>",
                        OSSymbol_get_cstring(f->key));
            else
                fail_at(p, t.line, t.col, "<key> outside <dict>");
            return NULL;
        } else if (t.kind == K_PLIST) {
            fail_at(p, t.line, t.col, "<plist> inside a plist");
            return NULL;
        } else if (t.kind == K_DICT || t.kind == K_ARRAY) {
            value = t.kind == K_DICT ? (OSObject *)OSDictionary_with_capacity(0)
                                     : (OSObject *)OSArray_with_capacity(0);
            if (!value) {
                oom(p);
                return NULL;
            }
            if (!t.empty) {
                if (p->depth >= LK_MAX_DEPTH) {
                    OSObject_release(value);
                    fail_at(p, t.line, t.col,
                            "containers nested deeper than %u levels",
                            LK_MAX_DEPTH);
                    return NULL;
                }
                p->frames[p->depth++] = (struct frame){
                    .container = value, .kind = t.kind, .line = t.line,
                    .col = t.col,
                };
                if (!next_tag(p, &t))
                    return NULL;
                continue;
            }
        } else {
            value = parse_scalar(p, &t);
            if (!value)
                return NULL;
        }

        /* value is complete: store it in its container. */
        if (!f) {
            report(p, NULL, NULL, 0, value, line, col);
            return value;
        }
        if (f->kind == K_DICT) {
            key = f->key;
            f->key = NULL;
            ok = OSDictionary_set_object_sym((OSDictionary *)f->container, key,
                                             value);
            index = OSDictionary_get_count((OSDictionary *)f->container) - 1;
        } else {
            ok = OSArray_set_object((OSArray *)f->container, value);
            index = OSArray_get_count((OSArray *)f->container) - 1;
        }
        if (ok)
            report(p, f->container, key, index, value, line, col);
        OSObject_release(value);
        OSSafeReleaseNULL(key);
        if (!ok) {
            oom(p);
            return NULL;
        }
        if (!next_tag(p, &t))
            return NULL;
    }
}

static OSObject *parse_document(struct parser *p)
{
    struct tag t;
    OSObject *top;
    unsigned plist_line = 0;

    if (starts(p, "\xef\xbb\xbf"))
        adv(p, 3);
    if (!skip_misc(p, true))
        return NULL;
    if (at_end(p)) {
        fail(p, "expected a plist, found the end of the input");
        return NULL;
    }
    if (cur(p) != '<') {
        fail(p, "expected '<' to start the plist");
        return NULL;
    }
    if (!read_tag(p, &t))
        return NULL;
    if (t.kind == K_PLIST && !t.end) {
        plist_line = t.line;
        if (t.empty) {
            fail_at(p, t.line, t.col, "expected a value in <plist>, found <plist/>");
            return NULL;
        }
        if (!skip_misc(p, false))
            return NULL;
        if (at_end(p) || cur(p) != '<') {
            fail(p, "expected a value in <plist> opened at line %u", plist_line);
            return NULL;
        }
        if (!read_tag(p, &t))
            return NULL;
        if (t.end && t.kind == K_PLIST) {
            fail_at(p, t.line, t.col,
                    "expected a value in <plist> opened at line %u", plist_line);
            return NULL;
        }
    }
    top = parse_value(p, t);
    if (!top)
        return NULL;
    if (plist_line) {
        if (!skip_misc(p, false))
            goto fail;
        if (at_end(p) || cur(p) != '<') {
            fail_close(p, p->line, p->col, K_PLIST, plist_line,
                       at_end(p) ? "the end of the input" : "text");
            goto fail;
        }
        if (!read_tag(p, &t))
            goto fail;
        if (!t.end || t.kind != K_PLIST) {
            fail_at(p, t.line, t.col,
                    "expected </plist> to close <plist> opened at line %u "
                    "(a plist holds one value), found <%s%s>",
                    plist_line, t.end ? "/" : "", kind_names[t.kind]);
            goto fail;
        }
    }
    if (!skip_misc(p, false))
        goto fail;
    if (!at_end(p)) {
        fail(p, "unexpected content after the end of the plist");
        goto fail;
    }
    return top;
fail:
    OSObject_release(top);
    return NULL;
}

OSObject *OSUnserializeXMLWithPositions(const char *text, size_t len,
                                        OSPlistError *err,
                                        OSPlistPositionFn fn, void *ctx)
{
    struct parser p = {
        .text = text, .len = len, .line = 1, .col = 1, .err = err, .fn = fn,
        .ctx = ctx,
    };
    OSObject *top = NULL;

    if (err)
        memset(err, 0, sizeof(*err));
    if (!text) {
        fail(&p, "no plist text");
        return NULL;
    }
    if (len > OS_PLIST_MAX_TEXT) {
        fail(&p, "plist text larger than %u bytes", OS_PLIST_MAX_TEXT);
        return NULL;
    }
    p.frames = lk_alloc(LK_MAX_DEPTH * sizeof(*p.frames));
    p.buf_cap = 256;
    p.buf = lk_alloc(p.buf_cap);
    if (!p.frames || !p.buf) {
        if (p.frames)
            lk_free(p.frames, LK_MAX_DEPTH * sizeof(*p.frames));
        if (p.buf)
            lk_free(p.buf, p.buf_cap);
        oom(&p);
        return NULL;
    }
    top = parse_document(&p);
    /* On failure the open containers and pending keys are still ours. */
    for (unsigned i = 0; i < p.depth; i++) {
        OSSafeReleaseNULL(p.frames[i].container);
        OSSafeReleaseNULL(p.frames[i].key);
    }
    lk_free(p.frames, LK_MAX_DEPTH * sizeof(*p.frames));
    lk_free(p.buf, p.buf_cap);
    if (top && p.failed) {
        OSObject_release(top);
        top = NULL;
    }
    return top;
}

OSObject *OSUnserializeXML(const char *text, size_t len, OSPlistError *err)
{
    return OSUnserializeXMLWithPositions(text, len, err, NULL, NULL);
}
