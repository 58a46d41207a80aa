/* Host unit tests for the control channel's JSON reader (guest/kern/json.c). */
#include <stdint.h>
#include <string.h>

#include "kern/json.h"
#include "tap.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Report a line that json_valid_object judged wrongly. */
static void check_valid(int line, const char *text, bool want)
{
    if (json_valid_object(text) != want)
        tap_fail(__FILE__, line, "json_valid_object(%s) should be %s", text,
                 want ? "true" : "false");
    /* json_get never finds anything in an invalid line. */
    if (!want && json_get(text, "a", NULL, 0, NULL) != JSON_NONE)
        tap_fail(__FILE__, line, "json_get found \"a\" in invalid %s", text);
}

/* json_get of a string, expecting want (NULL: expecting JSON_NONE). */
static void check_str(int line, const char *text, const char *key, const char *want)
{
    char out[128];
    enum json_type t;

    memset(out, '#', sizeof(out));
    t = json_get(text, key, out, sizeof(out), NULL);
    if (!want) {
        if (t != JSON_NONE)
            tap_fail(__FILE__, line, "json_get(%s, \"%s\") is type %d, want none",
                     text, key, (int)t);
    } else if (t != JSON_STRING) {
        tap_fail(__FILE__, line, "json_get(%s, \"%s\") is type %d, want string",
                 text, key, (int)t);
    } else if (strcmp(out, want) != 0) {
        tap_fail(__FILE__, line, "json_get(%s, \"%s\") = \"%s\", want \"%s\"", text, key,
                 out, want);
    }
}

#define VALID(text)       check_valid(__LINE__, text, true)
#define INVALID(text)     check_valid(__LINE__, text, false)
#define STR(text, key, w) check_str(__LINE__, text, key, w)

static void t_valid_objects(void)
{
    VALID("{}");
    VALID(" { } ");
    VALID("\t\r\n{\n}\r\n");
    VALID("{\"a\":1}");
    VALID("{\"\":1}");
    VALID("{\"cmd\":\"ping\",\"id\":3}");
    VALID(" { \"a\" : 1 , \"b\" : [ 1 , 2 ] , \"c\" : { } } ");
    VALID("{\"a\":[],\"b\":{},\"c\":[[]],\"d\":[{}],\"e\":\"\"}");
    VALID("{\"a\":true,\"b\":false,\"c\":null,\"d\":-0,\"e\":0}");
    VALID("{\"a\":[1,\"two\",true,false,null,{\"x\":[]}]}");
    VALID("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\"}");
    VALID("{\"a\":1,\"a\":2}");                  /* duplicate keys are not malformed */
}

static void t_invalid_objects(void)
{
    /* Not an object at all. */
    INVALID("");
    INVALID("   ");
    INVALID("[]");
    INVALID("[{\"a\":1}]");
    INVALID("1");
    INVALID("\"a\"");
    INVALID("true");
    INVALID("null");
    /* A NUL escape would cut a string (or key) short: refused. */
    INVALID("{\"cmd\":\"ping\\u0000junk\"}");
    INVALID("{\"cmd\\u0000x\":\"ping\"}");
    /* Broken structure. */
    INVALID("{");
    INVALID("}");
    INVALID("{\"a\":1");
    INVALID("{\"a\"}");
    INVALID("{\"a\":}");
    INVALID("{\"a\" 1}");
    INVALID("{\"a\"::1}");
    INVALID("{a:1}");
    INVALID("{'a':1}");
    INVALID("{1:1}");
    INVALID("{\"a\":1,}");
    INVALID("{,}");
    INVALID("{,\"a\":1}");
    INVALID("{\"a\":1,,\"b\":2}");
    INVALID("{\"a\":1 \"b\":2}");
    INVALID("{\"a\":[1,]}");
    INVALID("{\"a\":[,1]}");
    INVALID("{\"a\":[1 2]}");
    INVALID("{\"a\":[1}");
    INVALID("{\"a\":{]}");
    INVALID("{\"a\":{\"b\"}}");
    INVALID("{\"a\":\"unterminated}");
    /* Bad literals. */
    INVALID("{\"a\":tru}");
    INVALID("{\"a\":truex}");
    INVALID("{\"a\":True}");
    INVALID("{\"a\":nul}");
    INVALID("{\"a\":nulll}");
    INVALID("{\"a\":fals}");
    INVALID("{\"a\":undefined}");
    INVALID("{\"a\":NaN}");
    INVALID("{\"a\":Infinity}");
    INVALID("{\"a\":-Infinity}");
    INVALID("{\"a\":bare}");
}

