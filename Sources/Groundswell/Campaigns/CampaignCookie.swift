import HTTPServer

/// Which link brought this browser to an idea: `gs_c<idea>=<campaign>.<first visit ms>`, set on
/// the first visit through a link and kept 7 days; a vote the browser casts for the idea in that
/// time is attributed to the link. It holds no identity, and nothing of it is stored but counts.
enum CampaignCookie {
    static let lifetime: Int64 = 7 * 86_400_000

    static func name(_ ideaID: Int64) -> String { "gs_c\(ideaID)" }

    /// The link this browser arrived through within the last 7 days, if any.
    static func arrival(_ request: Request, ideaID: Int64, now: Int64) -> Int64? {
        guard let value = request.cookie(name(ideaID)) else { return nil }
        let parts = value.split(separator: ".")
        guard parts.count == 2, let campaign = Int64(parts[0]), let first = Int64(parts[1]),
              campaign > 0, now - first < lifetime, first <= now + 60_000 else { return nil }
        return campaign
    }

    static func set(ideaID: Int64, campaignID: Int64, now: Int64, secure: Bool) -> String {
        "\(name(ideaID))=\(campaignID).\(now); Path=/; Max-Age=\(lifetime / 1000); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }
}
