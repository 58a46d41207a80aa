/* Host unit tests for ioreg's formatter (guest/user/ioreg/ioreg_format.c) on
 * a hand-written registry archive (registry.plist, the path is argv[1]):
 * the tree drawing, the property syntax, -c/-n/-k/-r/-d/-w/-i/-x, the
 * archive output and what happens with input that is not an archive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioreg_format.h"
#include "tap.h"

static char *fixture;           /* registry.plist */
static size_t fixture_len;

/* What the formatter wrote, and in how many calls. */
struct capture {
    char *text;
    size_t len;
    unsigned calls;
};

static void capture_write(void *ctx, const char *text, size_t len)
{
    struct capture *c = ctx;

    c->text = realloc(c->text, c->len + len + 1);
    if (!c->text)
        abort();
    memcpy(c->text + c->len, text, len);
    c->len += len;
    c->text[c->len] = '\0';
    c->calls++;
}

/* Run the formatter on xml with the options in args (space-separated, as
 * on a command line); returns its result, output in *out (caller frees
 * out->text), error message in err. */
static long run_on(const char *xml, size_t len, const char *args, struct capture *out,
                   char *err, size_t err_size)
{
    char buf[256];
    char *argv[32] = { "ioreg" };
    int argc = 1;
    ioreg_options o;

    snprintf(buf, sizeof(buf), "%s", args);
    for (char *tok = strtok(buf, " "); tok && argc < 31; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    ioreg_options_init(&o);
    if (ioreg_parse_args(&o, argc, argv, err, err_size) != argc) {
        tap_fail(__FILE__, __LINE__, "options '%s' rejected: %s", args, err);
        return -2;
    }
    return ioreg_format_xml(xml, len, &o, capture_write, out, err, err_size);
}

/* The fixture's output with args; NULL (and a failed check) on error. */
static char *run(const char *args, long *result)
{
    struct capture out;
    char err[300];
    long r = run_on(fixture, fixture_len, args, &out, err, sizeof(err));

    if (result)
        *result = r;
    if (r < 0) {
        tap_fail(__FILE__, __LINE__, "ioreg %s failed: %s", args, err);
        free(out.text);
        return NULL;
    }
    return out.text ? out.text : strdup("");
}

/* Compare line by line, reporting the first difference. */
static void check_text(int line, const char *got, const char *want)
{
    if (!got)
        return;
    if (strcmp(got, want) == 0)
        return;
    unsigned n = 1;
    const char *g = got, *w = want;
    while (*g && *g == *w) {
        if (*g == '\n')
            n++;
        g++, w++;
    }
    const char *ge = strchr(g, '\n'), *we = strchr(w, '\n');
    while (g > got && g[-1] != '\n')
        g--;
    while (w > want && w[-1] != '\n')
        w--;
    tap_fail(__FILE__, line, "output differs at line %u:\n#   got:  %.*s\n#   want: %.*s", n,
             ge ? (int)(ge - g) : (int)strlen(g), g, we ? (int)(we - w) : (int)strlen(w), w);
}

#define CHECK_TEXT(got, want) check_text(__LINE__, (got), (want))

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
            return true;
    }
    return false;
}

#define CHECK_LINE(text, line) \
    do { \
        if ((text) && !has_line((text), (line))) \
            tap_fail(__FILE__, __LINE__, "no line '%s' in:\n%s", (line), (text)); \
    } while (0)
#define CHECK_NO(text, part) \
    do { \
        if ((text) && strstr((text), (part))) \
            tap_fail(__FILE__, __LINE__, "'%s' should not be in:\n%s", (part), (text)); \
    } while (0)

#define ROOT_LINE "+-o Root  <class IORegistryEntry, id 0x100000100, retain 5>"
#define RES "IOResources  <class IOResources, id 0x100000101, registered, matched, active, busy 0, retain 7>"
#define DRV "TestResourceDriver  <class TestResourceDriver, id 0x100000108, registered, matched, active, busy 0, retain 4>"
#define PCI0 "PCI0@0  <class IOPCIBridge, id 0x100000102, registered, matched, active, busy 1, retain 6>"
#define NIC "pci8086,10d3@2  <class IOPCIDevice, id 0x100000103, registered, matched, active, busy 0, retain 9>"
#define ETH "DextEthernet  <class DextEthernet, id 0x100000109, registered, matched, active, busy 0, retain 5>"
#define XHC "pci1b36,d@3  <class IOPCIDevice, id 0x100000104, registered, !matched, active, busy 1, retain 6>"

