#ifndef CVIPS_SHIM_H
#define CVIPS_SHIM_H
// libvips (Debian's libvips-dev): decoding, re-encoding without metadata, and resizing the
// images customers attach to ideas. Its operations take variadic option lists, which Swift
// cannot call; each wrapper below fixes the options one call site needs.
#include <vips/vips.h>

/// Starts libvips once per process: one worker thread per operation (the media thread is
/// the concurrency) and no operation cache (every upload is new; a cache only holds memory).
static inline void cvips_quiet(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data) {
    (void)domain; (void)level; (void)message; (void)data;
}
static inline int cvips_start(void) {
    if (VIPS_INIT("groundswell") != 0) return -1;
    // A broken upload is answered with its error; libvips's own warnings would only litter stderr.
    g_log_set_handler("VIPS", (GLogLevelFlags)(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO), cvips_quiet, NULL);
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    return 0;
}

/// Format-specific loaders only (0 JPEG, 1 PNG, 2 WebP): the bytes were already recognised,
/// and no other of libvips's loaders (SVG, PDF, ImageMagick…) is ever reached from an upload.
/// `sequential`: one top-to-bottom pass, so memory stays a few scanlines whatever the size.
/// A truncated file is an error, not a grey bottom half.
static inline VipsImage *cvips_load(const void *bytes, size_t length, int format, int sequential) {
    VipsImage *out = NULL;
    VipsAccess access = sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM;
    void *buf = (void *)bytes;
    int rc;
    switch (format) {
    case 0: rc = vips_jpegload_buffer(buf, length, &out, "access", access, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL); break;
    case 1: rc = vips_pngload_buffer(buf, length, &out, "access", access, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL); break;
    case 2: rc = vips_webpload_buffer(buf, length, &out, "access", access, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL); break;
    default: return NULL;
    }
    return rc == 0 ? out : NULL;
}

static inline int cvips_width(VipsImage *image) { return vips_image_get_width(image); }
static inline int cvips_height(VipsImage *image) { return vips_image_get_height(image); }
static inline int cvips_orientation(VipsImage *image) { return vips_image_get_orientation(image); }
static inline int cvips_pages(VipsImage *image) { return vips_image_get_n_pages(image); }

/// Turns the pixels upright by the EXIF orientation (which stripping is about to remove).
static inline VipsImage *cvips_autorotate(VipsImage *in) {
    VipsImage *out = NULL;
    return vips_autorot(in, &out, NULL) == 0 ? out : NULL;
}

/// Print-shop CMYK becomes sRGB (browsers show CMYK JPEGs wrongly once the profile is gone).
static inline VipsImage *cvips_to_srgb_if_cmyk(VipsImage *in) {
    VipsImage *out = NULL;
    if (vips_image_get_interpretation(in) != VIPS_INTERPRETATION_CMYK) { g_object_ref(in); return in; }
    return vips_colourspace(in, &out, VIPS_INTERPRETATION_sRGB, NULL) == 0 ? out : NULL;
}

/// Fits the image within width × height (never enlarging).
static inline VipsImage *cvips_shrink(VipsImage *in, int width, int height) {
    VipsImage *out = NULL;
    return vips_thumbnail_image(in, &out, width, "height", height, "size", VIPS_SIZE_DOWN, NULL) == 0 ? out : NULL;
}

/// Encodes with every metadata block stripped (EXIF, XMP, IPTC, ICC, comments); the result is
/// freed with g_free.
static inline int cvips_save(VipsImage *in, int format, int quality, void **bytes, size_t *length) {
    switch (format) {
    case 0: return vips_jpegsave_buffer(in, bytes, length, "Q", quality, "strip", TRUE, "optimize_coding", TRUE, NULL);
    case 1: return vips_pngsave_buffer(in, bytes, length, "strip", TRUE, "compression", 6, NULL);
    case 2: return vips_webpsave_buffer(in, bytes, length, "Q", quality, "strip", TRUE, NULL);
    default: return -1;
    }
}

/// A smaller copy for lists, from already-encoded bytes (shrink-on-load makes it cheap).
static inline VipsImage *cvips_thumbnail(const void *bytes, size_t length, int width, int height) {
    VipsImage *out = NULL;
    return vips_thumbnail_buffer((void *)bytes, length, &out, width, "height", height, "size", VIPS_SIZE_DOWN,
                                 "no_rotate", TRUE, NULL) == 0 ? out : NULL;
}

static inline void cvips_release(VipsImage *image) { if (image) g_object_unref(image); }
static inline void cvips_free(void *bytes) { g_free(bytes); }

/// Tests' pictures: a width × height colour ramp encoded with nothing stripped.
static inline int cvips_test_image(int width, int height, int format, double noise, void **bytes, size_t *length) {
    VipsImage *xyz = NULL, *x = NULL, *y = NULL, *bands = NULL, *noisy = NULL, *grain = NULL, *cast = NULL;
    int rc = -1;
    if (vips_xyz(&xyz, width, height, NULL) != 0) return -1;
    if (vips_extract_band(xyz, &x, 0, NULL) == 0 && vips_extract_band(xyz, &y, 1, NULL) == 0) {
        VipsImage *parts[3] = { x, y, x };
        VipsImage *base = NULL;
        if (vips_bandjoin(parts, &bands, 3, NULL) == 0) {
            // Grain like a phone sensor's, so a picture compresses like a photograph.
            if (noise > 0 && vips_gaussnoise(&grain, width, height, "mean", 0.0, "sigma", noise, NULL) == 0
                && vips_add(bands, grain, &noisy, NULL) == 0) base = noisy; else base = bands;
        }
        if (base && vips_cast(base, &cast, VIPS_FORMAT_UCHAR, NULL) == 0) {
            switch (format) {
            case 0: rc = vips_jpegsave_buffer(cast, bytes, length, "Q", 90, NULL); break;
            case 1: rc = vips_pngsave_buffer(cast, bytes, length, NULL); break;
            case 2: rc = vips_webpsave_buffer(cast, bytes, length, NULL); break;
            }
        }
    }
    if (cast) g_object_unref(cast);
    if (noisy) g_object_unref(noisy);
    if (grain) g_object_unref(grain);
    if (bands) g_object_unref(bands);
    if (x) g_object_unref(x);
    if (y) g_object_unref(y);
    g_object_unref(xyz);
    vips_error_clear();
    return rc;
}

/// The last error libvips recorded on this thread's operations, then cleared.
static inline const char *cvips_error(void) { return vips_error_buffer(); }
static inline void cvips_error_clear(void) { vips_error_clear(); }
static inline void cvips_thread_done(void) { vips_thread_shutdown(); }
#endif
