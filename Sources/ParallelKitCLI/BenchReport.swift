/// One measured row of `parallelkit bench`.
struct BenchRow {
    var label: BenchLabel
    /// Median seconds of the row's unit of work.
    var seconds: Double
    /// Median seconds of the baseline the speedup is measured against.
    var baselineSeconds: Double
    /// Whether the row measures throughput (and so carries `items_per_second`).
    var isThroughput = true
    /// Extra numeric columns, in order (JSON only).
    var extra: [(key: String, value: Double)] = []

    var speedup: Double { baselineSeconds / seconds }
    var efficiency: Double { speedup / Double(label.workers) }
}

/// Prints rows as an aligned table or as JSON lines.
struct BenchReport {
    let json: Bool

    func printHeader() {
        guard !json else { return }
        Swift.print(
            pad("workload", 20) + pad("variant", 24) + lpad("workers", 8) + lpad("median s", 12)
                + lpad("speedup", 10) + lpad("efficiency", 12))
    }

    func print(_ row: BenchRow) {
        if json {
            Swift.print(jsonLine(row))
        } else {
            Swift.print(
                pad(row.label.workload, 20) + pad(row.label.variant, 24) + lpad("\(row.label.workers)", 8)
                    + lpad(fixed(row.seconds, 6), 12) + lpad(fixed(row.speedup, 2) + "x", 10)
                    + lpad(fixed(row.efficiency, 2), 12))
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
