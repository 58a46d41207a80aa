/* Virtual memory: demand-zero allocation, argument checks, read-only
 * mappings, shared memory objects, physical (MMIO) mappings. */
#include "ut.h"

UT_TEST(vm_allocate_zero, "vm.allocate")
{
    const uint64_t size = 1u << 20;
    uint64_t a, b;
    uint64_t bits = 0;

    TRY(ut_vm_alloc(t, &a, size, VM_PROT_READ | VM_PROT_WRITE));
    CHECK(a >= USER_HEAP_BASE && a + size <= USER_SPACE_TOP);
    volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)a;
    for (uint64_t i = 0; i < size / 8; i++)
        bits |= w[i];
    CHECK_EQ(bits, 0);
    for (uint64_t pg = 0; pg < size / PAGE; pg++)
        w[pg * 512 + pg % 512] = pg ^ 0xfeedface00000000ULL;
    for (uint64_t pg = 0; pg < size / PAGE; pg++)
        CHECK_EQ(w[pg * 512 + pg % 512], pg ^ 0xfeedface00000000ULL);
    /* A second allocation does not overlap the first. */
    TRY(ut_vm_alloc(t, &b, PAGE, VM_PROT_READ | VM_PROT_WRITE));
    CHECK(b + PAGE <= a || b >= a + size);

    TRY(ut_vm_free(t, a, size));
    CHECK_FAILS(vm_deallocate(a, size));
    CHECK(ut_probe_write(a) != KERN_SUCCESS);
    TRY(ut_vm_free(t, b, PAGE));
}

UT_TEST(vm_demand_zero, "vm.demand_zero")
{
    const uint64_t pages = 256;
    struct kernel_stats ks0, ks1, ks2;
    struct task_info self1, self2;
    uint64_t a;

    TRY(ut_stats(t, &ks0));
    TRY(ut_vm_alloc(t, &a, pages * PAGE, VM_PROT_READ | VM_PROT_WRITE));
    TRY(ut_stats(t, &ks1));
    TRY(ut_self(t, &self1));
    /* Mapped, but nothing is allocated until touched. */
    CHECK_RANGE((int64_t)(ks0.free_pages - ks1.free_pages), -8, 8);
    for (uint64_t i = 0; i < 10; i++)
        ((volatile uint8_t *)(uintptr_t)a)[i * 25 * PAGE + 7] = 1;
    TRY(ut_stats(t, &ks2));
    TRY(ut_self(t, &self2));
    /* Ten pages, give or take page tables and kernel heap. */
    int64_t used = (int64_t)(ks1.free_pages - ks2.free_pages);
    int64_t resident = (int64_t)(self2.resident_pages - self1.resident_pages);
    CHECK_RANGE(used, 10, 10 + 8);
    CHECK_RANGE(resident, 10, 10 + 8);
    TRY(ut_vm_free(t, a, pages * PAGE));
    TRY(ut_stats_settle(t, &ks0, 8));
}

UT_TEST(vm_bad_args, "vm.bad_args")
{
    struct kernel_stats base;
    uint64_t a, x = 0;

    TRY(ut_vm_alloc(t, &a, 2 * PAGE, VM_PROT_READ | VM_PROT_WRITE));
    ut_fill((void *)(uintptr_t)a, 2 * PAGE, 300);
    TRY(ut_stats(t, &base));

    CHECK_FAILS(vm_allocate(&x, 0, VM_PROT_READ | VM_PROT_WRITE));
    CHECK_FAILS(vm_allocate(&x, 1ULL << 46, VM_PROT_READ | VM_PROT_WRITE));
    CHECK_FAILS(vm_allocate(&x, PAGE, 0x80));
    CHECK_KR(syscall6(SYS_vm_allocate, (long)UT_KERNEL_ADDR, PAGE,
                      VM_PROT_READ | VM_PROT_WRITE, 0, 0, 0), KERN_INVALID_ADDRESS);
    CHECK_KR(syscall6(SYS_vm_allocate, (long)UT_UNMAPPED_ADDR, PAGE,
                      VM_PROT_READ | VM_PROT_WRITE, 0, 0, 0), KERN_INVALID_ADDRESS);

    /* Only whole mappings go, and a refused unmap leaves them intact. */
    CHECK_FAILS(vm_deallocate(UT_KERNEL_ADDR, PAGE));
    CHECK_FAILS(vm_deallocate(UT_UNMAPPED_ADDR, PAGE));
    CHECK_FAILS(vm_deallocate(a + 100, PAGE));
    CHECK_FAILS(vm_deallocate(a, PAGE));
    CHECK_FAILS(vm_deallocate(a + PAGE, PAGE));
    CHECK_KR(ut_probe_write(a + PAGE - 16), KERN_SUCCESS);
    CHECK_KR(ut_probe_write(a + 2 * PAGE - 16), KERN_SUCCESS);
    CHECK(ut_check_fill((void *)(uintptr_t)a, PAGE - 16, 300));
    /* None of it left anything behind. */
    TRY(ut_stats_settle(t, &base, 4));
    TRY(ut_vm_free(t, a, 2 * PAGE));
}

