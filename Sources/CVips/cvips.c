// libvips through dlopen: see include/cvips.h for why. The real headers give every function's
// exact type (`__typeof__`) and every constant, so nothing here restates libvips's ABI; only
// the symbols are looked up at run time instead of at link time.
#include "cvips.h"
#include <dlfcn.h>
#include <vips/vips.h>

#define CVIPS_FUNCTIONS(X) \
    X(vips_init) X(vips_concurrency_set) X(vips_cache_set_max) X(vips_cache_set_max_mem) X(vips_cache_set_max_files) \
    X(vips_jpegload_buffer) X(vips_pngload_buffer) X(vips_webpload_buffer) \
    X(vips_image_get_width) X(vips_image_get_height) X(vips_image_get_orientation) X(vips_image_get_n_pages) \
    X(vips_image_get_interpretation) X(vips_autorot) X(vips_colourspace) X(vips_thumbnail_image) X(vips_thumbnail_buffer) \
    X(vips_jpegsave_buffer) X(vips_pngsave_buffer) X(vips_webpsave_buffer) \
    X(vips_xyz) X(vips_extract_band) X(vips_bandjoin) X(vips_gaussnoise) X(vips_add) X(vips_cast) \
    X(vips_error_buffer) X(vips_error_clear) X(vips_thread_shutdown)

#define CVIPS_DECLARE(name) static __typeof__(name) *p_##name;
CVIPS_FUNCTIONS(CVIPS_DECLARE)
// GLib's (libvips's own dependencies, found through its handle). g_object_ref may be a macro.
static void (*p_g_object_ref)(gpointer);
static void (*p_g_object_unref)(gpointer);
static void (*p_g_free)(gpointer);
static guint (*p_g_log_set_handler)(const gchar *, GLogLevelFlags, GLogFunc, gpointer);
static int started;

static void cvips_quiet(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data) {
    (void)domain; (void)level; (void)message; (void)data;
}

int cvips_start(void) {
    // Called once (Swift initialises the global that calls it exactly once).
    void *handle = dlopen("libvips.so.42", RTLD_NOW | RTLD_LOCAL);
    if (!handle) return -1;
#define CVIPS_LOAD(name) if (!(p_##name = (__typeof__(name) *)dlsym(handle, #name))) return -1;
    CVIPS_FUNCTIONS(CVIPS_LOAD)
    if (!(p_g_object_ref = (void (*)(gpointer))dlsym(handle, "g_object_ref"))) return -1;
    if (!(p_g_object_unref = (void (*)(gpointer))dlsym(handle, "g_object_unref"))) return -1;
    if (!(p_g_free = (void (*)(gpointer))dlsym(handle, "g_free"))) return -1;
    if (!(p_g_log_set_handler = (guint (*)(const gchar *, GLogLevelFlags, GLogFunc, gpointer))dlsym(handle, "g_log_set_handler"))) return -1;
    if (p_vips_init("groundswell") != 0) return -1;
    // A broken upload is answered with its error; libvips's own warnings would only litter stderr.
    p_g_log_set_handler("VIPS", (GLogLevelFlags)(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO), cvips_quiet, NULL);
    p_vips_concurrency_set(1);
    p_vips_cache_set_max(0);
    p_vips_cache_set_max_mem(0);
    p_vips_cache_set_max_files(0);
    started = 1;
    return 0;
}

CVipsImage *cvips_load(const void *bytes, size_t length, int format, int sequential) {
    if (!started) return NULL;
    VipsImage *out = NULL;
    VipsAccess access = sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM;
    void *buf = (void *)bytes;
    int rc;
    switch (format) {
    case 0: rc = p_vips_jpegload_buffer(buf, length, &out, "access", access, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL); break;
    case 1: rc = p_vips_pngload_buffer(buf, length, &out, "access", access, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL); break;
    case 2: rc = p_vips_webpload_buffer(buf, length, &out, "access", access, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL); break;
    default: return NULL;
    }
    return rc == 0 ? (CVipsImage *)out : NULL;
}

int cvips_width(CVipsImage *image) { return p_vips_image_get_width((VipsImage *)image); }
int cvips_height(CVipsImage *image) { return p_vips_image_get_height((VipsImage *)image); }
int cvips_orientation(CVipsImage *image) { return p_vips_image_get_orientation((VipsImage *)image); }
int cvips_pages(CVipsImage *image) { return p_vips_image_get_n_pages((VipsImage *)image); }

