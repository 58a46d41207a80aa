/* TEMPORARY: boot-testing the core before the IPC lands. */
#include "kern/ipc.h"
#include "kern/kernel.h"
uint32_t ipc_port_count, ipc_pset_count, ipc_kmsg_count;
struct ipc_space *ipc_space_create(struct task *t) { (void)t; return kmalloc(16); }
void ipc_space_destroy(struct ipc_space *s) { kfree(s); }
uint32_t ipc_space_name_count(const struct ipc_space *s) { (void)s; return 0; }
struct ipc_port *ipc_port_alloc_kobject(enum ipc_kobject_type ty, void *o) { (void)ty; (void)o; ipc_port_count++; return kmalloc(16); }
void ipc_port_kobject_destroy(struct ipc_port *p) { ipc_port_count--; kfree(p); }
void *ipc_space_lookup_kobject(struct ipc_space *s, mach_port_name_t n, enum ipc_kobject_type t, kern_return_t *kr) { (void)s; (void)n; (void)t; *kr = KERN_INVALID_NAME; return NULL; }
kern_return_t ipc_right_copyout_send(struct ipc_space *s, struct ipc_port *p, mach_port_name_t *n) { (void)s; (void)p; *n = 0x103; return 0; }
kern_return_t ipc_right_copy_send(struct ipc_space *f, mach_port_name_t n, struct ipc_space *t, mach_port_name_t *o) { (void)f; (void)n; (void)t; *o = 0; return 0; }
kern_return_t ipc_right_make_send_once(struct ipc_space *s, mach_port_name_t n, struct ipc_port **o) { (void)s; (void)n; (void)o; return KERN_INVALID_NAME; }
void ipc_kernel_send_once(struct ipc_port *p, const mach_msg_header_t *m, mach_msg_size_t z) { (void)p; (void)m; (void)z; }
void ipc_port_release_send_once(struct ipc_port *p) { (void)p; }
mach_msg_return_t ipc_mach_msg(uint64_t a, uint32_t b, uint32_t c, uint32_t d, mach_port_name_t e, uint64_t f) { (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; return MACH_SEND_INVALID_DEST; }
kern_return_t ipc_port_allocate_name(struct ipc_space *s, uint32_t r, mach_port_name_t *n) { (void)s; (void)r; (void)n; return KERN_NOT_SUPPORTED; }
kern_return_t ipc_port_deallocate_name(struct ipc_space *s, mach_port_name_t n) { (void)s; (void)n; return KERN_INVALID_NAME; }
kern_return_t ipc_port_mod_refs(struct ipc_space *s, mach_port_name_t n, uint32_t r, int32_t d) { (void)s; (void)n; (void)r; (void)d; return KERN_INVALID_NAME; }
kern_return_t ipc_port_insert_right(struct ipc_space *s, mach_port_name_t n, uint32_t d) { (void)s; (void)n; (void)d; return KERN_INVALID_NAME; }
kern_return_t ipc_port_move_member(struct ipc_space *s, mach_port_name_t a, mach_port_name_t b) { (void)s; (void)a; (void)b; return KERN_INVALID_NAME; }
kern_return_t ipc_port_request_notification(struct ipc_space *s, mach_port_name_t n, uint32_t v, mach_port_name_t x) { (void)s; (void)n; (void)v; (void)x; return KERN_INVALID_NAME; }
kern_return_t ipc_port_set_qlimit(struct ipc_space *s, mach_port_name_t n, uint32_t l) { (void)s; (void)n; (void)l; return KERN_INVALID_NAME; }
kern_return_t ipc_port_type(struct ipc_space *s, mach_port_name_t n, uint32_t *t, uint32_t *u) { (void)s; (void)n; (void)t; (void)u; return KERN_INVALID_NAME; }
