import Rules
import JSON
import HTTPServer
import SQLiteStore

/// Keeping the place clean and answering every idea: status changes with a public
/// history, hiding, flags and the moderation queue, merging duplicates, bans.
/// Every staff action is audited in the transaction that makes it.
struct ModerationRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.patch("/admin/ideas/{id}") { request in try changeIdea(request) }
        router.patch("/admin/comments/{id}") { request in try changeComment(request) }
        router.get("/ideas/{id}/history") { request in try history(request) }
        router.post("/ideas/{id}/flags") { request in try flag(request, type: "idea") }
        router.post("/comments/{id}/flags") { request in try flag(request, type: "comment") }
        router.post("/media/{id}/flags") { request in try flag(request, type: "media") }
        router.get("/admin/flags") { request in try flags(request) }
        router.post("/admin/flags/{id}/resolve") { request in try resolve(request) }
        router.post("/admin/ideas/{id}/merge") { request in try merge(request) }
        router.post("/admin/users/{id}/ban") { request in try ban(request, banned: true) }
        router.post("/admin/users/{id}/unban") { request in try ban(request, banned: false) }
    }

    // MARK: status and visibility

    func changeIdea(_ request: Request) throws -> Reply {
        let staff = try auth.staff(request, role: .moderator)
        let id = try context.pathID(request, what: "idea")
        let body = try RequestBody(request)
        let status = try body.string("status", length: 1...20, required: false)
        let note = try body.string("note", length: 1...2000, required: false, multiline: true)
        let hidden = try body.bool("hidden")
        if status == nil && hidden == nil { throw APIError.invalid("send status (with an optional note) or hidden") }
        if note != nil && status == nil { throw APIError.invalid("note goes with a status change") }
        if let status, IdeaLifecycle.transitions[status] == nil {
            throw APIError.invalid("status must be one of \(IdeaRoutes.statuses.joined(separator: ", "))")
        }
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard let state = try IdeaModerationStore.state(db, id: id) else { throw APIError.notFound("idea") }
            let current = (state.status, state.hidden)
            if let status {
                guard IdeaLifecycle.allows(from: current.0, to: status) else {
                    let allowed = IdeaLifecycle.transitions[current.0] ?? []
                    let hint = status == "duplicate" ? "; use POST /admin/ideas/{id}/merge" : ""
                    throw APIError.conflict(.invalidTransition,
                                            "cannot go from \(current.0) to \(status); allowed: \(allowed.isEmpty ? "none" : allowed.joined(separator: ", "))\(hint)")
                }
                try IdeaModerationStore.changeStatus(db, id: id, from: current.0, to: status, note: note, staff: staff, at: now)
                try Audit.record(db, actor: staff, action: "idea.status", target: "idea:\(id)", before: current.0,
                                 after: note.map { "\(status): \($0)" } ?? status, at: now)
                // The company's answer reaches everyone who follows the idea.
                var payload = JSONWriter(capacity: 256)
                payload.beginObject()
                payload.key("idea_id"); payload.int(id)
                payload.key("idea_title"); payload.string(try NotificationStore.title(db, ideaID: id))
                payload.key("from"); payload.string(current.0)
                payload.key("to"); payload.string(status)
                payload.key("note"); payload.optionalString(note)
                payload.endObject()
                try NotificationStore.notifyFollowers(db, ideaID: id, kind: .statusChanged, payload: payload, now: now)
                try EventOutbox.emit(db, .ideaStatusChanged, now: now) { json in
                    json.beginObject()
                    json.key("from"); json.string(current.0)
                    json.key("to"); json.string(status)
                    json.key("note"); json.optionalString(note)
                    json.key("idea"); try EventOutbox.writeIdea(db, id: id, into: &json)
                    json.endObject()
                }
            }
            if let hidden, hidden != current.1 {
                try IdeaModerationStore.setHidden(db, id: id, hidden: hidden)
                try Audit.record(db, actor: staff, action: hidden ? "idea.hide" : "idea.unhide", target: "idea:\(id)",
                                 before: String(current.1), after: String(hidden), at: now)
            }
            let live = context.live
            db.afterCommit { _ in live.changed(.idea(id)) }
            guard let json = try IdeaJSON.fetch(db, id: id, includeHidden: true) else { throw APIError.notFound("idea") }
            return .json(.ok, json)
        }
    }

    func changeComment(_ request: Request) throws -> Reply {
        let staff = try auth.staff(request, role: .moderator)
        let id = try context.pathID(request, what: "comment")
        guard let hidden = try RequestBody(request).bool("hidden", required: true) else { throw APIError.invalid("hidden is required") }
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard let was = try CommentStore.setHidden(db, id: id, hidden: hidden) else { throw APIError.notFound("comment") }
            if was != hidden {
                try Audit.record(db, actor: staff, action: hidden ? "comment.hide" : "comment.unhide", target: "comment:\(id)",
                                 before: String(was), after: String(hidden), at: now)
            }
            return .json(.ok, try CommentStore.json(db, id: id, withHidden: true) ?? [])
        }
    }

    func history(_ request: Request) throws -> Reply {
        let id = try context.pathID(request, what: "idea")
        guard let body = try context.read({ try IdeaModerationStore.historyJSON($0, id: id) }) else { throw APIError.notFound("idea") }
        return .response(.json(.ok, body))
    }

    // MARK: flags

    func flag(_ request: Request, type: String) throws -> Reply {
        let user = try auth.user(request)
        let id = try context.pathID(request, what: type)
        let reason = try RequestBody(request).requiredString("reason", length: 1...500, multiline: true)
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard try FlagStore.targetVisible(db, type: type, id: id) else { throw APIError.notFound(type) }
            guard let flagID = try FlagStore.add(db, type: type, targetID: id, userID: user.id, reason: reason, at: now) else {
                throw APIError.conflict(.alreadyFlagged, "you have already flagged this \(type)")
            }
            try EventOutbox.emit(db, .flagCreated, now: now) { json in
                json.beginObject()
                json.key("flag_id"); json.int(flagID)
                json.key("target_type"); json.string(type)
                json.key("target_id"); json.int(id)
                json.key("reason"); json.string(reason)
                json.endObject()
            }
            return .json(.created, try FlagJSON.fetch(db, id: flagID))
        }
    }

    func flags(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .moderator)
        let query = request.queryItems
        let page = try PageRequest(query)
        let state = query["state"].flatMap { $0.isEmpty ? nil : $0 } ?? "open"
        guard state == "open" || state == "resolved" else { throw APIError.invalid("state must be open or resolved") }
        let after = try page.cursor.map { try Cursor.decode($0, kind: "flags", count: 1).int(0) } ?? 0
        let body = try context.read { db in try FlagStore.page(db, state: state, after: after, limit: page.limit) }
        return .response(.json(.ok, body))
    }

    func resolve(_ request: Request) throws -> Reply {
        let staff = try auth.staff(request, role: .moderator)
        let id = try context.pathID(request, what: "flag")
        let action = try RequestBody(request).requiredString("action", length: 1...10)
        guard action == "hide" || action == "dismiss" else { throw APIError.invalid("action must be hide or dismiss") }
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard let flag = try FlagStore.find(db, id: id) else { throw APIError.notFound("flag") }
            guard flag.state == "open" else { throw APIError.conflict(.flagResolved, "this flag is already resolved") }
            if action == "hide" {
                try FlagStore.hideTarget(db, flag, staffID: staff.id, at: now)
            } else {
                try FlagStore.dismiss(db, id: id, staffID: staff.id, at: now)
            }
            try Audit.record(db, actor: staff, action: "flag.\(action)", target: "\(flag.type):\(flag.targetID)", before: "open",
                             after: "flag \(id) \(action)", at: now)
            return .json(.ok, try FlagJSON.fetch(db, id: id))
        }
    }

    // MARK: merging

    func merge(_ request: Request) throws -> Reply {
        let staff = try auth.staff(request, role: .moderator)
        let source = try context.pathID(request, what: "idea")
        guard let target = try RequestBody(request).int("into", range: 1...Int64.max) else { throw APIError.invalid("into is required") }
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard let from = try IdeaModerationStore.state(db, id: source) else { throw APIError.notFound("idea") }
            guard let into = try IdeaModerationStore.state(db, id: target) else { throw APIError.notFound("target idea") }
            if source == target { throw APIError.conflict(.invalidMerge, "an idea cannot be merged into itself") }
            if from.mergedInto != nil || from.status == "duplicate" { throw APIError.conflict(.invalidMerge, "the idea is already merged") }
            if into.hidden { throw APIError.conflict(.invalidMerge, "the target idea is hidden") }
            if into.mergedInto != nil || into.status == "duplicate" { throw APIError.conflict(.invalidMerge, "the target idea is itself merged") }
            for round in [from.roundID, into.roundID].compactMap({ $0 }) where try RoundStore.require(db, id: round).state(at: now) == .closed {
                throw APIError.conflict(.invalidMerge, "ideas in a closed round cannot be merged; results are final")
            }
            // A round's votes obey its rules (daily allowance, voting window, one per day):
            // votes cast outside a round must not become round votes, nor round votes
            // ordinary ones. Merges across that line are refused while the source has votes.
            if from.roundID != into.roundID, try IdeaModerationStore.hasVotes(db, id: source) {
                let side = { (round: Int64?) in round.map { "round \($0)" } ?? "no round" }
                throw APIError.conflict(.invalidMerge,
                                        "the idea's votes were cast in \(side(from.roundID)) and the target counts votes in \(side(into.roundID)); votes cannot move between a round and outside it")
            }
            // "Your idea was merged into…": told before the votes and comments move away.
            var payload = JSONWriter(capacity: 256)
            payload.beginObject()
            payload.key("idea_id"); payload.int(source)
            payload.key("idea_title"); payload.string(try NotificationStore.title(db, ideaID: source))
            payload.key("into_id"); payload.int(target)
            payload.key("into_title"); payload.string(try NotificationStore.title(db, ideaID: target))
            payload.endObject()
            try NotificationStore.notifyFollowers(db, ideaID: source, kind: .merged, payload: payload, now: now)
            try IdeaModerationStore.merge(db, source: from, sourceID: source, into: into, targetID: target, staff: staff, at: now)
            try EventOutbox.emit(db, .ideaMerged, now: now) { json in
                json.beginObject()
                json.key("source"); try EventOutbox.writeIdea(db, id: source, into: &json)
                json.key("target"); try EventOutbox.writeIdea(db, id: target, into: &json)
                json.endObject()
            }
            try Audit.record(db, actor: staff, action: "idea.merge", target: "idea:\(source)", before: from.status,
                             after: "merged into idea:\(target)", at: now)
            var json = JSONWriter(capacity: 2048)
            json.beginObject()
            json.key("source"); json.raw(try IdeaJSON.fetch(db, id: source, includeHidden: true) ?? [])
            json.key("target"); json.raw(try IdeaJSON.fetch(db, id: target, includeHidden: true) ?? [])
            json.endObject()
            return .json(.ok, json)
        }
    }

    // MARK: bans

    func ban(_ request: Request, banned: Bool) throws -> Reply {
        let staff = try auth.staff(request, role: .admin)
        let id = try context.pathID(request, what: "user")
        let voidVotes = banned ? (try RequestBody(request, allowEmpty: true).bool("void_votes") ?? false) : false
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard let was = try UserStore.bannedAt(db, userID: id) else { throw APIError.notFound("user") }
            try UserStore.setBannedAt(db, userID: id, banned ? (was ?? now) : nil)
            var voided = 0
            if voidVotes { voided = try VoteVoiding.void(db, userID: id, reason: "banned by \(staff.name)", now: now) }
            try Audit.record(db, actor: staff, action: banned ? "user.ban" : "user.unban", target: "user:\(id)",
                             before: was == nil ? "active" : "banned",
                             after: banned ? "banned\(voidVotes ? ", \(voided) votes voided" : "")" : "active", at: now)
            var json = JSONWriter()
            json.beginObject()
            json.key("user_id"); json.int(id)
            json.key("banned"); json.bool(banned)
            json.key("voided_votes"); json.int(voided)
            json.endObject()
            return .json(.ok, json)
        }
    }
}
