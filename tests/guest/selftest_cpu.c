/* In-guest tests: interrupts, timer, symbols, formatting, control-channel
 * parsing, the boot collection. */
#include <format.h>
#include <string.h>

#include "arch/trap.h"
#include "arch/x86.h"
#include "boot/collection.h"
#include "kern/json.h"
#include "kern/kernel.h"
#include "kern/ksyms.h"
#include "kern/selftest.h"

void kmain(uint32_t start_info_phys);

static volatile int breakpoints;

static void on_breakpoint(struct trap_frame *tf)
{
    (void)tf;
    breakpoints++;
}

SELFTEST(trap_int3, "cpu.breakpoint_handled_and_resumed")
{
    breakpoints = 0;
    trap_set_handler(VEC_BREAKPOINT, on_breakpoint);
    __asm__ volatile("int3");
    __asm__ volatile("int3");
    trap_set_handler(VEC_BREAKPOINT, NULL);
    ST_CHECK_EQ(breakpoints, 2);
}

SELFTEST(timer_ticks, "cpu.timer_ticks")
{
    uint64_t start = timer_ticks();

    ST_CHECK(read_rflags() & (1 << 9));        /* interrupts on */
    /* At most 100 halts; each wakes on an interrupt. */
    for (int i = 0; i < 100 && timer_ticks() < start + 3; i++)
        hlt();
    ST_CHECK(timer_ticks() >= start + 3);
}

SELFTEST(ksyms, "cpu.symbols_resolve")
{
    uint64_t off = 1;
    const char *name = ksyms_lookup((uint64_t)kmain, &off);

    ST_CHECK(name != NULL);
    ST_CHECK(strcmp(name, "kmain") == 0);
    ST_CHECK_EQ(off, 0);
    name = ksyms_lookup((uint64_t)kmain + 5, &off);
    ST_CHECK(name && strcmp(name, "kmain") == 0);
    ST_CHECK_EQ(off, 5);
    ST_CHECK(ksyms_lookup(0x1234, &off) == NULL);
}

SELFTEST(format, "libc.snprintf")
{
    char buf[64];

    snprintf(buf, sizeof(buf), "%d|%5u|%-4x|%08lx|%s|%c|%%", -42, 7u, 0xabu,
             0x1234UL, "str", 'z');
    ST_CHECK(strcmp(buf, "-42|    7|ab  |00001234|str|z|%") == 0);
    ST_CHECK_EQ(snprintf(buf, 4, "%s", "truncated"), 9);
    ST_CHECK(strcmp(buf, "tru") == 0);
    snprintf(buf, sizeof(buf), "%ld %lu %.3s", -9223372036854775807L - 1,
             18446744073709551615UL, "abcdef");
    ST_CHECK(strcmp(buf, "-9223372036854775808 18446744073709551615 abc") == 0);
}

SELFTEST(json, "control.json_commands")
{
    char s[16];
    int64_t n = 0;

    ST_CHECK(json_valid_object("{\"cmd\":\"ping\",\"id\":3}"));
    ST_CHECK_EQ(json_get("{\"cmd\":\"ping\",\"id\":3}", "id", NULL, 0, &n), JSON_NUMBER);
    ST_CHECK_EQ(n, 3);
    ST_CHECK_EQ(json_get(" { \"a\" : [1,{\"b\":2}], \"cmd\" : \"x\\\"y\" } ", "cmd",
                         s, sizeof(s), NULL), JSON_STRING);
    ST_CHECK(strcmp(s, "x\"y") == 0);
    ST_CHECK(!json_valid_object("{\"cmd\":\"ping\""));
    ST_CHECK(!json_valid_object("{\"cmd\":ping}"));
    ST_CHECK(!json_valid_object("{\"cmd\":\"ping\"} trailing"));
    ST_CHECK(!json_valid_object("[[[[[[[[[[[[1]]]]]]]]]]]]"));
    ST_CHECK(!json_valid_object("{\"a\":[[[[[[[[[[[[1]]]]]]]]]]]]}"));
    /* A string too long for the caller's buffer is refused, not cut. */
    ST_CHECK_EQ(json_get("{\"cmd\":\"0123456789abcdefXYZ\"}", "cmd", s, sizeof(s),
                         NULL), JSON_NONE);
}

SELFTEST(bootcol, "boot.collection_valid")
{
    long bad;

    ST_CHECK(boot_collection != NULL);
    ST_CHECK_EQ(bootcol_validate(boot_collection, boot_collection_size, &bad),
                BOOTCOL_OK);
    const struct bootcol_entry *e = bootcol_find(boot_collection, "etc/motd");
    ST_CHECK(e != NULL);
    ST_CHECK(e->size > 0);
    ST_CHECK(bootcol_find(boot_collection, "no/such/file") == NULL);
}