static void t_string_escapes(void)
{
    STR("{\"a\":\"plain\"}", "a", "plain");
    STR("{\"a\":\"\"}", "a", "");
    STR("{\"a\":\"q\\\"q\"}", "a", "q\"q");
    STR("{\"a\":\"b\\\\s\"}", "a", "b\\s");
    STR("{\"a\":\"\\/\"}", "a", "/");
    STR("{\"a\":\"\\n\\t\\r\\b\\f\"}", "a", "\n\t\r\b\f");
    STR("{\"a\":\"\\u0041\"}", "a", "A");
    STR("{\"a\":\"x\\u0041y\"}", "a", "xAy");
    STR("{\"a\":\"\\u004a\\u004A\\u007e\"}", "a", "JJ~");
    STR("{\"a\":\"\\u0022\\u005c\"}", "a", "\"\\");
    STR("{\"a\":\"\\\\u0041\"}", "a", "\\u0041");       /* escaped backslash */
    STR("{\"a\":\"end\\\\\"}", "a", "end\\");
    /* Escapes in keys count too. */
    STR("{\"c\\u006dd\":\"ping\"}", "cmd", "ping");
    STR("{\"a\\\"b\":\"v\"}", "a\"b", "v");

    /* Bad escapes make the whole line invalid. */
    INVALID("{\"a\":\"\\x41\"}");
    INVALID("{\"a\":\"\\'\"}");
    INVALID("{\"a\":\"\\a\"}");
    INVALID("{\"a\":\"\\0\"}");
    INVALID("{\"a\":\"\\U0041\"}");
    INVALID("{\"a\":\"\\u\"}");
    INVALID("{\"a\":\"\\u41\"}");
    INVALID("{\"a\":\"\\u004\"}");
    INVALID("{\"a\":\"\\u12G4\"}");
    INVALID("{\"a\":\"\\u 041\"}");
    INVALID("{\"a\":\"\\");
    INVALID("{\"a\":\"x\\\"}");
    INVALID("{\"\\q\":1}");

    /* Non-ASCII escapes never come out as raw high or control bytes. */
    char out[16];
    enum json_type t = json_get("{\"a\":\"\\u00e9\\u20ac\"}", "a", out, sizeof(out), NULL);
    if (t == JSON_STRING) {
        for (const char *p = out; *p; p++)
            CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80);
    } else {
        CHECK_EQ(t, JSON_NONE);
    }
}

/* Number lookups: want_type JSON_NUMBER with value, or JSON_NONE. */
static void check_num(int line, const char *value, enum json_type want_type, int64_t want)
{
    char text[128];
    int64_t num = 0x5a5a5a5a;
    enum json_type t;

    snprintf(text, sizeof(text), "{\"pre\":1,\"n\":%s,\"post\":2}", value);
    t = json_get(text, "n", NULL, 0, &num);
    if (t != want_type || (want_type == JSON_NUMBER && num != want))
        tap_fail(__FILE__, line, "%s: type %d, value %" PRId64 "; want type %d, value %"
                 PRId64, value, (int)t, num, (int)want_type, want);
    if (want_type == JSON_NONE && num != 0x5a5a5a5a)
        tap_fail(__FILE__, line, "%s: *num written although rejected", value);
    if (want_type == JSON_NONE && json_valid_object(text))
        tap_fail(__FILE__, line, "%s: accepted by json_valid_object", value);
}

#define NUM(v, want)  check_num(__LINE__, v, JSON_NUMBER, want)
#define BADNUM(v)     check_num(__LINE__, v, JSON_NONE, 0)

