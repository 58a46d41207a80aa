/* In-guest tests of tasks: spawn/kill cycles leak nothing, a faulting task
 * ends alone, bad executables are refused. */
#include <string.h>

#include "boot/collection.h"
#include "kern/ipc.h"
#include "kern/kernel.h"
#include "kern/sched.h"
#include "kern/selftest.h"
#include "kern/syscall.h"
#include "kern/task.h"
#include "kern/vm.h"

#define CYCLES 1000
#define WARMUP 30

static bool bootcol_present(const char *path)
{
    return boot_collection && bootcol_find(boot_collection, path);
}

/* Spawn path with args (NUL-separated, ending in NUL). */
static struct task *spawn(const char *args, size_t len)
{
    struct task *t = NULL;
    const char *why;

    if (task_spawn(args, args, len, NULL, 0, 0, 0, &t, &why) != KERN_SUCCESS)
        return NULL;
    return t;
}

/* Wait (bounded) until pid is fully reclaimed; false on timeout. */
static bool wait_gone(uint32_t pid, uint64_t ms)
{
    uint64_t deadline = timer_ticks() + ms * HZ / 1000;

    while (task_find(pid)) {
        if (timer_ticks() >= deadline)
            return false;
        thread_sleep_ms(1);
    }
    return true;
}

SELFTEST(spawn_kill_leak, "task.spawn_kill_1000_no_leak")
{
    static const char busy[] = "bin/spin\0busy";
    static const char sleep[] = "bin/spin\0sleep";
    static const char threads[] = "bin/spin\0threads\0003";
    struct kernel_stats before, after;
    uint64_t heap_before = 0;

    ST_CHECK(bootcol_present("bin/spin"));
    /* Settle first: earlier tests' tasks may still be being reaped, and
     * the kernel heap keeps the pages it grew by; a warm-up round brings
     * it to its working size, so any page missing afterwards is a leak. */
    thread_sleep_ms(20);
    for (int i = -WARMUP; i < CYCLES; i++) {
        if (i == 0) {
            kernel_stats_fill(&before);
            heap_before = heap_pages;
        }
        int k = (i + WARMUP) % 3;
        const char *a = k == 0 ? busy : k == 1 ? sleep : threads;
        size_t len = k == 0 ? sizeof(busy) : k == 1 ? sizeof(sleep) : sizeof(threads);
        struct task *tk = spawn(a, len);
        ST_CHECK(tk != NULL);
        uint32_t pid = tk->pid;
        /* Let it run a little every few cycles, so kills hit running,
         * sleeping and multi-threaded tasks alike. */
        if ((i + WARMUP) % 4 == 0)
            thread_sleep_ms(1);
        task_terminate(tk, TASK_EXIT_KILLED, -1);
        ST_CHECK(wait_gone(pid, 5000));
    }
    thread_sleep_ms(5);
    kernel_stats_fill(&after);
    ST_CHECK_EQ(after.tasks, before.tasks);
    ST_CHECK_EQ(after.threads, before.threads);
    ST_CHECK_EQ(after.ports, before.ports);
    ST_CHECK_EQ(after.port_sets, before.port_sets);
    ST_CHECK_EQ(after.messages, before.messages);
    ST_CHECK_EQ(after.vm_objects, before.vm_objects);
    ST_CHECK_EQ(after.heap_allocations, before.heap_allocations);
    /* Pages the heap took for itself are not a leak: it keeps them for
     * reuse (and heap_allocations above shows nothing is held). */
    ST_CHECK_EQ(after.free_pages + (heap_pages - heap_before), before.free_pages);
    ST_CHECK(heap_pages - heap_before <= 64);
}

SELFTEST(fault_isolated, "task.user_fault_ends_only_that_task")
{
    static const char crash[] = "bin/crash\0null";
    uint64_t faults = user_fault_count;

    ST_CHECK(bootcol_present("bin/crash"));
    struct task *tk = spawn(crash, sizeof(crash));
    ST_CHECK(tk != NULL);
    uint32_t pid = tk->pid;
    ST_CHECK(wait_gone(pid, 5000));
    struct task_exit_record rec;
    ST_CHECK(task_exit_lookup(pid, &rec));
    ST_CHECK_EQ(rec.reason, TASK_EXIT_FAULT);
    ST_CHECK_EQ(rec.fault_vector, 14);
    ST_CHECK_EQ(rec.fault_address, 0);
    ST_CHECK_EQ(user_fault_count, faults + 1);
}

