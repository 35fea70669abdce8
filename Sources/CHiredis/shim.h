#ifndef SLUICE_CHIREDIS_SHIM_H
#define SLUICE_CHIREDIS_SHIM_H
// hiredis.pc is not used (its -D_FILE_OFFSET_BITS=64 is a prohibited SwiftPM flag): the header
// lives under the system include directory as <hiredis/hiredis.h> (libhiredis-dev).
#include <hiredis/hiredis.h>
#endif
