/* Local APIC timer, calibrated against the PIT; the 8259 PICs are masked. */
#include <stdint.h>

#include "arch/trap.h"
#include "arch/x86.h"
#include "kern/console.h"
#include "kern/kernel.h"
#include "kern/sched.h"

#define LAPIC_BASE_MSR   0x1b
#define LAPIC_EOI        0x0b0
#define LAPIC_SVR        0x0f0
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define LVT_MASKED       (1u << 16)
#define LVT_PERIODIC     (1u << 17)

#define PIT_HZ           1193182
#define CALIBRATE_MS     10

static volatile uint32_t *lapic;
static volatile uint64_t ticks;
static uint32_t lapic_per_tick;
uint64_t tsc_hz;

static uint32_t lapic_read(unsigned reg) { return lapic[reg / 4]; }
static void lapic_write(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

static void timer_irq(struct trap_frame *tf)
{
    ticks++;
    lapic_write(LAPIC_EOI, 0);
    sched_tick(tf);
}

uint64_t timer_ticks(void)
{
    return ticks;
}

/* Count LAPIC ticks over CALIBRATE_MS using PIT channel 2 (polled). */
static uint32_t calibrate(void)
{
    uint16_t pit = PIT_HZ * CALIBRATE_MS / 1000;

    outb(0x61, (inb(0x61) & ~0x02) | 0x01);  /* gate on, speaker off */
    outb(0x43, 0xb0);                        /* ch2, lo/hi, mode 0 */
    outb(0x42, pit & 0xff);
    outb(0x42, pit >> 8);
    lapic_write(LAPIC_TIMER_DIV, 0x3);       /* divide by 16 */
    lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
    uint64_t tsc0 = rdtsc();
    /* Bounded: if the PIT never fires we still return a usable guess. */
    for (uint32_t i = 0; i < 100000000 && !(inb(0x61) & 0x20); i++)
        pause();
    uint32_t elapsed = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
    tsc_hz = (rdtsc() - tsc0) * (1000 / CALIBRATE_MS);
    lapic_write(LAPIC_TIMER_INIT, 0);
    return elapsed ? elapsed : 1000000;
}

void timer_init(void)
{
    /* Mask both 8259s; every interrupt comes through the LAPIC. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    uint64_t base = rdmsr(LAPIC_BASE_MSR);
    wrmsr(LAPIC_BASE_MSR, base | (1 << 11));
    lapic = phys_to_virt(base & 0xfffff000);
    lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);

    uint32_t per_10ms = calibrate();
    lapic_per_tick = per_10ms * (1000 / HZ) / CALIBRATE_MS;
    trap_set_handler(VEC_TIMER, timer_irq);
    lapic_write(LAPIC_TIMER_DIV, 0x3);
    lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, lapic_per_tick);
    kprintf("timer: LAPIC timer at %u Hz (%u bus ticks/16 per tick)\n", HZ,
            lapic_per_tick);
}
