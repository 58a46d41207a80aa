/* libkern object model: retain/release, constructor and destructor order,
 * failing constructors, checked casts, the class registry, dynamic classes
 * and instance counts. */
#include <string.h>

#include "lk_test.h"
#include "tap.h"

/* A three-level chain defined the way a driver defines its classes:
 * Animal <- Dog <- Puppy.  Each ctor/dtor appends its letter to a log. */
static char order[64];

static void logc(char c)
{
    size_t n = strlen(order);

    if (n + 1 < sizeof(order)) {
        order[n] = c;
        order[n + 1] = '\0';
    }
}

typedef struct Animal {
    OSObject obj;
    int legs;
} Animal;

typedef struct Dog {
    Animal animal;
    char *name;
} Dog;

typedef struct Puppy {
    Dog dog;
    int age;
} Puppy;

struct AnimalMethods {
    const char *(*sound)(void);
};

static const char *animal_sound(void) { return "..."; }
static const char *dog_sound(void) { return "woof"; }
static const struct AnimalMethods animal_methods = { animal_sound };
static const struct AnimalMethods dog_methods = { dog_sound };

static bool fail_puppy_ctor;

static bool Animal_ctor(OSObject *o)
{
    logc('A');
    ((Animal *)o)->legs = 4;
    return true;
}

static void Animal_dtor(OSObject *o)
{
    (void)o;
    logc('a');
}

static bool Dog_ctor(OSObject *o)
{
    logc('D');
    ((Dog *)o)->name = strdup("rex");
    return ((Dog *)o)->name != NULL;
}

static void Dog_dtor(OSObject *o)
{
    logc('d');
    free(((Dog *)o)->name);
}

static bool Puppy_ctor(OSObject *o)
{
    logc('P');
    ((Puppy *)o)->age = 1;
    return !fail_puppy_ctor;
}

static void Puppy_dtor(OSObject *o)
{
    (void)o;
    logc('p');
}

OSDefineMetaClass(Animal, OSObject, Animal_ctor, Animal_dtor, &animal_methods);
OSDefineMetaClass(Dog, Animal, Dog_ctor, Dog_dtor, &dog_methods);
OSDefineMetaClass(Puppy, Dog, Puppy_ctor, Puppy_dtor, NULL);

/* A class in no scanned section, registered by hand. */
typedef struct Cat {
    Animal animal;
} Cat;
static OSMetaClass Cat_metaClass = {
    .name = "Cat", .super = &Animal_metaClass, .size = sizeof(Cat),
};

static void t_registry_holds_section_classes(void)
{
    static const char *const names[] = {
        "OSObject", "OSString", "OSSymbol", "OSNumber", "OSBoolean", "OSData",
        "OSDate", "OSArray", "OSDictionary", "OSSet", "Animal", "Dog", "Puppy",
    };
    unsigned seen = 0;

    for (size_t i = 0; i < TAP_COUNT(names); i++) {
        OSMetaClass *m = OSMetaClass_get_class_with_name(names[i]);

        if (!m)
            tap_fail(__FILE__, __LINE__, "class %s is not registered", names[i]);
        else
            CHECK(strcmp(m->name, names[i]) == 0);
    }
    CHECK(OSMetaClass_get_class_with_name("Dog") == OSTypeID(Dog));
    CHECK(OSMetaClass_get_class_with_name("NoSuchClass") == NULL);
    CHECK(OSMetaClass_get_class_with_name(NULL) == NULL);
    /* OSObject registers first; iteration visits each class once. */
    CHECK(OSMetaClass_first() == OSTypeID(OSObject));
    for (const OSMetaClass *m = OSMetaClass_first(); m; m = OSMetaClass_next(m)) {
        if (m == OSTypeID(Dog))
            seen++;
        REQUIRE(seen < 2);
    }
    CHECK_EQ(seen, 1);
    CHECK(libkern_init());     /* a second call is harmless */
}

