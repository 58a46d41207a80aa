/* XML plists: the parser (every type, every error with its exact line and
 * column), the positions callback, the serializer's exact layout, and round
 * trips over the corpus.  argv[1]: the corpus directory. */
#include <string.h>

#include "lk_test.h"
#include "tap.h"

static const char *corpus_dir;

static OSObject *parse(const char *text, OSPlistError *err)
{
    return OSUnserializeXML(text, strlen(text), err);
}

/* text must fail at line:col with a message containing `want`. */
static void check_error(int line, const char *text, unsigned el, unsigned ec,
                        const char *want)
{
    OSPlistError err;
    OSObject *o = parse(text, &err);

    if (o) {
        tap_fail(__FILE__, line, "accepted: %s", text);
        OSObject_release(o);
        return;
    }
    if (err.line != el || err.column != ec || !strstr(err.message, want))
        tap_fail(__FILE__, line, "got %u:%u: %s; want %u:%u: ...%s...", err.line,
                 err.column, err.message, el, ec, want);
}

#define ERR(text, l, c, want) check_error(__LINE__, text, l, c, want)

/* The serialization of obj without the header. */
static char *bare(const void *obj)
{
    OSSerialize s;
    char *out;

    OSSerialize_init(&s);
    if (!OSSerialize_object_xml(&s, obj, OS_SERIALIZE_NO_HEADER)) {
        OSSerialize_free(&s);
        return NULL;
    }
    out = strdup(s.text);
    OSSerialize_free(&s);
    return out;
}

/* Parse text (must succeed) and compare its bare serialization. */
static void check_value(int line, const char *text, const char *want)
{
    OSPlistError err;
    OSObject *o = parse(text, &err);
    char *got;

    if (!o) {
        tap_fail(__FILE__, line, "rejected %s: %u:%u: %s", text, err.line,
                 err.column, err.message);
        return;
    }
    got = bare(o);
    if (!got || strcmp(got, want) != 0)
        tap_fail(__FILE__, line, "%s serializes as [%s], want [%s]", text,
                 got ? got : "(failed)", want);
    free(got);
    OSObject_release(o);
}

#define VAL(text, want) check_value(__LINE__, text, want)

static void t_scalars(void)
{
    VAL("<string>hi</string>", "<string>hi</string>\n");
    VAL("<string/>", "<string></string>\n");
    VAL("<string>a &amp; b &lt;c&gt; &quot;&apos;</string>",
        "<string>a &amp; b &lt;c&gt; \"'</string>\n");
    VAL("<string>&#65;&#x42;&#x20AC;&#x1F600;</string>",
        "<string>AB\xe2\x82\xac\xf0\x9f\x98\x80</string>\n");
    VAL("<string><![CDATA[<&>]]>x</string>", "<string>&lt;&amp;&gt;x</string>\n");
    VAL("<string>a<!-- gone -->b</string>", "<string>ab</string>\n");
    VAL("<string>\x01</string>", "<string>&#1;</string>\n");
    VAL("<integer>42</integer>", "<integer>42</integer>\n");
    VAL("<integer>-42</integer>", "<integer>-42</integer>\n");
    VAL("<integer>-0</integer>", "<integer>0</integer>\n");
    VAL("<integer>+7</integer>", "<integer>7</integer>\n");
    VAL("<integer>0x1F</integer>", "<integer>31</integer>\n");
    VAL("<integer>-0x10</integer>", "<integer>-16</integer>\n");
    VAL("<integer> 5 </integer>", "<integer>5</integer>\n");
    VAL("<integer>18446744073709551615</integer>",
        "<integer>18446744073709551615</integer>\n");
    VAL("<integer>-9223372036854775808</integer>",
        "<integer>-9223372036854775808</integer>\n");
    VAL("<integer size=\"8\">-128</integer>", "<integer>-128</integer>\n");
    VAL("<integer size='16'>65535</integer>", "<integer>65535</integer>\n");
    VAL("<real>1.50</real>", "<real>1.5</real>\n");
    VAL("<real>-1e-9</real>", "<real>-1e-9</real>\n");
    VAL("<real>nan</real>", "<real>nan</real>\n");
    VAL("<true/>", "<true/>\n");
    VAL("<false></false>", "<false/>\n");
    VAL("<data>AAEC</data>", "<data>\nAAEC\n</data>\n");
    VAL("<data/>", "<data>\n</data>\n");
    VAL("<data> AA\n E= </data>", "<data>\nAAE=\n</data>\n");
    VAL("<date>2001-01-01T00:00:00Z</date>", "<date>2001-01-01T00:00:00Z</date>\n");
    VAL("<array/>", "<array/>\n");
    VAL("<dict></dict>", "<dict/>\n");
}