/* The tree: "+-o" per entry, "| " under entries with siblings still to come. */
static void t_tree_drawing(void)
{
    long n;
    char *t = run("", &n);

    CHECK_TEXT(t, ROOT_LINE "\n"
                  "  +-o " RES "\n"
                  "  | +-o " DRV "\n"
                  "  +-o " PCI0 "\n"
                  "    +-o " NIC "\n"
                  "    | +-o " ETH "\n"
                  "    +-o " XHC "\n");
    CHECK_EQ(n, 7);
    free(t);
}

/* -l: a { } block under every entry, the bars carried down beside it. */
static void t_list_properties(void)
{
    char *t = run("-l", NULL);

    CHECK_TEXT(t, ROOT_LINE "\n"
        "  | {\n"
        "  |   \"IOKitBuildVersion\" = \"dextbed 0.1.0\"\n"
        "  |   \"IORegistryPlanes\" = {\"IOService\"=\"IOService\",\"IOPower\"=\"IOPower\"}\n"
        "  | }\n"
        "  | \n"
        "  +-o " RES "\n"
        "  | | {\n"
        "  | |   \"IOKit\" = Yes\n"
        "  | |   \"IOConsoleUsers\" = ()\n"
        "  | | }\n"
        "  | | \n"
        "  | +-o " DRV "\n"
        "  |     {\n"
        "  |       \"IOClass\" = \"TestResourceDriver\"\n"
        "  |       \"IOProviderClass\" = \"IOResources\"\n"
        "  |       \"IOResourceMatch\" = \"IOKit\"\n"
        "  |       \"IOProbeScore\" = 100\n"
        "  |     }\n"
        "  |     \n"
        "  +-o " PCI0 "\n"
        "    | {\n"
        "    | }\n"
        "    | \n"
        "    +-o " NIC "\n"
        "    | | {\n"
        "    | |   \"IOName\" = \"pci8086,10d3\"\n"
        "    | |   \"vendor-id\" = <86800000>\n"
        "    | |   \"device-id\" = <d3100000>\n"
        "    | |   \"compatible\" = <\"pci8086,10d3\",\"pciclass,020000\">\n"
        "    | | }\n"
        "    | | \n"
        "    | +-o " ETH "\n"
        "    |     {\n"
        "    |       \"IOClass\" = \"DextEthernet\"\n"
        "    |       \"Offset\" = -5\n"
        "    |       \"Ratio\" = 1.5\n"
        "    |       \"Enabled\" = No\n"
        "    |       \"Built\" = 2024-02-29T12:34:56Z\n"
        "    |       \"Medium\" = {\"Speed\"=1000,\"Duplex\"=\"full\"}\n"
        "    |       \"Queues\" = (1,2)\n"
        "    |     }\n"
        "    |     \n"
        "    +-o " XHC "\n"
        "        {\n"
        "          \"IOName\" = \"pci1b36,d\"\n"
        "          \"Description\" = \"A USB 3 host controller on the emulated PCI bus, "
        "described at such length that ioreg has to clip the lin$\n"
        "        }\n"
        "        \n");
    /* The archive's own keys are never shown as properties. */
    CHECK_NO(t, "IORegistryEntryName");
    CHECK_NO(t, "IOObjectClassChain");
    CHECK_NO(t, "IOServiceBusyState");
    free(t);
}

/* -x: numbers and data in hex; -i: the class chain. */
static void t_hex_and_inheritance(void)
{
    char *t = run("-x -l -n DextEthernet", NULL);

    CHECK_LINE(t, "            \"Offset\" = 0xfffffffffffffffb");
    CHECK_LINE(t, "            \"Medium\" = {\"Speed\"=0x3e8,\"Duplex\"=\"full\"}");
    free(t);
    t = run("-x -n pci8086,10d3", NULL);
    CHECK_LINE(t, "      |   \"compatible\" = <706369383038362c3130643300706369636c6173732c30323030303000>");
    free(t);
    t = run("-i -d 2", NULL);
    CHECK_LINE(t, "  +-o IOResources  <class IORegistryEntry:IOService:IOResources, id 0x100000101, "
                  "registered, matched, active, busy 0, retain 7>");
    free(t);
}

