import Foundation
import MachiFormats
import MachiGeometry

/// Reads, validates and encodes features on a thread of its own while the caller inserts
/// them, so parsing and SQLite run on both cores. Batches keep the hand-over cheap; a small
/// bound on queued batches keeps memory flat however large the file.
final class ValidationPipeline: @unchecked Sendable {
    enum Item {
        /// `box` is the geometry's bounding box, for the spatial index.
        case valid(ValidFeature, blob: [UInt8], box: BoundingBox, location: SourceLocation)
        case invalid([ValidationIssue])
        /// A reader error; when not recoverable it is the last item.
        case formatError(FormatError)
    }

    struct Batch {
        var items: [Item]
        var bytesRead: Int64
    }

    private let condition = NSCondition()
    private var queue: [Batch] = []
    private var cancelled = false
    private var producerDone = false
    private let maxQueued = 8
    private let batchSize = 512

    /// `source` and `validator` are used only by the producer thread from here on.
    init(source: any FeatureSource, validator: FeatureValidator, srid: Int32) {
        let unsafe = UnsafeTransfer(source: source, validator: validator)
        let thread = Thread { [self] in
            produce(unsafe.source, unsafe.validator, srid: srid)
        }
        thread.name = "mg-validate"
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func produce(_ source: any FeatureSource, _ validator: FeatureValidator, srid: Int32) {
        var items = [Item]()
        items.reserveCapacity(batchSize)
        // Keys seen in the file so far; checked here rather than by the inserting thread,
        // which is the busier of the two.
        var keys = Set<String>()
        var stop = false
        while !stop {
            do {
                guard let feature = try source.next() else { break }
                switch validator.validate(feature) {
                case .valid(let v):
                    if let key = v.key, !keys.insert(key).inserted {
                        let issue = ValidationIssue(
                            feature.location, field: validator.layer.key, "duplicate key \"\(key)\" (appears earlier in the file)")
                        items.append(.invalid([issue]))
                    } else {
                        let box = v.geometry.boundingBox
                        items.append(
                            .valid(v, blob: SpatiaLiteBlob.encode(v.geometry, srid: srid, box: box), box: box, location: feature.location))
                    }
                case .invalid(let issues): items.append(.invalid(issues))
                }
            } catch {
                items.append(.formatError(error))
                stop = !error.isRecoverable
            }
            if items.count >= batchSize || stop {
                guard push(Batch(items: items, bytesRead: source.bytesRead)) else { break }
                items.removeAll(keepingCapacity: true)
            }
        }
        if !items.isEmpty { _ = push(Batch(items: items, bytesRead: source.bytesRead)) }
        condition.lock()
        producerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// false when the consumer has given up.
    private func push(_ batch: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= maxQueued && !cancelled { condition.wait() }
        if cancelled { return false }
        queue.append(batch)
        condition.broadcast()
        return true
    }

    /// The next batch, or nil when every feature has been handed over.
    func next() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !producerDone { condition.wait() }
        if queue.isEmpty { return nil }
        let b = queue.removeFirst()
        condition.broadcast()
        return b
    }

    /// Stops the producer and waits until it no longer touches the source.
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !producerDone { condition.wait() }
        condition.unlock()
    }

    private struct UnsafeTransfer: @unchecked Sendable {
        let source: any FeatureSource
        let validator: FeatureValidator
    }
}