static void t_integer_values(void)
{
    OSNumber *n;

    n = (OSNumber *)parse("<integer>-1</integer>", NULL);
    REQUIRE(n);
    CHECK_EQ(OSNumber_get_bits(n), 64);
    CHECK_EQ(OSNumber_signed_64(n), -1);
    CHECK(OSNumber_unsigned_64(n) == UINT64_MAX);
    OSObject_release(n);
    n = (OSNumber *)parse("<integer size=\"32\">0xffffffff</integer>", NULL);
    REQUIRE(n);
    CHECK_EQ(OSNumber_get_bits(n), 32);
    CHECK_EQ(OSNumber_unsigned_32(n), 0xffffffffu);
    OSObject_release(n);
    n = (OSNumber *)parse("<integer size=\"8\">-1</integer>", NULL);
    REQUIRE(n);
    CHECK_EQ(OSNumber_get_bits(n), 8);
    CHECK_EQ(OSNumber_signed_64(n), -1);
    OSObject_release(n);
}

/* Dates: text <-> seconds since 2001-01-01T00:00:00Z. */
static void check_date(int line, const char *iso, int64_t secs)
{
    char text[96], want[100];
    OSDate *d;
    char *got;

    snprintf(text, sizeof(text), "<date>%s</date>", iso);
    d = (OSDate *)parse(text, NULL);
    if (!d || OSDate_get_seconds(d) != secs) {
        tap_fail(__FILE__, line, "%s -> %lld, want %lld", iso,
                 d ? (long long)OSDate_get_seconds(d) : -1LL, (long long)secs);
        OSSafeReleaseNULL(d);
        return;
    }
    OSObject_release(d);
    d = OSDate_with_seconds(secs);
    got = bare(d);
    snprintf(want, sizeof(want), "%s\n", text);
    if (!got || strcmp(got, want) != 0)
        tap_fail(__FILE__, line, "%lld serializes as %s", (long long)secs,
                 got ? got : "(failed)");
    free(got);
    OSObject_release(d);
}

static void t_dates(void)
{
    check_date(__LINE__, "2001-01-01T00:00:00Z", 0);
    check_date(__LINE__, "2001-01-01T00:00:01Z", 1);
    check_date(__LINE__, "2000-12-31T23:59:59Z", -1);
    check_date(__LINE__, "1970-01-01T00:00:00Z", -978307200);
    check_date(__LINE__, "2024-02-29T12:34:56Z", 730902896);
    check_date(__LINE__, "2000-02-29T00:00:00Z", -26524800);
    check_date(__LINE__, "1900-03-01T00:00:00Z", -3182198400);
    check_date(__LINE__, "0000-01-01T00:00:00Z", -63145526400);
    check_date(__LINE__, "0001-01-01T00:00:00Z", -63113904000);
    check_date(__LINE__, "9999-12-31T23:59:59Z", 252423993599);
    check_date(__LINE__, "2038-01-19T03:14:08Z", 1169176448);
    /* Out of the four-digit range: no XML form. */
    {
        OSDate *d = OSDate_with_seconds(252423993600);
        OSDate *e = OSDate_with_seconds(-63145526401);

        char *sd = bare(d), *se = bare(e);

        CHECK(sd == NULL);
        CHECK(se == NULL);
        free(sd);
        free(se);
        OSObject_release(d);
        OSObject_release(e);
    }
}