static void t_numbers(void)
{
    NUM("0", 0);
    NUM("-0", 0);
    NUM("7", 7);
    NUM("-7", -7);
    NUM("42", 42);
    NUM("1234567890123", 1234567890123LL);
    NUM("-1234567890123", -1234567890123LL);
    NUM("9223372036854775807", INT64_MAX);
    NUM("-9223372036854775807", -INT64_MAX);
    NUM("4294967296", 4294967296LL);

    /* Out of range. */
    BADNUM("9223372036854775808");
    BADNUM("9999999999999999999");
    BADNUM("18446744073709551615");
    BADNUM("18446744073709551616");
    BADNUM("99999999999999999999");
    BADNUM("-99999999999999999999");
    BADNUM("123456789012345678901234567890");
    /* Integers only. */
    BADNUM("1.0");
    BADNUM("1.5");
    BADNUM("-1.5");
    BADNUM("0.1");
    BADNUM("1.");
    BADNUM(".5");
    BADNUM("1e5");
    BADNUM("1E5");
    BADNUM("1e-5");
    BADNUM("2E+3");
    /* Not numbers. */
    BADNUM("-");
    BADNUM("+1");
    BADNUM("--1");
    BADNUM("- 1");
    BADNUM("0x10");
    BADNUM("1a");

    /* A number's type without asking for its value. */
    CHECK_EQ(json_get("{\"n\":5}", "n", NULL, 0, NULL), JSON_NUMBER);
    CHECK_EQ(json_get("{\"n\":\"5\"}", "n", NULL, 0, NULL), JSON_STRING);
}

static void t_literals_and_types(void)
{
    static const char *obj = "{\"s\":\"str\",\"n\":-42,\"t\":true,\"f\":false,"
                             "\"z\":null,\"o\":{\"a\":1},\"a\":[1,2]}";
    int64_t num;
    char out[16];

    num = 99;
    CHECK_EQ(json_get(obj, "t", NULL, 0, &num), JSON_BOOL);
    CHECK_EQ(num, 1);
    num = 99;
    CHECK_EQ(json_get(obj, "f", NULL, 0, &num), JSON_BOOL);
    CHECK_EQ(num, 0);
    CHECK_EQ(json_get(obj, "t", NULL, 0, NULL), JSON_BOOL);
    num = 99;
    CHECK_EQ(json_get(obj, "z", NULL, 0, &num), JSON_NULL);
    CHECK_EQ(num, 99);
    CHECK_EQ(json_get(obj, "n", NULL, 0, &num), JSON_NUMBER);
    CHECK_EQ(num, -42);
    CHECK_EQ(json_get(obj, "s", out, sizeof(out), &num), JSON_STRING);
    CHECK(strcmp(out, "str") == 0);
    CHECK_EQ(num, -42);     /* untouched by a string */
    CHECK_EQ(json_get(obj, "o", out, sizeof(out), NULL), JSON_NESTED);
    CHECK_EQ(json_get(obj, "a", out, sizeof(out), NULL), JSON_NESTED);
}

static void t_nested_skip(void)
{
    static const char *obj =
        "{\"a\":{\"cmd\":\"inner\",\"x\":[1,2,{\"cmd\":3}]},"
        "\"b\":[\"}\",\"]\",\"{\\\"cmd\\\":\\\"fake\\\"}\",{\"y\":\"[\"}],"
        "\"c\":[[[[\"deep\"]]]],"
        "\"cmd\":\"outer\","
        "\"after\":{\"cmd\":\"later\"}}";
    int64_t num = 0;

    VALID(obj);
    STR(obj, "cmd", "outer");
    CHECK_EQ(json_get(obj, "a", NULL, 0, NULL), JSON_NESTED);
    CHECK_EQ(json_get(obj, "b", NULL, 0, NULL), JSON_NESTED);
    CHECK_EQ(json_get(obj, "after", NULL, 0, NULL), JSON_NESTED);
    /* Keys inside nested values are not top-level keys. */
    STR(obj, "x", NULL);
    STR(obj, "y", NULL);
    CHECK_EQ(json_get(obj, "x", NULL, 0, &num), JSON_NONE);

    /* A key only present nested. */
    STR("{\"a\":{\"cmd\":\"inner\"}}", "cmd", NULL);
    /* A key's name appearing as a value. */
    STR("{\"a\":\"cmd\",\"b\":[\"cmd\"]}", "cmd", NULL);
    /* Found after a nested value with strings full of syntax. */
    STR("{\"a\":[\"\\\\\",\"\\\"\",\"},{\"],\"k\":\"v\"}", "k", "v");
}