/* -c: the matches (of the class or a subclass, by the chain), the entries
 * on the way down to them, their subtrees and their properties. */
static void t_class_filter(void)
{
    long n;
    char *t = run("-c IOEthernetController", &n);

    CHECK_TEXT(t, ROOT_LINE "\n"
        "  +-o " PCI0 "\n"
        "    +-o " NIC "\n"
        "      +-o " ETH "\n"
        "          {\n"
        "            \"IOClass\" = \"DextEthernet\"\n"
        "            \"Offset\" = -5\n"
        "            \"Ratio\" = 1.5\n"
        "            \"Enabled\" = No\n"
        "            \"Built\" = 2024-02-29T12:34:56Z\n"
        "            \"Medium\" = {\"Speed\"=1000,\"Duplex\"=\"full\"}\n"
        "            \"Queues\" = (1,2)\n"
        "          }\n"
        "          \n");
    CHECK_EQ(n, 1);
    free(t);

    /* Two matches; the first one's child comes along without properties;
     * IOResources is on no path to a match. */
    t = run("-c IOPCIDevice", &n);
    CHECK_EQ(n, 2);
    CHECK_LINE(t, "    +-o " NIC);
    CHECK_LINE(t, "    | | {");
    CHECK_LINE(t, "    | +-o " ETH);
    CHECK_LINE(t, "    +-o " XHC);
    CHECK_NO(t, "IOResources");
    CHECK_NO(t, "\"Offset\"");
    free(t);

    /* A superclass matches everything under it. */
    t = run("-c IOService -d 1", &n);
    CHECK_EQ(n, 6);
    free(t);
    t = run("-c NoSuchClass", &n);
    CHECK_TEXT(t, "");
    CHECK_EQ(n, 0);
    free(t);
}

/* -n: by name, or name@location when there is an '@'; -k: by property. */
static void t_name_and_key(void)
{
    long n;
    char *t = run("-n pci8086,10d3@2", &n);

    CHECK_EQ(n, 1);
    CHECK_LINE(t, "    +-o " NIC);
    CHECK_LINE(t, "      |   \"vendor-id\" = <86800000>");
    CHECK_LINE(t, "      +-o " ETH);
    free(t);
    t = run("-n pci8086,10d3", &n);
    CHECK_EQ(n, 1);
    free(t);
    t = run("-n pci8086,10d3@3", &n);
    CHECK_EQ(n, 0);
    free(t);
    t = run("-n IOResources@", &n);     /* "@" and no location */
    CHECK_EQ(n, 1);
    free(t);
    t = run("-k IOProbeScore", &n);
    CHECK_EQ(n, 1);
    CHECK_LINE(t, "    +-o " DRV);
    CHECK_LINE(t, "          \"IOProbeScore\" = 100");
    free(t);
    t = run("-k IOServiceState", &n);   /* archive keys are not properties */
    CHECK_EQ(n, 0);
    free(t);
}

/* -r: each match the root of its own tree, an empty line after each. */
static void t_roots(void)
{
    long n;
    char *t = run("-r -c IOPCIDevice", &n);

    CHECK_TEXT(t, "+-o " NIC "\n"
        "  | {\n"
        "  |   \"IOName\" = \"pci8086,10d3\"\n"
        "  |   \"vendor-id\" = <86800000>\n"
        "  |   \"device-id\" = <d3100000>\n"
        "  |   \"compatible\" = <\"pci8086,10d3\",\"pciclass,020000\">\n"
        "  | }\n"
        "  | \n"
        "  +-o " ETH "\n"
        "\n"
        "+-o " XHC "\n"
        "    {\n"
        "      \"IOName\" = \"pci1b36,d\"\n"
        "      \"Description\" = \"A USB 3 host controller on the emulated PCI bus, "
        "described at such length that ioreg has to clip the line at$\n"
        "    }\n"
        "    \n"
        "\n");
    free(t);
    /* A match inside a subtree already shown is not shown again... */
    t = run("-rc IOService -w0", &n);
    CHECK_NO(t, "\n+-o " NIC);
    CHECK_LINE(t, "+-o " RES);
    CHECK_LINE(t, "+-o " PCI0);
    free(t);
    /* ...unless -d cut it off. */
    t = run("-r -c IOService -d 1", &n);
    CHECK_LINE(t, "+-o " NIC);
    CHECK_LINE(t, "+-o " ETH);
    CHECK_NO(t, "| ");
    free(t);
}