static void t_containers(void)
{
    OSDictionary *d;
    OSArray *a;

    VAL("<dict><key>b</key><integer>1</integer><key>a</key><array>"
        "<string>x</string><dict/></array></dict>",
        "<dict>\n\t<key>b</key>\n\t<integer>1</integer>\n\t<key>a</key>\n"
        "\t<array>\n\t\t<string>x</string>\n\t\t<dict/>\n\t</array>\n</dict>\n");
    VAL("<dict><key/><string>empty key</string></dict>",
        "<dict>\n\t<key></key>\n\t<string>empty key</string>\n</dict>\n");
    VAL("<dict><key>&lt;k&gt;</key><true/></dict>",
        "<dict>\n\t<key>&lt;k&gt;</key>\n\t<true/>\n</dict>\n");
    d = (OSDictionary *)parse("<plist><dict><key>k</key><array><integer>1</integer>"
                              "<integer>2</integer></array></dict></plist>", NULL);
    REQUIRE(d);
    REQUIRE(OSDynamicCast(OSDictionary, d));
    a = OSDynamicCast(OSArray, OSDictionary_get_object(d, "k"));
    REQUIRE(a);
    CHECK_EQ(OSArray_get_count(a), 2);
    CHECK_EQ(OSObject_get_retain_count(a), 1);   /* only the dict holds it */
    /* Keys are interned symbols. */
    CHECK(OSDictionary_get_key_at(d, 0) == OSSymbol_existing("k"));
    OSObject_release(OSDictionary_get_key_at(d, 0));
    OSObject_release(d);
}

/* Prologs, comments and wrappers the parser accepts. */
static void t_document_forms(void)
{
    VAL("\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!DOCTYPE plist PUBLIC \"x\" \"y\">"
        "<plist version=\"1.0\"><true/></plist>\n", "<true/>\n");
    VAL("<!DOCTYPE plist [ <!ELEMENT plist ANY> ]><plist><false/></plist>",
        "<false/>\n");
    VAL("<!-- c --><plist><!-- c --><true/><!-- c --></plist><!-- c -->\n",
        "<true/>\n");
    VAL("  \n<string>bare</string>\n  ", "<string>bare</string>\n");
    VAL("<?pi x?><array ID=\"0\"><true/></array>", "<array>\n\t<true/>\n</array>\n");
    VAL("<plist>\r\n<dict>\r\n<key>a</key>\r\n<false/>\r\n</dict>\r\n</plist>",
        "<dict>\n\t<key>a</key>\n\t<false/>\n</dict>\n");
}

