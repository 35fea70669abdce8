#ifndef SLUICE_CLIBPQ_SHIM_H
#define SLUICE_CLIBPQ_SHIM_H
// The include path comes from pkg-config (libpq.pc), never hard-coded here.
#include <libpq-fe.h>
#endif
