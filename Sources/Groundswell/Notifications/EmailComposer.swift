import JSON

/// Writes notification emails in the customer's language (English or Korean): a subject, a
/// plain-text body and an HTML body from the same lines. Every value that came from people
/// (titles, names, notes, comments) is escaped in the HTML. Plain value: no I/O.
struct EmailComposer {
    /// The site's public base URL, without a trailing slash (links and the unsubscribe page).
    let publicURL: String

    /// The customer's language: the same two the web site speaks.
    typealias Language = WebLanguage

    /// One notification as the composer needs it.
    struct Item {
        let kind: NotificationStore.Kind
        let ideaID: Int64?
        let payload: JSONValue
    }

    struct Email: Equatable {
        let subject: String
        let text: String
        let html: String
    }

    // MARK: words

    private static let statusNames: [String: (en: String, ko: String)] = [
        "submitted": ("submitted", "접수됨"),
        "under_review": ("under review", "검토 중"),
        "accepted": ("accepted", "채택됨"),
        "in_progress": ("in progress", "진행 중"),
        "launched": ("launched", "실행됨"),
        "declined": ("declined", "반려됨"),
        "duplicate": ("duplicate", "중복"),
    ]

    static func statusName(_ status: String, _ language: Language) -> String {
        guard let names = statusNames[status] else { return status }
        return language == .ko ? names.ko : names.en
    }

    private static func string(_ payload: JSONValue, _ key: String) -> String {
        if case .string(let text)? = payload[key] { return text }
        return ""
    }

    private static func number(_ payload: JSONValue, _ key: String) -> String? {
        if case .number(let text)? = payload[key] { return text }
        return nil
    }

    /// Headline and detail lines of one notification.
    func lines(_ item: Item, _ language: Language) -> (headline: String, details: [String]) {
        let p = item.payload
        let title = Self.string(p, "idea_title")
        let ko = language == .ko
        switch item.kind {
        case .statusChanged:
            let to = Self.statusName(Self.string(p, "to"), language)
            let from = Self.statusName(Self.string(p, "from"), language)
            let headline = ko ? "‘\(title)’ 아이디어의 상태가 ‘\(to)’(으)로 바뀌었습니다"
                : "“\(title)” is now \(to)"
            var details = [ko ? "이전 상태: \(from) → 새 상태: \(to)" : "Status: \(from) → \(to)"]
            let note = Self.string(p, "note")
            if !note.isEmpty { details.append(ko ? "운영팀의 메모: \(note)" : "A note from the team: \(note)") }
            return (headline, details)
        case .comment:
            let author = Self.string(p, "author_name")
            let excerpt = Self.string(p, "excerpt")
            return (ko ? "‘\(title)’에 새 댓글이 달렸습니다" : "New comment on “\(title)”",
                    ["\(author): \(excerpt)"])
        case .staffReply:
            let author = Self.string(p, "author_name")
            let excerpt = Self.string(p, "excerpt")
            return (ko ? "운영팀이 ‘\(title)’에 답했습니다" : "The team replied on “\(title)”",
                    ["\(author): \(excerpt)"])
        case .merged:
            let into = Self.string(p, "into_title")
            return (ko ? "‘\(title)’ 아이디어가 ‘\(into)’에 합쳐졌습니다" : "“\(title)” was merged into “\(into)”",
                    [ko ? "투표와 댓글은 ‘\(into)’ 아이디어로 옮겨졌습니다." : "Its votes and comments moved to “\(into)”."])
        case .roundResult:
            let round = Self.string(p, "round_name")
            switch Self.string(p, "outcome") {
            case "entered":
                return (ko ? "‘\(title)’ 아이디어가 ‘\(round)’에 참가했습니다" : "“\(title)” entered \(round)",
                        [ko ? "투표가 시작되면 지지를 모아 보세요." : "Once voting opens, invite people to vote for it."])
            case "pending":
                return (ko ? "‘\(title)’ 아이디어가 ‘\(round)’ 추첨을 기다립니다" : "“\(title)” awaits the draw for \(round)",
                        [ko ? "제출 기간이 끝나면 공개 추첨으로 참가작을 정합니다." : "When submissions close, a public draw picks the entries."])
            case "drawn":
                return (ko ? "‘\(title)’ 아이디어가 ‘\(round)’ 추첨에 뽑혔습니다" : "“\(title)” was drawn for \(round)",
                        [ko ? "이제 투표를 받을 수 있습니다." : "It is now in the round and can receive votes."])
            case "not_drawn":
                return (ko ? "‘\(title)’ 아이디어는 ‘\(round)’ 추첨에 뽑히지 않았습니다" : "“\(title)” was not drawn for \(round)",
                        [ko ? "추첨은 공개된 시드로 누구나 검증할 수 있습니다." : "The draw used a published seed that anyone can check."])
            case "won":
                let amount = Self.number(p, "amount") ?? "0"
                let currency = Self.string(p, "currency")
                let rank = Self.number(p, "rank") ?? "?"
                return (ko ? "축하합니다! ‘\(title)’ 아이디어가 ‘\(round)’에서 \(amount) \(currency)를 받습니다"
                            : "Congratulations! “\(title)” won \(amount) \(currency) in \(round)",
                        [ko ? "순위: \(rank)위, 득표: \(Self.number(p, "votes") ?? "0")" : "Rank \(rank), \(Self.number(p, "votes") ?? "0") votes"])
            default:
                return (ko ? "‘\(round)’ 결과: ‘\(title)’" : "Results of \(round) for “\(title)”",
                        [ko ? "이번에는 수상하지 못했습니다. 득표: \(Self.number(p, "votes") ?? "0")"
                            : "It did not win an award this time; it received \(Self.number(p, "votes") ?? "0") votes."])
            }
        }
    }

