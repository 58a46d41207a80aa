/* The XML plist parser.  Iterative (an explicit stack of at most
 * LK_MAX_DEPTH open containers on the heap), so any input runs in bounded
 * stack; every error names the 1-based line and column of the offending
 * character and what was expected there.  The scanner is plist_lex.c. */
#include "plist_lex.h"

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

    lkx_trim(p, &i, &end);
    start = i;
    if (i < end && (p->buf[i] == '-' || p->buf[i] == '+'))
        neg = p->buf[i++] == '-';
    if (end - i > 2 && p->buf[i] == '0' && (p->buf[i + 1] | 0x20) == 'x') {
        base = 16;
        i += 2;
    }
    if (i == end) {
        lkx_fail_content(p, c, i, "expected digits in <integer>");
        return NULL;
    }
    for (; i < end; i++) {
        int d = digit_value(p->buf[i], base);

        if (d < 0) {
            lkx_fail_content(p, c, i,
                             base == 16 ? "expected a hex digit in <integer>"
                                        : "expected a digit in <integer>");
            return NULL;
        }
        if (v > (UINT64_MAX - (uint64_t)d) / base) {
            lkx_fail_content(p, c, i, "integer does not fit in 64 bits");
            return NULL;
        }
        v = v * base + (uint64_t)d;
    }
    limit = neg ? UINT64_C(1) << (bits - 1)
                : bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    if (v > limit) {
        snprintf(msg, sizeof(msg), "integer does not fit in %u bits", bits);
        lkx_fail_content(p, c, start, msg);
        return NULL;
    }
    n = OSNumber_with_value(neg ? 0 - v : v, bits);
    if (!n) {
        lkx_oom(p);
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
        lkx_oom(p);
        return NULL;
    }
    n = lk_base64_decode(p->buf, p->buf_len, bytes, &bad, &why);
    if (n < 0) {
        lk_free(bytes, cap);
        lkx_fail_content(p, c, bad, why);
        return NULL;
    }
    d = (OSObject *)OSData_with_bytes(bytes, (size_t)n);
    lk_free(bytes, cap);
    if (!d)
        lkx_oom(p);
    return d;
}

