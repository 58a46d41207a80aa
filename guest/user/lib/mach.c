/* System-call wrappers (see mach.h and mach/syscall.h for the contract). */
#include "libc.h"
#include "mach.h"

#define P(x) ((long)(uintptr_t)(x))
#define SC(nr, a, b, c, d, e, f) \
    ((kern_return_t)syscall6((nr), (a), (b), (c), (d), (e), (f)))

kern_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
                       mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                       mach_port_name_t rcv_name, uint64_t timeout_ms)
{
    return SC(SYS_mach_msg, P(msg), option, send_size, rcv_size, rcv_name,
              (long)timeout_ms);
}

kern_return_t mach_port_allocate(uint32_t right, mach_port_name_t *name)
{
    return SC(SYS_port_allocate, right, P(name), 0, 0, 0, 0);
}

kern_return_t mach_port_deallocate(mach_port_name_t name)
{
    return SC(SYS_port_deallocate, name, 0, 0, 0, 0, 0);
}

kern_return_t mach_port_mod_refs(mach_port_name_t name, uint32_t right,
                                 int32_t delta)
{
    return SC(SYS_port_mod_refs, name, right, delta, 0, 0, 0);
}

kern_return_t mach_port_insert_right(mach_port_name_t name, uint32_t disposition)
{
    return SC(SYS_port_insert_right, name, disposition, 0, 0, 0, 0);
}

kern_return_t mach_port_move_member(mach_port_name_t member, mach_port_name_t set)
{
    return SC(SYS_port_move_member, member, set, 0, 0, 0, 0);
}

kern_return_t mach_port_request_notification(mach_port_name_t name,
                                             uint32_t variant,
                                             mach_port_name_t notify)
{
    return SC(SYS_port_request_notification, name, variant, notify, 0, 0, 0);
}

kern_return_t mach_port_set_qlimit(mach_port_name_t name, uint32_t limit)
{
    return SC(SYS_port_set_qlimit, name, limit, 0, 0, 0, 0);
}

kern_return_t mach_port_type(mach_port_name_t name, uint32_t *type,
                             uint32_t *urefs)
{
    return SC(SYS_port_type, name, P(type), P(urefs), 0, 0, 0);
}

/* Release one received right of the given kind (MACH_MSG_TYPE_PORT_*). */
static void destroy_right(mach_port_name_t name, unsigned kind)
{
    if (name == MACH_PORT_NULL || name == MACH_PORT_DEAD)
        return;
    if (kind == MACH_MSG_TYPE_PORT_RECEIVE)
        mach_port_mod_refs(name, MACH_PORT_RIGHT_RECEIVE, -1);
    else if (kind == MACH_MSG_TYPE_PORT_SEND || kind == MACH_MSG_TYPE_PORT_SEND_ONCE)
        mach_port_deallocate(name);
}

void mach_msg_destroy(mach_msg_header_t *msg)
{
    destroy_right(msg->msgh_remote_port, MACH_MSGH_BITS_REMOTE(msg->msgh_bits));
    msg->msgh_remote_port = MACH_PORT_NULL;
    if (!(msg->msgh_bits & MACH_MSGH_BITS_COMPLEX))
        return;
    /* The kernel checked the body when it delivered the message; bound
     * the walk by msgh_size all the same. */
    const mach_msg_body_t *body = (const void *)(msg + 1);
    mach_msg_descriptor_t *d = (void *)(body + 1);
    size_t room = msg->msgh_size >= sizeof(*msg) + sizeof(*body)
                      ? (msg->msgh_size - sizeof(*msg) - sizeof(*body)) / sizeof(*d)
                      : 0;
    uint32_t count = body->msgh_descriptor_count;
    for (uint32_t i = 0; i < count && i < room; i++, d++) {
        if (d->type == MACH_MSG_PORT_DESCRIPTOR) {
            destroy_right(d->name, d->disposition);
            d->name = MACH_PORT_NULL;
        } else if (d->type == MACH_MSG_OOL_DESCRIPTOR && d->address && d->size) {
            /* The whole pages the kernel mapped for it. */
            uint64_t start = d->address & ~0xfffULL;
            uint64_t end = (d->address + d->size + 0xfff) & ~0xfffULL;
            vm_deallocate(start, end - start);
            d->address = 0;
        }
    }
}

kern_return_t vm_allocate(uint64_t *addr, uint64_t size, uint32_t prot)
{
    return SC(SYS_vm_allocate, P(addr), (long)size, prot, 0, 0, 0);
}

kern_return_t vm_deallocate(uint64_t addr, uint64_t size)
{
    return SC(SYS_vm_deallocate, (long)addr, (long)size, 0, 0, 0, 0);
}

kern_return_t memory_object_create(uint64_t size, mach_port_name_t *name)
{
    return SC(SYS_memory_object_create, (long)size, P(name), 0, 0, 0, 0);
}

kern_return_t vm_map(mach_port_name_t object, uint64_t size, uint32_t prot,
                     uint64_t *addr)
{
    return SC(SYS_vm_map, object, (long)size, prot, P(addr), 0, 0);
}

kern_return_t vm_map_physical(uint64_t phys, uint64_t size, uint32_t cache,
                              uint64_t *addr)
{
    return SC(SYS_vm_map_physical, (long)phys, (long)size, cache, P(addr), 0, 0);
}

kern_return_t task_kill(mach_port_name_t task, int32_t status)
{
    return SC(SYS_task_kill, task, status, 0, 0, 0, 0);
}

kern_return_t task_watch(mach_port_name_t task, mach_port_name_t notify)
{
    return SC(SYS_task_watch, task, notify, 0, 0, 0, 0);
}

kern_return_t task_list(struct task_info *buf, uint32_t max, uint32_t *count)
{
    return SC(SYS_task_list, P(buf), max, P(count), 0, 0, 0);
}

kern_return_t clock_info(struct clock_info *out)
{
    return SC(SYS_clock_info, P(out), 0, 0, 0, 0, 0);
}

kern_return_t kernel_stats(struct kernel_stats *out)
{
    return SC(SYS_kernel_stats, P(out), 0, 0, 0, 0, 0);
}

kern_return_t control_report(const char *json)
{
    if (!json)
        return KERN_INVALID_ARGUMENT;
    return SC(SYS_control_report, P(json), (long)strlen(json), 0, 0, 0, 0);
}

kern_return_t console_read(char *buf, size_t len, size_t *got)
{
    return SC(SYS_console_read, P(buf), (long)len, P(got), 0, 0, 0);
}

kern_return_t sys_log(const char *buf, size_t len)
{
    return SC(SYS_log, P(buf), (long)len, 0, 0, 0, 0);
}