/* Exactly depth containers in all (the top-level object included). */
static void nest(char *buf, size_t size, int depth, char open, char close)
{
    size_t n = 0;

    n += (size_t)snprintf(buf + n, size - n, "{\"k\":");
    for (int i = 1; i < depth; i++)
        n += (size_t)snprintf(buf + n, size - n, open == '{' ? "{\"k\":" : "[");
    n += (size_t)snprintf(buf + n, size - n, "1");
    for (int i = 1; i < depth; i++)
        n += (size_t)snprintf(buf + n, size - n, "%c", close);
    snprintf(buf + n, size - n, ",\"after\":\"x\"}");
}

static void t_depth_limit(void)
{
    static char buf[8 * 20000];

    /* Eight levels of nesting are allowed, nine are not. */
    for (int d = 1; d <= 9; d++) {
        nest(buf, sizeof(buf), d, '[', ']');
        if (json_valid_object(buf) != (d <= 8))
            tap_fail(__FILE__, __LINE__, "%d levels of arrays: %s", d,
                     d <= 8 ? "rejected" : "accepted");
        nest(buf, sizeof(buf), d, '{', '}');
        if (json_valid_object(buf) != (d <= 8))
            tap_fail(__FILE__, __LINE__, "%d levels of objects: %s", d,
                     d <= 8 ? "rejected" : "accepted");
    }
    nest(buf, sizeof(buf), 8, '[', ']');
    STR(buf, "after", "x");
    CHECK_EQ(json_get(buf, "k", NULL, 0, NULL), JSON_NESTED);
    nest(buf, sizeof(buf), 9, '[', ']');
    STR(buf, "after", NULL);

    /* Far too deep, and unbalanced: rejected without running away. */
    nest(buf, sizeof(buf), 10000, '[', ']');
    CHECK(!json_valid_object(buf));
    memset(buf, '[', 100000);
    buf[0] = '{';
    buf[100000] = '\0';
    CHECK(!json_valid_object(buf));
    memcpy(buf, "{\"a\":", 5);
    CHECK(!json_valid_object(buf));
}

static void t_trailing_garbage(void)
{
    INVALID("{} x");
    INVALID("{}x");
    INVALID("{}}");
    INVALID("{},");
    INVALID("{}{}");
    INVALID("{} {}");
    INVALID("{}\"");
    INVALID("{\"a\":1}0");
    INVALID("{\"a\":1} 1");
    INVALID("{\"a\":1}]");
    INVALID("{\"a\":1}\f");       /* not JSON whitespace */
    INVALID("{\"a\":1}\v");
    INVALID("x{\"a\":1}");
    VALID("{\"a\":1}   ");
    VALID("{\"a\":1}\r\n");
    VALID("{\"a\":1}\t\n ");
}

static void t_output_buffer(void)
{
    static const char *obj = "{\"s\":\"0123456789\",\"e\":\"\",\"u\":\"\\u0041\\u0042\","
                             "\"n\":\"\\n\"}";
    char out[32];

    /* The string and its NUL must fit. */
    CHECK_EQ(json_get(obj, "s", out, 11, NULL), JSON_STRING);
    CHECK(strcmp(out, "0123456789") == 0);
    CHECK_EQ(json_get(obj, "s", out, 10, NULL), JSON_NONE);
    CHECK_EQ(json_get(obj, "s", out, 2, NULL), JSON_NONE);
    CHECK_EQ(json_get(obj, "s", out, 1, NULL), JSON_NONE);
    /* No room at all: nothing is written. */
    out[0] = '#';
    CHECK_EQ(json_get(obj, "s", out, 0, NULL), JSON_NONE);
    CHECK_EQ(out[0], '#');
    /* Whatever the outcome, nothing is written past size. */
    for (size_t size = 0; size <= 12; size++) {
        memset(out, '#', sizeof(out));
        json_get(obj, "s", out, size, NULL);
        for (size_t i = size; i < sizeof(out); i++) {
            if (out[i] != '#') {
                tap_fail(__FILE__, __LINE__, "size %zu: byte %zu written", size, i);
                break;
            }
        }
    }

    /* The unescaped length is what counts. */
    CHECK_EQ(json_get(obj, "u", out, 3, NULL), JSON_STRING);
    CHECK(strcmp(out, "AB") == 0);
    CHECK_EQ(json_get(obj, "u", out, 2, NULL), JSON_NONE);
    CHECK_EQ(json_get(obj, "n", out, 2, NULL), JSON_STRING);
    CHECK(strcmp(out, "\n") == 0);
    CHECK_EQ(json_get(obj, "e", out, 1, NULL), JSON_STRING);
    CHECK_EQ(out[0], '\0');

    /* Only the type, no buffer. */
    CHECK_EQ(json_get(obj, "s", NULL, 0, NULL), JSON_STRING);

    /* A long value that does not fit does not hide the keys after it
     * (and does not overrun the buffer). */
    struct {
        char out[32];
        char guard[32];
    } g;
    char line[600];
    memset(&g, '#', sizeof(g));
    snprintf(line, sizeof(line), "{\"big\":\"%0300d\",\"k\":\"v\"}", 0);
    CHECK_EQ(json_get(line, "big", g.out, sizeof(g.out), NULL), JSON_NONE);
    for (size_t i = 0; i < sizeof(g.guard); i++)
        CHECK_EQ(g.guard[i], '#');
    STR(line, "k", "v");
}