static void t_errors(void)
{
    /* Structure. */
    ERR("", 1, 1, "expected a plist, found the end of the input");
    ERR("   \n  ", 2, 3, "expected a plist");
    ERR("hello", 1, 1, "expected '<' to start the plist");
    ERR("<plist/>", 1, 1, "expected a value in <plist>");
    ERR("<plist>\n</plist>", 2, 1, "expected a value in <plist> opened at line 1");
    ERR("<plist>\n<true/>\n<true/>\n</plist>", 3, 1,
        "expected </plist> to close <plist> opened at line 1");
    ERR("<plist>\n<true/>\n", 3, 1,
        "expected </plist> to close <plist> opened at line 1, found the end");
    ERR("<true/>\nx", 2, 1, "unexpected content after the end of the plist");
    ERR("<true/><true/>", 1, 8, "unexpected content after the end of the plist");
    ERR("</dict>", 1, 1, "unexpected </dict>");
    ERR("<plist><plist>", 1, 8, "<plist> inside a plist");
    ERR("<foo/>", 1, 1, "unknown element <foo>");
    ERR("<array><abcdefghijklmnopqrstuvwxyz/></array>", 1, 8,
        "unknown element <abcdefghijklmno...>");
    ERR("<", 1, 2, "expected an element name after '<'");
    ERR("<array", 1, 7, "expected '>' to end <array> opened at line 1");
    ERR("<array x>", 1, 9, "expected '=' after attribute");
    ERR("<array x=1>", 1, 10, "expected a quoted attribute value");
    ERR("<array x='1>", 1, 13, "expected ' to end an attribute value");
    ERR("<array/ >", 1, 8, "expected '>' after '/'");
    ERR("<array a='1'b='2'/>", 1, 13, "expected a space, '>' or '/>'");
    ERR("<array></array x>", 1, 16, "expected '>' to end </array>");
    ERR("<string IDREF=\"1\"/>", 1, 9, "IDREF attributes are not supported");
    /* Containers. */
    ERR("<plist>\n<dict>\n\t<key>a</key>\n\t<string>x</string>\n</plist>", 5, 1,
        "expected </dict> to close <dict> opened at line 2, found </plist>");
    ERR("<array>\n<true/>\n", 3, 1,
        "expected </array> to close <array> opened at line 1, found the end of the input");
    ERR("<array>\n  <dict>\n  </array>", 3, 3,
        "expected </dict> to close <dict> opened at line 2, found </array>");
    ERR("<dict>\n  <key>k</key>\n</dict>", 3, 1,
        "expected a value for key \"k\" before </dict>");
    ERR("<dict>\n  <key>k</key>\n  <key>j</key>", 3, 3,
        "expected a value for key \"k\", found <key>");
    ERR("<dict>\n  <string>v</string>\n</dict>", 2, 3,
        "expected <key> in <dict> opened at line 1, found <string>");
    ERR("<dict>\n  text\n</dict>", 2, 3,
        "expected <key> in <dict> opened at line 1, found text");
    ERR("<array> x </array>", 1, 9, "unexpected text in <array> opened at line 1");
    ERR("<array>\n  <key>k</key>\n</array>", 2, 3, "<key> outside <dict>");
    ERR("<key>k</key>", 1, 1, "<key> outside <dict>");
    ERR("<dict>\n<key>a</key><true/>\n<key>b</key><true/>\n<key>a</key><false/></dict>",
        4, 1, "duplicate key \"a\" in <dict> opened at line 1");
    /* Scalars. */
    ERR("<plist>\n\n\n<integer>12", 4, 12,
        "expected </integer> to close <integer> opened at line 4, found the end");
    ERR("<string>a</integer>", 1, 10,
        "expected </string> to close <string> opened at line 1, found </integer>");
    ERR("<string>a<b/></string>", 1, 10,
        "expected </string> to close <string> opened at line 1, found a tag inside it");
    ERR("<string>a\0b</string>", 1, 10, "expected </string>");   /* strlen cut */
    ERR("<string>&foo;</string>", 1, 9, "unknown entity");
    ERR("<string>a & b</string>", 1, 11, "'&' must start an entity");
    ERR("<string>&#0;</string>", 1, 9, "character reference to an invalid character");
    ERR("<string>&#xD800;</string>", 1, 9, "invalid character");
    ERR("<string>&#x110000;</string>", 1, 9, "invalid character");
    ERR("<string>&#x;</string>", 1, 9, "expected hex digits");
    ERR("<string>&#1a;</string>", 1, 9, "expected digits");
    ERR("<string><![CDATA[abc</string>", 1, 9, "unterminated CDATA section");
    ERR("<string><!-- abc</string>", 1, 9, "unterminated comment");
    ERR("<plist><!-- abc", 1, 8, "unterminated comment");
    ERR("<?xml version='1.0'", 1, 1, "unterminated processing instruction");
    ERR("<!DOCTYPE plist [ <!ELEMENT x> ", 1, 1, "unterminated <!DOCTYPE");
    ERR("<integer></integer>", 1, 10, "expected digits in <integer>");
    ERR("<integer/>", 1, 11, "expected digits in <integer>");
    ERR("<integer>-</integer>", 1, 11, "expected digits in <integer>");
    ERR("<integer>0x</integer>", 1, 11, "expected a digit in <integer>");
    ERR("<integer>12a</integer>", 1, 12, "expected a digit in <integer>");
    ERR("<integer>1 2</integer>", 1, 11, "expected a digit in <integer>");
    ERR("<integer>0x1g</integer>", 1, 13, "expected a hex digit in <integer>");
    ERR("<integer>1.5</integer>", 1, 11, "expected a digit in <integer>");
    ERR("<integer>18446744073709551616</integer>", 1, 29,
        "integer does not fit in 64 bits");
    ERR("<integer>-9223372036854775809</integer>", 1, 10,
        "integer does not fit in 64 bits");
    ERR("<integer>0x1ffffffffffffffff</integer>", 1, 28,
        "integer does not fit in 64 bits");
    ERR("<integer size=\"8\">256</integer>", 1, 19, "integer does not fit in 8 bits");
    ERR("<integer size=\"8\">-129</integer>", 1, 19, "integer does not fit in 8 bits");
    ERR("<integer size=\"32\">0x100000000</integer>", 1, 20,
        "integer does not fit in 32 bits");
    ERR("<integer size=\"7\">1</integer>", 1, 16, "size must be 8, 16, 32 or 64");
    ERR("<integer>&#49;x</integer>", 1, 10, "expected a digit");  /* entity: start */
    ERR("<real>1.2.3</real>", 1, 7, "expected a decimal number in <real>");
    ERR("<real></real>", 1, 7, "expected a decimal number in <real>");
    ERR("<real>\n  abc</real>", 2, 3, "expected a decimal number in <real>");
    ERR("<true>x</true>", 1, 7, "<true> must be empty");
    ERR("<false> 0 </false>", 1, 9, "<false> must be empty");
    ERR("<data>AA*A</data>", 1, 9, "invalid character in base64");
    ERR("<data>\n  AAA\n</data>", 2, 6, "base64 length is not a multiple of 4");
    ERR("<data>AA=A</data>", 1, 10, "base64 continues after '=' padding");
    ERR("<data>A===</data>", 1, 8, "misplaced '=' in base64");
    ERR("<data>AA==AAAA</data>", 1, 11, "base64 continues after '=' padding");
    ERR("<date>2024-13-01T00:00:00Z</date>", 1, 12, "expected a date");
    ERR("<date>2023-02-29T00:00:00Z</date>", 1, 15, "expected a date");
    ERR("<date>2024-04-31T00:00:00Z</date>", 1, 15, "expected a date");
    ERR("<date>2024-01-01T24:00:00Z</date>", 1, 18, "expected a date");
    ERR("<date>2024-01-01T00:60:00Z</date>", 1, 21, "expected a date");
    ERR("<date>2024-01-01T00:00:60Z</date>", 1, 24, "expected a date");
    ERR("<date>2024-01-01 00:00:00Z</date>", 1, 17, "expected a date");
    ERR("<date>2024-01-01T00:00:00</date>", 1, 26, "expected a date");
    ERR("<date>2024-01-01T00:00:00.5Z</date>", 1, 26, "expected a date");
    ERR("<date>24-01-01T00:00:00Z</date>", 1, 9, "expected a date");
    ERR("<date></date>", 1, 7, "expected a date");
    /* Columns count characters, not bytes. */
    ERR("<string>\xc3\xa9\xe2\x82\xac &x;</string>", 1, 12, "unknown entity");
}

