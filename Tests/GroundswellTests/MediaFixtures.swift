import Foundation
import Imaging

/// Pictures for the media tests, made by libvips, and the metadata a phone adds, by hand.
enum MediaFixtures {
    static func image(_ format: ImageFormat, width: Int = 320, height: Int = 200) -> [UInt8] {
        Imaging.testImage(width: width, height: height, format: format)
    }

    /// `jpeg` with what a phone photo carries inserted after SOI: an EXIF block (orientation,
    /// a camera make, GPS latitude 37° 33′ 12.34″ N), an XMP packet with the same place, an
    /// IPTC block and a comment.
    static func withPhoneMetadata(_ jpeg: [UInt8], orientation: UInt16 = 1) -> [UInt8] {
        var tiff: [UInt8] = Array("MM".utf8) + [0x00, 0x2A] + be32(8)
        // IFD0 at 8: Orientation, Make (offset), GPSInfo pointer.
        let ifd0Entries = 3
        let ifd0Size = 2 + ifd0Entries * 12 + 4
        let makeOffset = 8 + ifd0Size
        let make = Array("PhoneCo\0".utf8)
        let gpsOffset = makeOffset + make.count
        tiff += be16(UInt16(ifd0Entries))
        tiff += be16(0x0112) + be16(3) + be32(1) + be16(orientation) + [0, 0]
        tiff += be16(0x010F) + be16(2) + be32(UInt32(make.count)) + be32(UInt32(makeOffset))
        tiff += be16(0x8825) + be16(4) + be32(1) + be32(UInt32(gpsOffset))
        tiff += be32(0)
        tiff += make
        // GPS IFD: latitude ref "N", latitude as three rationals.
        let gpsSize = 2 + 2 * 12 + 4
        let rationalsOffset = gpsOffset + gpsSize
        tiff += be16(2)
        tiff += be16(0x0001) + be16(2) + be32(2) + Array("N\0".utf8) + [0, 0]
        tiff += be16(0x0002) + be16(5) + be32(3) + be32(UInt32(rationalsOffset))
        tiff += be32(0)
        tiff += be32(37) + be32(1) + be32(33) + be32(1) + be32(1234) + be32(100)
        let exif = Array("Exif\0\0".utf8) + tiff
        let xmp = Array("http://ns.adobe.com/xap/1.0/\0".utf8)
            + Array("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF><rdf:Description exif:GPSLatitude=\"37,33.2N\"/></rdf:RDF></x:xmpmeta>".utf8)
        let iptc = Array("Photoshop 3.0\0".utf8) + Array("8BIM".utf8) + [0x04, 0x04, 0, 0] + be32(12)
            + [0x1C, 0x02, 0x5A, 0x00, 0x05] + Array("Seoul".utf8) + [0]
        let comment = Array("taken at home".utf8)
        var out: [UInt8] = [0xFF, 0xD8]
        out += segment(0xE1, exif) + segment(0xE1, xmp) + segment(0xED, iptc) + segment(0xFE, comment)
        out += jpeg.dropFirst(2)
        return out
    }

    private static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0xFF, marker] + be16(UInt16(payload.count + 2)) + payload
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    /// The markers of a JPEG's segments before the image data (SOS), parsed from its bytes.
    static func jpegMarkers(_ bytes: [UInt8]) -> [UInt8] {
        var markers: [UInt8] = []
        var i = 2
        while i + 4 <= bytes.count, bytes[i] == 0xFF {
            let marker = bytes[i + 1]
            markers.append(marker)
            if marker == 0xDA { break }
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            i += 2 + length
        }
        return markers
    }

    /// `multipart/form-data` with the given fields and one file part.
    static func form(boundary: String = "gsBoundary7MA4YWxk", fields: [(String, String)] = [],
                     file: [UInt8]?, filename: String = "photo.jpg", type: String = "image/jpeg", fileField: String = "file") -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fileField)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
            body += file
            body += Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return body
    }

    static let contentType = "multipart/form-data; boundary=gsBoundary7MA4YWxk"

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard haystack.count >= n.count else { return false }
        for i in 0...(haystack.count - n.count) where haystack[i] == n[0] && Array(haystack[i..<(i + n.count)]) == n { return true }
        return false
    }
}
