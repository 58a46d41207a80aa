/* Host unit tests for boot collection validation (guest/boot/collection.c)
 * and the mkbootcol tool (guest/boot/mkbootcol.c).
 *
 * usage: test_bootcol [PATH-TO-MKBOOTCOL]
 * Without the path, the cases that run the tool are skipped. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/collection.h"
#include "tap.h"

_Static_assert(sizeof(struct bootcol_header) == 32, "header layout");
_Static_assert(sizeof(struct bootcol_entry) == BOOTCOL_NAME_MAX + 16, "entry layout");

/* ---- building images in memory, laid out as collection.h describes ---- */

struct file {
    const char *name;
    const void *data;
    size_t size;
};

static struct bootcol_header *hdr(void *img)
{
    return img;
}

static struct bootcol_entry *ent(void *img, size_t i)
{
    return (struct bootcol_entry *)((struct bootcol_header *)img + 1) + i;
}

static void reseal(void *img, size_t size)
{
    hdr(img)->checksum = bootcol_checksum(img, size);
}

/* Header, entry table, then each file's data at a 16-byte aligned offset.
 * slack extra zero bytes are allocated after the image (not counted). */
static unsigned char *build(const struct file *f, size_t n, size_t slack, size_t *size)
{
    size_t off = sizeof(struct bootcol_header) + n * sizeof(struct bootcol_entry);
    size_t offs[16];

    if (n > 16)
        abort();
    for (size_t i = 0; i < n; i++) {
        off = (off + 15) & ~(size_t)15;
        offs[i] = off;
        off += f[i].size;
    }
    unsigned char *img = calloc(1, off + slack);
    if (!img)
        abort();
    hdr(img)->magic = BOOTCOL_MAGIC;
    hdr(img)->version = BOOTCOL_VERSION;
    hdr(img)->count = (uint32_t)n;
    hdr(img)->total_size = off;
    for (size_t i = 0; i < n; i++) {
        strncpy(ent(img, i)->name, f[i].name, BOOTCOL_NAME_MAX);
        ent(img, i)->offset = offs[i];
        ent(img, i)->size = f[i].size;
        if (f[i].size)
            memcpy(img + offs[i], f[i].data, f[i].size);
    }
    reseal(img, off);
    *size = off;
    return img;
}

static unsigned char blob[1000];

/* Three files: text, binary, empty. */
static unsigned char *build_sample(size_t *size)
{
    for (size_t i = 0; i < sizeof(blob); i++)
        blob[i] = (unsigned char)(i * 7 + (i >> 8));
    const struct file files[] = {
        { "etc/motd", "hello\n", 6 },
        { "bin/blob", blob, sizeof(blob) },
        { "etc/empty", "", 0 },
    };
    return build(files, 3, 0, size);
}

static enum bootcol_status validate(const void *img, size_t size, long *bad)
{
    *bad = 12345;       /* must always be set */
    return bootcol_validate(img, size, bad);
}

/* ---- cases ---- */

static void t_checksum_is_fnv1a(void)
{
    unsigned char a[40], b[40];

    /* FNV-1a 64 reference values (nothing reaches the checksum field). */
    CHECK_EQ(bootcol_checksum("", 0), 0xcbf29ce484222325ULL);
    CHECK_EQ(bootcol_checksum("a", 1), 0xaf63dc4c8601ec8cULL);
    CHECK_EQ(bootcol_checksum("foobar", 6), 0x85944171f73967e8ULL);

    /* The checksum field (bytes 24-31) reads as zero; its neighbours count. */
    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = (unsigned char)(i + 1);
    memcpy(b, a, sizeof(b));
    for (size_t i = 24; i < 32; i++)
        b[i] = 0xee;
    CHECK_EQ(bootcol_checksum(a, sizeof(a)), bootcol_checksum(b, sizeof(b)));
    for (size_t i = 24; i < 32; i++)
        b[i] = 0;
    CHECK_EQ(bootcol_checksum(a, sizeof(a)), bootcol_checksum(b, sizeof(b)));
    b[23] ^= 1;
    CHECK(bootcol_checksum(a, sizeof(a)) != bootcol_checksum(b, sizeof(b)));
    b[23] ^= 1;
    b[32] ^= 1;
    CHECK(bootcol_checksum(a, sizeof(a)) != bootcol_checksum(b, sizeof(b)));
}