/* -d: levels from the root, or from each match. */
static void t_depth(void)
{
    char *t = run("-d 2", NULL);

    CHECK_TEXT(t, ROOT_LINE "\n"
                  "  +-o " RES "\n"
                  "  +-o " PCI0 "\n");
    free(t);
    t = run("-d 1", NULL);
    CHECK_TEXT(t, ROOT_LINE "\n");
    free(t);
    /* The path down to the match is always there; -d counts from it. */
    t = run("-n PCI0 -d 2", NULL);
    CHECK_TEXT(t, ROOT_LINE "\n"
                  "  +-o " PCI0 "\n"
                  "    | {\n"
                  "    | }\n"
                  "    | \n"
                  "    +-o " NIC "\n"
                  "    +-o " XHC "\n");
    free(t);
}

/* -w: lines longer than width - 1 are cut there and end in '$'. */
static void t_width(void)
{
    char *t = run("-w 40", NULL);

    CHECK_TEXT(t, "+-o Root  <class IORegistryEntry, id 0x$\n"
                  "  +-o IOResources  <class IOResources, $\n"
                  "  | +-o TestResourceDriver  <class Test$\n"
                  "  +-o PCI0@0  <class IOPCIBridge, id 0x$\n"
                  "    +-o pci8086,10d3@2  <class IOPCIDev$\n"
                  "    | +-o DextEthernet  <class DextEthe$\n"
                  "    +-o pci1b36,d@3  <class IOPCIDevice$\n");
    free(t);
    /* Exactly width - 1 columns fit. */
    int len = (int)strlen(ROOT_LINE);
    char args[32];
    snprintf(args, sizeof(args), "-d 1 -w %d", len + 1);
    t = run(args, NULL);
    CHECK_TEXT(t, ROOT_LINE "\n");
    free(t);
    snprintf(args, sizeof(args), "-d 1 -w %d", len);
    t = run(args, NULL);
    if (t) {
        CHECK_EQ(strlen(t), len + 1);
        CHECK(t[len - 1] == '$');
    }
    free(t);
    /* -w0: nothing is cut. */
    t = run("-l -w0", NULL);
    CHECK_LINE(t, "          \"Description\" = \"A USB 3 host controller on the emulated PCI bus, "
                  "described at such length that ioreg has to clip the line at 132 columns\"");
    free(t);
}

/* -a: the archive back out.  With -l, the whole of it, equal to the input;
 * without, the archive keys only (ioreg -a); with -c/-n/-r an array of the
 * matching subtrees; -d cuts the children. */