static void t_depth_limit(void)
{
    char *text = malloc(70 * 16 + 1), *p;

    REQUIRE(text);
    for (int depth = 63; depth <= 66; depth++) {
        OSPlistError err;
        OSObject *o;

        p = text;
        for (int i = 0; i < depth; i++)
            p += sprintf(p, "<array>");
        for (int i = 0; i < depth; i++)
            p += sprintf(p, "</array>");
        o = OSUnserializeXML(text, (size_t)(p - text), &err);
        if (depth <= 64) {
            CHECK(o != NULL);
        } else {
            CHECK(o == NULL);
            CHECK_EQ(err.line, 1);
            CHECK_EQ(err.column, 64 * 7 + 1);   /* the 65th <array> */
            CHECK(strstr(err.message, "nested deeper than 64") != NULL);
        }
        OSSafeReleaseNULL(o);
    }
    free(text);
}

static void t_size_limit(void)
{
    size_t n = OS_PLIST_MAX_TEXT + 1;
    char *big = malloc(n);
    OSPlistError err;

    REQUIRE(big);
    memset(big, ' ', n);
    memcpy(big, "<true/>", 7);
    CHECK(OSUnserializeXML(big, n, &err) == NULL);
    CHECK(strstr(err.message, "larger than") != NULL);
    /* Not NUL-terminated input: only len bytes are read. */
    CHECK(OSUnserializeXML(big, 7, &err) == (OSObject *)kOSBooleanTrue);
    free(big);
    CHECK(OSUnserializeXML(NULL, 0, &err) == NULL);
    CHECK(OSUnserializeXML("<true/>", 3, NULL) == NULL);     /* err optional */
}

