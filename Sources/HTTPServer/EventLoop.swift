#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation
import Logging
import Synchronization

/// One thread, one epoll instance, its own listening socket and the connections it
/// accepted. Everything a connection does happens on its loop's thread; other
/// threads hand work over with `execute`, which wakes the loop through an eventfd.
/// `@unchecked Sendable`: everything but the inbox (behind `inboxLock`) is touched only by the
/// loop's own thread; other threads call nothing but `execute`.
final class EventLoop: @unchecked Sendable {
    let index: Int
    unowned let server: Server
    private let epfd: Int32
    private let wakeFD: Int32
    private var listenFD: Int32
    private var acceptPausedUntil: UInt64 = 0
    private var connections: [Int32: HTTPConnection] = [:]
    private var nextGeneration: UInt32 = 1
    /// A descriptor held back so that, when the process runs out, one can be freed to
    /// accept a connection and answer it 503 rather than leave clients hanging.
    private var reserveFD: Int32 = open("/dev/null", O_RDONLY | O_CLOEXEC)

    /// Work handed over by other threads, and whether the eventfd was already signalled.
    /// A pthread mutex rather than `Mutex`: this is the most contended hand-off in the server, and
    /// under contention Synchronization's futex-based `Mutex` hands ownership over in the kernel,
    /// which ThreadSanitizer cannot see (`make test-tsan` then reports races that are not there).
    private let inboxLock = NSLock()
    private var inboxTasks: [@Sendable () -> Void] = []
    /// The batch being run (loop thread only), swapped with `inboxTasks` so neither array is
    /// reallocated: copying the inbox out and emptying it cost an allocation per hand-off.
    private var runningTasks: [@Sendable () -> Void] = []
    private var wakePending = false
    /// `wakePending` as the loop may read it between two connections' events without the lock:
    /// work handed over mid-iteration (a commit's answers) runs after the connection being served
    /// instead of after every connection that epoll reported ready, which under a read-heavy load
    /// kept each vote's answer waiting a whole iteration (milliseconds with 60 busy connections).
    private let tasksWaiting = Atomic<Bool>(false)
    /// Set (under `inboxLock`) once the loop has stopped and is about to close its descriptors.
    private var ended = false

    /// Scratch buffers shared by this loop's connections (used one at a time).
    let readBuffer: UnsafeMutableRawBufferPointer
    var output: [UInt8] = []
    /// Reused for each access-log line (loop thread only).
    var scratch: [UInt8] = []
    var dateCache = DateCache()
    private(set) var nowMillis: UInt64 = 0
    private var lastSweep: UInt64 = 0
    private(set) var draining = false
    private var drainDeadline: UInt64 = 0
    private var thread: pthread_t?
    let finished = DispatchSemaphore(value: 0)

