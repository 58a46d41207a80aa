/* Name spaces: a task's table of names, the port -> entry hash, and the
 * space's creation and teardown.
 *
 * A name is (index << 8) | generation: index 1..IPC_SPACE_NAMES_MAX into
 * the table, generation 1..255 bumped each time the index is handed out, so
 * a stale name fails to look up instead of finding a newcomer.  Names are
 * never 0 (index 0 is unused) or ~0 (the index would be past the table). */
#include "ipc_internal.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "string.h"

#define SPACE_INITIAL_SIZE 16       /* entries, index 0 included */

/* Hash slots for a table of size entries: load factor at most 1/2. */
static uint32_t space_hash_size_for(uint32_t size)
{
    uint32_t h = 16;

    while (h < 2 * size)
        h <<= 1;
    return h;
}

/* The home slot of object in a hash of hsize slots (Fibonacci hashing). */
static uint32_t hash_slot(uint32_t hsize, const void *object)
{
    uint64_t x = ((uint64_t)(uintptr_t)object >> 4) * 0x9e3779b97f4a7c15ULL;

    return (uint32_t)(x >> 32) & (hsize - 1);
}

/* Build a hash of hsize slots for the entries of table holding send or
 * receive rights; NULL if out of memory. */
static uint32_t *hash_build(const struct ipc_entry *table, uint32_t size, uint32_t hsize)
{
    uint32_t *hash = kmalloc(hsize * sizeof(*hash));

    if (!hash)
        return NULL;
    memset(hash, 0, hsize * sizeof(*hash));
    for (uint32_t i = 1; i < size; i++) {
        if (!(table[i].type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)))
            continue;
        uint32_t s = hash_slot(hsize, table[i].object);
        for (uint32_t n = 0; n < hsize && hash[s]; n++)
            s = (s + 1) & (hsize - 1);
        hash[s] = i;
    }
    return hash;
}

/* A new, empty space for task. */
struct ipc_space *ipc_space_create(struct task *task)
{
    struct ipc_space *space = kmalloc(sizeof(*space));

    if (!space)
        return NULL;
    memset(space, 0, sizeof(*space));
    space->task = task;
    space->active = true;
    space->size = SPACE_INITIAL_SIZE;
    space->table = kmalloc(space->size * sizeof(struct ipc_entry));
    space->hash_size = space_hash_size_for(space->size);
    space->hash = kmalloc(space->hash_size * sizeof(uint32_t));
    if (!space->table || !space->hash) {
        kfree(space->table);
        kfree(space->hash);
        kfree(space);
        return NULL;
    }
    memset(space->table, 0, space->size * sizeof(struct ipc_entry));
    memset(space->hash, 0, space->hash_size * sizeof(uint32_t));
    for (uint32_t i = space->size - 1; i >= 1; i--) {
        space->table[i].next_free = space->free_head;
        space->free_head = i;
    }
    return space;
}

/* Tear down every right in space, then free it.  Its threads are gone. */
void ipc_space_destroy(struct ipc_space *space)
{
    if (!space)
        return;
    KASSERT(space->active);
    space->active = false;
    /* Our own dead-name requests go first, silently: from here on nothing
     * may look a name of ours up. */
    for (uint32_t i = 1; i < space->size; i++) {
        if (space->table[i].type && space->table[i].dnreq)
            ipc_dnrequest_cancel(&space->table[i]);
    }
    /* The table cannot grow now (ipc_space_reserve refuses an inactive
     * space), so an index walk sees every entry once. */
    for (uint32_t i = 1; i < space->size; i++) {
        if (space->table[i].type)
            ipc_right_destroy_entry(space, &space->table[i]);
    }
    KASSERT(space->used == 0);
    kfree(space->table);
    kfree(space->hash);
    kfree(space);
}

/* Names in use (dead names included). */
uint32_t ipc_space_name_count(const struct ipc_space *space)
{
    return space ? space->used : 0;
}

/* The entry name denotes, without turning dead ports into dead names. */
struct ipc_entry *ipc_entry_lookup_raw(struct ipc_space *space, mach_port_name_t name)
{
    uint32_t index = name >> 8;
    struct ipc_entry *entry;

    if (!space || index == 0 || index >= space->size)
        return NULL;
    entry = &space->table[index];
    if (entry->type == 0 || entry->gen != (name & 0xff))
        return NULL;
    return entry;
}

/* entry, a send or send-once right to a port that has died, becomes a
 * dead name (send-once: one uref) and lets the port go (ipc_entry_lookup). */
struct ipc_entry *ipc_entry_convert_dead(struct ipc_space *space, struct ipc_entry *entry)
{
    struct ipc_port *port = entry->object;

    KASSERT(!port->active);
    /* A receive right never names a dead port: its holder kills it. */
    KASSERT(!(entry->type & MACH_PORT_TYPE_RECEIVE));
    KASSERT(!entry->dnreq);     /* fired when the port died */
    if (entry->type & MACH_PORT_TYPE_SEND) {
        ipc_hash_remove(space, entry);
        port->srights--;
    } else {
        port->sorights--;
        entry->urefs = 1;
    }
    entry->type = MACH_PORT_TYPE_DEAD_NAME;
    entry->object = NULL;
    ipc_port_release(port);
    return entry;
}

/* The name entry of space goes by. */
mach_port_name_t ipc_entry_name(const struct ipc_space *space,
                                const struct ipc_entry *entry)
{
    return ((mach_port_name_t)(entry - space->table) << 8) | entry->gen;
}

/* Make room for the table to hold newsize entries; nothing changes on
 * failure. */
