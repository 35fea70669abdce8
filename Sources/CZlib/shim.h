#ifndef SLUICE_CZLIB_SHIM_H
#define SLUICE_CZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 is a macro Swift cannot import. 15 + 32: any window size, gzip or zlib header.
static inline int sluice_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
#endif
