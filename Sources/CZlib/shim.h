#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
// zlib (Debian's zlib1g-dev): gzip for pages and assets sent to browsers that accept it.
#include <zlib.h>

// deflateInit2 is a macro in zlib.h, which Swift cannot call.
static inline int czlib_deflate_init_gzip(z_stream *stream, int level, int window_bits, int mem_level) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits + 16, mem_level, Z_DEFAULT_STRATEGY);
}
static inline int czlib_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}
#endif
