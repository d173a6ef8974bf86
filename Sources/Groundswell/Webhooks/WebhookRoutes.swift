import JSON
import HTTPServer
import Outbound

/// Admin endpoints for integrations: webhooks (signed per Standard Webhooks), their delivery
/// log and manual redelivery, and the staff alerts that failing webhooks raise.
struct WebhookRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.post("/admin/webhooks") { request in try create(request) }
        router.get("/admin/webhooks") { request in try list(request) }
        router.get("/admin/webhooks/{id}") { request in try show(request) }
        router.patch("/admin/webhooks/{id}") { request in try change(request) }
        router.delete("/admin/webhooks/{id}") { request in try delete(request) }
        router.get("/admin/webhooks/{id}/deliveries") { request in try deliveries(request) }
        router.post("/admin/webhooks/{id}/deliveries/{delivery}/redeliver") { request in try redeliver(request) }
        router.get("/admin/alerts") { request in try alerts(request) }
        router.post("/admin/alerts/{id}/resolve") { request in try resolveAlert(request) }
    }

    /// The URL, checked for form and (for address literals and local names) destination.
    private func url(_ body: RequestBody, required: Bool) throws -> String? {
        guard let url = try body.string("url", length: 1...2000, required: required) else { return nil }
        let target: DestinationPolicy.Target
        do {
            target = try DestinationPolicy.parse(url)
        } catch let error as DestinationError {
            throw APIError.invalid("url: \(error.description)")
        }
        do {
            try context.delivery.settings.destinationPolicy.checkWithoutDNS(target)
        } catch let error as DestinationError {
            throw ErrorCode.destinationRefused.error("url: \(error.description) (start with --webhooks-allow-private to allow them)")
        }
        return url
    }

    private func eventTypes(_ body: RequestBody, required: Bool) throws -> [EventType]? {
        guard let raw = body.value["event_types"] else {
            if required { throw APIError.invalid("event_types is required: a list of \(EventType.allCases.map(\.rawValue).joined(separator: ", "))") }
            return nil
        }
        guard case .array(let items) = raw, !items.isEmpty, items.count <= EventType.allCases.count * 2 else {
            throw APIError.invalid("event_types must be a non-empty list of event type names")
        }
        var types: [EventType] = []
        for item in items {
            guard case .string(let name) = item else { throw APIError.invalid("event_types must hold strings") }
            guard let type = EventType(rawValue: name) else {
                throw ErrorCode.unknownEventType.error("unknown event type \(name.prefix(60)); known: \(EventType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !types.contains(type) { types.append(type) }
        }
        return types
    }

    func create(_ request: Request) throws -> Reply {
        let admin = try auth.staff(request, role: .admin)
        let body = try RequestBody(request)
        let url = try url(body, required: true)!
        let types = try eventTypes(body, required: true)!
        let description = try body.string("description", length: 0...200, required: false) ?? ""
        let secret = WebhookSignature.generateSecret()
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            let id = try WebhookStore.create(db, url: url, description: description, types: types, secret: secret, now: now)
            try Audit.record(db, actor: admin, action: "webhook.create", target: "webhook:\(id)", before: nil, after: url, at: now)
            return Response.json(.created, try WebhookStore.json(db, id: id, secret: secret) ?? []).secret()
        }
    }

    func list(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .admin)
        return .response(.json(.ok, try context.read { db in try WebhookStore.list(db) }))
    }

    func show(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .admin)
        let id = try context.pathID(request, what: "webhook")
        guard let body = try context.read({ db in try WebhookStore.json(db, id: id) }) else { throw APIError.notFound("webhook") }
        return .response(.json(.ok, body))
    }

    /// Changes URL, description, event types or `enabled`; `rotate_secret: true` answers
    /// with a new secret, once.
    func change(_ request: Request) throws -> Reply {
        let admin = try auth.staff(request, role: .admin)
        let id = try context.pathID(request, what: "webhook")
        let body = try RequestBody(request)
        let url = try url(body, required: false)
        let types = try eventTypes(body, required: false)
        let description = try body.string("description", length: 0...200, required: false)
        let enabled = try body.bool("enabled")
        let rotate = try body.bool("rotate_secret") ?? false
        if url == nil && types == nil && description == nil && enabled == nil && !rotate {
            throw APIError.invalid("send url, event_types, description, enabled and/or rotate_secret")
        }
        let secret = rotate ? WebhookSignature.generateSecret() : nil
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            try WebhookStore.update(db, id: id, url: url, description: description, types: types, enabled: enabled, secret: secret, now: now)
            var changes: [String] = []
            if let url { changes.append("url=\(url)") }
            if let enabled { changes.append("enabled=\(enabled)") }
            if types != nil { changes.append("event_types") }
            if rotate { changes.append("secret rotated") }
            try Audit.record(db, actor: admin, action: "webhook.update", target: "webhook:\(id)", before: nil,
                             after: changes.joined(separator: ", "), at: now)
            let response = Response.json(.ok, try WebhookStore.json(db, id: id, secret: secret) ?? [])
            return rotate ? response.secret() : response
        }
    }

    func delete(_ request: Request) throws -> Reply {
        let admin = try auth.staff(request, role: .admin)
        let id = try context.pathID(request, what: "webhook")
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            try WebhookStore.delete(db, id: id, now: now)
            try Audit.record(db, actor: admin, action: "webhook.delete", target: "webhook:\(id)", before: nil, after: nil, at: now)
            return Response(status: .noContent, contentType: nil)
        }
    }

    func deliveries(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .admin)
        let id = try context.pathID(request, what: "webhook")
        let page = try PageRequest(request.queryItems)
        let before = try page.cursor.map { try Cursor.decode($0, kind: "deliveries", count: 1).int(0) } ?? Int64.max
        let state = request.queryItems["state"]
        if let state, !["pending", "succeeded", "failed"].contains(state) {
            throw APIError.invalid("state must be pending, succeeded or failed")
        }
        return .response(.json(.ok, try context.read { db in
            try WebhookStore.deliveries(db, webhookID: id, before: before, state: state, limit: page.limit)
        }))
    }

    func redeliver(_ request: Request) throws -> Reply {
        let admin = try auth.staff(request, role: .admin)
        let id = try context.pathID(request, what: "webhook")
        let deliveryID = try context.pathID(request, "delivery", what: "delivery")
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            try WebhookStore.redeliver(db, webhookID: id, id: deliveryID, now: now)
            try Audit.record(db, actor: admin, action: "webhook.redeliver", target: "webhook:\(id)", before: nil,
                             after: "delivery \(deliveryID)", at: now)
            return Response.json(.accepted, try WebhookStore.delivery(db, webhookID: id, id: deliveryID) ?? [])
        }
    }

    func alerts(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .moderator)
        let all = request.queryItems["include_resolved"]
        if let all, all != "true" && all != "false" { throw APIError.invalid("include_resolved must be true or false") }
        return .response(.json(.ok, try context.read { db in try StaffAlerts.list(db, includeResolved: all == "true") }))
    }

    func resolveAlert(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .admin)
        let id = try context.pathID(request, what: "alert")
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            try StaffAlerts.resolve(db, id: id, now: now)
            return Response(status: .noContent, contentType: nil)
        }
    }
}
