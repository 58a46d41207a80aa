/* Stand-in for QEMU's qemu/osdep.h when the hw/ device cores are built
 * as host unit tests: the cores use only the C library, glib and MIN/MAX. */
#ifndef UNIT_HWSTUB_OSDEP_H
#define UNIT_HWSTUB_OSDEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

#endif
