/// The statuses an idea moves through ("ideas in action") and which moves are allowed.
/// `duplicate` is reached only by merging; `launched` is final.
public enum IdeaLifecycle {
    public static let transitions: [String: [String]] = [
        "submitted": ["under_review", "accepted", "declined"],
        "under_review": ["accepted", "declined", "submitted"],
        "accepted": ["in_progress", "declined", "under_review"],
        "in_progress": ["launched", "accepted", "declined"],
        "launched": [],
        "declined": ["under_review"],
        "duplicate": [],
    ]

    public static func allows(from: String, to: String) -> Bool {
        transitions[from]?.contains(to) ?? false
    }
}
