/// A reference to an object owned by one event loop (a connection), carried through
/// another thread — a promise completed by the database writer — and dereferenced only
/// back on that loop, which debug builds assert.
struct LoopBound<Value: AnyObject>: @unchecked Sendable {  // dereferenced only on `loop`'s thread
    private weak var value: Value?
    private unowned let loop: EventLoop

    init(_ value: Value, on loop: EventLoop) {
        self.value = value
        self.loop = loop
    }

    /// The object, if it still exists; call only on the owning loop's thread.
    var onLoop: Value? {
        assert(loop.inLoopThread, "a loop-owned object was used off its loop")
        return value
    }
}
