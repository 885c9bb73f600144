import Foundation

enum FileHandleStderr {
    static func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }

    static var isTerminal: Bool { isatty(2) == 1 }
}

/// A one-line progress bar on stderr, drawn only on a terminal.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private var lastDraw = Date.distantPast
    private let started = Date()

    init(label: String) { self.label = label }

    func update(bytes: Int64, total: Int64, items: Int) {
        guard FileHandleStderr.isTerminal else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 || bytes >= total else { return }
        lastDraw = now
        let fraction = total > 0 ? min(1, Double(bytes) / Double(total)) : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let rate = Double(items) / max(0.001, now.timeIntervalSince(started))
        FileHandleStderr.write(String(format: "\r%@ %@ %3.0f%%  %d features  %.0f/s ", label, bar, fraction * 100, items, rate))
    }

    func finish() {
        guard FileHandleStderr.isTerminal else { return }
        FileHandleStderr.write("\n")
    }
}
