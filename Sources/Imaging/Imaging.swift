import CVips

/// What an upload becomes: the picture re-encoded from its pixels (upright, every metadata
/// block gone, nothing of the sender's file kept — so a polyglot's other half cannot
/// survive), and a smaller rendition for lists and share cards.
public struct ProcessedImage: Sendable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    public let bytes: [UInt8]
    public let rendition: [UInt8]
    public let renditionWidth: Int
    public let renditionHeight: Int
}

/// Why an upload is not a picture we keep.
public enum ImagingError: Error, Equatable, Sendable {
    /// Not JPEG, PNG or WebP by its bytes.
    case unsupported
    /// The bytes claim a format but do not decode (truncated, corrupt).
    case undecodable(String)
    /// Outside the allowed dimensions.
    case dimensions(width: Int, height: Int)
}

/// Limits that keep a small file from becoming a huge bitmap (a "decompression bomb").
public struct ImageLimits: Sendable {
    public var maxSide = 10_000
    public var maxPixels = 40_000_000
    /// The rendition fits within this square.
    public var renditionSide = 640
    public var jpegQuality: Int32 = 85
    public var webpQuality: Int32 = 80
    public init() {}
}

/// Decoding, metadata stripping and resizing through libvips — never our own decoder.
/// Calls block for milliseconds to a second: run them on a worker thread, not an event loop.
public enum Imaging {
    /// libvips starts once per process (Swift runs a global's initialiser exactly once).
    private static let started: Bool = cvips_start() == 0

    public static func process(_ bytes: UnsafeRawBufferPointer, limits: ImageLimits = ImageLimits()) throws(ImagingError) -> ProcessedImage {
        guard let format = ImageFormat.sniff(bytes) else { throw .unsupported }
        guard started, let base = bytes.baseAddress else { throw .undecodable("the image library did not start") }
        defer { cvips_error_clear() }
        // The header first (sequential loaders read only it until pixels are asked for).
        guard var image = cvips_load(base, bytes.count, format.vipsCode, 1) else { throw .undecodable(lastError()) }
        defer { cvips_release(image) }
        let width = Int(cvips_width(image)), height = Int(cvips_height(image))
        guard width >= 1, height >= 1, width <= limits.maxSide, height <= limits.maxSide, width * height <= limits.maxPixels else {
            throw .dimensions(width: width, height: height)
        }
        // A phone's sideways photo: turn the pixels before the orientation tag is stripped.
        // Rotation needs the whole image, so only such photos are loaded for random access.
        let orientation = cvips_orientation(image)
        if orientation > 1 && orientation <= 8 {
            guard let random = cvips_load(base, bytes.count, format.vipsCode, 0) else { throw .undecodable(lastError()) }
            let rotated = cvips_autorotate(random)
            cvips_release(random)
            guard let rotated else { throw .undecodable(lastError()) }
            cvips_release(image)
            image = rotated
        }
        guard let srgb = cvips_to_srgb_if_cmyk(image) else { throw .undecodable(lastError()) }
        cvips_release(image)
        image = srgb
        let encoded = try save(image, format: format, limits: limits)
        let finalWidth = Int(cvips_width(image)), finalHeight = Int(cvips_height(image))

        // The rendition from our own clean bytes, shrunk on load.
        var rendition = encoded
        var renditionWidth = finalWidth, renditionHeight = finalHeight
        if max(finalWidth, finalHeight) > limits.renditionSide {
            let side = Int32(limits.renditionSide)
            guard let small = encoded.withUnsafeBytes({ cvips_thumbnail($0.baseAddress, $0.count, side, side) }) else {
                throw .undecodable(lastError())
            }
            defer { cvips_release(small) }
            rendition = try save(small, format: format, limits: limits)
            renditionWidth = Int(cvips_width(small))
            renditionHeight = Int(cvips_height(small))
        }
        return ProcessedImage(format: format, width: finalWidth, height: finalHeight, bytes: encoded,
                              rendition: rendition, renditionWidth: renditionWidth, renditionHeight: renditionHeight)
    }

    private static func save(_ image: OpaquePointer, format: ImageFormat, limits: ImageLimits) throws(ImagingError) -> [UInt8] {
        var out: UnsafeMutableRawPointer?
        var length = 0
        let quality = format == .webp ? limits.webpQuality : limits.jpegQuality
        guard cvips_save(image, format.vipsCode, quality, &out, &length) == 0, let out else { throw .undecodable(lastError()) }
        defer { cvips_free(out) }
        return Array(UnsafeRawBufferPointer(start: out, count: length))
    }

    private static func lastError() -> String {
        guard let text = cvips_error() else { return "the image could not be decoded" }
        let message = String(cString: text).split(separator: "\n").first.map(String.init) ?? ""
        return message.isEmpty ? "the image could not be decoded" : message
    }

    /// Frees libvips's per-thread state; call when a thread that processed images ends.
    public static func threadFinished() { cvips_thread_done() }
}

extension Imaging {
    /// A width × height colour ramp in `format`, metadata untouched: pictures for tests and benchmarks.
    /// `noise`: the standard deviation of added grain (0: none), so benchmarks upload pictures
    /// that compress like photographs.
    public static func testImage(width: Int, height: Int, format: ImageFormat, noise: Double = 0) -> [UInt8] {
        precondition(started)
        var out: UnsafeMutableRawPointer?
        var length = 0
        guard cvips_test_image(Int32(width), Int32(height), format.vipsCode, noise, &out, &length) == 0, let out else { return [] }
        defer { cvips_free(out) }
        return Array(UnsafeRawBufferPointer(start: out, count: length))
    }
}
