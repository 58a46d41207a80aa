/* bin/utest [FILTER]: the guest userland test suite.  Runs every test whose
 * name starts with FILTER (with or without the "user." prefix), reports each
 * on the control channel and exits with the number that failed.  It needs
 * TASK_PRIV_CONTROL, TASK_PRIV_SPAWN and TASK_PRIV_IO. */
#include "ut.h"

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;

    ut_init();
    return utest_run("user.", filter);
}
