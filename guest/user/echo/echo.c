/* bin/echo: an echo server for IPC tests.  It publishes a send right to its
 * service port on bootstrap_port (service_publish, msgh_id 1), then answers
 * every request that has a reply right with the request's inline bytes and
 * msgh_id + 100, using the combined reply-and-receive mach_msg.  Port
 * rights and OOL memory in requests are destroyed, never echoed.  A request
 * with msgh_id 999 is answered, then the server exits. */
#include "libc.h"
#include "mach.h"

#define ECHO_EXIT_ID   999
#define REPLY_DELTA    100
#define SEND_TIMEOUT   1000     /* ms a reply may wait on a full queue */

static union {
    mach_msg_header_t h;
    uint8_t space[MACH_MSG_SIZE_MAX + 64];
} msg;

static bool is_send_error(kern_return_t kr)
{
    return ((uint32_t)kr & 0xffffc000u) == 0x10000000u;
}

/* Turn the request in msg into its reply in place; false if it has no
 * reply right (everything it carried is destroyed either way). */
static bool make_reply(void)
{
    mach_msg_header_t *h = &msg.h;
    uint8_t *data = (uint8_t *)(h + 1);
    mach_port_name_t reply = h->msgh_remote_port;
    unsigned kind = MACH_MSGH_BITS_REMOTE(h->msgh_bits);
    size_t len = h->msgh_size > sizeof(*h) ? h->msgh_size - sizeof(*h) : 0;

    if (len > sizeof(msg) - sizeof(*h))
        len = sizeof(msg) - sizeof(*h);
    if (h->msgh_bits & MACH_MSGH_BITS_COMPLEX) {
        const mach_msg_body_t *body = (const void *)data;
        size_t skip = sizeof(*body) +
                      (size_t)body->msgh_descriptor_count * sizeof(mach_msg_descriptor_t);
        if (skip > len)
            skip = len;
        h->msgh_remote_port = MACH_PORT_NULL;   /* keep the reply right */
        mach_msg_destroy(h);
        memmove(data, data + skip, len - skip);
        len -= skip;
    }
    if (reply == MACH_PORT_NULL || (kind != MACH_MSG_TYPE_PORT_SEND &&
                                    kind != MACH_MSG_TYPE_PORT_SEND_ONCE))
        return false;
    h->msgh_bits = MACH_MSGH_BITS(kind, 0);     /* move the reply right back */
    h->msgh_size = (mach_msg_size_t)(sizeof(*h) + len);
    h->msgh_remote_port = reply;
    h->msgh_local_port = MACH_PORT_NULL;
    h->msgh_id += REPLY_DELTA;
    return true;
}

int main(int argc, char **argv)
{
    mach_port_name_t service;

    (void)argv;
    if (argc != 1) {
        printf("usage: echo (serves on a port it sends to bootstrap_port)\n");
        return 2;
    }
    if (bootstrap_port == MACH_PORT_NULL) {
        printf("echo: no bootstrap port to publish the service on\n");
        return 1;
    }
    kern_return_t kr = mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &service);
    if (kr == KERN_SUCCESS)
        kr = service_publish(bootstrap_port, service, 1);
    if (kr != KERN_SUCCESS) {
        printf("echo: cannot publish the service: %s\n", kern_return_name(kr));
        return 1;
    }

    kr = mach_msg(&msg.h, MACH_RCV_MSG, 0, sizeof(msg), service, 0);
    for (;;) {
        if (kr != KERN_SUCCESS) {
            /* A receive error: nothing was taken; the port is ours, so
             * anything but an interruption is fatal. */
            printf("echo: receive failed: %s\n", kern_return_name(kr));
            return 1;
        }
        bool exiting = msg.h.msgh_id == ECHO_EXIT_ID;
        if (!make_reply()) {
            if (exiting)
                return 0;
            kr = mach_msg(&msg.h, MACH_RCV_MSG, 0, sizeof(msg), service, 0);
            continue;
        }
        if (exiting) {
            kr = mach_msg(&msg.h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, msg.h.msgh_size,
                          0, MACH_PORT_NULL, SEND_TIMEOUT);
            if (kr != KERN_SUCCESS)
                mach_port_deallocate(msg.h.msgh_remote_port);
            return 0;
        }
        mach_port_name_t reply = msg.h.msgh_remote_port;
        kr = mach_msg(&msg.h, MACH_SEND_MSG | MACH_RCV_MSG | MACH_SEND_TIMEOUT,
                      msg.h.msgh_size, sizeof(msg), service, SEND_TIMEOUT);
        if (is_send_error(kr)) {
            /* The client went away or stopped reading: drop its reply
             * right (still ours after a failed send) and carry on. */
            mach_port_deallocate(reply);
            kr = mach_msg(&msg.h, MACH_RCV_MSG, 0, sizeof(msg), service, 0);
        }
    }
}