static void t_valid_image(void)
{
    size_t size;
    long bad;
    unsigned char *img = build_sample(&size);

    CHECK_EQ(validate(img, size, &bad), BOOTCOL_OK);
    CHECK_EQ(bad, -1);

    const struct bootcol_entry *e = bootcol_find(img, "etc/motd");
    REQUIRE(e != NULL);
    CHECK(e == ent(img, 0));
    CHECK_EQ(e->size, 6);
    CHECK(memcmp(img + e->offset, "hello\n", 6) == 0);

    e = bootcol_find(img, "bin/blob");
    REQUIRE(e != NULL);
    CHECK_EQ(e->size, sizeof(blob));
    CHECK(e->offset + e->size <= size);
    CHECK(memcmp(img + e->offset, blob, sizeof(blob)) == 0);

    e = bootcol_find(img, "etc/empty");
    REQUIRE(e != NULL);
    CHECK_EQ(e->size, 0);

    CHECK(bootcol_find(img, "etc/motd2") == NULL);
    CHECK(bootcol_find(img, "etc/mot") == NULL);
    CHECK(bootcol_find(img, "etc") == NULL);
    CHECK(bootcol_find(img, "") == NULL);
    CHECK(bootcol_find(img, "ETC/MOTD") == NULL);
    free(img);
}

static void t_empty_collection(void)
{
    size_t size;
    long bad;
    unsigned char *img = build(NULL, 0, 0, &size);

    CHECK_EQ(size, sizeof(struct bootcol_header));
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_OK);
    CHECK_EQ(bad, -1);
    CHECK(bootcol_find(img, "etc/motd") == NULL);
    free(img);
}

static void t_too_small(void)
{
    size_t size;
    long bad;
    unsigned char *img = build_sample(&size);

    CHECK_EQ(validate(img, 0, &bad), BOOTCOL_TOO_SMALL);
    CHECK_EQ(bad, -1);
    CHECK_EQ(validate(img, 1, &bad), BOOTCOL_TOO_SMALL);
    CHECK_EQ(validate(img, sizeof(struct bootcol_header) - 1, &bad), BOOTCOL_TOO_SMALL);
    CHECK_EQ(bad, -1);
    free(img);
}

static void t_truncated(void)
{
    size_t size;
    long bad;
    unsigned char *img = build(
        (const struct file[]){ { "etc/motd", "hello\n", 6 } }, 1, 64, &size);

    /* Cut short anywhere past the header, or with bytes to spare. */
    CHECK_EQ(validate(img, size - 1, &bad), BOOTCOL_SIZE_MISMATCH);
    CHECK_EQ(bad, -1);
    CHECK_EQ(validate(img, sizeof(struct bootcol_header), &bad), BOOTCOL_SIZE_MISMATCH);
    CHECK_EQ(validate(img, size / 2, &bad), BOOTCOL_SIZE_MISMATCH);
    CHECK_EQ(validate(img, size + 1, &bad), BOOTCOL_SIZE_MISMATCH);
    CHECK_EQ(validate(img, size + 64, &bad), BOOTCOL_SIZE_MISMATCH);
    CHECK_EQ(bad, -1);

    /* A header that claims more than there is, checksum and all. */
    hdr(img)->total_size = size + 16;
    reseal(img, size);
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_SIZE_MISMATCH);
    hdr(img)->total_size = size;
    reseal(img, size);
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_OK);
    free(img);
}

static void t_bad_magic(void)
{
    size_t size;
    long bad;
    unsigned char *img = build_sample(&size);

    hdr(img)->magic ^= 1;
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_BAD_MAGIC);
    reseal(img, size);
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_BAD_MAGIC);
    CHECK_EQ(bad, -1);
    /* Byte-swapped (a big-endian writer). */
    hdr(img)->magic = __builtin_bswap64(BOOTCOL_MAGIC);
    reseal(img, size);
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_BAD_MAGIC);
    hdr(img)->magic = 0;
    reseal(img, size);
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_BAD_MAGIC);
    /* "DDXTCOL1" spelled out in memory order is the magic. */
    memcpy(img, "DDXTCOL1", 8);
    reseal(img, size);
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_OK);
    free(img);
}