static void t_ctor_root_first_dtor_leaf_first(void)
{
    Puppy *p;

    order[0] = '\0';
    p = (Puppy *)OSMetaClass_alloc_instance(OSTypeID(Puppy));
    REQUIRE(p);
    CHECK(strcmp(order, "ADP") == 0);
    CHECK_EQ(p->dog.animal.legs, 4);
    CHECK(strcmp(p->dog.name, "rex") == 0);
    CHECK_EQ(p->age, 1);
    CHECK_EQ(OSObject_get_retain_count(p), 1);
    CHECK(OSObject_get_meta_class(p) == OSTypeID(Puppy));
    CHECK(strcmp(OSObject_get_class_name(p), "Puppy") == 0);
    order[0] = '\0';
    OSObject_release(p);
    CHECK(strcmp(order, "pda") == 0);
}

static void t_failing_ctor_cleans_up(void)
{
    uint32_t puppies = OSMetaClass_get_instance_count(OSTypeID(Puppy));
    OSObject *o;

    fail_puppy_ctor = true;
    order[0] = '\0';
    o = OSMetaClass_alloc_instance(OSTypeID(Puppy));
    fail_puppy_ctor = false;
    CHECK(o == NULL);
    /* Puppy's ctor failed: it undoes its own work; Dog's and Animal's
     * destructors run (Dog's frees the name: no leak under ASan). */
    CHECK(strcmp(order, "ADPda") == 0);
    CHECK_EQ(OSMetaClass_get_instance_count(OSTypeID(Puppy)), puppies);
}

static void t_retain_release(void)
{
    Dog *d = (Dog *)OSMetaClass_alloc_class_with_name("Dog");
    uint32_t dogs;

    REQUIRE(d);
    dogs = OSMetaClass_get_instance_count(OSTypeID(Dog));
    CHECK_EQ(dogs, 1);
    OSObject_retain(d);
    OSObject_retain(d);
    CHECK_EQ(OSObject_get_retain_count(d), 3);
    order[0] = '\0';
    OSObject_release(d);
    OSObject_release(d);
    CHECK_EQ(OSObject_get_retain_count(d), 1);
    CHECK(order[0] == '\0');   /* still alive */
    OSObject_release(d);
    CHECK(strcmp(order, "da") == 0);
    CHECK_EQ(OSMetaClass_get_instance_count(OSTypeID(Dog)), 0);
    OSObject_release(NULL);     /* NULL-safe */
    CHECK(OSMetaClass_alloc_class_with_name("NoSuchClass") == NULL);
}

static void t_checked_casts(void)
{
    Puppy *p = (Puppy *)OSMetaClass_alloc_instance(OSTypeID(Puppy));
    Animal *a = (Animal *)OSMetaClass_alloc_instance(OSTypeID(Animal));
    OSString *s = OSString_with_cstring("x");

    REQUIRE(p && a && s);
    /* Up the chain: always. */
    CHECK(OSDynamicCast(Dog, p) == (Dog *)p);
    CHECK(OSDynamicCast(Animal, p) == (Animal *)p);
    CHECK(OSDynamicCast(OSObject, p) == (OSObject *)p);
    /* Down the chain: only to what the object really is. */
    CHECK(OSDynamicCast(Puppy, (Animal *)p) == p);
    CHECK(OSDynamicCast(Dog, a) == NULL);
    CHECK(OSDynamicCast(Puppy, a) == NULL);
    /* Across families. */
    CHECK(OSDynamicCast(OSString, p) == NULL);
    CHECK(OSDynamicCast(Animal, s) == NULL);
    CHECK(OSDynamicCast(OSString, (OSObject *)NULL) == NULL);
    CHECK(OSObject_is_kind_of(p, OSTypeID(Animal)));
    CHECK(!OSObject_is_kind_of(a, OSTypeID(Dog)));
    CHECK(OSMetaClass_is_subclass_of(OSTypeID(Puppy), OSTypeID(OSObject)));
    CHECK(!OSMetaClass_is_subclass_of(OSTypeID(Animal), OSTypeID(Puppy)));
    CHECK(OSMetaClass_is_subclass_of(OSTypeID(OSSymbol), OSTypeID(OSString)));
    /* Other objects are equal only to themselves. */
    CHECK(OSObject_is_equal_to(p, p));
    CHECK(!OSObject_is_equal_to(p, a));
    OSObject_release(p);
    OSObject_release(a);
    OSObject_release(s);
}

static void t_methods_inherit(void)
{
    const struct AnimalMethods *m;

    m = OSMetaClass_get_methods(OSTypeID(Puppy));    /* inherits Dog's */
    REQUIRE(m);
    CHECK(strcmp(m->sound(), "woof") == 0);
    m = OSMetaClass_get_methods(OSTypeID(Animal));
    REQUIRE(m);
    CHECK(strcmp(m->sound(), "...") == 0);
    CHECK(OSMetaClass_get_methods(OSTypeID(OSString)) == NULL);
}

