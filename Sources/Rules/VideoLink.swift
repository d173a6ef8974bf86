/// A link attached to an idea, recognised and normalised: a YouTube or Vimeo video (by its
/// id, so it can be embedded through the privacy-enhanced player only when the reader asks),
/// or any other http(s) link, kept as a plain link.
public struct AttachedLink: Sendable, Equatable {
    public enum Kind: String, Sendable { case youtube, vimeo, link }
    public let kind: Kind
    /// The video id, or for a plain link the URL itself.
    public let ref: String

    /// The canonical address to open the video or link at.
    public var url: String {
        switch kind {
        case .youtube: return "https://www.youtube.com/watch?v=" + ref
        case .vimeo: return "https://vimeo.com/" + ref
        case .link: return ref
        }
    }

    /// Where the player is loaded from once the reader asks (no cookies, no tracking parameters).
    public var embedURL: String? {
        switch kind {
        case .youtube: return "https://www.youtube-nocookie.com/embed/" + ref
        case .vimeo: return "https://player.vimeo.com/video/" + ref + "?dnt=1"
        case .link: return nil
        }
    }

    /// An attachment as stored (kind and reference already checked when it was added).
    public init(kind: Kind, ref: String) {
        self.kind = kind
        self.ref = ref
    }

    /// Recognises `text` (trimmed): youtube.com/watch?v=ID, youtu.be/ID, youtube.com/shorts/ID and
    /// /embed/ID (with or without www. or m.), vimeo.com/ID; any other http or https URL without
    /// credentials, spaces or control characters is a plain link. Anything else: nil.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: " \t\r\n")
        guard (1...500).contains(trimmed.utf8.count), trimmed.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }),
              !trimmed.contains("\"") && !trimmed.contains("<") && !trimmed.contains(">") else { return nil }
        let lower = trimmed.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") { rest = trimmed.dropFirst(8) } else if lower.hasPrefix("http://") { rest = trimmed.dropFirst(7) } else { return nil }
        let hostEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let host = rest[..<hostEnd].lowercased()
        guard !host.isEmpty, !host.contains("@"), host.contains(".") else { return nil }
        let path = String(rest[hostEnd...])
        let bare = host.hasPrefix("www.") ? String(host.dropFirst(4)) : host.hasPrefix("m.") ? String(host.dropFirst(2)) : host
        if bare == "youtube.com" || bare == "youtu.be", let id = AttachedLink.youtubeID(host: bare, path: path) {
            kind = .youtube
            ref = id
        } else if bare == "vimeo.com", let id = AttachedLink.vimeoID(path) {
            kind = .vimeo
            ref = id
        } else {
            kind = .link
            ref = trimmed
        }
    }

    private static func youtubeID(host: String, path: String) -> String? {
        let (route, query) = split(path)
        var candidate: Substring?
        if host == "youtu.be" {
            candidate = route.dropFirst().split(separator: "/").first
        } else if route == "/watch" {
            candidate = query.split(separator: "&").first { $0.hasPrefix("v=") }?.dropFirst(2)
        } else if route.hasPrefix("/shorts/") || route.hasPrefix("/embed/") || route.hasPrefix("/live/") {
            candidate = route.split(separator: "/").dropFirst().first
        }
        guard let id = candidate, id.count == 11,
              id.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" })
        else { return nil }
        return String(id)
    }

    private static func vimeoID(_ path: String) -> String? {
        let (route, _) = split(path)
        guard let first = route.split(separator: "/").first, (1...12).contains(first.count),
              first.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        return String(first)
    }

    private static func split(_ path: String) -> (Substring, Substring) {
        let noFragment = path.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = noFragment.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
    }
}

private extension String {
    func trimmingCharacters(in set: String) -> String {
        let scalars = Set(set.unicodeScalars)
        var view = Substring(self)
        while let first = view.unicodeScalars.first, scalars.contains(first) { view = view.dropFirst() }
        while let last = view.unicodeScalars.last, scalars.contains(last) { view = view.dropLast() }
        return String(view)
    }
}
