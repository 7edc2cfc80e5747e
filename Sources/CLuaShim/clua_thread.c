/*
 * Naming the sandbox's own threads (the Lua workers, the watchdog) for the kernel: `top -H` and
 * /proc/<pid>/task/<tid>/comm. Swift cannot call pthread_setname_np (it needs _GNU_SOURCE).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>

#include "clua_shim.h"

void clua_name_current_thread(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof truncated - 1);
    truncated[sizeof truncated - 1] = '\0';
    pthread_setname_np(pthread_self(), truncated);
}