/* Positions: one record per value. */
struct pos {
    const OSObject *container, *value;
    const char *key;
    unsigned index, line, col;
};

static struct pos seen[32];
static unsigned nseen;

static void record(void *ctx, const OSObject *container, const OSSymbol *key,
                   unsigned index, const OSObject *value, unsigned line,
                   unsigned column)
{
    (void)ctx;
    if (nseen < TAP_COUNT(seen))
        seen[nseen++] = (struct pos){ container, value,
                                      key ? OSSymbol_get_cstring(key) : NULL,
                                      index, line, column };
}

static void t_positions(void)
{
    static const char text[] =
        "<plist>\n"                              /* 1 */
        "<dict>\n"                               /* 2 */
        "\t<key>name</key>\n"                    /* 3 */
        "\t<string>x</string>\n"                 /* 4 */
        "\t<key>list</key>\n"                    /* 5 */
        "\t<array>\n"                            /* 6 */
        "\t\t<integer>1</integer>\n"             /* 7 */
        "\t\t<dict/>  <true/>\n"                 /* 8 */
        "\t</array>\n"                           /* 9 */
        "</dict>\n"                              /* 10 */
        "</plist>\n";
    OSDictionary *top;
    OSArray *list;

    nseen = 0;
    top = (OSDictionary *)OSUnserializeXMLWithPositions(text, sizeof(text) - 1,
                                                         NULL, record, NULL);
    REQUIRE(top);
    list = (OSArray *)OSDictionary_get_object(top, "list");
    REQUIRE(list);
    REQUIRE_EQ(nseen, 6);
    /* Children before their container; the top last. */
    CHECK(seen[0].container == (OSObject *)top);
    CHECK(strcmp(seen[0].key, "name") == 0);
    CHECK_EQ(seen[0].index, 0);
    CHECK(seen[0].value == OSDictionary_get_object(top, "name"));
    CHECK_EQ(seen[0].line, 4);
    CHECK_EQ(seen[0].col, 2);
    CHECK(seen[1].container == (OSObject *)list && seen[1].key == NULL);
    CHECK_EQ(seen[1].index, 0);
    CHECK_EQ(seen[1].line, 7);
    CHECK_EQ(seen[1].col, 3);
    CHECK(seen[2].value == OSArray_get_object(list, 1));
    CHECK_EQ(seen[2].index, 1);
    CHECK_EQ(seen[2].line, 8);
    CHECK_EQ(seen[3].index, 2);
    CHECK_EQ(seen[3].col, 12);
    CHECK(seen[3].value == (OSObject *)kOSBooleanTrue);
    CHECK(seen[4].value == (OSObject *)list);
    CHECK(strcmp(seen[4].key, "list") == 0);
    CHECK_EQ(seen[4].index, 1);
    CHECK_EQ(seen[4].line, 6);
    CHECK_EQ(seen[4].col, 2);
    CHECK(seen[5].value == (OSObject *)top && seen[5].container == NULL);
    CHECK_EQ(seen[5].line, 2);
    CHECK_EQ(seen[5].col, 1);
    OSObject_release(top);
}

