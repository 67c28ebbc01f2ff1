/* embed.c - lookup of the files compiled into the binary (see tools/embed.c). */
#include "core.h"

#include <string.h>

const struct eg_embedded_file *
eg_embedded(const char *name)
{
    for (size_t i = 0; i < eg_embedded_count; i++)
        if (strcmp(eg_embedded_files[i].name, name) == 0)
            return &eg_embedded_files[i];
    return NULL;
}