UT_TEST(vm_read_only, "vm.read_only")
{
    uint64_t ro;

    TRY(ut_vm_alloc(t, &ro, PAGE, VM_PROT_READ));
    CHECK_EQ(*(volatile uint64_t *)(uintptr_t)ro, 0);
    /* The kernel will not write there for us either. */
    CHECK_KR2(ut_probe_write(ro), KERN_PROTECTION_FAILURE, KERN_INVALID_ADDRESS);
    CHECK_EQ(*(volatile uint64_t *)(uintptr_t)ro, 0);
    TRY(ut_vm_free(t, ro, PAGE));
}

UT_TEST(vm_shared_object, "vm.shared_object")
{
    struct kernel_stats base;
    mach_port_name_t obj, p, stale;
    uint64_t a, b, x = 0;

    TRY(ut_stats(t, &base));
    CHECK_KR(memory_object_create(2 * PAGE, &obj), KERN_SUCCESS);
    ut_track_name(obj);
    CHECK_TYPE(obj, MACH_PORT_TYPE_SEND, 1);
    CHECK_KR(vm_map(obj, 2 * PAGE, VM_PROT_READ | VM_PROT_WRITE, &a), KERN_SUCCESS);
    ut_track_vm(a, 2 * PAGE);
    CHECK_KR(vm_map(obj, 2 * PAGE, VM_PROT_READ | VM_PROT_WRITE, &b), KERN_SUCCESS);
    ut_track_vm(b, 2 * PAGE);
    CHECK(a != b);

    /* One memory, two addresses: each sees the other's writes. */
    ut_fill((void *)(uintptr_t)a, PAGE, 310);
    CHECK(ut_check_fill((void *)(uintptr_t)b, PAGE, 310));
    ut_fill((void *)(uintptr_t)(b + PAGE), PAGE, 311);
    CHECK(ut_check_fill((void *)(uintptr_t)(a + PAGE), PAGE, 311));

    /* Bad maps: too big for the object, empty, not a memory object. */
    TRY(ut_port_send(t, &p));
    TRY(ut_stale_name(t, &stale));
    CHECK_FAILS(vm_map(obj, 3 * PAGE, VM_PROT_READ | VM_PROT_WRITE, &x));
    CHECK_FAILS(vm_map(obj, 0, VM_PROT_READ | VM_PROT_WRITE, &x));
    CHECK_FAILS(vm_map(p, PAGE, VM_PROT_READ | VM_PROT_WRITE, &x));
    CHECK_FAILS(vm_map(stale, PAGE, VM_PROT_READ | VM_PROT_WRITE, &x));
    CHECK_FAILS(vm_map(task_self_port, PAGE, VM_PROT_READ | VM_PROT_WRITE, &x));
    /* Its port is a capability, not a mailbox. */
    CHECK_KR(ut_send(obj, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0), MACH_SEND_INVALID_DEST);

    /* The memory outlives the name, and one mapping outlives the other. */
    CHECK_KR(mach_port_deallocate(obj), KERN_SUCCESS);
    CHECK_GONE(obj);
    TRY(ut_vm_free(t, a, 2 * PAGE));
    CHECK(ut_check_fill((void *)(uintptr_t)b, PAGE, 310));
    CHECK(ut_check_fill((void *)(uintptr_t)(b + PAGE), PAGE, 311));
    TRY(ut_vm_free(t, b, 2 * PAGE));
    TRY(ut_port_destroy(t, p));
    /* Then it is freed. */
    TRY(ut_stats_settle(t, &base, 8));
}

UT_TEST(vm_physical_lapic, "vm.physical.lapic")
{
    uint64_t a, x = 0;

    CHECK_KR(vm_map_physical(0xfee00000ULL, PAGE, VM_CACHE_UC, &a), KERN_SUCCESS);
    ut_track_vm(a, PAGE);
    CHECK(a >= USER_SPACE_BASE && a < USER_SPACE_TOP && (a & (PAGE - 1)) == 0);
    /* The local APIC's version register: 0x10..0x15 in its low byte. */
    uint32_t version = *(volatile uint32_t *)(uintptr_t)(a + 0x30);
    CHECK(version != 0 && version != 0xffffffffu);
    CHECK((version & 0xff) >= 0x10 && (version & 0xff) <= 0x15);
    TRY(ut_vm_free(t, a, PAGE));

    /* Not a page boundary, nothing, a cache mode nobody defined, bad out. */
    CHECK_FAILS(vm_map_physical(0xfee00010ULL, PAGE, VM_CACHE_UC, &x));
    CHECK_FAILS(vm_map_physical(0xfee00000ULL, 0, VM_CACHE_UC, &x));
    CHECK_FAILS(vm_map_physical(0xfee00000ULL, PAGE, 99, &x));
    CHECK_KR(syscall6(SYS_vm_map_physical, 0xfee00000L, PAGE, VM_CACHE_UC,
                      (long)UT_KERNEL_ADDR, 0, 0), KERN_INVALID_ADDRESS);
}

UT_TEST(vm_physical_ram_refused, "vm.physical.ram_refused")
{
    uint64_t x = 0;

    /* RAM the kernel hands out (and its own image) is never mappable. */
    CHECK_FAILS(vm_map_physical(0x100000ULL, PAGE, VM_CACHE_UC, &x));
    CHECK_FAILS(vm_map_physical(0x200000ULL, 16 * PAGE, VM_CACHE_WB, &x));
    /* Nor is a range that only ends in RAM. */
    CHECK_FAILS(vm_map_physical(0xff000ULL, 2 * PAGE, VM_CACHE_UC, &x));
}