static void t_bad_version(void)
{
    static const uint32_t versions[] = { 0, 2, 0x100, 0xffffffff };
    size_t size;
    long bad;
    unsigned char *img = build_sample(&size);

    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        hdr(img)->version = versions[i];
        reseal(img, size);
        CHECK_EQ(validate(img, size, &bad), BOOTCOL_BAD_VERSION);
        CHECK_EQ(bad, -1);
    }
    free(img);
}

static void t_bad_checksum(void)
{
    size_t size;
    long bad;
    unsigned char *img = build_sample(&size);
    const struct bootcol_entry *blob_e = ent(img, 1);
    size_t spots[] = {
        blob_e->offset + 500,                               /* file data */
        size - 1,                                           /* last byte */
        offsetof(struct bootcol_entry, name) + sizeof(struct bootcol_header) + 2,
        sizeof(struct bootcol_header) + sizeof(struct bootcol_entry) - 1,
        offsetof(struct bootcol_header, checksum),          /* the field itself */
        sizeof(struct bootcol_header) - 1,
    };

    for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
        img[spots[i]] ^= 0x20;
        if (validate(img, size, &bad) != BOOTCOL_BAD_CHECKSUM || bad != -1)
            tap_fail(__FILE__, __LINE__, "byte %zu flipped: status %d, entry %ld",
                     spots[i], (int)validate(img, size, &bad), bad);
        img[spots[i]] ^= 0x20;
        CHECK_EQ(validate(img, size, &bad), BOOTCOL_OK);
    }
    /* Every single-bit flip in the data is caught. */
    for (size_t bit = 0; bit < 8 * blob_e->size; bit++) {
        img[blob_e->offset + bit / 8] ^= (unsigned char)(1u << (bit % 8));
        enum bootcol_status st = validate(img, size, &bad);
        img[blob_e->offset + bit / 8] ^= (unsigned char)(1u << (bit % 8));
        if (st != BOOTCOL_BAD_CHECKSUM) {
            tap_fail(__FILE__, __LINE__, "bit %zu of the data flipped: status %d", bit,
                     (int)st);
            break;
        }
    }
    free(img);
}

static void t_bad_table(void)
{
    size_t size;
    long bad;
    unsigned char *img = build_sample(&size);
    uint32_t fits = (uint32_t)((size - sizeof(struct bootcol_header)) /
                               sizeof(struct bootcol_entry));
    uint32_t counts[] = { BOOTCOL_MAX_FILES + 1, UINT32_MAX, 0x80000000u, fits + 1 };

    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        hdr(img)->count = counts[i];
        reseal(img, size);
        if (validate(img, size, &bad) != BOOTCOL_BAD_TABLE || bad != -1)
            tap_fail(__FILE__, __LINE__, "count %u: status %d, entry %ld", counts[i],
                     (int)validate(img, size, &bad), bad);
        /* Checked before the checksum, too. */
        hdr(img)->checksum ^= 1;
        CHECK_EQ(validate(img, size, &bad), BOOTCOL_BAD_TABLE);
    }
    free(img);

    /* The limit itself is allowed: 4096 entries... */
    size_t big = sizeof(struct bootcol_header) + BOOTCOL_MAX_FILES * sizeof(struct bootcol_entry);
    img = calloc(1, big);
    REQUIRE(img != NULL);
    hdr(img)->magic = BOOTCOL_MAGIC;
    hdr(img)->version = BOOTCOL_VERSION;
    hdr(img)->count = BOOTCOL_MAX_FILES;
    hdr(img)->total_size = big;
    for (size_t i = 0; i < BOOTCOL_MAX_FILES; i++) {
        snprintf(ent(img, i)->name, BOOTCOL_NAME_MAX, "f/%zu", i);
        ent(img, i)->offset = big;
    }
    reseal(img, big);
    CHECK_EQ(validate(img, big, &bad), BOOTCOL_OK);
    const struct bootcol_entry *e = bootcol_find(img, "f/4095");
    CHECK(e == ent(img, 4095));
    /* ...but not one more than the image holds. */
    hdr(img)->count = BOOTCOL_MAX_FILES + 1;
    reseal(img, big);
    CHECK_EQ(validate(img, big, &bad), BOOTCOL_BAD_TABLE);
    free(img);
}

