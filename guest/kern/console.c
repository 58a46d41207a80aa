/* 16550 UART driver (polled) and the console printf. */
#include <format.h>
#include <stdarg.h>

#include "arch/x86.h"
#include "kern/console.h"
#include "kern/kernel.h"
#include "kern/sched.h"
#include "kern/task.h"
#include "kern/vm.h"

#define UART_DATA 0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20

void uart_init(uint16_t port)
{
    outb(port + UART_IER, 0x00);    /* polled: no interrupts */
    outb(port + UART_LCR, 0x80);    /* DLAB: set the divisor */
    outb(port + UART_DATA, 0x01);   /* 115200 baud */
    outb(port + UART_IER, 0x00);
    outb(port + UART_LCR, 0x03);    /* 8N1 */
    outb(port + UART_FCR, 0xc7);    /* FIFOs on, cleared */
    outb(port + UART_MCR, 0x03);    /* DTR, RTS */
}

void uart_putc(uint16_t port, char c)
{
    /* Bounded wait: a wedged UART must not hang the kernel. */
    for (int i = 0; i < 100000 && !(inb(port + UART_LSR) & LSR_THR_EMPTY); i++)
        pause();
    outb(port + UART_DATA, (uint8_t)c);
}

int uart_getc_nowait(uint16_t port)
{
    if (!(inb(port + UART_LSR) & LSR_DATA_READY))
        return -1;
    return inb(port + UART_DATA);
}

void kputs(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            uart_putc(COM1_PORT, '\r');
        uart_putc(COM1_PORT, *s);
    }
}

void kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    kputs(buf);
}

/* -- console input (for the shell) ----------------------------------------- */

#define INPUT_SIZE 256

static char input[INPUT_SIZE];      /* ring, filled by console_input_poll */
static unsigned input_head, input_tail;
static struct waitq input_wq;
static bool input_ready;

void console_input_poll(void)
{
    int c;

    if (!input_ready) {
        waitq_init(&input_wq);
        input_ready = true;
    }
    for (int budget = 0; budget < 64 && (c = uart_getc_nowait(COM1_PORT)) >= 0;
         budget++) {
        if (input_head - input_tail >= INPUT_SIZE)
            continue;               /* full: drop, the reader is not reading */
        input[input_head++ % INPUT_SIZE] = (char)c;
        /* Echo, as a terminal in cooked mode would. */
        if (c == '\r' || c == '\n')
            kputs("\n");
        else if (c == 0x7f || c == 0x08)
            kputs("\b \b");
        else if (c >= 0x20 && c < 0x7f)
            uart_putc(COM1_PORT, (char)c);
        waitq_wakeup_all(&input_wq);
    }
}

kern_return_t console_read_user(struct task *task, uint64_t buf, uint64_t len,
                                uint64_t got_out)
{
    char tmp[INPUT_SIZE];
    uint64_t got = 0;

    if (!len)
        return KERN_INVALID_ARGUMENT;
    if (len > sizeof(tmp))
        len = sizeof(tmp);
    /* Check both pointers before taking input that could then be lost. */
    kern_return_t kr = copyout(task->map, &got, got_out, sizeof(got));
    for (uint64_t a = buf & ~(PAGE_SIZE - 1); kr == KERN_SUCCESS && a < buf + len;
         a += PAGE_SIZE)
        kr = vm_fault(task->map, a < buf ? buf : a, VM_PROT_WRITE);
    if (kr != KERN_SUCCESS)
        return kr == KERN_PROTECTION_FAILURE ? KERN_INVALID_ADDRESS : kr;
    if (!input_ready) {
        waitq_init(&input_wq);
        input_ready = true;
    }
    while (input_head == input_tail) {
        if (waitq_wait(&input_wq, 0) == WAIT_INTERRUPTED)
            return KERN_ABORTED;
    }
    while (got < len && input_tail != input_head)
        tmp[got++] = input[input_tail++ % INPUT_SIZE];
    kr = copyout(task->map, tmp, buf, got);
    if (kr != KERN_SUCCESS)
        return kr;
    return copyout(task->map, &got, got_out, sizeof(got));
}
