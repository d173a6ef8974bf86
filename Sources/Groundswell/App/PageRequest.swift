import HTTPServer

/// `limit` and `cursor` from the query string, validated.
public struct PageRequest {
    public let limit: Int
    public let cursor: String?

    public init(_ query: QueryItems, defaultLimit: Int = 20, maxLimit: Int = 100) throws {
        if let raw = query["limit"] {
            guard let value = Int(raw), (1...maxLimit).contains(value) else {
                throw APIError.invalid("limit must be an integer from 1 to \(maxLimit)")
            }
            limit = value
        } else {
            limit = defaultLimit
        }
        if let raw = query["cursor"], !raw.isEmpty {
            cursor = raw
        } else {
            cursor = nil
        }
    }
}
