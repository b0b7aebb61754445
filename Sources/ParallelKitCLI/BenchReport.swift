/// One measured row of `parallelkit bench`.
struct BenchRow {
    var label: BenchLabel
    /// Median seconds of the row's unit of work.
    var seconds: Double
    /// Median seconds of the baseline the speedup is measured against.
    var baselineSeconds: Double
    /// The variant the speedup (or a latency's ratio) is measured against.
    var baselineVariant = "serial"
    /// Whether the row measures throughput (and so carries `items_per_second`).
    var isThroughput = true
    /// Extra numeric columns, in order (JSON only).
    var extra: [(key: String, value: Double)] = []

    var speedup: Double { baselineSeconds / seconds }
    var efficiency: Double { speedup / Double(label.workers) }
}

/// Prints rows as a table a newcomer reads at a glance, or as JSON lines (whose keys do not
/// change): each workload opens with what it measures, each figure is in its own unit, latency
/// rows show their latency and its ratio to their baseline, throughput rows their items per
/// second and speedup; a summary closes the run.
struct BenchReport {
    let json: Bool

    /// The workload's opening line and the column names.
    func printWorkload(_ name: String, summary: String) {
        guard !json else { return }
        Swift.print("\n\(name): \(summary)")
        Swift.print(
            "  " + pad("variant", 24) + lpad("workers", 8) + lpad("time", 12) + lpad("items/s or vs baseline", 24)
                + lpad("speedup", 10) + lpad("efficiency", 12))
    }

    func print(_ row: BenchRow) {
        if json {
            Swift.print(jsonLine(row))
        } else if row.isThroughput {
            Swift.print(
                "  " + pad(row.label.variant, 24) + lpad("\(row.label.workers)", 8) + lpad(BenchUnits.duration(row.seconds), 12)
                    + lpad(BenchUnits.rate(Double(row.label.items) / row.seconds), 24)
                    + lpad(BenchUnits.factor(row.speedup), 10) + lpad(fixed(row.efficiency, 2), 12) + extras(row))
        } else {
            // A latency: lower is better, and a "speedup" of one wait over another means nothing.
            let ratio = row.baselineVariant == row.label.variant
                ? "baseline" : BenchUnits.factor(row.seconds / row.baselineSeconds) + " " + row.baselineVariant
            Swift.print(
                "  " + pad(row.label.variant, 24) + lpad("\(row.label.workers)", 8) + lpad(BenchUnits.duration(row.seconds), 12)
                    + lpad(ratio, 24) + extras(row))
        }
    }

    /// The row's extra figures (memory, counts), after its columns: bytes in MB.
    private func extras(_ row: BenchRow) -> String {
        row.extra.map { key, value in
            if key.hasSuffix("_bytes") { return "  \(key.dropLast(6)) \(fixed(value / 1_048_576, 1)) MB" }
            return "  \(key) " + (value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : fixed(value, 2))
        }.joined()
    }

    /// The run's last lines: how many rows and how long, the best speedup, and the throughput
    /// rows slower than their baseline.
    func printSummary(_ rows: [BenchRow], elapsed: Double) {
        guard !json else { return }
        let throughput = rows.filter { $0.isThroughput && $0.label.variant != $0.baselineVariant }
        Swift.print("\nsummary: \(rows.count) rows in \(BenchUnits.duration(elapsed)) (medians; time is per run of the row's workload, latency per operation)")
        if let best = throughput.max(by: { $0.speedup < $1.speedup }) {
            Swift.print("  best speedup: \(best.label.workload)/\(best.label.variant) \(BenchUnits.factor(best.speedup)) on \(best.label.workers) workers")
        }
        let slower = throughput.filter { $0.speedup < 1 }
        if !slower.isEmpty {
            let names = slower.map { "\($0.label.workload)/\($0.label.variant) \(BenchUnits.factor($0.speedup))" }
            Swift.print("  slower than their baseline: " + names.joined(separator: ", "))
        }
    }

    func jsonLine(_ row: BenchRow) -> String {
        let label = row.label
        var fields = [
            "\"workload\":\(quoted(label.workload))", "\"variant\":\(quoted(label.variant))",
            "\"workers\":\(label.workers)", "\"items\":\(label.items)", "\"seconds\":\(number(row.seconds))",
            "\"speedup\":\(number(row.speedup))", "\"efficiency\":\(number(row.efficiency))",
        ]
        if row.isThroughput { fields.append("\"items_per_second\":\(number(Double(label.items) / row.seconds))") }
        for (key, value) in row.extra { fields.append("\(quoted(key)):\(number(value))") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    private func quoted(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            default: escaped.append(character)
            }
        }
        return "\"" + escaped + "\""
    }

    private func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
    private func lpad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}

/// `value` with `digits` decimals, without Foundation's formatters.
func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled) - whole * Int(scale)
    let fractionText = String(fraction)
    let padded = String(repeating: "0", count: max(0, digits - fractionText.count)) + fractionText
    return (value < 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + padded : "")
}
