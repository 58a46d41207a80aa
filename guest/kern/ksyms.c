/* Symbol lookup over the table that gen-ksyms.py emits:
 *   ksyms_count: number of entries, sorted by address
 *   ksyms_addrs[i], ksyms_name_offsets[i]: start address, offset of the name
 *   ksyms_names: NUL-terminated names */
#include <stddef.h>

#include "kern/ksyms.h"

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_offsets[];
extern const char ksyms_names[];
extern const char _text_start[], _text_end[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
    if (addr < (uint64_t)_text_start || addr >= (uint64_t)_text_end ||
        ksyms_count == 0 || addr < ksyms_addrs[0])
        return NULL;
    size_t lo = 0, hi = ksyms_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ksyms_addrs[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - ksyms_addrs[lo];
    return ksyms_names + ksyms_name_offsets[lo];
}