    private func ideaLink(_ item: Item) -> String? {
        item.ideaID.map { "\(publicURL)/ideas/\($0)" }
    }

    /// What each kind is called where a customer chooses about it (footers, the unsubscribe page).
    static let kindNames: [NotificationStore.Kind: (en: String, ko: String)] = [
        .statusChanged: ("status changes", "상태 변경"),
        .comment: ("new comments", "새 댓글"),
        .merged: ("merges", "아이디어 합치기"),
        .roundResult: ("round results", "라운드 결과"),
        .staffReply: ("replies from the team", "운영팀 답변"),
    ]

    private func footer(_ language: Language, kind: NotificationStore.Kind?, unsubscribeURL: String) -> (text: String, why: String, action: String) {
        let name = kind.flatMap { Self.kindNames[$0] }
        if language == .ko {
            let why = name.map { "Groundswell에서 팔로우한 아이디어의 \($0.ko) 알림을 이메일로 받도록 설정하셨기 때문에 이 메일을 받으셨습니다." }
                ?? "Groundswell 하루 요약 메일을 받도록 설정하셨기 때문에 이 메일을 받으셨습니다."
            return ("\(why)\n수신 거부: \(unsubscribeURL)", why, "수신 거부")
        }
        let why = name.map { "You get this because you follow this idea on Groundswell and chose email for \($0.en)." }
            ?? "You get this because you chose a daily digest of Groundswell notifications."
        return ("\(why)\nUnsubscribe: \(unsubscribeURL)", why, "Unsubscribe")
    }

    /// One notification, sent right away.
    func single(_ item: Item, language: Language, recipientName: String, unsubscribeURL: String) -> Email {
        let (headline, details) = lines(item, language)
        let greeting = language == .ko ? "\(recipientName)님, 안녕하세요." : "Hello \(recipientName),"
        let open = language == .ko ? "아이디어 보기" : "See the idea"
        let foot = footer(language, kind: item.kind, unsubscribeURL: unsubscribeURL)
        var text = "\(greeting)\n\n\(headline)\n\n" + details.joined(separator: "\n") + "\n"
        if let link = ideaLink(item) { text += "\n\(open): \(link)\n" }
        text += "\n-- \n\(foot.text)\n"
        var body = "<p>\(HTMLEscaping.escape(greeting))</p>\n<h1 style=\"font-size:18px\">\(HTMLEscaping.escape(headline))</h1>\n"
        for line in details { body += "<p>\(HTMLEscaping.escape(line))</p>\n" }
        if let link = ideaLink(item) { body += "<p><a href=\"\(HTMLEscaping.escape(link))\">\(HTMLEscaping.escape(open))</a></p>\n" }
        return Email(subject: headline, text: text, html: page(body: body, language: language, why: foot.why, action: foot.action, unsubscribeURL: unsubscribeURL))
    }

    /// Everything the customer chose to hear about once a day, in one message.
    func digest(_ items: [Item], language: Language, recipientName: String, unsubscribeURL: String) -> Email {
        let subject = language == .ko ? "Groundswell 하루 요약: 새 소식 \(items.count)건" : "Your Groundswell digest: \(items.count) update\(items.count == 1 ? "" : "s")"
        let greeting = language == .ko ? "\(recipientName)님, 안녕하세요. 팔로우하는 아이디어의 소식입니다."
            : "Hello \(recipientName), here is what happened to the ideas you follow."
        let foot = footer(language, kind: nil, unsubscribeURL: unsubscribeURL)
        var text = "\(greeting)\n"
        var body = "<p>\(HTMLEscaping.escape(greeting))</p>\n<ul>\n"
        for item in items {
            let (headline, details) = lines(item, language)
            text += "\n* \(headline)\n"
            for line in details { text += "  \(line)\n" }
            if let link = ideaLink(item) { text += "  \(link)\n" }
            body += "<li><p>"
            if let link = ideaLink(item) {
                body += "<a href=\"\(HTMLEscaping.escape(link))\">\(HTMLEscaping.escape(headline))</a>"
            } else {
                body += HTMLEscaping.escape(headline)
            }
            body += "</p>"
            for line in details { body += "<p>\(HTMLEscaping.escape(line))</p>" }
            body += "</li>\n"
        }
        body += "</ul>\n"
        text += "\n-- \n\(foot.text)\n"
        return Email(subject: subject, text: text, html: page(body: body, language: language, why: foot.why, action: foot.action, unsubscribeURL: unsubscribeURL))
    }

    private func page(body: String, language: Language, why: String, action: String, unsubscribeURL: String) -> String {
        """
        <!doctype html>
        <html lang="\(language.rawValue)"><head><meta charset="utf-8"><title>Groundswell</title></head>
        <body style="font-family:sans-serif;line-height:1.5;max-width:36em">
        \(body)<hr>
        <p style="font-size:12px;color:#555">\(HTMLEscaping.escape(why)) <a href="\(HTMLEscaping.escape(unsubscribeURL))">\(HTMLEscaping.escape(action))</a></p>
        </body></html>

        """
    }
}