static kern_return_t space_grow(struct ipc_space *space, uint32_t newsize)
{
    uint32_t hsize = space_hash_size_for(newsize);
    struct ipc_entry *table = kmalloc(newsize * sizeof(*table));
    uint32_t *hash;

    if (!table)
        return KERN_RESOURCE_SHORTAGE;
    memcpy(table, space->table, space->size * sizeof(*table));
    memset(table + space->size, 0, (newsize - space->size) * sizeof(*table));
    hash = hash_build(table, space->size, hsize);
    if (!hash) {
        kfree(table);
        return KERN_RESOURCE_SHORTAGE;
    }
    for (uint32_t i = newsize - 1; i >= space->size; i--) {
        table[i].next_free = space->free_head;
        space->free_head = i;
    }
    kfree(space->table);
    kfree(space->hash);
    space->table = table;
    space->size = newsize;
    space->hash = hash;
    space->hash_size = hsize;
    return KERN_SUCCESS;
}

/* Ensure n more names can be allocated without failing: KERN_NO_SPACE past
 * IPC_SPACE_NAMES_MAX, KERN_RESOURCE_SHORTAGE without memory, and
 * KERN_INVALID_TASK for a space being destroyed. */
kern_return_t ipc_space_reserve(struct ipc_space *space, uint32_t n)
{
    uint32_t newsize;

    if (!space->active)
        return KERN_INVALID_TASK;
    if (n > IPC_SPACE_NAMES_MAX - space->used)
        return KERN_NO_SPACE;
    if (space->size - 1 - space->used >= n)
        return KERN_SUCCESS;
    newsize = space->size;
    /* Terminates: IPC_SPACE_NAMES_MAX + 1 entries always fit n. */
    while (newsize - 1 - space->used < n) {
        newsize *= 2;
        if (newsize > IPC_SPACE_NAMES_MAX + 1)
            newsize = IPC_SPACE_NAMES_MAX + 1;
    }
    return space_grow(space, newsize);
}

/* The generation an entry gets when it is next handed out. */
static uint8_t next_gen(const struct ipc_entry *entry)
{
    return entry->gen == 255 ? 1 : entry->gen + 1;
}

/* The name the next ipc_entry_alloc on space will return (space has a free
 * entry). */
mach_port_name_t ipc_space_next_name(const struct ipc_space *space)
{
    KASSERT(space->free_head != 0);
    return (space->free_head << 8) | next_gen(&space->table[space->free_head]);
}

/* A free entry with a fresh generation; the caller reserved it (or this
 * returns NULL).  The caller sets type, object and urefs. */
struct ipc_entry *ipc_entry_alloc(struct ipc_space *space)
{
    struct ipc_entry *entry;

    /* A free slot means used < IPC_SPACE_NAMES_MAX. */
    if (!space->active ||
        (space->free_head == 0 && ipc_space_reserve(space, 1) != KERN_SUCCESS))
        return NULL;
    entry = &space->table[space->free_head];
    KASSERT(space->free_head != 0 && entry->type == 0);
    space->free_head = entry->next_free;
    entry->next_free = 0;
    entry->gen = next_gen(entry);
    entry->object = NULL;
    entry->urefs = 0;
    entry->dnreq = NULL;
    space->used++;
    return entry;
}

/* Return entry to the free list.  Its rights, hash slot and request are the
 * caller's to have dealt with. */
void ipc_entry_free(struct ipc_space *space, struct ipc_entry *entry)
{
    KASSERT(entry->type != 0 && !entry->dnreq && space->used > 0);
    entry->type = 0;
    entry->object = NULL;
    entry->urefs = 0;
    entry->next_free = space->free_head;
    space->free_head = (uint32_t)(entry - space->table);
    space->used--;
}

/* The entry holding space's send and/or receive right to port, or NULL. */
struct ipc_entry *ipc_space_find_port(struct ipc_space *space,
                                      const struct ipc_port *port)
{
    uint32_t mask = space->hash_size - 1;
    uint32_t s = hash_slot(space->hash_size, port);

    for (uint32_t n = 0; n < space->hash_size; n++) {
        uint32_t index = space->hash[s];
        if (index == 0)
            return NULL;
        if (space->table[index].object == port)
            return &space->table[index];
        s = (s + 1) & mask;
    }
    return NULL;
}

/* Index entry (just given send or receive to its port) by its port. */
void ipc_hash_insert(struct ipc_space *space, struct ipc_entry *entry)
{
    uint32_t mask = space->hash_size - 1;
    uint32_t s = hash_slot(space->hash_size, entry->object);
    uint32_t n;

    for (n = 0; n < space->hash_size && space->hash[s]; n++)
        s = (s + 1) & mask;
    /* At most size - 1 entries in a table of >= 2 * size slots. */
    KASSERT(n < space->hash_size);
    space->hash[s] = (uint32_t)(entry - space->table);
}

/* Unindex entry (losing its last send / receive right), closing the gap so
 * linear probing still finds everything after it. */
void ipc_hash_remove(struct ipc_space *space, struct ipc_entry *entry)
{
    uint32_t mask = space->hash_size - 1;
    uint32_t index = (uint32_t)(entry - space->table);
    uint32_t i = hash_slot(space->hash_size, entry->object);
    uint32_t n;

    for (n = 0; n < space->hash_size && space->hash[i] != index; n++)
        i = (i + 1) & mask;
    KASSERT(n < space->hash_size);
    space->hash[i] = 0;
    uint32_t j = i;
    for (n = 0; n < space->hash_size; n++) {
        j = (j + 1) & mask;
        uint32_t moved = space->hash[j];
        if (moved == 0)
            break;
        uint32_t home = hash_slot(space->hash_size, space->table[moved].object);
        /* Leave it if its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            space->hash[i] = moved;
            space->hash[j] = 0;
            i = j;
        }
    }
}