/* Change entry idx of a fresh sample image with mutate(), reseal it, and
 * expect BOOTCOL_BAD_ENTRY naming idx (or OK when want_ok). */
static void expect_entry(int line, size_t idx, int want_ok, const char *what,
                         void (*mutate)(struct bootcol_entry *e, size_t size))
{
    size_t size;
    long bad;
    unsigned char *img = build_sample(&size);

    mutate(ent(img, idx), size);
    reseal(img, size);
    enum bootcol_status st = validate(img, size, &bad);
    if (want_ok ? st != BOOTCOL_OK || bad != -1
                : st != BOOTCOL_BAD_ENTRY || bad != (long)idx)
        tap_fail(__FILE__, line, "entry %zu %s: status %d (%s), entry %ld; want %s",
                 idx, what, (int)st, bootcol_status_text(st), bad,
                 want_ok ? "ok" : "bad entry");
    free(img);
}

static void off_past_end(struct bootcol_entry *e, size_t size) { e->offset = size + 1; e->size = 0; }
static void off_max(struct bootcol_entry *e, size_t size) { (void)size; e->offset = UINT64_MAX; }
static void off_at_end_empty(struct bootcol_entry *e, size_t size) { e->offset = size; e->size = 0; }
static void off_at_end_one(struct bootcol_entry *e, size_t size) { e->offset = size; e->size = 1; }
static void size_one_over(struct bootcol_entry *e, size_t size) { e->size = size - e->offset + 1; }
static void size_exact(struct bootcol_entry *e, size_t size) { e->size = size - e->offset; }
static void size_max(struct bootcol_entry *e, size_t size) { (void)size; e->size = UINT64_MAX; }
static void size_wraps(struct bootcol_entry *e, size_t size)
{
    (void)size;
    e->offset = 16;
    e->size = UINT64_MAX - 15;      /* offset + size wraps to 0 */
}
static void whole_image(struct bootcol_entry *e, size_t size) { e->offset = 0; e->size = size; }

static void t_bad_entry_bounds(void)
{
    for (size_t idx = 0; idx < 3; idx++) {
        expect_entry(__LINE__, idx, 0, "offset past the end", off_past_end);
        expect_entry(__LINE__, idx, 0, "offset UINT64_MAX", off_max);
        expect_entry(__LINE__, idx, 0, "one byte at the end", off_at_end_one);
        expect_entry(__LINE__, idx, 0, "size one too big", size_one_over);
        expect_entry(__LINE__, idx, 0, "size UINT64_MAX", size_max);
        expect_entry(__LINE__, idx, 0, "offset + size wrapping", size_wraps);
        /* Boundaries that are fine. */
        expect_entry(__LINE__, idx, 1, "empty at the end", off_at_end_empty);
        expect_entry(__LINE__, idx, 1, "up to the end", size_exact);
        expect_entry(__LINE__, idx, 1, "the whole image", whole_image);
    }

    /* With several bad entries, the first is named. */
    size_t size;
    long bad;
    unsigned char *img = build_sample(&size);
    size_max(ent(img, 2), size);
    off_max(ent(img, 1), size);
    reseal(img, size);
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_BAD_ENTRY);
    CHECK_EQ(bad, 1);
    free(img);
}

