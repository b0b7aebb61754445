/// The picture `parallelkit bench --plot` writes: speedup against workers, one series per
/// workload (measured points joined by a line), each with its Amdahl's-law fit (dashed, its serial
/// fraction in the legend), the ideal line (as many times faster as workers run at once, at most
/// the usable cores), and the usable cores marked, so that points past them show oversubscription.
struct SpeedupPlot {
    struct Series {
        var workload: String
        var variant: String
        /// Speedup over the serial baseline at each worker count.
        var points: [(workers: Int, speedup: Double)]
    }

    var series: [Series]
    var cores: Int
    /// A line under the title: what was run, where, how often.
    var subtitle: String

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    static let width = 980
    static let height = 520
    /// The plot area: left, top, right, bottom.
    static let area = (left: 80.0, top: 70.0, right: 640.0, bottom: 450.0)

    func fit(_ one: Series) -> AmdahlFit? { AmdahlFit(one.points, cores: cores) }

    /// The largest worker count on the x axis.
    var maxWorkers: Int { max(2, series.flatMap { $0.points.map(\.workers) }.max() ?? 2 * cores) }

    /// The top of the y axis and the step of its ticks.
    var yScale: (top: Double, step: Double) {
        let highest = max(Double(cores), series.flatMap { $0.points.map(\.speedup) }.filter(\.isFinite).max() ?? 1)
        let step = Self.tickStep(highest * 1.1)
        return ((highest * 1.1 / step).rounded(.up) * step, step)
    }

    func document() -> SVGDocument {
        var svg = SVGDocument(width: Self.width, height: Self.height)
        let area = Self.area
        let (top, step) = yScale
        let xMax = Double(maxWorkers)
        func x(_ workers: Double) -> Double { area.left + (workers - 1) / (xMax - 1) * (area.right - area.left) }
        func y(_ speedup: Double) -> Double { area.bottom - min(speedup, top) / top * (area.bottom - area.top) }

        svg.text("Speedup against workers", Double(Self.width) / 2, 28, size: 18, anchor: "middle", bold: true, className: "title")
        svg.text(subtitle, Double(Self.width) / 2, 50, size: 12, anchor: "middle")
        // Grid and y ticks.
        var tick = 0.0
        while tick <= top + step / 2 {
            svg.line(area.left, y(tick), area.right, y(tick), stroke: "#e5e5e5")
            svg.text(Self.label(tick), area.left - 8, y(tick) + 4, size: 12, anchor: "end")
            tick += step
        }
        for workers in 1...maxWorkers {
            svg.line(x(Double(workers)), area.bottom, x(Double(workers)), area.bottom + 5, stroke: "#333333")
            svg.text("\(workers)", x(Double(workers)), area.bottom + 20, size: 12, anchor: "middle")
        }
        svg.line(area.left, area.bottom, area.right, area.bottom, stroke: "#333333")
        svg.line(area.left, area.top, area.left, area.bottom, stroke: "#333333")
        svg.text("workers", (area.left + area.right) / 2, area.bottom + 45, size: 14, anchor: "middle", className: "x-label")
        svg.text(
            "speedup (serial time ÷ parallel time)", 26, (area.top + area.bottom) / 2, size: 14, anchor: "middle",
            rotation: -90, className: "y-label")
        // The usable cores, and the ideal.
        if Double(cores) < xMax {
            svg.line(x(Double(cores)), area.top, x(Double(cores)), area.bottom, stroke: "#999999", dash: "2 4")
            svg.text("\(cores) usable cores", x(Double(cores)) + 6, area.top + 14, size: 11)
            svg.text("oversubscribed →", x(Double(cores)) + 6, area.top + 28, size: 11)
        }
        let ideal = [1.0, Double(cores), xMax].map { (x: x($0), y: y(min($0, Double(cores)))) }
        svg.polyline(ideal, stroke: "#777777", width: 1.5, dash: "8 5", className: "ideal")
        // Each series: its fit (dashed) under its measured points (solid, dotted with circles).
        for (index, one) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            if let fit = fit(one) {
                let samples = (0...60).map { 1 + (xMax - 1) * Double($0) / 60 }
                svg.polyline(samples.map { (x: x($0), y: y(fit.speedup(workers: $0))) }, stroke: color, width: 1.5, dash: "4 3", className: "fit")
            }
            let points = one.points.filter { $0.speedup.isFinite }
            svg.polyline(points.map { (x: x(Double($0.workers)), y: y($0.speedup)) }, stroke: color, width: 2.5, className: "series")
            for point in points { svg.circle(x(Double(point.workers)), y(point.speedup), radius: 4, fill: color) }
        }
        drawLegend(&svg)
        return svg
    }

    /// The legend, right of the plot area: per series its line and the fit's serial fraction,
    /// then the ideal line.
    private func drawLegend(_ svg: inout SVGDocument) {
        let left = Self.area.right + 30
        var row = Self.area.top + 10
        svg.text("legend", left, row, size: 13, bold: true)
        row += 24
        for (index, one) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            svg.line(left, row - 4, left + 28, row - 4, stroke: color, width: 2.5)
            svg.circle(left + 14, row - 4, radius: 4, fill: color)
            svg.text("\(one.workload) (\(one.variant)), measured", left + 36, row, size: 12, className: "legend-series")
            row += 18
            svg.line(left, row - 4, left + 28, row - 4, stroke: color, width: 1.5, dash: "4 3")
            let fraction = fit(one).map { "serial fraction s = \(fixed($0.serialFraction, 3))" } ?? "no fit (one worker only)"
            svg.text("Amdahl fit: \(fraction)", left + 36, row, size: 12, className: "legend-fit")
            row += 26
        }
        svg.line(left, row - 4, left + 28, row - 4, stroke: "#777777", width: 1.5, dash: "8 5")
        svg.text("ideal: min(workers, \(cores) cores)", left + 36, row, size: 12)
        row += 26
        for line in [
            "Amdahl: 1 / (s + (1 − s) / p),",
            "p = min(workers, usable cores),",
            "s by least squares on 1 / speedup",
        ] {
            svg.text(line, left, row, size: 11)
            row += 15
        }
    }

    /// A step of 1, 2 or 5 times a power of ten giving at most eight ticks up to `top`.
    static func tickStep(_ top: Double) -> Double {
        var magnitude = 0.01
        while true {
            for factor in [1.0, 2.0, 5.0] where top / (magnitude * factor) <= 8 { return magnitude * factor }
            magnitude *= 10
        }
    }

    /// A tick label: `2`, `0.5`, `0.25`.
    static func label(_ value: Double) -> String {
        if value == value.rounded() { return "\(Int(value))" }
        let text = fixed(value, 2)
        return text.hasSuffix("0") ? String(text.dropLast()) : text
    }
}
