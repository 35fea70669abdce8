#ifndef SLUICE_CZLIB_SHIM_H
#define SLUICE_CZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 is a macro Swift cannot import. 15 + 32: any window size, gzip or zlib header.
static inline int sluice_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}

// deflateInit2 is a macro too. 15 + 16: a gzip header and trailer; memLevel 8 (zlib's default).
static inline int sluice_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
#endif
