public import Foundation

/// Runs the `machigis` executable that `swift build --build-tests` put beside the tests, as
/// an operator would: for commands whose behaviour is the exit status and what they print.
public enum CommandLineTool {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static var executable: URL {
        // The test bundle lives in .build/<configuration>/; the executable is its sibling.
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let beside = bundle.appendingPathComponent("machigis")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return TestEnvironment.repoRoot.appendingPathComponent(".build/debug/machigis")
    }

    public static func run(_ arguments: [String]) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read before waiting: a full pipe would block the child forever.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}
