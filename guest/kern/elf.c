/* Loading static ELF64 x86_64 executables (ET_EXEC) from the boot
 * collection.  The image is input like any other: every header, offset and
 * size is checked before it is used. */
#include <string.h>

#include "kern/elf.h"
#include "kern/kernel.h"
#include "kern/vm.h"

#define EI_NIDENT  16
#define ET_EXEC    2
#define EM_X86_64  62
#define PT_LOAD    1
#define PF_X       1
#define PF_W       2
#define PF_R       4
#define SHT_SYMTAB 2
#define STT_FUNC   2
#define PHNUM_MAX  16

typedef struct {
    unsigned char e_ident[EI_NIDENT];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    uint64_t e_entry, e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} Elf64_Ehdr;

typedef struct {
    uint32_t p_type, p_flags;
    uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} Elf64_Phdr;

typedef struct {
    uint32_t sh_name, sh_type;
    uint64_t sh_flags, sh_addr, sh_offset, sh_size;
    uint32_t sh_link, sh_info;
    uint64_t sh_addralign, sh_entsize;
} Elf64_Shdr;

typedef struct {
    uint32_t st_name;
    unsigned char st_info, st_other;
    uint16_t st_shndx;
    uint64_t st_value, st_size;
} Elf64_Sym;

/* True if [off, off + len) lies inside size bytes. */
static bool in_file(uint64_t off, uint64_t len, size_t size)
{
    return off <= size && len <= size - off;
}

static const char *check_header(const void *image, size_t size)
{
    const Elf64_Ehdr *eh = image;

    if (size < sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4) != 0)
        return "not an ELF file";
    if (eh->e_ident[4] != 2 || eh->e_ident[5] != 1)
        return "not a little-endian ELF64 file";
    if (eh->e_type != ET_EXEC || eh->e_machine != EM_X86_64)
        return "not a static x86_64 executable (ET_EXEC, EM_X86_64)";
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum ||
        eh->e_phnum > PHNUM_MAX ||
        !in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size) ||
        (eh->e_phoff & 7))
        return "bad program header table";
    return NULL;
}

kern_return_t elf_load(struct vm_map *map, const void *image, size_t size,
                       uint64_t *entry, const char **why)
{
    const Elf64_Ehdr *eh = image;
    const uint8_t *file = image;

    if ((*why = check_header(image, size)))
        return KERN_INVALID_ARGUMENT;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(file + eh->e_phoff);
    bool entry_ok = false;

    /* Decode every segment before mapping any. */
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type != PT_LOAD)
            continue;
        if (p->p_filesz > p->p_memsz || !in_file(p->p_offset, p->p_filesz, size)) {
            *why = "segment data outside the file";
            return KERN_INVALID_ARGUMENT;
        }
        if (!p->p_memsz || p->p_vaddr < USER_SPACE_BASE ||
            p->p_memsz > USER_HEAP_BASE - p->p_vaddr || p->p_vaddr >= USER_HEAP_BASE) {
            *why = "segment outside the program area (0x400000 to USER_HEAP_BASE)";
            return KERN_INVALID_ARGUMENT;
        }
        if ((p->p_flags & PF_W) && (p->p_flags & PF_X)) {
            *why = "writable and executable segment (W^X)";
            return KERN_INVALID_ARGUMENT;
        }
        if ((p->p_flags & PF_X) && eh->e_entry >= p->p_vaddr &&
            eh->e_entry < p->p_vaddr + p->p_memsz)
            entry_ok = true;
    }
    if (!entry_ok) {
        *why = "entry point not in an executable segment";
        return KERN_INVALID_ARGUMENT;
    }
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type != PT_LOAD)
            continue;
        uint64_t start = p->p_vaddr & ~(PAGE_SIZE - 1);
        uint64_t end = (p->p_vaddr + p->p_memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
        uint32_t prot = ((p->p_flags & PF_R) ? VM_PROT_READ : 0) |
                        ((p->p_flags & PF_W) ? VM_PROT_WRITE : 0) |
                        ((p->p_flags & PF_X) ? VM_PROT_EXECUTE : 0);
        struct vm_object *obj = vm_object_create_anon(end - start);
        if (!obj) {
            *why = "out of memory";
            return KERN_RESOURCE_SHORTAGE;
        }
        uint64_t at = start;
        kern_return_t kr = vm_map_enter(map, &at, end - start, prot | VM_PROT_READ,
                                        obj, 0);
        vm_object_release(obj);
        if (kr != KERN_SUCCESS) {
            *why = kr == KERN_NO_SPACE ? "overlapping segments" : "cannot map a segment";
            return kr;
        }
        /* Fill through the object (the mapping may be read-only). */
        uint64_t off = p->p_vaddr - start;
        for (uint64_t done = 0; done < p->p_filesz;) {
            uint64_t pos = off + done;
            uint64_t idx = pos >> PAGE_SHIFT;
            uint64_t n = PAGE_SIZE - (pos & (PAGE_SIZE - 1));
            if (n > p->p_filesz - done)
                n = p->p_filesz - done;
            if (!obj->pages[idx]) {
                uint64_t pg = pmm_alloc(&kernel_pmm);
                if (pg == PMM_NONE) {
                    *why = "out of memory";
                    return KERN_RESOURCE_SHORTAGE;
                }
                memset(phys_to_virt(pg), 0, PAGE_SIZE);
                obj->pages[idx] = pg;
            }
            memcpy((uint8_t *)phys_to_virt(obj->pages[idx]) + (pos & (PAGE_SIZE - 1)),
                   file + p->p_offset + done, n);
            done += n;
        }
    }
    *entry = eh->e_entry;
    return KERN_SUCCESS;
}

const char *elf_symbolize(const void *image, size_t size, uint64_t addr,
                          uint64_t *offset)
{
    const Elf64_Ehdr *eh = image;
    const uint8_t *file = image;

    if (check_header(image, size) || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), size) ||
        (eh->e_shoff & 7))
        return NULL;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(file + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum ||
            !in_file(sh[i].sh_offset, sh[i].sh_size, size) || (sh[i].sh_offset & 7))
            continue;
        const Elf64_Shdr *str = &sh[sh[i].sh_link];
        if (!in_file(str->sh_offset, str->sh_size, size) || !str->sh_size)
            continue;
        const char *strtab = (const char *)file + str->sh_offset;
        const Elf64_Sym *sym = (const Elf64_Sym *)(file + sh[i].sh_offset);
        uint64_t n = sh[i].sh_size / sizeof(Elf64_Sym);
        for (uint64_t j = 0; j < n; j++) {
            if ((sym[j].st_info & 0xf) != STT_FUNC || sym[j].st_name >= str->sh_size)
                continue;
            if (addr >= sym[j].st_value && addr - sym[j].st_value <
                (sym[j].st_size ? sym[j].st_size : 1)) {
                const char *name = strtab + sym[j].st_name;
                /* The name must end inside the string table. */
                if (strnlen(name, str->sh_size - sym[j].st_name) ==
                    str->sh_size - sym[j].st_name)
                    return NULL;
                *offset = addr - sym[j].st_value;
                return name;
            }
        }
    }
    return NULL;
}
