import HTTPServer
import Imaging

/// An upload request's picture, found in its `multipart/form-data` body (RFC 7578) and
/// processed: the part named `file` (or the first part with a file name) and an optional
/// `alt` text. Plain values and errors; the routes decide who may upload where.
struct MediaUpload {
    let image: ProcessedImage
    let alt: String

    /// The form's boundary, or 415 for any other body type.
    static func boundary(_ request: Request) throws -> String {
        guard let boundary = MultipartForm.boundary(contentType: request.headers["content-type"] ?? "") else {
            throw ErrorCode.unsupportedMediaType.error("send the picture as multipart/form-data with a boundary, in a part named file")
        }
        return boundary
    }

    /// The text fields of the form (for the web form's CSRF token), without decoding the picture.
    static func fields(_ body: SpooledBody?, boundary: String) throws -> [String: String] {
        guard let body else { return [:] }
        let mapped = try map(body)
        return try mapped.withBytes { bytes throws(HTTPError) -> [String: String] in
            var fields: [String: String] = [:]
            for part in try parts(bytes, boundary: boundary) where part.filename == nil && part.range.count <= 4096 {
                if fields[part.name] == nil, let text = part.text(in: bytes) { fields[part.name] = text }
            }
            return fields
        }
    }

    /// Reads and processes the picture (blocking: call on the media thread).
    init(_ body: SpooledBody?, boundary: String, limits: ImageLimits) throws {
        guard let body, body.count > 0 else {
            throw ErrorCode.invalidMultipart.error("the body is empty; send the picture in a part named file")
        }
        let mapped = try Self.map(body)
        (image, alt) = try mapped.withBytes { bytes throws(HTTPError) -> (ProcessedImage, String) in
            let parts = try Self.parts(bytes, boundary: boundary)
            guard let file = parts.first(where: { $0.name == "file" }) ?? parts.first(where: { $0.filename != nil }) else {
                throw ErrorCode.invalidMultipart.error("the form has no picture; send it in a part named file")
            }
            var alt = ""
            if let part = parts.first(where: { $0.name == "alt" && $0.filename == nil }) {
                guard let text = part.text(in: bytes) else { throw APIError.invalid("alt must be UTF-8 text") }
                alt = text.trimmingWhitespace()
                guard alt.count <= 300 else { throw APIError.invalid("alt must be at most 300 characters") }
                guard !alt.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                    throw APIError.invalid("alt must be one line of text")
                }
            }
            guard !file.range.isEmpty else { throw ErrorCode.invalidMultipart.error("the picture part is empty") }
            do throws(ImagingError) {
                let image = try Imaging.process(UnsafeRawBufferPointer(rebasing: bytes[file.range]), limits: limits)
                return (image, alt)
            } catch {
                throw Self.error(error, limits: limits)
            }
        }
    }

    private static func map(_ body: SpooledBody) throws(HTTPError) -> MappedFile {
        do { return try body.map() } catch {
            throw ErrorCode.insufficientStorage.error("the upload could not be read back (\(error.description)); try again")
        }
    }

    private static func parts(_ bytes: UnsafeRawBufferPointer, boundary: String) throws(HTTPError) -> [MultipartPart] {
        do { return try MultipartForm.parse(bytes, boundary: boundary) } catch {
            throw ErrorCode.invalidMultipart.error("the multipart/form-data body is malformed: \(error.message)")
        }
    }

    static func error(_ error: ImagingError, limits: ImageLimits) -> HTTPError {
        switch error {
        case .unsupported:
            return ErrorCode.unsupportedMediaType.error("only JPEG, PNG and WebP pictures are accepted, recognised by their content; this file is none of them")
        case .undecodable(let reason):
            return ErrorCode.invalidImage.error("the picture could not be decoded (\(reason)); is the file complete?")
        case .dimensions(let width, let height):
            return ErrorCode.invalidImage.error("the picture is \(width) × \(height) pixels; at most \(limits.maxSide) a side and \(limits.maxPixels / 1_000_000) megapixels")
        }
    }
}
