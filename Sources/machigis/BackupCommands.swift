import ArgumentParser
import Foundation
import MachiCore

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the store while the server runs (SQLite online backup), check the copy, then rename it to --to.")

    @Option(help: "The backup file; replaced only by a copy that passed every check.") var to: String
    @OptionGroup var store: StoreOptions

    func run() throws {
        try failingWithMessage {
            let results = try StoreCheck.backup(try store.open(), to: to)
            results.forEach { log($0.description) }
            print(to)
        }
    }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the store by a checked backup file, keeping the previous one as <db>.bak-<time>. Stop the server first.")

    @Argument(help: "The backup file to restore.") var file: String
    @OptionGroup var store: StoreOptions

    func run() throws {
        try failingWithMessage {
            let kept = try StoreCheck.restore(from: file, to: store.db)
            log("restored \(file) to \(store.db)" + (kept.map { "; previous store kept as \($0)" } ?? ""))
        }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run integrity_check and the spatial index checks on the store; exit 0 only when all pass.")

    @OptionGroup var store: StoreOptions

    func run() throws {
        let results = StoreCheck.run(path: store.db)
        results.forEach { print($0.description) }
        if results.contains(where: { !$0.ok }) { throw ExitCode.failure }
    }
}

/// The error's own message on stderr and exit status 1, without ArgumentParser's usage text.
private func failingWithMessage(_ body: () throws -> Void) throws {
    do { try body() } catch {
        log("\(error)")
        throw ExitCode.failure
    }
}
