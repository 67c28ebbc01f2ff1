/* main.c - the egov binary. */
#include "cli/cli.h"

extern char **environ;

int
main(int argc, char **argv)
{
    return eg_cli_main(argc, argv, environ);
}
