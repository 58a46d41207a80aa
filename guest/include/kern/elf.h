/* Static ELF64 executables: checking, loading into a map, symbols. */
#ifndef KERN_ELF_H
#define KERN_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "kern/return.h"

struct vm_map;

/* Check image (size bytes) and map its PT_LOAD segments into map; *entry
 * is the entry point.  On error *why says what was wrong (for the log) and
 * the caller destroys the map. */
kern_return_t elf_load(struct vm_map *map, const void *image, size_t size,
                       uint64_t *entry, const char **why);
/* The function symbol containing addr in a checked image, or NULL. */
const char *elf_symbolize(const void *image, size_t size, uint64_t addr,
                          uint64_t *offset);

#endif
