/// The image types customers may attach, recognised by their first bytes — never by a file
/// name or a declared `Content-Type`, which the sender controls.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp

    public var mimeType: String {
        switch self {
        case .jpeg: return "image/jpeg"
        case .png: return "image/png"
        case .webp: return "image/webp"
        }
    }

    public var fileExtension: String {
        switch self {
        case .jpeg: return "jpg"
        case .png: return "png"
        case .webp: return "webp"
        }
    }

    public init?(fileExtension: String) {
        switch fileExtension {
        case "jpg": self = .jpeg
        case "png": self = .png
        case "webp": self = .webp
        default: return nil
        }
    }

    /// The format whose signature `bytes` starts with: JPEG `FF D8 FF`, PNG's eight-byte
    /// signature, WebP's `RIFF····WEBP`. Anything else (GIF, SVG, HTML, a PDF…) is nil.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        func starts(_ signature: [UInt8], at offset: Int = 0) -> Bool {
            guard bytes.count >= offset + signature.count else { return false }
            for (i, byte) in signature.enumerated() where bytes[offset + i] != byte { return false }
            return true
        }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        return nil
    }

    /// The number libvips's shim takes for this format.
    var vipsCode: Int32 {
        switch self {
        case .jpeg: return 0
        case .png: return 1
        case .webp: return 2
        }
    }
}