static void t_serializer_layout(void)
{
    static const char want[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
        "<plist version=\"1.0\">\n"
        "<dict>\n"
        "\t<key>Data</key>\n"
        "\t<data>\n"
        "\tAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEy\n"
        "\tMzQ1Njc4OTo7PD0+P0BBQkM=\n"
        "\t</data>\n"
        "\t<key>Empty</key>\n"
        "\t<array/>\n"
        "\t<key>Neg</key>\n"
        "\t<integer>-3</integer>\n"
        "\t<key>Sym</key>\n"
        "\t<string>Data</string>\n"
        "</dict>\n"
        "</plist>\n";
    OSDictionary *d = OSDictionary_with_capacity(0);
    OSArray *e = OSArray_with_capacity(0);
    uint8_t bytes[68];
    OSData *data;
    OSNumber *neg = OSNumber_with_signed(-3, 16);
    OSSerialize s;

    for (int i = 0; i < 68; i++)
        bytes[i] = (uint8_t)i;
    data = OSData_with_bytes(bytes, sizeof(bytes));
    REQUIRE(d && e && data && neg);
    OSDictionary_set_object(d, "Data", data);
    OSDictionary_set_object(d, "Empty", e);
    OSDictionary_set_object(d, "Neg", neg);
    OSDictionary_set_object(d, "Sym", OSDictionary_get_key_at(d, 0));
    OSSerialize_init(&s);
    CHECK(OSSerialize_object_xml(&s, d, 0));
    CHECK(!s.failed);
    CHECK_EQ(s.length, strlen(want));
    if (strcmp(s.text, want) != 0)
        tap_fail(__FILE__, __LINE__, "serialized as:\n%s", s.text);
    OSSerialize_free(&s);
    OSObject_release(d);
    OSObject_release(e);
    OSObject_release(data);
    OSObject_release(neg);
}

static void t_serializer_refuses(void)
{
    OSSet *set = OSSet_with_capacity(0);
    OSArray *a = OSArray_with_capacity(0);
    OSSerialize s;

    REQUIRE(set && a);
    OSSerialize_init(&s);
    CHECK(!OSSerialize_object_xml(&s, set, 0));        /* no plist form */
    OSSerialize_free(&s);
    OSArray_set_object(a, set);
    OSSerialize_init(&s);
    CHECK(!OSSerialize_object_xml(&s, a, 0));          /* nor inside */
    OSSerialize_free(&s);
    OSSerialize_init(&s);
    CHECK(!OSSerialize_object_xml(&s, NULL, 0));
    CHECK(!OSSerialize_object_xml(NULL, a, 0));
    OSSerialize_free(&s);
    OSObject_release(a);
    OSObject_release(set);
    /* The buffer on its own. */
    OSSerialize_init(&s);
    for (int i = 0; i < 1000; i++)
        CHECK(OSSerialize_appendf(&s, "%d,%s;", i, "abcdefgh"));
    CHECK(OSSerialize_append(&s, "end", 3));
    CHECK(strncmp(s.text, "0,abcdefgh;1,abcdefgh;", 22) == 0);
    CHECK(strcmp(s.text + s.length - 18, "999,abcdefgh;end") != 0 ||
          s.length > 18);
    CHECK(strstr(s.text, "999,abcdefgh;end") == s.text + s.length - 16);
    OSSerialize_free(&s);
}

/* Every good corpus file: serialize(parse(x)) reparses equal, and
 * serializing again is byte-identical. */
static void t_corpus_round_trips(void)
{
    struct corpus c;
    char dir[1024];
    size_t live = lk_live_objects();

    snprintf(dir, sizeof(dir), "%s/good", corpus_dir);
    REQUIRE(corpus_load(dir, &c));
    CHECK(c.n >= 25);
    for (size_t i = 0; i < c.n; i++) {
        struct corpus_file *f = &c.files[i];
        OSPlistError err;
        OSObject *a = OSUnserializeXML(f->text, f->len, &err), *b = NULL;
        OSSerialize s1, s2;

        OSSerialize_init(&s1);
        OSSerialize_init(&s2);
        if (!a) {
            tap_fail(__FILE__, __LINE__, "%s: %u:%u: %s", f->name, err.line,
                     err.column, err.message);
        } else if (!OSSerialize_object_xml(&s1, a, 0)) {
            tap_fail(__FILE__, __LINE__, "%s: cannot serialize", f->name);
        } else if (!(b = OSUnserializeXML(s1.text, s1.length, &err))) {
            tap_fail(__FILE__, __LINE__, "%s: reparse %u:%u: %s", f->name,
                     err.line, err.column, err.message);
        } else {
            if (!OSObject_is_equal_to(a, b))
                tap_fail(__FILE__, __LINE__, "%s: reparse differs", f->name);
            if (!OSSerialize_object_xml(&s2, b, 0) || s1.length != s2.length ||
                memcmp(s1.text, s2.text, s1.length) != 0)
                tap_fail(__FILE__, __LINE__, "%s: second serialization differs",
                         f->name);
        }
        OSSafeReleaseNULL(a);
        OSSafeReleaseNULL(b);
        OSSerialize_free(&s1);
        OSSerialize_free(&s2);
    }
    corpus_free(&c);
    CHECK_EQ(lk_live_objects(), live);
}

/* Every bad corpus file is rejected exactly where bad/MANIFEST says. */
static void t_corpus_bad_positions(void)
{
    struct manifest_entry *m = NULL;
    struct corpus c;
    char dir[1024], path[1100];
    size_t nm = 0, live = lk_live_objects();

    snprintf(dir, sizeof(dir), "%s/bad", corpus_dir);
    snprintf(path, sizeof(path), "%s/MANIFEST", dir);
    REQUIRE(corpus_load(dir, &c));
    REQUIRE(manifest_load(path, &m, &nm));
    CHECK(c.n >= 25);
    CHECK_EQ(nm, c.n);
    for (size_t j = 0; j < nm; j++) {
        struct corpus_file *f = NULL;
        OSPlistError err;
        OSObject *o;

        for (size_t i = 0; i < c.n; i++)
            if (strcmp(c.files[i].name, m[j].name) == 0)
                f = &c.files[i];
        if (!f) {
            tap_fail(__FILE__, __LINE__, "MANIFEST names missing %s", m[j].name);
            continue;
        }
        o = OSUnserializeXML(f->text, f->len, &err);
        if (o)
            tap_fail(__FILE__, __LINE__, "%s accepted", f->name);
        else if (err.line != m[j].line || err.column != m[j].col)
            tap_fail(__FILE__, __LINE__, "%s: error at %u:%u (%s), MANIFEST says %u:%u",
                     f->name, err.line, err.column, err.message, m[j].line,
                     m[j].col);
        OSSafeReleaseNULL(o);
    }
    free(m);
    corpus_free(&c);
    CHECK_EQ(lk_live_objects(), live);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_scalars),
    TAP_CASE(t_integer_values),
    TAP_CASE(t_dates),
    TAP_CASE(t_containers),
    TAP_CASE(t_document_forms),
    TAP_CASE(t_errors),
    TAP_CASE(t_depth_limit),
    TAP_CASE(t_size_limit),
    TAP_CASE(t_positions),
    TAP_CASE(t_serializer_layout),
    TAP_CASE(t_serializer_refuses),
    TAP_CASE(t_corpus_round_trips),
    TAP_CASE(t_corpus_bad_positions),
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
        return 2;
    }
    corpus_dir = argv[1];
    return lk_test_run(cases, TAP_COUNT(cases));
}
