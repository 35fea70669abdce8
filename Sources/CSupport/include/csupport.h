#ifndef SLUICE_CSUPPORT_H
#define SLUICE_CSUPPORT_H
#include <spawn.h>

/// Adds "close every descriptor >= lowfd" to spawn file actions (glibc's
/// posix_spawn_file_actions_addclosefrom_np, which needs _GNU_SOURCE and so is not visible to Swift).
int sluice_spawn_actions_close_from(posix_spawn_file_actions_t *actions, int lowfd);
#endif