static void name_unterminated(struct bootcol_entry *e, size_t size)
{
    (void)size;
    memset(e->name, 'a', BOOTCOL_NAME_MAX);
}
static void name_empty(struct bootcol_entry *e, size_t size)
{
    (void)size;
    memset(e->name, 0, BOOTCOL_NAME_MAX);
}
static void name_empty_junk_after(struct bootcol_entry *e, size_t size)
{
    (void)size;
    memset(e->name, 'x', BOOTCOL_NAME_MAX);
    e->name[0] = '\0';
}
static void name_longest(struct bootcol_entry *e, size_t size)
{
    (void)size;
    memset(e->name, 'n', BOOTCOL_NAME_MAX - 1);
    e->name[BOOTCOL_NAME_MAX - 1] = '\0';
}

static void t_bad_entry_name(void)
{
    for (size_t idx = 0; idx < 3; idx++) {
        expect_entry(__LINE__, idx, 0, "name not NUL-terminated", name_unterminated);
        expect_entry(__LINE__, idx, 0, "empty name", name_empty);
        expect_entry(__LINE__, idx, 0, "empty name, junk after", name_empty_junk_after);
        expect_entry(__LINE__, idx, 1, "95-character name", name_longest);
    }

    /* The longest name can be found. */
    size_t size;
    long bad;
    char want[BOOTCOL_NAME_MAX];
    unsigned char *img = build_sample(&size);
    name_longest(ent(img, 1), size);
    reseal(img, size);
    REQUIRE_EQ(validate(img, size, &bad), BOOTCOL_OK);
    memset(want, 'n', sizeof(want) - 1);
    want[sizeof(want) - 1] = '\0';
    CHECK(bootcol_find(img, want) == ent(img, 1));
    free(img);
}

static void t_status_text(void)
{
    const char *seen[BOOTCOL_BAD_ENTRY + 1];

    CHECK(strcmp(bootcol_status_text(BOOTCOL_OK), "ok") == 0);
    for (int st = BOOTCOL_OK; st <= BOOTCOL_BAD_ENTRY; st++) {
        seen[st] = bootcol_status_text((enum bootcol_status)st);
        CHECK(seen[st] != NULL && seen[st][0] != '\0');
        CHECK(strcmp(seen[st], "unknown error") != 0);
        for (int j = 0; j < st; j++)
            CHECK(strcmp(seen[j], seen[st]) != 0);
    }
    CHECK(strcmp(bootcol_status_text((enum bootcol_status)99), "unknown error") == 0);
}

/* ---- the real mkbootcol ---- */

static const char *mkbootcol;
static char tmpdir[256];

static int make_tmpdir(void)
{
    const char *t = getenv("TMPDIR");

    if (tmpdir[0])
        return 1;
    snprintf(tmpdir, sizeof(tmpdir), "%s/unit-bootcol-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
        tap_note("mkdtemp %s: %s", tmpdir, strerror(errno));
        tmpdir[0] = '\0';
        return 0;
    }
    return 1;
}

static void cleanup_tmpdir(void)
{
    static const char *names[] = { "motd", "blob", "out.img", "empty.img", "long.img",
                                   "bad.img", "dir.img", "subdir" };
    char path[512];

    if (!tmpdir[0])
        return;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
        if (unlink(path) != 0)
            rmdir(path);        /* "subdir" */
    }
    if (rmdir(tmpdir) != 0)
        tap_note("could not remove %s: %s", tmpdir, strerror(errno));
}

static const char *tmp(const char *name)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];

    snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, name);
    return b;
}

static int write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");

    if (!f)
        return 0;
    int ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

static unsigned char *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *size = (size_t)n;
    }
    fclose(f);
    return buf;
}

/* Run mkbootcol with args (NULL-terminated); its exit status, or -1 if it
 * did not exit normally.  quiet sends its stderr to /dev/null. */