static void t_archive(void)
{
    OSPlistError perr;
    OSObject *orig = OSUnserializeXML(fixture, fixture_len, &perr);
    char *t = run("-a -l", NULL);
    REQUIRE(orig && t);
    OSObject *back = OSUnserializeXML(t, strlen(t), &perr);
    CHECK(back && OSObject_is_equal_to(orig, back));
    CHECK(strncmp(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
    OSSafeReleaseNULL(back);
    free(t);

    t = run("-a", NULL);
    CHECK_NO(t, "IOKitBuildVersion");
    CHECK_NO(t, "vendor-id");
    back = t ? OSUnserializeXML(t, strlen(t), &perr) : NULL;
    OSDictionary *root = OSDynamicCast(OSDictionary, back);
    CHECK(root && OSDynamicCast(OSArray, OSDictionary_get_object(root, "IORegistryEntryChildren")));
    OSSafeReleaseNULL(back);
    free(t);

    /* The NIC's subtree, as it is in the input. */
    t = run("-a -l -r -n pci8086,10d3@2", NULL);
    back = t ? OSUnserializeXML(t, strlen(t), &perr) : NULL;
    OSArray *found = OSDynamicCast(OSArray, back);
    REQUIRE(found);
    CHECK_EQ(OSArray_get_count(found), 1);
    OSArray *top_kids = OSDynamicCast(OSArray, OSDictionary_get_object(
        (OSDictionary *)orig, "IORegistryEntryChildren"));
    OSDictionary *pci0 = OSDynamicCast(OSDictionary, OSArray_get_object(top_kids, 1));
    OSArray *pci_kids = OSDynamicCast(OSArray, OSDictionary_get_object(pci0,
                                                                      "IORegistryEntryChildren"));
    CHECK(OSObject_is_equal_to(OSArray_get_object(found, 0), OSArray_get_object(pci_kids, 0)));
    OSSafeReleaseNULL(back);
    free(t);

    /* A match keeps its properties without -l, its child does not. */
    t = run("-a -c IOPCIDevice", NULL);
    CHECK(t && strstr(t, "<key>vendor-id</key>"));
    CHECK_NO(t, "<key>Offset</key>");
    CHECK(t && strstr(t, "<string>DextEthernet</string>"));
    free(t);

    t = run("-a -l -d 1", NULL);
    CHECK_NO(t, "IORegistryEntryChildren");
    CHECK(t && strstr(t, "<string>dextbed 0.1.0</string>"));
    free(t);

    long n;
    t = run("-a -c NoSuchClass", &n);
    CHECK_EQ(n, 0);
    CHECK(t && strstr(t, "<array/>"));
    free(t);
    OSSafeReleaseNULL(orig);
}

/* An array of subtrees (what ioreg -a -r writes) reads back as -r shows. */
static void t_array_input(void)
{
    struct capture out;
    char err[300];
    char *arch = run("-a -l -r -c IOPCIDevice", NULL);
    char *direct = run("-l -r -c IOPCIDevice", NULL);
    REQUIRE(arch && direct);
    long n = run_on(arch, strlen(arch), "-l", &out, err, sizeof(err));
    CHECK_EQ(n, 3);
    if (out.text)
        CHECK_TEXT(out.text, direct);
    free(out.text);
    free(arch);
    free(direct);
}

/* Strings are shown on their line: control characters become spaces. */
static void t_control_characters(void)
{
    static const char xml[] =
        "<dict><key>IORegistryEntryName</key><string>Ro&#10;ot</string>"
        "<key>IOObjectClass</key><string>IORegistryEntry</string>"
        "<key>Note</key><string>two&#10;lines&#27;[31m</string></dict>";
    struct capture out;
    char err[300];

    REQUIRE(run_on(xml, strlen(xml), "-l", &out, err, sizeof(err)) == 1);
    CHECK_TEXT(out.text, "+-o Ro ot  <class IORegistryEntry>\n"
                         "    {\n"
                         "      \"Note\" = \"two lines [31m\"\n"
                         "    }\n"
                         "    \n");
    CHECK_EQ(out.calls, 5);             /* one call per line */
    free(out.text);
}

/* Input that is not a registry archive: a clear error, nothing written. */
static void t_bad_archives(void)
{
    static const struct {
        const char *xml, *error;
    } cases[] = {
        { "", "the input is empty" },
        { " \n\t", "the input is empty" },
        { "hello", "not a registry archive: line 1, column 1" },
        { "<dict><key>a</key>", "not a registry archive: line 1" },
        { "<integer>5</integer>", "the top object is an integer, not an entry dictionary" },
        { "<dict><key>IOObjectClass</key><string>X</string></dict>",
          "the top object has no IORegistryEntryName" },
        { "<dict><key>IORegistryEntryName</key><string>Root</string></dict>",
          "Root has no IOObjectClass" },
        { "<array><string>x</string></array>",
          "entry 0 of the top array is a string, not an entry dictionary" },
        { "<dict><key>IORegistryEntryName</key><string>Root</string>"
          "<key>IOObjectClass</key><string>R</string>"
          "<key>IORegistryEntryChildren</key><array><dict>"
          "<key>IORegistryEntryName</key><string>A</string>"
          "<key>IOObjectClass</key><string>X</string>"
          "<key>IOServiceBusyState</key><string>zero</string></dict></array></dict>",
          "Root/A: IOServiceBusyState is a string, not an integer" },
        { "<dict><key>IORegistryEntryName</key><string>Root</string>"
          "<key>IOObjectClass</key><string>R</string>"
          "<key>IORegistryEntryChildren</key><array><integer>3</integer></array></dict>",
          "child 0 of Root is an integer, not an entry dictionary" },
        { "<dict><key>IORegistryEntryName</key><string>Root</string>"
          "<key>IOObjectClass</key><string>R</string>"
          "<key>IORegistryEntryChildren</key><string>none</string></dict>",
          "Root: IORegistryEntryChildren is a string, not an array" },
        { "<dict><key>IORegistryEntryName</key><string>Root</string>"
          "<key>IOObjectClass</key><string>R</string>"
          "<key>IOObjectClassChain</key><array><integer>1</integer></array></dict>",
          "Root: IOObjectClassChain holds an integer, not only class names" },
    };

    for (size_t i = 0; i < TAP_COUNT(cases); i++) {
        struct capture out;
        char err[300];
        long r = run_on(cases[i].xml, strlen(cases[i].xml), "-l", &out, err, sizeof(err));
        if (r != -1 || !strstr(err, cases[i].error))
            tap_fail(__FILE__, __LINE__, "case %zu: result %ld, error '%s', want '%s'", i, r,
                     err, cases[i].error);
        if (out.len)
            tap_fail(__FILE__, __LINE__, "case %zu wrote %zu bytes", i, out.len);
        free(out.text);
    }
}

/* Damaged archives (bytes changed, dropped, cut off) are shown or refused
 * with a message: never a crash, never an error without one. */
static void t_damaged_archives(void)
{
    static const char *const modes[] = { "-l", "-a -l", "-rc IOService -x", "-l -w0 -i" };
    uint64_t rng = tap_seed(0x10e6);
    char *copy = malloc(fixture_len);
    unsigned shown = 0, refused = 0;

    REQUIRE(copy);
    for (int round = 0; round < 400; round++) {
        size_t len = fixture_len;
        memcpy(copy, fixture, len);
        for (int k = 0, n = 1 + (int)tap_rand_below(&rng, 4); k < n && len; k++) {
            size_t at = tap_rand_below(&rng, len);
            switch (tap_rand_below(&rng, 3)) {
            case 0:         /* a byte changed: often a tag or a key name */
                copy[at] = "<>/\"&;x0 \n"[tap_rand_below(&rng, 10)];
                break;
            case 1:         /* a run of bytes dropped */
            {
                size_t cut = 1 + tap_rand_below(&rng, 40);
                if (cut > len - at)
                    cut = len - at;
                memmove(copy + at, copy + at + cut, len - at - cut);
                len -= cut;
                break;
            }
            default:        /* cut off */
                len = at;
                break;
            }
        }
        struct capture out;
        char err[300];
        long r = run_on(copy, len, modes[round % 4], &out, err, sizeof(err));
        if (r >= 0) {
            shown++;
        } else {
            refused++;
            if (!err[0] || out.len)
                tap_fail(__FILE__, __LINE__, "round %d: error '%s' after %zu bytes", round,
                         err, out.len);
        }
        free(out.text);
    }
    TAP_NOTE("%u damaged archives shown, %u refused", shown, refused);
    CHECK(shown > 0 && refused > 0);
    free(copy);
}

/* An archive deeper than the formatter draws is refused, not overflowed. */
static void t_too_deep(void)
{
    OSDictionary *top = NULL, *prev = NULL;
    struct capture out = { 0 };
    char err[300];
    ioreg_options o;

    for (int i = 0; i < IOREG_MAX_DEPTH + 5; i++) {
        OSDictionary *e = OSDictionary_with_capacity(3);
        OSString *name = OSString_with_cstring("E");
        REQUIRE(e && name);
        OSDictionary_set_object(e, "IORegistryEntryName", name);
        OSDictionary_set_object(e, "IOObjectClass", name);
        OSObject_release(name);
        if (prev) {
            OSArray *kids = OSArray_with_capacity(1);
            OSArray_set_object(kids, e);
            OSDictionary_set_object(prev, "IORegistryEntryChildren", kids);
            OSObject_release(kids);
            OSObject_release(e);
        } else {
            top = e;
        }
        prev = e;
    }
    ioreg_options_init(&o);
    CHECK_EQ(ioreg_format((OSObject *)top, &o, capture_write, &out, err, sizeof(err)), -1);
    CHECK(strstr(err, "more than 62 entries deep") != NULL);
    CHECK_EQ(out.len, 0);
    free(out.text);
    OSObject_release(top);
}

/* Options as getopt reads them, and the errors for bad ones. */
static void t_options(void)
{
    static const struct {
        const char *args[5];
        const char *error;          /* NULL: accepted */
    } cases[] = {
        { { "-lw0" }, NULL },
        { { "-cIOService", "-r" }, NULL },
        { { "-d", "3", "-p", "IOPower" }, NULL },
        { { "-q" }, "unknown option -q" },
        { { "-l", "-c" }, "option -c needs an argument" },
        { { "-d", "x" }, "-d needs a whole number from 0 to 1000000, not 'x'" },
        { { "-w", "-1" }, "-w needs a whole number" },
        { { "-w", "99999999999" }, "-w needs a whole number" },
        { { "-r" }, "-r needs -c, -n or -k" },
        { { "-c", "" }, "-c needs a non-empty class name" },
        { { "-p", "" }, "-p needs a plane name" },
    };

    for (size_t i = 0; i < TAP_COUNT(cases); i++) {
        char *argv[8] = { "ioreg" };
        int argc = 1;
        char err[200] = "";
        ioreg_options o;
        while (argc < 6 && cases[i].args[argc - 1])
            argv[argc] = (char *)cases[i].args[argc - 1], argc++;
        ioreg_options_init(&o);
        int r = ioreg_parse_args(&o, argc, argv, err, sizeof(err));
        if (!cases[i].error && r != argc)
            tap_fail(__FILE__, __LINE__, "case %zu rejected: %s", i, err);
        if (cases[i].error && (r != -1 || !strstr(err, cases[i].error)))
            tap_fail(__FILE__, __LINE__, "case %zu: %d '%s', want '%s'", i, r, err,
                     cases[i].error);
    }

    ioreg_options o;
    char err[200];
    char *argv[] = { "ioreg", "-lw0", "-cIOService", "-d", "3", "--", "-file" };
    ioreg_options_init(&o);
    CHECK_EQ(o.width, IOREG_DEFAULT_WIDTH);
    CHECK(strcmp(o.plane, "IOService") == 0);
    CHECK_EQ(ioreg_parse_args(&o, 7, argv, err, sizeof(err)), 6);
    CHECK(o.list && o.width == 0 && o.depth == 3);
    CHECK(o.class_name && strcmp(o.class_name, "IOService") == 0);

    struct capture out = { 0 };
    ioreg_write_usage(capture_write, &out, "ioreg", "[file]");
    REQUIRE(out.text);
    CHECK(strncmp(out.text, "usage: ioreg [-ailrx] [-c class] [-d depth] [-k key] [-n name] "
                            "[-p plane] [-w width] [file]\n", 92) == 0);
    const char *opts = "acdiklnprwx";
    for (const char *p = opts; *p; p++) {
        char flag[8];
        snprintf(flag, sizeof(flag), "\n  -%c ", *p);
        if (!strstr(out.text, flag))
            tap_fail(__FILE__, __LINE__, "usage does not describe -%c", *p);
    }
    free(out.text);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_tree_drawing),
    TAP_CASE(t_list_properties),
    TAP_CASE(t_hex_and_inheritance),
    TAP_CASE(t_class_filter),
    TAP_CASE(t_name_and_key),
    TAP_CASE(t_roots),
    TAP_CASE(t_depth),
    TAP_CASE(t_width),
    TAP_CASE(t_archive),
    TAP_CASE(t_array_input),
    TAP_CASE(t_control_characters),
    TAP_CASE(t_bad_archives),
    TAP_CASE(t_damaged_archives),
    TAP_CASE(t_too_deep),
    TAP_CASE(t_options),
};

int main(int argc, char **argv)
{
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;

    if (!f) {
        printf("Bail out! usage: test_ioreg path/to/registry.plist\n");
        return 1;
    }
    fixture = malloc(1 << 20);
    fixture_len = fixture ? fread(fixture, 1, 1 << 20, f) : 0;
    fclose(f);
    if (!fixture_len || !libkern_init()) {
        printf("Bail out! cannot read %s or initialise libkern\n", argv[1]);
        return 1;
    }
    return tap_run(cases, TAP_COUNT(cases));
}
