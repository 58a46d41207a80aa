/* OSObject and OSMetaClass: the object model under every libkern and IOKit
 * type, in C.
 *
 * Every object starts with its base object: `OSObject obj` as the first
 * member of its struct (a subclass embeds its superclass's struct first), so
 * a pointer to any object is a pointer to its OSObject.  Each class has one
 * OSMetaClass: name, superclass, instance size, constructor, destructor and
 * an optional table of class methods (e.g. IOServiceMethods) that a subclass
 * overrides by pointing at its own table.
 *
 * Ownership (as in xnu): functions named *_with_*, *_create*, *copy* and
 * OSMetaClass_alloc* return a reference the caller must release; get*
 * functions borrow (valid while the container or owner holds it).
 * Containers retain what they hold.
 *
 * Classes register themselves: OSDefineMetaClass puts a pointer to the class
 * in the `osmetaclass` section, and libkern_init() registers them all, so a
 * personality's IOClass string can create an instance
 * (OSMetaClass_alloc_class_with_name).
 *
 * Not thread-safe: the kernel is single-CPU and not preemptible; userland
 * programs using libkern use it from one thread. */
#ifndef LIBKERN_OSOBJECT_H
#define LIBKERN_OSOBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct OSMetaClass OSMetaClass;

typedef struct OSObject {
    const OSMetaClass *meta;    /* the object's class */
    uint32_t retain_count;      /* OS_RETAIN_IMMORTAL for singletons */
} OSObject;

#define OS_RETAIN_IMMORTAL 0xffffffffu

struct OSMetaClass {
    const char *name;           /* class name, e.g. "OSString", "IOService" */
    OSMetaClass *super;         /* NULL only for OSObject */
    size_t size;                /* instance size in bytes (>= super's) */
    /* Constructor of this class's own fields in a zeroed instance; the
     * superclass's has already run.  false: the instance is destroyed (the
     * destructors of the classes whose constructors ran, then freed).
     * NULL: nothing to construct. */
    bool (*ctor)(OSObject *obj);
    /* Destructor of this class's own fields; the superclass's runs after.
     * NULL: nothing to destroy. */
    void (*dtor)(OSObject *obj);
    /* Class method table for a family (IOServiceMethods for IOService and
     * its subclasses); NULL inherits the superclass's. */
    const void *methods;
    /* Kept by libkern. */
    uint32_t instance_count;    /* live instances of exactly this class */
    OSMetaClass *next_registered;
    bool registered;
    bool dynamic;               /* created by OSMetaClass_create_dynamic */
};

/* Define the metaclass of `cls` (a struct type named cls whose first member
 * is the superclass's struct) as the global `cls_metaClass`, registered by
 * libkern_init().  ctor, dtor and methods may be NULL. */
#define OSDefineMetaClass(cls, superclass, ctor_fn, dtor_fn, methods_ptr)   \
    OSMetaClass cls##_metaClass = {                                         \
        .name = #cls, .super = &superclass##_metaClass,                     \
        .size = sizeof(cls), .ctor = (ctor_fn), .dtor = (dtor_fn),          \
        .methods = (methods_ptr) };                                         \
    static OSMetaClass *const cls##_metaClass_entry                         \
        __attribute__((section("osmetaclass"), used, aligned(8))) =         \
        &cls##_metaClass
#define OSDeclareMetaClass(cls) extern OSMetaClass cls##_metaClass

/* The metaclass of a class type. */
#define OSTypeID(cls) (&cls##_metaClass)
/* obj as a (cls *) if it is a cls or a subclass of it, else NULL (also for a
 * NULL obj).  The checked cast. */
#define OSDynamicCast(cls, obj) \
    ((cls *)OSMetaClass_safe_cast((const void *)(obj), OSTypeID(cls)))
/* Release and set to NULL, if not NULL. */
#define OSSafeReleaseNULL(p) \
    do { if (p) { OSObject_release(p); (p) = NULL; } } while (0)

OSDeclareMetaClass(OSObject);

/* Register every class in the osmetaclass section, create the symbol table
 * and the boolean singletons.  Call once before any other libkern call.
 * false if two classes share a name (the log names them). */
bool libkern_init(void);

/* Retain / release any object (NULL-safe release).  The last release runs
 * the destructors from the object's class up to OSObject and frees it. */
void OSObject_retain(const void *obj);
void OSObject_release(const void *obj);
uint32_t OSObject_get_retain_count(const void *obj);
/* The object's class, and its name. */
const OSMetaClass *OSObject_get_meta_class(const void *obj);
const char *OSObject_get_class_name(const void *obj);
/* True when obj's class is meta or a subclass of it. */
bool OSObject_is_kind_of(const void *obj, const OSMetaClass *meta);
/* Deep equality: same value type and equal value; collections with equal
 * members (arrays in order, dictionaries by key, sets by membership).  Other
 * objects: identity. */
bool OSObject_is_equal_to(const void *a, const void *b);

/* obj if it is of class meta or a subclass, else NULL. */
void *OSMetaClass_safe_cast(const void *obj, const OSMetaClass *meta);
bool OSMetaClass_is_subclass_of(const OSMetaClass *cls, const OSMetaClass *base);
/* A new instance (retain count 1) of meta, constructors run root first;
 * NULL when out of memory or a constructor failed. */
OSObject *OSMetaClass_alloc_instance(OSMetaClass *meta);
/* Look up a registered class by name; NULL if none. */
OSMetaClass *OSMetaClass_get_class_with_name(const char *name);
/* OSMetaClass_alloc_instance of the class named `name`; NULL if no such
 * class is registered. */
OSObject *OSMetaClass_alloc_class_with_name(const char *name);
/* Register a class defined at run time (e.g. OSDefineMetaClass in a module
 * whose section was not scanned).  false if the name is taken. */
bool OSMetaClass_register(OSMetaClass *meta);
/* A class known only by name, for host tools that model a nub's class chain
 * (e.g. "IOPCIDevice" under "IOService"): same size and methods as super.
 * Returns the existing class if one has that name. */
OSMetaClass *OSMetaClass_create_dynamic(const char *name, OSMetaClass *super);
/* The nearest method table up the class chain (NULL if none). */
const void *OSMetaClass_get_methods(const OSMetaClass *meta);
/* Iterate the registered classes: first, then next; NULL at the end. */
const OSMetaClass *OSMetaClass_first(void);
const OSMetaClass *OSMetaClass_next(const OSMetaClass *meta);
/* Live instances of exactly this class (ioclasscount). */
uint32_t OSMetaClass_get_instance_count(const OSMetaClass *meta);

#endif