static int run_tool(int quiet, const char *const *args)
{
    const char *argv[16];
    size_t n = 0;
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status;

    argv[n++] = mkbootcol;
    while (*args && n < 15)
        argv[n++] = *args++;
    argv[n] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (quiet)
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int err = posix_spawn(&pid, mkbootcol, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        tap_note("spawn %s: %s", mkbootcol, strerror(err));
        return -1;
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define RUN(quiet, ...) run_tool(quiet, (const char *const[]){ __VA_ARGS__, NULL })

#define NEED_TOOL() do { \
        if (!mkbootcol) \
            TAP_SKIP("no mkbootcol path given"); \
        REQUIRE(make_tmpdir()); \
    } while (0)

static unsigned char bin[5000];

static void t_mkbootcol_roundtrip(void)
{
    static const char text[] = "hello from the host\n";
    size_t size;
    long bad;

    NEED_TOOL();
    for (size_t i = 0; i < sizeof(bin); i++)
        bin[i] = (unsigned char)((i * 2654435761u) >> 13);     /* NULs included */
    bin[0] = 0;
    REQUIRE(write_file(tmp("motd"), text, strlen(text)));
    REQUIRE(write_file(tmp("blob"), bin, sizeof(bin)));

    char a1[600], a2[600];
    snprintf(a1, sizeof(a1), "etc/motd=%s", tmp("motd"));
    snprintf(a2, sizeof(a2), "usr/lib/blob.bin=%s", tmp("blob"));
    REQUIRE_EQ(RUN(0, tmp("out.img"), a1, a2), 0);

    unsigned char *img = read_whole(tmp("out.img"), &size);
    REQUIRE(img != NULL);
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_OK);
    CHECK_EQ(bad, -1);
    CHECK_EQ(hdr(img)->magic, BOOTCOL_MAGIC);
    CHECK_EQ(hdr(img)->version, BOOTCOL_VERSION);
    CHECK_EQ(hdr(img)->count, 2);
    CHECK_EQ(hdr(img)->total_size, size);
    CHECK_EQ(hdr(img)->checksum, bootcol_checksum(img, size));

    /* Entries in command-line order, with the files' contents. */
    CHECK(strcmp(ent(img, 0)->name, "etc/motd") == 0);
    CHECK(strcmp(ent(img, 1)->name, "usr/lib/blob.bin") == 0);
    const struct bootcol_entry *e = bootcol_find(img, "etc/motd");
    REQUIRE(e != NULL);
    CHECK_EQ(e->size, strlen(text));
    CHECK(e->offset >= sizeof(struct bootcol_header) + 2 * sizeof(struct bootcol_entry));
    CHECK(memcmp(img + e->offset, text, strlen(text)) == 0);
    e = bootcol_find(img, "usr/lib/blob.bin");
    REQUIRE(e != NULL);
    CHECK_EQ(e->size, sizeof(bin));
    CHECK(e->offset >= sizeof(struct bootcol_header) + 2 * sizeof(struct bootcol_entry));
    CHECK(e->offset + e->size <= size);
    CHECK(memcmp(img + e->offset, bin, sizeof(bin)) == 0);
    CHECK(bootcol_find(img, "etc/motd=") == NULL);

    /* A corrupt copy of the tool's output is caught. */
    img[size - 1] ^= 0xff;
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_BAD_CHECKSUM);
    free(img);
}

static void t_mkbootcol_no_files(void)
{
    size_t size;
    long bad;

    NEED_TOOL();
    REQUIRE_EQ(RUN(0, tmp("empty.img")), 0);
    unsigned char *img = read_whole(tmp("empty.img"), &size);
    REQUIRE(img != NULL);
    CHECK_EQ(size, sizeof(struct bootcol_header));
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_OK);
    CHECK_EQ(hdr(img)->count, 0);
    free(img);
}

static void t_mkbootcol_name_length(void)
{
    char arg[BOOTCOL_NAME_MAX + 600], name[BOOTCOL_NAME_MAX + 1];
    size_t size;
    long bad;

    NEED_TOOL();
    REQUIRE(write_file(tmp("motd"), "x", 1));
    /* 95 characters: the longest that fits with its NUL. */
    memset(name, 'n', BOOTCOL_NAME_MAX - 1);
    name[BOOTCOL_NAME_MAX - 1] = '\0';
    snprintf(arg, sizeof(arg), "%s=%s", name, tmp("motd"));
    REQUIRE_EQ(RUN(0, tmp("long.img"), arg), 0);
    unsigned char *img = read_whole(tmp("long.img"), &size);
    REQUIRE(img != NULL);
    CHECK_EQ(validate(img, size, &bad), BOOTCOL_OK);
    CHECK(bootcol_find(img, name) != NULL);
    free(img);

    /* 96 characters: refused as a usage error. */
    memset(name, 'n', BOOTCOL_NAME_MAX);
    name[BOOTCOL_NAME_MAX] = '\0';
    snprintf(arg, sizeof(arg), "%s=%s", name, tmp("motd"));
    CHECK_EQ(RUN(1, tmp("bad.img"), arg), 2);
}

