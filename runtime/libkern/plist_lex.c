/* The XML plist scanner: cursor movement with line and column, comments,
 * processing instructions and the DOCTYPE, tags and attributes, entities
 * and character references, and scalar text content. */
#include "plist_lex.h"

const char *const lkx_kind_names[K_COUNT] = {
    "plist", "dict", "array", "key", "string", "integer", "real", "true",
    "false", "data", "date",
};

bool lkx_fail_at(struct parser *p, unsigned line, unsigned col,
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

bool lkx_oom(struct parser *p)
{
    return fail(p, "out of memory");
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

void lkx_adv(struct parser *p, size_t n)
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
    lkx_adv(p, n);
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
    lkx_adv(p, e + strlen(close) - p->pos);
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
            lkx_adv(p, i + 1 - p->pos);
            return true;
        }
    }
    return lkx_fail_at(p, line, col, "unterminated <!DOCTYPE (expected '>')");
}

/* Whitespace, comments, processing instructions and (in the prolog) the
 * DOCTYPE. */
bool lkx_skip_misc(struct parser *p, bool prolog)
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
                    lkx_kind_names[t->kind]);
    lkx_adv(p, n);
    skip_space(p);
    if (cur(p) != '=')
        return fail(p, "expected '=' after attribute in <%s>",
                    lkx_kind_names[t->kind]);
    lkx_adv(p, 1);
    skip_space(p);
    quote = cur(p);
    if (quote != '"' && quote != '\'')
        return fail(p, "expected a quoted attribute value in <%s>",
                    lkx_kind_names[t->kind]);
    lkx_adv(p, 1);
    vstart = p->pos;
    for (vend = vstart; vend < p->len && p->text[vend] != quote; vend++)
        if (p->text[vend] == '<')
            break;
    if (vend >= p->len || p->text[vend] != quote) {
        lkx_adv(p, vend - p->pos);
        return fail(p, "expected %c to end an attribute value in <%s>", quote,
                    lkx_kind_names[t->kind]);
    }
    if (n == 5 && memcmp(name, "IDREF", 5) == 0)
        return lkx_fail_at(p, line, col, "IDREF attributes are not supported");
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
    lkx_adv(p, vend + 1 - p->pos);
    return true;
}

/* Read a tag; the cursor is on its '<'. */
bool lkx_read_tag(struct parser *p, struct tag *t)
{
    char name[16];
    size_t n;

    memset(t, 0, sizeof(*t));
    t->line = p->line;
    t->col = p->col;
    lkx_adv(p, 1);
    if (cur(p) == '/') {
        t->end = true;
        lkx_adv(p, 1);
    }
    n = name_length(p);
    if (!n)
        return fail(p, "expected an element name after '<'");
    for (t->kind = 0; t->kind < K_COUNT; t->kind++)
        if (strlen(lkx_kind_names[t->kind]) == n &&
            memcmp(lkx_kind_names[t->kind], p->text + p->pos, n) == 0)
            break;
    if (t->kind == K_COUNT) {
        memcpy(name, p->text + p->pos, n < sizeof(name) ? n : sizeof(name) - 1);
        name[n < sizeof(name) ? n : sizeof(name) - 1] = '\0';
        return lkx_fail_at(p, t->line, t->col, "unknown element <%s%s>", name,
                           n < sizeof(name) ? "" : "...");
    }
    lkx_adv(p, n);
    for (;;) {
        bool spaced = is_space(cur(p));

        skip_space(p);
        if (at_end(p))
            return fail(p, "expected '>' to end <%s%s> opened at line %u",
                        t->end ? "/" : "", lkx_kind_names[t->kind], t->line);
        if (cur(p) == '>') {
            lkx_adv(p, 1);
            return true;
        }
        if (t->end)
            return fail(p, "expected '>' to end </%s>",
                        lkx_kind_names[t->kind]);
        if (cur(p) == '/') {
            lkx_adv(p, 1);
            if (cur(p) != '>')
                return fail(p, "expected '>' after '/' in <%s/>",
                            lkx_kind_names[t->kind]);
            lkx_adv(p, 1);
            t->empty = true;
            return true;
        }
        if (!spaced)
            return fail(p, "expected a space, '>' or '/>' in <%s>",
                        lkx_kind_names[t->kind]);
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
            return lkx_oom(p);
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
            lkx_adv(p, n + 2);
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
    lkx_adv(p, n + 2);
    return put_utf8(p, c);
}

bool lkx_fail_close(struct parser *p, unsigned line, unsigned col,
                    enum kind k, unsigned open_line, const char *found)
{
    return lkx_fail_at(p, line, col,
                       "expected </%s> to close <%s> opened at line %u%s%s",
                       lkx_kind_names[k], lkx_kind_names[k], open_line,
                       found ? ", found " : "", found ? found : "");
}

/* The text content of scalar element t into p->buf, through its end tag. */
bool lkx_read_text(struct parser *p, const struct tag *t, struct content *c)
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
            lkx_adv(p, run - p->pos);
        }
        if (at_end(p))
            return lkx_fail_close(p, p->line, p->col, t->kind, t->line,
                                  "the end of the input");
        ch = cur(p);
        if (ch == '\0')
            return fail(p, "NUL character in <%s>", lkx_kind_names[t->kind]);
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
                lkx_adv(p, 9 + strnlen(p->text + p->pos + 9, clen));
                return fail(p, "NUL character in <%s>",
                            lkx_kind_names[t->kind]);
            }
            if (!buf_append(p, p->text + p->pos + 9, e_at - p->pos - 9))
                return false;
            lkx_adv(p, e_at + 3 - p->pos);
        } else if (starts(p, "</")) {
            if (!lkx_read_tag(p, &e))
                return false;
            if (e.kind != t->kind) {
                char found[24];

                snprintf(found, sizeof(found), "</%s>",
                         lkx_kind_names[e.kind]);
                return lkx_fail_close(p, e.line, e.col, t->kind, t->line,
                                      found);
            }
            return true;
        } else {
            return lkx_fail_close(p, p->line, p->col, t->kind, t->line,
                                  "a tag inside it");
        }
    }
}

/* Report an error at byte `off` of the decoded content (or at the content's
 * start when entities make offsets unreliable). */
bool lkx_fail_content(struct parser *p, const struct content *c, size_t off,
                      const char *what)
{
    unsigned line = c->line, col = c->col;

    if (c->plain)
        walk(p->text, c->pos, c->pos + off, &line, &col);
    return lkx_fail_at(p, line, col, "%s", what);
}

/* Content without leading and trailing XML whitespace: [*start, *end). */
void lkx_trim(const struct parser *p, size_t *start, size_t *end)
{
    *start = 0;
    *end = p->buf_len;
    while (*start < *end && is_space(p->buf[*start]))
        (*start)++;
    while (*end > *start && is_space(p->buf[*end - 1]))
        (*end)--;
}