SELFTEST(bad_elf, "task.bad_executables_refused")
{
    struct task *tk;
    const char *why;

    /* The motd is text, not an ELF executable. */
    ST_CHECK_EQ(task_spawn("etc/motd", "etc/motd", 9, NULL, 0, 0, 0, &tk, &why),
                KERN_INVALID_ARGUMENT);
    ST_CHECK(strcmp(why, "not an ELF file") == 0);
    ST_CHECK_EQ(task_spawn("bin/nonexistent", "x", 2, NULL, 0, 0, 0, &tk, &why),
                KERN_NOT_FOUND);
    /* Arguments must be NUL-terminated. */
    ST_CHECK_EQ(task_spawn("bin/spin", "bin/spin", 8, NULL, 0, 0, 0, &tk, &why),
                KERN_INVALID_ARGUMENT);
}

SELFTEST(user_copy, "vm.copyin_checks_every_pointer")
{
    struct vm_map *map = vm_map_create();
    char buf[16];
    uint64_t addr = 0;

    ST_CHECK(map != NULL);
    ST_CHECK_EQ(copyin(map, 0x1000, buf, 4), KERN_INVALID_ADDRESS);
    ST_CHECK_EQ(copyin(map, 0xffff800000000000ULL, buf, 4), KERN_INVALID_ADDRESS);
    ST_CHECK_EQ(copyin(map, USER_SPACE_TOP - 2, buf, 4), KERN_INVALID_ADDRESS);
    struct vm_object *o = vm_object_create_anon(3 * PAGE_SIZE);
    ST_CHECK(o != NULL);
    ST_CHECK_EQ(vm_map_enter(map, &addr, 3 * PAGE_SIZE, VM_PROT_READ, o, 0),
                KERN_SUCCESS);
    vm_object_release(o);
    /* Readable (demand zero), not writable. */
    memset(buf, 0xaa, sizeof(buf));
    ST_CHECK_EQ(copyin(map, addr + PAGE_SIZE - 8, buf, 16), KERN_SUCCESS);
    ST_CHECK_EQ(buf[0], 0);
    ST_CHECK_EQ(buf[15], 0);
    ST_CHECK_EQ(copyout(map, buf, addr, 4), KERN_INVALID_ADDRESS);
    /* Straddling the end of the mapping. */
    ST_CHECK_EQ(copyin(map, addr + 3 * PAGE_SIZE - 4, buf, 8), KERN_INVALID_ADDRESS);
    /* Removing part of a mapping is refused; the whole works once. */
    ST_CHECK_EQ(vm_map_remove(map, addr, PAGE_SIZE), KERN_INVALID_ARGUMENT);
    ST_CHECK_EQ(vm_map_remove(map, addr, 3 * PAGE_SIZE), KERN_SUCCESS);
    ST_CHECK_EQ(vm_map_remove(map, addr, 3 * PAGE_SIZE), KERN_INVALID_ADDRESS);
    vm_map_destroy(map);
}

SELFTEST(anon_cap, "vm.sparse_objects_capped")
{
    struct vm_object *objs[64];
    int n = 0;
    size_t allocs = kernel_heap.allocations;

    /* 256 MiB objects cost 512 KiB of page array each: the kernel stops
     * handing them out at 4x RAM, long before its heap runs dry. */
    while (n < 64 && (objs[n] = vm_object_create_anon(256ULL << 20)))
        n++;
    ST_CHECK(n >= 1);
    ST_CHECK(n < 64);
    void *probe = kmalloc(4096);
    ST_CHECK(probe != NULL);
    kfree(probe);
    while (n)
        vm_object_release(objs[--n]);
    ST_CHECK_EQ(kernel_heap.allocations, allocs);
    /* And the budget comes back. */
    struct vm_object *o = vm_object_create_anon(256ULL << 20);
    ST_CHECK(o != NULL);
    vm_object_release(o);
}
