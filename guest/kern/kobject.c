/* What happens to kernel objects named by ports when their last send right
 * goes away (kern/ipc.h). */
#include "kern/ipc.h"
#include "kern/vm.h"

void ipc_kobject_no_senders(struct ipc_port *port, enum ipc_kobject_type type,
                            void *object)
{
    switch (type) {
    case IKOT_MEMORY:
        /* Nobody can map it any more; mappings keep their own references. */
        ipc_port_kobject_destroy(port);
        vm_object_release(object);
        break;
    case IKOT_TASK:
    default:
        /* A task lives on without anyone naming it. */
        break;
    }
}
