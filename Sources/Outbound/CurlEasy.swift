import CCurl

/// One libcurl easy handle, cleaned up in `deinit`. Used by one thread at a time (a
/// transfer is synchronous), so it is not `Sendable`. Every option we set goes through
/// `set`, which turns a refusal into an `OutboundError` with curl's code and message.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    /// Set by curl on failure: a more specific message than `curl_easy_strerror`.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    /// curl_global_init is run once, before the first handle (Swift globals initialise once).
    private static let initialised: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

    init() throws {
        guard CurlEasy.initialised, let handle = curl_easy_init() else {
            throw OutboundError(code: -1, message: "libcurl could not be initialised")
        }
        self.handle = handle
        errorBuffer.initialize(to: 0)
        try check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        // Signals are not for a multi-threaded server: resolve without alarm().
        try set(CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) throws {
        try check(ccurl_setopt_long(handle, option, value), "\(option.rawValue)")
    }

    /// A string option; libcurl copies strings (since 7.17), so the Swift string may go.
    func set(_ option: CURLoption, _ value: String) throws {
        try check(value.withCString { ccurl_setopt_string(handle, option, $0) }, "\(option.rawValue)")
    }

    /// A list option (headers, recipients, resolve entries); the list lives as long as the handle.
    func set(_ option: CURLoption, list values: [String]) throws {
        var list: UnsafeMutablePointer<curl_slist>?
        for value in values {
            guard let appended = curl_slist_append(list, value) else {
                if let list { curl_slist_free_all(list) }
                throw OutboundError(code: -1, message: "out of memory building a list option")
            }
            list = appended
        }
        guard let list else { return }
        lists.append(list)
        try check(ccurl_setopt_list(handle, option, list), "\(option.rawValue)")
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws {
        try check(ccurl_setopt_pointer(handle, option, pointer), "\(option.rawValue)")
    }

    func set(_ option: CURLoption, function: ccurl_data_fn) throws {
        try check(ccurl_setopt_function(handle, option, function), "\(option.rawValue)")
    }

    func set(_ option: CURLoption, size: Int) throws {
        try check(ccurl_setopt_size(handle, option, curl_off_t(size)), "\(option.rawValue)")
    }

    /// Runs the transfer; throws with curl's code and its most specific message.
    func perform() throws {
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            throw OutboundError(code: Int(code.rawValue),
                                message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
    }

    func info(_ info: CURLINFO) -> Int {
        var value = 0
        _ = ccurl_getinfo_long(handle, info, &value)
        return value
    }

    private func check(_ code: CURLcode, _ what: String) throws {
        guard code == CURLE_OK else {
            throw OutboundError(code: Int(code.rawValue), message: "option \(what): " + String(cString: curl_easy_strerror(code)))
        }
    }
}

/// A failed outbound transfer: curl's error code (or -1 for ours) and the message.
public struct OutboundError: Error, CustomStringConvertible, Sendable {
    public let code: Int
    public let message: String
    public var description: String { message }
}