static void t_mkbootcol_bad_arguments(void)
{
    char good[600];

    NEED_TOOL();
    REQUIRE(write_file(tmp("motd"), "x", 1));
    snprintf(good, sizeof(good), "etc/motd=%s", tmp("motd"));
    CHECK_EQ(RUN(1, tmp("bad.img"), "noequals"), 2);
    CHECK_EQ(RUN(1, tmp("bad.img"), good, "noequals"), 2);
    CHECK_EQ(RUN(1, tmp("bad.img"), "=nofile"), 2);
    CHECK_EQ(run_tool(1, (const char *const[]){ NULL }), 2);       /* no OUTPUT */
}

/* Two files under one name: the guest could only ever find the first. */
static void t_mkbootcol_duplicate_name(void)
{
    char a[600], b[600];

    NEED_TOOL();
    REQUIRE(write_file(tmp("one"), "1", 1));
    REQUIRE(write_file(tmp("two"), "2", 1));
    snprintf(a, sizeof(a), "etc/motd=%s", tmp("one"));
    snprintf(b, sizeof(b), "etc/motd=%s", tmp("two"));
    CHECK_EQ(RUN(1, tmp("dup.img"), a, b), 2);
    CHECK(access(tmp("dup.img"), F_OK) != 0);   /* no image written */
    snprintf(b, sizeof(b), "etc/other=%s", tmp("two"));
    CHECK_EQ(RUN(1, tmp("dup.img"), a, b), 0);
}

static void t_mkbootcol_missing_input(void)
{
    char arg[600];

    NEED_TOOL();
    snprintf(arg, sizeof(arg), "etc/motd=%s", tmp("does-not-exist"));
    int st = RUN(1, tmp("bad.img"), arg);
    CHECK(st != 0);
    CHECK(st != -1);        /* an exit status, not a crash */
}

/* An input that opens but cannot be read (a directory) is an error too,
 * not an empty file. */
static void t_mkbootcol_unreadable_input(void)
{
    char arg[600];

    NEED_TOOL();
    REQUIRE(mkdir(tmp("subdir"), 0700) == 0 || errno == EEXIST);
    snprintf(arg, sizeof(arg), "etc/motd=%s", tmp("subdir"));
    int st = RUN(1, tmp("dir.img"), arg);
    CHECK(st != 0);
    CHECK(st != -1);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_checksum_is_fnv1a),
    TAP_CASE(t_valid_image),
    TAP_CASE(t_empty_collection),
    TAP_CASE(t_too_small),
    TAP_CASE(t_truncated),
    TAP_CASE(t_bad_magic),
    TAP_CASE(t_bad_version),
    TAP_CASE(t_bad_checksum),
    TAP_CASE(t_bad_table),
    TAP_CASE(t_bad_entry_bounds),
    TAP_CASE(t_bad_entry_name),
    TAP_CASE(t_status_text),
    TAP_CASE(t_mkbootcol_roundtrip),
    TAP_CASE(t_mkbootcol_no_files),
    TAP_CASE(t_mkbootcol_name_length),
    TAP_CASE(t_mkbootcol_bad_arguments),
    TAP_CASE(t_mkbootcol_duplicate_name),
    TAP_CASE(t_mkbootcol_missing_input),
    TAP_CASE(t_mkbootcol_unreadable_input),
};

int main(int argc, char **argv)
{
    if (argc > 1)
        mkbootcol = argv[1];
    int rc = tap_run(cases, TAP_COUNT(cases));
    cleanup_tmpdir();
    return rc;
}