static OSObject *parse_real(struct parser *p, const struct content *c)
{
    char canon[LK_REAL_CANON_CAP];
    size_t s, e;
    OSObject *v;

    lkx_trim(p, &s, &e);
    if (!lk_real_canonical(p->buf + s, e - s, canon, sizeof(canon))) {
        lkx_fail_content(p, c, s, "expected a decimal number in <real>");
        return NULL;
    }
    v = (OSObject *)lk_number_with_real_bytes(p->buf + s, e - s);
    if (!v)
        lkx_oom(p);
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
    if (!t->empty && !lkx_read_text(p, t, &c))
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
        lkx_trim(p, &s, &e);
        if (s != e) {
            lkx_fail_content(p, &c, s,
                             t->kind == K_TRUE ? "<true> must be empty"
                                               : "<false> must be empty");
            return NULL;
        }
        return (OSObject *)OSBoolean_with_value(t->kind == K_TRUE);
    case K_DATA:
        return parse_data(p, &c);
    case K_DATE:
        lkx_trim(p, &s, &e);
        if (!lk_date_parse(p->buf + s, e - s, &secs, &bad)) {
            lkx_fail_content(p, &c, s + bad,
                             "expected a date YYYY-MM-DDTHH:MM:SSZ in <date>");
            return NULL;
        }
        v = (OSObject *)OSDate_with_seconds(secs);
        break;
    default:
        lk_panic("parse_scalar of <%s>", lkx_kind_names[t->kind]);
    }
    if (!v)
        lkx_oom(p);
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
    if (!t->empty && !lkx_read_text(p, t, &c))
        return false;
    sym = OSSymbol_with_bytes(p->buf, p->buf_len);
    if (!sym)
        return lkx_oom(p);
    if (OSDictionary_get_object_sym((OSDictionary *)f->container, sym)) {
        lkx_fail_at(p, t->line, t->col,
                    "duplicate key \"%.60s\" in <dict> opened at line %u",
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

    if (!lkx_skip_misc(p, false))
        return false;
    if (at_end(p))
        return lkx_fail_close(p, p->line, p->col, f->kind, f->line,
                              "the end of the input");
    if (cur(p) != '<') {
        if (f->kind == K_DICT && !f->key)
            return fail(p, "expected <key> in <dict> opened at line %u, "
                        "found text", f->line);
        return fail(p, "unexpected text in <%s> opened at line %u",
                    lkx_kind_names[f->kind], f->line);
    }
    return lkx_read_tag(p, t);
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

                snprintf(found, sizeof(found), "</%s>", lkx_kind_names[t.kind]);
                if (!f)
                    lkx_fail_at(p, t.line, t.col, "unexpected %s", found);
                else
                    lkx_fail_close(p, t.line, t.col, f->kind, f->line, found);
                return NULL;
            }
            if (f->key) {
                lkx_fail_at(p, t.line, t.col,
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
                lkx_fail_at(p, t.line, t.col,
                            "expected <key> in <dict> opened at line %u, "
                            "found <%s>", f->line, lkx_kind_names[t.kind]);
                return NULL;
            }
            if (!parse_key(p, f, &t) || !next_tag(p, &t))
                return NULL;
            continue;
        } else if (t.kind == K_KEY) {
            if (f && f->kind == K_DICT)
                lkx_fail_at(p, t.line, t.col,
                            "expected a value for key \"%.60s\", found <key>",
                            OSSymbol_get_cstring(f->key));
            else
                lkx_fail_at(p, t.line, t.col, "<key> outside <dict>");
            return NULL;
        } else if (t.kind == K_PLIST) {
            lkx_fail_at(p, t.line, t.col, "<plist> inside a plist");
            return NULL;
        } else if (t.kind == K_DICT || t.kind == K_ARRAY) {
            value = t.kind == K_DICT ? (OSObject *)OSDictionary_with_capacity(0)
                                     : (OSObject *)OSArray_with_capacity(0);
            if (!value) {
                lkx_oom(p);
                return NULL;
            }
            if (!t.empty) {
                if (p->depth >= LK_MAX_DEPTH) {
                    OSObject_release(value);
                    lkx_fail_at(p, t.line, t.col,
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
            lkx_oom(p);
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
        lkx_adv(p, 3);
    if (!lkx_skip_misc(p, true))
        return NULL;
    if (at_end(p)) {
        fail(p, "expected a plist, found the end of the input");
        return NULL;
    }
    if (cur(p) != '<') {
        fail(p, "expected '<' to start the plist");
        return NULL;
    }
    if (!lkx_read_tag(p, &t))
        return NULL;
    if (t.kind == K_PLIST && !t.end) {
        plist_line = t.line;
        if (t.empty) {
            lkx_fail_at(p, t.line, t.col,
                        "expected a value in <plist>, found <plist/>");
            return NULL;
        }
        if (!lkx_skip_misc(p, false))
            return NULL;
        if (at_end(p) || cur(p) != '<') {
            fail(p, "expected a value in <plist> opened at line %u",
                 plist_line);
            return NULL;
        }
        if (!lkx_read_tag(p, &t))
            return NULL;
        if (t.end && t.kind == K_PLIST) {
            lkx_fail_at(p, t.line, t.col,
                        "expected a value in <plist> opened at line %u",
                        plist_line);
            return NULL;
        }
    }
    top = parse_value(p, t);
    if (!top)
        return NULL;
    if (plist_line) {
        if (!lkx_skip_misc(p, false))
            goto fail;
        if (at_end(p) || cur(p) != '<') {
            lkx_fail_close(p, p->line, p->col, K_PLIST, plist_line,
                           at_end(p) ? "the end of the input" : "text");
            goto fail;
        }
        if (!lkx_read_tag(p, &t))
            goto fail;
        if (!t.end || t.kind != K_PLIST) {
            lkx_fail_at(p, t.line, t.col,
                        "expected </plist> to close <plist> opened at line %u "
                        "(a plist holds one value), found <%s%s>",
                        plist_line, t.end ? "/" : "", lkx_kind_names[t.kind]);
            goto fail;
        }
    }
    if (!lkx_skip_misc(p, false))
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
        lkx_oom(&p);
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
