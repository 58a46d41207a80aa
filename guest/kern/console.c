/* 16550 UART driver (polled) and the console printf. */
#include <format.h>
#include <stdarg.h>

#include "arch/x86.h"
#include "kern/console.h"

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