    init(index: Int, server: Server, listenFD: Int32) throws {
        self.index = index
        self.server = server
        self.listenFD = listenFD
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epfd >= 0 else { throw SocketError("epoll_create1") }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw SocketError("eventfd") }
        readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        output.reserveCapacity(64 * 1024)
        register(fd: wakeFD, token: UInt64(UInt32(bitPattern: wakeFD)), events: UInt32(CLINUX_EPOLLIN))
        register(fd: listenFD, token: UInt64(UInt32(bitPattern: listenFD)), events: UInt32(CLINUX_EPOLLIN))
        dateCache.refresh()
        nowMillis = EventLoop.monotonicMillis()
    }

    deinit {
        readBuffer.deallocate()
    }

    static func monotonicMillis() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }

    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    func start() {
        let box = Unmanaged.passRetained(self)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 1 << 20)
        // Nobody joins a loop: `finished` says when it is done.
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var tid = pthread_t()
        pthread_create(&tid, &attributes, { arg in
            let loop = Unmanaged<EventLoop>.fromOpaque(arg!).takeRetainedValue()
            clinux_name_thread("http-loop-\(loop.index)")
            loop.run()
            return nil
        }, box.toOpaque())
        pthread_attr_destroy(&attributes)
        thread = tid
    }

    var inLoopThread: Bool {
        guard let thread else { return false }
        return pthread_equal(pthread_self(), thread) != 0
    }

    /// Runs `task` on the loop thread soon. Safe from any thread.
    func execute(_ task: @escaping @Sendable () -> Void) {
        inboxLock.lock()
        // After the loop ended its eventfd is closed and the number may belong to another file
        // (the database's!): late work (a promise completed during shutdown) is dropped instead.
        guard !ended else {
            inboxLock.unlock()
            return
        }
        inboxTasks.append(task)
        let needWake = !wakePending
        wakePending = true
        tasksWaiting.store(true, ordering: .releasing)
        if needWake {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
        inboxLock.unlock()
    }

    // MARK: epoll registration

    func register(fd: Int32, token: UInt64, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event)
    }

    func modify(fd: Int32, token: UInt64, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event)
    }

    func deregister(fd: Int32) {
        var event = epoll_event()
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &event)
    }

    // MARK: the loop

    private func run() {
        let capacity: Int32 = 256
        var events = [epoll_event](repeating: epoll_event(), count: Int(capacity))
        while true {
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(epfd, $0.baseAddress, capacity, 250) }
            nowMillis = EventLoop.monotonicMillis()
            dateCache.refresh()
            if count < 0 && errno != EINTR { break }
            for i in 0..<max(0, Int(count)) {
                let token = events[i].data.u64
                let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: token))
                let flags = events[i].events
                if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                    runTasks()
                } else if fd == listenFD && token >> 32 == 0 {
                    acceptConnections()
                } else if let connection = connections[fd], connection.token == token {
                    connection.handle(events: flags)
                    if tasksWaiting.load(ordering: .acquiring) { runTasks() }
                }
            }
            if nowMillis &- lastSweep >= 1000 {
                lastSweep = nowMillis
                sweep()
            }
            if draining && (connections.isEmpty || nowMillis >= drainDeadline) { break }
        }
        for connection in Array(connections.values) { connection.close() }
        runTasks()
        inboxLock.lock()
        ended = true
        inboxLock.unlock()
        if listenFD >= 0 { Glibc.close(listenFD) }
        if reserveFD >= 0 { Glibc.close(reserveFD) }
        Glibc.close(wakeFD)
        Glibc.close(epfd)
        finished.signal()
    }

    private func runTasks() {
        inboxLock.lock()
        swap(&inboxTasks, &runningTasks)
        wakePending = false
        tasksWaiting.store(false, ordering: .relaxed)
        inboxLock.unlock()
        for task in runningTasks { task() }
        runningTasks.removeAll(keepingCapacity: true)
    }

    private func acceptConnections() {
        if draining || nowMillis < acceptPausedUntil { return }
        for _ in 0..<64 {
            var storage = sockaddr_storage()
            var fd = accept(into: &storage)
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED: continue
                case EMFILE, ENFILE:
                    // Out of descriptors: give up the reserve for a moment to accept this one
                    // and tell it so, instead of leaving it (and the listener) hanging.
                    guard reserveFD >= 0 else { return pauseAccepts() }
                    Glibc.close(reserveFD)
                    fd = accept(into: &storage)
                    if fd >= 0 { shed(fd, Server.overloaded) }
                    reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
                    if fd < 0 { return pauseAccepts() }
                    continue
                case ENOBUFS, ENOMEM:
                    return pauseAccepts()
                default: return
                }
            }
            if connections.count >= server.maxConnectionsPerLoop {
                shed(fd, Server.overloaded)
                continue
            }
            let peer = Listener.describe(&storage)
            let addressKey = ConnectionAdmission.key(for: peer)
            guard server.admission.admit(addressKey) else {
                shed(fd, Server.tooManyConnections)
                continue
            }
            let generation = nextGeneration
            nextGeneration = nextGeneration == UInt32.max ? 1 : nextGeneration + 1
            let token = UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd))
            let connection = HTTPConnection(fd: fd, token: token, loop: self, peer: peer, addressKey: addressKey)
            connections[fd] = connection
            server.connectionOpened()
            register(fd: fd, token: token, events: UInt32(CLINUX_EPOLLIN) | UInt32(CLINUX_EPOLLRDHUP))
        }
    }

    private func accept(into storage: inout sockaddr_storage) -> Int32 {
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                clinux_accept4(listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
    }

    /// Writes a canned refusal (it fits any socket buffer) and closes, without reading.
    private func shed(_ fd: Int32, _ response: [UInt8]) {
        response.withUnsafeBytes { _ = send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
        Glibc.close(fd)
    }

    private func pauseAccepts() {
        server.logger.warning("accept failed: \(String(cString: strerror(errno))); pausing accepts")
        acceptPausedUntil = nowMillis + 100
        deregister(fd: listenFD)
    }

    func connectionClosed(_ connection: HTTPConnection) {
        if let current = connections[connection.fd], current === connection {
            connections.removeValue(forKey: connection.fd)
            server.admission.release(connection.addressKey)
            server.connectionClosed()
        }
    }

    private func sweep() {
        if acceptPausedUntil != 0 && nowMillis >= acceptPausedUntil && !draining {
            acceptPausedUntil = 0
            register(fd: listenFD, token: UInt64(UInt32(bitPattern: listenFD)), events: UInt32(CLINUX_EPOLLIN))
        }
        let configuration = server.configuration
        let pressed = server.underPressure(loopConnections: connections.count)
        for connection in Array(connections.values) {
            connection.checkTimeouts(now: nowMillis, configuration: configuration, underPressure: pressed)
        }
        if index == 0 { server.trimMemoryIfWorthIt() }
    }

    /// Stops accepting, closes idle connections and lets busy ones finish their request.
    func beginDrain(grace: Double) {
        guard !draining else { return }
        draining = true
        drainDeadline = nowMillis + UInt64(grace * 1000)
        if listenFD >= 0 {
            deregister(fd: listenFD)
            Glibc.close(listenFD)
            listenFD = -1
        }
        for connection in Array(connections.values) { connection.drain() }
    }
}