static void t_register_by_hand(void)
{
    static OSMetaClass dup = { .name = "Cat", .size = sizeof(Cat) };
    Cat *c;

    dup.super = OSTypeID(Animal);
    CHECK(OSMetaClass_get_class_with_name("Cat") == NULL);
    CHECK(OSMetaClass_register(&Cat_metaClass));
    CHECK(OSMetaClass_register(&Cat_metaClass));       /* again: fine */
    CHECK(!OSMetaClass_register(&dup));                /* name taken */
    CHECK(OSMetaClass_get_class_with_name("Cat") == &Cat_metaClass);
    c = (Cat *)OSMetaClass_alloc_class_with_name("Cat");
    REQUIRE(c);
    CHECK_EQ(c->animal.legs, 4);       /* Animal's ctor ran */
    CHECK(OSDynamicCast(Animal, c) != NULL);
    OSObject_release(c);
}

static void t_dynamic_classes(void)
{
    OSMetaClass *nub, *again, *leaf;
    OSObject *o;

    nub = OSMetaClass_create_dynamic("IOPCIDeviceStandIn", OSTypeID(Dog));
    REQUIRE(nub);
    CHECK(nub->dynamic);
    CHECK_EQ(nub->size, sizeof(Dog));
    CHECK(OSMetaClass_get_class_with_name("IOPCIDeviceStandIn") == nub);
    again = OSMetaClass_create_dynamic("IOPCIDeviceStandIn", OSTypeID(Animal));
    CHECK(again == nub);
    leaf = OSMetaClass_create_dynamic("LeafStandIn", nub);
    REQUIRE(leaf);
    CHECK(OSMetaClass_is_subclass_of(leaf, OSTypeID(Animal)));
    CHECK(OSMetaClass_get_methods(leaf) == &dog_methods);
    CHECK(OSMetaClass_create_dynamic(NULL, nub) == NULL);
    CHECK(OSMetaClass_create_dynamic("Orphan", NULL) == NULL);
    /* Existing names win: asking for "Dog" gives the static class. */
    CHECK(OSMetaClass_create_dynamic("Dog", OSTypeID(OSObject)) == OSTypeID(Dog));

    order[0] = '\0';
    o = OSMetaClass_alloc_class_with_name("LeafStandIn");
    REQUIRE(o);
    CHECK(strcmp(order, "AD") == 0);
    CHECK_EQ(OSMetaClass_get_instance_count(leaf), 1);
    CHECK_EQ(OSMetaClass_get_instance_count(OSTypeID(Dog)), 0);  /* exact class */
    CHECK(OSDynamicCast(Dog, o) != NULL);
    CHECK(OSMetaClass_safe_cast(o, nub) == o);
    OSObject_release(o);
    CHECK(strcmp(order, "ADda") == 0);
    CHECK_EQ(OSMetaClass_get_instance_count(leaf), 0);
}

static void t_instance_counts(void)
{
    OSObject *objs[10];
    uint32_t base = OSMetaClass_get_instance_count(OSTypeID(OSString));

    for (int i = 0; i < 10; i++)
        objs[i] = (OSObject *)OSString_with_cstring("counted");
    CHECK_EQ(OSMetaClass_get_instance_count(OSTypeID(OSString)), base + 10);
    for (int i = 0; i < 10; i++)
        OSObject_release(objs[i]);
    CHECK_EQ(OSMetaClass_get_instance_count(OSTypeID(OSString)), base);
    CHECK_EQ(OSMetaClass_get_instance_count(NULL), 0);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_registry_holds_section_classes),
    TAP_CASE(t_ctor_root_first_dtor_leaf_first),
    TAP_CASE(t_failing_ctor_cleans_up),
    TAP_CASE(t_retain_release),
    TAP_CASE(t_checked_casts),
    TAP_CASE(t_methods_inherit),
    TAP_CASE(t_register_by_hand),
    TAP_CASE(t_dynamic_classes),
    TAP_CASE(t_instance_counts),
};

int main(void)
{
    return lk_test_run(cases, TAP_COUNT(cases));
}
