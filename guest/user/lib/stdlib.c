/* exit, malloc and friends, number parsing, time. */
#include "libc.h"
#include "mach.h"

#include "kern/heap.h"

#include "internal.h"

void exit(int status)
{
    stdout_flush_exiting();
    for (;;)
        syscall6(SYS_task_exit, status, 0, 0, 0, 0, 0);
}

void abort(void)
{
    static const char msg[] = "abort() called";

    stdout_flush_exiting();
    sys_log(msg, sizeof(msg) - 1);
    for (;;)
        __asm__ volatile("ud2");
}

/* The heap: kern/heap.c's first-fit allocator over vm_allocate'd chunks. */
static ulock_t heap_lock;
static struct heap heap;
static bool heap_ready;

static void *heap_grow(void *ctx, size_t want, size_t *got)
{
    (void)ctx;
    if (want > ((size_t)1 << 40))
        return NULL;
    uint64_t size = ((uint64_t)want + 0xfff) & ~0xfffULL;
    uint64_t addr = 0;
    if (vm_allocate(&addr, size, VM_PROT_READ | VM_PROT_WRITE) != KERN_SUCCESS)
        return NULL;
    *got = size;
    return (void *)(uintptr_t)addr;
}

void *malloc(size_t size)
{
    ulock_take(&heap_lock);
    if (!heap_ready) {
        heap_init(&heap, heap_grow, NULL);
        heap_ready = true;
    }
    void *p = heap_alloc(&heap, size ? size : 1);
    ulock_drop(&heap_lock);
    return p;
}

void free(void *ptr)
{
    if (!ptr)
        return;
    ulock_take(&heap_lock);
    kern_return_t kr = heap_ready ? heap_free(&heap, ptr) : KERN_INVALID_ADDRESS;
    ulock_drop(&heap_lock);
    if (kr != KERN_SUCCESS) {
        printf("free: %p was not returned by malloc (or freed twice)\n", ptr);
        abort();
    }
}

void *calloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        return NULL;
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *realloc(void *ptr, size_t size)
{
    if (!ptr)
        return malloc(size);
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    size_t old = heap_usable_size(ptr);
    if (old == 0) {
        printf("realloc: %p was not returned by malloc\n", ptr);
        abort();
    }
    if (size <= old)
        return ptr;
    void *p = malloc(size);
    if (p) {
        memcpy(p, ptr, old);
        free(ptr);
    }
    return p;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/* Shared by strtoul and strtol: the magnitude, *neg, and whether it
 * overflowed an unsigned long. */
static unsigned long parse(const char *s, char **end, int base, bool *neg,
                           bool *overflow)
{
    const char *p = s;
    unsigned long v = 0;
    bool any = false;

    *neg = false;
    *overflow = false;
    if (base < 0 || base == 1 || base > 36) {
        if (end)
            *end = (char *)s;
        return 0;
    }
    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    if (*p == '-' || *p == '+')
        *neg = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        digit_value(p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    for (;; p++) {
        int d = digit_value(*p);
        if (d >= base)
            break;
        any = true;
        if (v > ((unsigned long)-1 - (unsigned long)d) / (unsigned long)base)
            *overflow = true;
        else
            v = v * (unsigned long)base + (unsigned long)d;
    }
    if (end)
        *end = (char *)(any ? p : s);
    return v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    bool neg, overflow;
    unsigned long v = parse(s, end, base, &neg, &overflow);

    if (overflow)
        return (unsigned long)-1;
    return neg ? (unsigned long)0 - v : v;
}

long strtol(const char *s, char **end, int base)
{
    bool neg, overflow;
    unsigned long v = parse(s, end, base, &neg, &overflow);
    const unsigned long max = (unsigned long)-1 >> 1;

    if (neg)
        return overflow || v > max + 1 ? -(long)max - 1 : (long)(0 - v);
    return overflow || v > max ? (long)max : (long)v;
}

int atoi(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return ((uint64_t)hi << 32) | lo;
}

uint64_t uptime_ms(void)
{
    struct clock_info ci;

    return clock_info(&ci) == KERN_SUCCESS ? ci.uptime_ms : 0;
}