static void t_missing_key(void)
{
    static const char *obj = "{\"cmd\":\"ping\",\"id\":3}";
    int64_t num = 77;
    char key[80], line[200];

    STR(obj, "cmd", "ping");
    STR(obj, "missing", NULL);
    STR(obj, "cm", NULL);
    STR(obj, "cmdx", NULL);
    STR(obj, "CMD", NULL);
    STR(obj, "", NULL);
    STR(obj, "ping", NULL);
    CHECK_EQ(json_get(obj, "idx", NULL, 0, &num), JSON_NONE);
    CHECK_EQ(num, 77);
    STR("{}", "cmd", NULL);
    STR("{\"\":\"empty\"}", "", "empty");
    /* Present, but in a line that is not valid: nothing. */
    STR("{\"cmd\":\"ping\"", "cmd", NULL);
    STR("{\"cmd\":\"ping\"} junk", "cmd", NULL);
    STR("{\"cmd\":\"ping\",\"bad\":1.5}", "cmd", NULL);
    STR("{\"cmd\":\"ping\",}", "cmd", NULL);

    /* Long keys: a 63-character key is found; a longer key that starts
     * with the one asked for is a different key. */
    memset(key, 'k', 63);
    key[63] = '\0';
    snprintf(line, sizeof(line), "{\"%sX\":\"long\",\"%s\":\"exact\"}", key, key);
    STR(line, key, "exact");
    snprintf(line, sizeof(line), "{\"%sX\":\"long\"}", key);
    STR(line, key, NULL);
    snprintf(line, sizeof(line), "{\"%sXXXXXXXXXXXXXXX\":1,\"cmd\":\"after\"}", key);
    STR(line, "cmd", "after");
}

static void t_control_chars(void)
{
    char line[64];

    /* Raw control characters inside strings are malformed. */
    for (int c = 0x01; c < 0x20; c++) {
        snprintf(line, sizeof(line), "{\"a\":\"x%cy\"}", c);
        if (json_valid_object(line))
            tap_fail(__FILE__, __LINE__, "control character %#x accepted in a value", c);
        if (json_get(line, "a", NULL, 0, NULL) != JSON_NONE)
            tap_fail(__FILE__, __LINE__, "control character %#x: value found", c);
        snprintf(line, sizeof(line), "{\"k%c\":1}", c);
        if (json_valid_object(line))
            tap_fail(__FILE__, __LINE__, "control character %#x accepted in a key", c);
    }
    /* Escaped, they are fine. */
    STR("{\"a\":\"x\\ny\\tz\"}", "a", "x\ny\tz");
    /* DEL and UTF-8 are not control characters and pass through. */
    STR("{\"a\":\"\x7f\"}", "a", "\x7f");
    STR("{\"a\":\"caf\xc3\xa9\"}", "a", "caf\xc3\xa9");
    /* Whitespace between tokens is not inside a string. */
    VALID("{\n\"a\"\t:\r\"b\"\n}");
}

static const struct tap_case cases[] = {
    TAP_CASE(t_valid_objects),
    TAP_CASE(t_invalid_objects),
    TAP_CASE(t_string_escapes),
    TAP_CASE(t_numbers),
    TAP_CASE(t_literals_and_types),
    TAP_CASE(t_nested_skip),
    TAP_CASE(t_depth_limit),
    TAP_CASE(t_trailing_garbage),
    TAP_CASE(t_output_buffer),
    TAP_CASE(t_missing_key),
    TAP_CASE(t_control_chars),
};

int main(void)
{
    return tap_run(cases, TAP_COUNT(cases));
}
