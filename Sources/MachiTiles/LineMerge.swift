/// Low-zoom merging of line features (pipes) into runs: a pipe whose first vertex is the
/// previous pipe's last vertex (in tile units: its upstream manhole is the previous pipe's
/// downstream one) continues that pipe's run when both have the same class values (the
/// layer's `merge_by`, for pipes 排除方式 `system`). Each run becomes one feature carrying
/// only the class values, with the id of its first pipe. At a junction the run goes on with
/// the first pipe leaving it (lowest id); the other branches start runs of their own, so no
/// pipe is drawn twice and every pipe is in exactly one run.
enum LineMerge {
    struct Part {
        var points: [TilePoint]
        var id: UInt64
    }

    /// Runs of connected parts, each as its vertices and the id of its first part.
    static func runs(_ parts: [Part]) -> [Part] {
        var startingAt = [TilePoint: [Int]]()
        var endsAt = Set<TilePoint>()
        for (i, p) in parts.enumerated() {
            startingAt[p.points[0], default: []].append(i)
            endsAt.insert(p.points[p.points.count - 1])
        }
        var used = [Bool](repeating: false, count: parts.count)
        var out = [Part]()
        func walk(from first: Int) {
            var run = parts[first].points
            used[first] = true
            while let next = startingAt[run[run.count - 1]]?.first(where: { !used[$0] }) {
                used[next] = true
                run.append(contentsOf: parts[next].points.dropFirst())
            }
            out.append(Part(points: run, id: parts[first].id))
        }
        // Heads first (nothing flows into them), so runs start where the lines start;
        // what is left over afterwards lies on loops.
        for i in parts.indices where !used[i] && !endsAt.contains(parts[i].points[0]) { walk(from: i) }
        for i in parts.indices where !used[i] { walk(from: i) }
        return out
    }
}
