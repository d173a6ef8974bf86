#ifndef CVIPS_H
#define CVIPS_H
// libvips (Debian's libvips-dev), loaded on first use: decoding, re-encoding without metadata,
// and resizing the images customers attach to ideas. libvips and the ~70 libraries it links
// (librsvg, OpenEXR, HDF5, poppler's kin…) are only mapped once a picture arrives: a server
// that never takes one keeps ~11 MiB less resident (docs/performance.md). Its operations take
// variadic option lists, which Swift cannot call; each function below fixes the options one
// call site needs.
#include <stddef.h>

/// A libvips image (`VipsImage *`), opaque to Swift.
typedef struct CVipsImage CVipsImage;

/// Loads libvips and starts it once per process: one worker thread per operation (the media
/// thread is the concurrency) and no operation cache. 0 on success; -1 if the library or one
/// of its functions could not be found, or it would not start (every call below then fails).
int cvips_start(void);

/// Format-specific loaders only (0 JPEG, 1 PNG, 2 WebP): the bytes were already recognised,
/// and no other of libvips's loaders (SVG, PDF, ImageMagick…) is ever reached from an upload.
/// `sequential`: one top-to-bottom pass, so memory stays a few scanlines whatever the size.
/// A truncated file is an error, not a grey bottom half.
CVipsImage *cvips_load(const void *bytes, size_t length, int format, int sequential);
int cvips_width(CVipsImage *image);
int cvips_height(CVipsImage *image);
int cvips_orientation(CVipsImage *image);
int cvips_pages(CVipsImage *image);
/// Turns the pixels upright by the EXIF orientation (which stripping is about to remove).
CVipsImage *cvips_autorotate(CVipsImage *in);
/// Print-shop CMYK becomes sRGB (browsers show CMYK JPEGs wrongly once the profile is gone).
CVipsImage *cvips_to_srgb_if_cmyk(CVipsImage *in);
/// Fits the image within width × height (never enlarging).
CVipsImage *cvips_shrink(CVipsImage *in, int width, int height);
/// Encodes with every metadata block stripped (EXIF, XMP, IPTC, ICC, comments); the result is
/// freed with cvips_free.
int cvips_save(CVipsImage *in, int format, int quality, void **bytes, size_t *length);
/// A smaller copy for lists, from already-encoded bytes (shrink-on-load makes it cheap).
CVipsImage *cvips_thumbnail(const void *bytes, size_t length, int width, int height);
void cvips_release(CVipsImage *image);
void cvips_free(void *bytes);
/// Tests' pictures: a width × height colour ramp encoded with nothing stripped.
int cvips_test_image(int width, int height, int format, double noise, void **bytes, size_t *length);
/// The last error libvips recorded on this thread's operations (NULL if it never started).
const char *cvips_error(void);
void cvips_error_clear(void);
/// A thread that ran libvips operations ends (frees its per-thread buffers).
void cvips_thread_done(void);
#endif
