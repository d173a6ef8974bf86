// Upload throughput and memory against a running server (make bench starts it): photo-like
// JPEGs (1920×1080 and 3000×2000 with sensor grain), C connections uploading for D seconds,
// then a burst of 100 uploads at once. Prints uploads/s, MB/s, latency percentiles and the
// server's resident memory (from /proc/PID/status) before, at peak, and after.
// Usage: UploadBench PORT SERVER_PID [CONNECTIONS] [SECONDS]
import Foundation
import Imaging
import TestSupport

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = Int(arguments[1]), let pid = Int(arguments[2]) else {
    print("usage: UploadBench PORT SERVER_PID [CONNECTIONS] [SECONDS]")
    exit(2)
}
let connections = arguments.count > 3 ? Int(arguments[3]) ?? 8 : 8
let seconds = arguments.count > 4 ? Double(arguments[4]) ?? 10 : 10

func memory(_ field: String) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return (Double(line.split(separator: " ").dropFirst().first { !$0.isEmpty }.map(String.init) ?? "") ?? 0) / 1024
    }
    return 0
}

let boundary = "benchBoundary0123456789"
func form(_ picture: [UInt8]) -> [UInt8] {
    Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nA photograph\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
        + picture + Array("\r\n--\(boundary)--\r\n".utf8)
}
let pictures: [[UInt8]] = (0..<8).map { i in
    let large = i % 2 == 1
    return form(Imaging.testImage(width: (large ? 3000 : 1920) + i, height: large ? 2000 : 1080, format: .jpeg, noise: 12))
}
let averageBytes = pictures.map(\.count).reduce(0, +) / pictures.count

// Authors with ideas to attach to (10 pictures an idea; the default 50 MiB quota a customer).
let setup = TestClient(port: port)
var made: [(token: String, idea: Int)] = []
for a in 0..<60 {
    let user = try setup.post("/users", ["name": "Uploader \(a)", "email": "uploader\(a)-\(UUID().uuidString.prefix(6))@example.com"])
    guard let token = user.json["token"] as? String else { print("sign-up failed: \(user.status) \(user.text)"); exit(1) }
    for i in 0..<6 {
        let idea = try setup.post("/ideas", ["title": "Upload bench idea \(a) \(i)", "description": "pictures", "category": "bench"], token: token)
        guard let id = idea.json["id"] as? Int else { print("idea failed: \(idea.status)"); exit(1) }
        for _ in 0..<10 { made.append((token, id)) }
    }
}
let slots = made.shuffled()
final class Shared: @unchecked Sendable {  // guarded by `lock`
    let lock = NSLock()
    var next = 0
    var latencies: [Double] = []
    var failures: [Int: Int] = [:]
    var bytes = 0
}

func run(connections: Int, until deadline: Date?, each: Int?, shared: Shared) {
    let group = DispatchGroup()
    for c in 0..<connections {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            let client = TestClient(port: port)
            var done = 0
            while deadline.map({ Date() < $0 }) ?? (done < (each ?? 1)) {
                shared.lock.lock()
                guard shared.next < slots.count else { shared.lock.unlock(); return }
                let slot = slots[shared.next]
                shared.next += 1
                shared.lock.unlock()
                let body = pictures[(c + done) % pictures.count]
                let start = Date()
                let status = (try? client.request("POST", "/ideas/\(slot.idea)/media", body: body, token: slot.token,
                                                  contentType: "multipart/form-data; boundary=\(boundary)"))?.status ?? -1
                let elapsed = Date().timeIntervalSince(start)
                shared.lock.lock()
                if status == 201 { shared.latencies.append(elapsed); shared.bytes += body.count } else { shared.failures[status, default: 0] += 1 }
                shared.lock.unlock()
                done += 1
            }
        }
    }
    group.wait()
}

func report(_ name: String, _ shared: Shared, elapsed: Double, rssBefore: Double) {
    let sorted = shared.latencies.sorted()
    func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
    print(String(format: "%@: %d uploads in %.1f s = %.1f uploads/s, %.1f MB/s of bodies (average %.0f KB); p50 %.0f ms, p99 %.0f ms; failures %@; server RSS %.1f MiB before, peak %.1f MiB, now %.1f MiB",
                 name, sorted.count, elapsed, Double(sorted.count) / elapsed, Double(shared.bytes) / elapsed / 1e6, Double(averageBytes) / 1000,
                 percentile(0.5), percentile(0.99), shared.failures.isEmpty ? "none" : "\(shared.failures)", rssBefore, memory("VmHWM"), memory("VmRSS")))
}

let rss0 = memory("VmRSS")
let steady = Shared()
let start = Date()
run(connections: connections, until: Date().addingTimeInterval(seconds), each: nil, shared: steady)
report("upload steady (\(connections) connections)", steady, elapsed: Date().timeIntervalSince(start), rssBefore: rss0)
let rss1 = memory("VmRSS")
let burst = Shared()
let burstStart = Date()
run(connections: 100, until: nil, each: 1, shared: burst)
report("upload burst (100 at once)", burst, elapsed: Date().timeIntervalSince(burstStart), rssBefore: rss1)
