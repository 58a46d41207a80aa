/* Handing a service's send right to whoever holds the bootstrap port: the
 * server sends one message carrying MAKE_SEND of its receive right, the
 * client (who owns the bootstrap receive right) waits for it.  Used by
 * bin/echo, bench's server and tests. */
#include "libc.h"
#include "mach.h"

/* The message: header, body, one port descriptor. */
struct service_msg {
    mach_msg_header_t h;
    mach_msg_body_t body;
    mach_msg_descriptor_t port;
};

kern_return_t service_publish(mach_port_name_t bootstrap,
                              mach_port_name_t service, mach_msg_id_t id)
{
    struct service_msg m;

    if (bootstrap == MACH_PORT_NULL || service == MACH_PORT_NULL)
        return KERN_INVALID_ARGUMENT;
    memset(&m, 0, sizeof(m));
    m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) |
                    MACH_MSGH_BITS_COMPLEX;
    m.h.msgh_size = sizeof(m);
    m.h.msgh_remote_port = bootstrap;
    m.h.msgh_id = id;
    m.body.msgh_descriptor_count = 1;
    m.port.name = service;
    m.port.type = MACH_MSG_PORT_DESCRIPTOR;
    m.port.disposition = MACH_MSG_TYPE_MAKE_SEND;
    return mach_msg(&m.h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(m), 0,
                    MACH_PORT_NULL, 5000);
}

kern_return_t service_await(mach_port_name_t port, uint64_t timeout_ms,
                            mach_port_name_t *service, mach_msg_id_t *id)
{
    union {
        struct service_msg m;
        uint8_t space[512];
    } u;

    kern_return_t kr = mach_msg(&u.m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
                                sizeof(u), port, timeout_ms);
    if (kr != KERN_SUCCESS)
        return kr;
    if (!(u.m.h.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
        u.m.h.msgh_size < sizeof(u.m) || u.m.body.msgh_descriptor_count < 1 ||
        u.m.port.type != MACH_MSG_PORT_DESCRIPTOR ||
        u.m.port.disposition != MACH_MSG_TYPE_PORT_SEND) {
        mach_msg_destroy(&u.m.h);
        return KERN_INVALID_VALUE;
    }
    *service = u.m.port.name;
    if (id)
        *id = u.m.h.msgh_id;
    u.m.port.name = MACH_PORT_NULL;     /* ours now: keep it */
    mach_msg_destroy(&u.m.h);
    return KERN_SUCCESS;
}
