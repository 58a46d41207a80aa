/* A libkern platform for tests: counts live allocations, checks that every
 * lk_free names the size its block was allocated with, and fails an
 * allocation on demand. */
#ifndef UNIT_LIBKERN_PLATFORM_COUNTING_H
#define UNIT_LIBKERN_PLATFORM_COUNTING_H

#include <stddef.h>

extern size_t lkc_live_blocks;      /* allocated and not yet freed */
extern size_t lkc_bad_frees;        /* lk_free with the wrong size */
/* Allocations left before one fails: -1 never; 0 the next one fails (and
 * the countdown returns to -1). */
extern long lkc_fail_countdown;
extern size_t lkc_failed;           /* allocations refused so far */

#endif