CVipsImage *cvips_autorotate(CVipsImage *in) {
    VipsImage *out = NULL;
    return p_vips_autorot((VipsImage *)in, &out, NULL) == 0 ? (CVipsImage *)out : NULL;
}

CVipsImage *cvips_to_srgb_if_cmyk(CVipsImage *in) {
    VipsImage *out = NULL;
    if (p_vips_image_get_interpretation((VipsImage *)in) != VIPS_INTERPRETATION_CMYK) {
        p_g_object_ref(in);
        return in;
    }
    return p_vips_colourspace((VipsImage *)in, &out, VIPS_INTERPRETATION_sRGB, NULL) == 0 ? (CVipsImage *)out : NULL;
}

CVipsImage *cvips_shrink(CVipsImage *in, int width, int height) {
    VipsImage *out = NULL;
    return p_vips_thumbnail_image((VipsImage *)in, &out, width, "height", height, "size", VIPS_SIZE_DOWN, NULL) == 0
        ? (CVipsImage *)out : NULL;
}

int cvips_save(CVipsImage *in, int format, int quality, void **bytes, size_t *length) {
    VipsImage *image = (VipsImage *)in;
    switch (format) {
    case 0: return p_vips_jpegsave_buffer(image, bytes, length, "Q", quality, "strip", TRUE, "optimize_coding", TRUE, NULL);
    case 1: return p_vips_pngsave_buffer(image, bytes, length, "strip", TRUE, "compression", 6, NULL);
    case 2: return p_vips_webpsave_buffer(image, bytes, length, "Q", quality, "strip", TRUE, NULL);
    default: return -1;
    }
}

CVipsImage *cvips_thumbnail(const void *bytes, size_t length, int width, int height) {
    if (!started) return NULL;
    VipsImage *out = NULL;
    return p_vips_thumbnail_buffer((void *)bytes, length, &out, width, "height", height, "size", VIPS_SIZE_DOWN,
                                   "no_rotate", TRUE, NULL) == 0 ? (CVipsImage *)out : NULL;
}

void cvips_release(CVipsImage *image) { if (image && started) p_g_object_unref(image); }
void cvips_free(void *bytes) { if (bytes && started) p_g_free(bytes); }

int cvips_test_image(int width, int height, int format, double noise, void **bytes, size_t *length) {
    if (!started) return -1;
    VipsImage *xyz = NULL, *x = NULL, *y = NULL, *bands = NULL, *noisy = NULL, *grain = NULL, *cast = NULL;
    int rc = -1;
    if (p_vips_xyz(&xyz, width, height, NULL) != 0) return -1;
    if (p_vips_extract_band(xyz, &x, 0, NULL) == 0 && p_vips_extract_band(xyz, &y, 1, NULL) == 0) {
        VipsImage *parts[3] = { x, y, x };
        VipsImage *base = NULL;
        if (p_vips_bandjoin(parts, &bands, 3, NULL) == 0) {
            // Grain like a phone sensor's, so a picture compresses like a photograph.
            if (noise > 0 && p_vips_gaussnoise(&grain, width, height, "mean", 0.0, "sigma", noise, NULL) == 0
                && p_vips_add(bands, grain, &noisy, NULL) == 0) base = noisy; else base = bands;
        }
        if (base && p_vips_cast(base, &cast, VIPS_FORMAT_UCHAR, NULL) == 0) {
            switch (format) {
            case 0: rc = p_vips_jpegsave_buffer(cast, bytes, length, "Q", 90, NULL); break;
            case 1: rc = p_vips_pngsave_buffer(cast, bytes, length, NULL); break;
            case 2: rc = p_vips_webpsave_buffer(cast, bytes, length, NULL); break;
            }
        }
    }
    if (cast) p_g_object_unref(cast);
    if (noisy) p_g_object_unref(noisy);
    if (grain) p_g_object_unref(grain);
    if (bands) p_g_object_unref(bands);
    if (x) p_g_object_unref(x);
    if (y) p_g_object_unref(y);
    p_g_object_unref(xyz);
    p_vips_error_clear();
    return rc;
}

const char *cvips_error(void) { return started ? p_vips_error_buffer() : NULL; }
void cvips_error_clear(void) { if (started) p_vips_error_clear(); }
void cvips_thread_done(void) { if (started) p_vips_thread_shutdown(); }
