import Foundation

/// The machine's CPU time as Linux counts it in `/proc/stat` since boot, in clock ticks: all of it
/// and the part no thread wanted (idle, and idle while waiting for the disk). Two readings give the
/// cores that stood idle between them (`SpareCore`). A plain value, so the arithmetic is tested
/// without the machine.
struct CPUTimes: Equatable, Sendable {
    var idle: UInt64
    var total: UInt64
    /// The cores `/proc/stat` lists (`cpu0`, `cpu1`, …).
    var cores: Int

    /// How many cores stood idle on average between `earlier` and this reading (0 when no time
    /// passed or the counters went back).
    func idleCores(since earlier: CPUTimes) -> Double {
        guard total > earlier.total, idle >= earlier.idle else { return 0 }
        return Double(idle - earlier.idle) / Double(total - earlier.total) * Double(cores)
    }

    /// The machine's reading now, or nil where `/proc/stat` cannot be read.
    static func read() -> CPUTimes? {
        (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)).flatMap(CPUTimes.init(procStat:))
    }
}

/// In an extension, so that the memberwise initializer stays.
extension CPUTimes {
    /// Parses `/proc/stat`'s text: the summed `cpu` line (user, nice, system, idle, iowait, irq,
    /// softirq, steal; guest time is already inside user and nice) and the per-core lines. Nil when
    /// the text has no such line.
    init?(procStat text: String) {
        var summed: [UInt64]?
        var cores = 0
        for line in text.split(separator: "\n") where line.hasPrefix("cpu") {
            let fields = line.split(separator: " ")
            if fields[0] == "cpu" {
                summed = fields.dropFirst().prefix(8).compactMap { UInt64($0) }
            } else {
                cores += 1
            }
        }
        guard let summed, summed.count >= 5, cores > 0 else { return nil }
        self.init(idle: summed[3] + summed[4], total: summed.reduce(0, +), cores: cores)
    }
}
