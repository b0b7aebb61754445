import Testing

@testable import ParallelKitCLI

@Suite("SpeedupPlot and SVGDocument")
struct SpeedupPlotTests {
    /// Three workloads on 2 cores, 1 to 4 workers, each following Amdahl's law for its `s`.
    func plot() -> SpeedupPlot {
        let series = [("costly-map", 0.1), ("imbalanced", 0.3), ("cheap-map", 0.8)].map { name, s in
            SpeedupPlot.Series(
                workload: name, variant: "parallelMap",
                points: (1...4).map { n in (n, 1 / (s + (1 - s) / Double(min(n, 2)))) })
        }
        return SpeedupPlot(series: series, cores: 2, subtitle: "test <&> \"quoted\"")
    }

    @Test("the picture is well-formed XML: an svg root with a size and a white background")
    func wellFormed() throws {
        let root = try MiniXML.parse(plot().document().text)
        #expect(root.name == "svg")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["width"] == "\(SpeedupPlot.width)" && root.attributes["height"] == "\(SpeedupPlot.height)")
        #expect(root.children.first?.name == "rect")
        // The subtitle's reserved characters come back as written.
        #expect(root.elements("text").contains { $0.text == "test <&> \"quoted\"" })
    }

    @Test("labelled axes, a title, one series and one fit per workload, the ideal line, the cores marked")
    func structure() throws {
        let root = try MiniXML.parse(plot().document().text)
        #expect(root.elements("text", className: "title").map(\.text) == ["Speedup against workers"])
        #expect(root.elements("text", className: "x-label").map(\.text) == ["workers"])
        #expect(root.elements("text", className: "y-label").first?.text.hasPrefix("speedup") == true)
        #expect(root.elements("text", className: "y-label").first?.attributes["transform"] == "rotate(-90 26 260)")
        #expect(root.elements("polyline", className: "series").count == 3)
        #expect(root.elements("polyline", className: "fit").count == 3)
        #expect(root.elements("polyline", className: "ideal").count == 1)
        #expect(root.elements("circle").count == 12 + 3)  // 4 points per series, 1 per legend entry
        let texts = root.elements("text").map(\.text)
        for workers in 1...4 { #expect(texts.contains("\(workers)")) }
        #expect(texts.contains("2 usable cores"))
        #expect(root.elements("text", className: "legend-series").map(\.text) == [
            "costly-map (parallelMap), measured", "imbalanced (parallelMap), measured", "cheap-map (parallelMap), measured",
        ])
    }

    @Test("the legend prints each fit's serial fraction: the s the points were made from")
    func legendFractions() throws {
        let root = try MiniXML.parse(plot().document().text)
        #expect(root.elements("text", className: "legend-fit").map(\.text) == [
            "Amdahl fit: serial fraction s = 0.100", "Amdahl fit: serial fraction s = 0.300",
            "Amdahl fit: serial fraction s = 0.800",
        ])
    }

    @Test("a series of one worker has no fit, and says so")
    func noFit() throws {
        let one = SpeedupPlot(series: [.init(workload: "w", variant: "v", points: [(1, 1)])], cores: 1, subtitle: "")
        let root = try MiniXML.parse(one.document().text)
        #expect(root.elements("polyline", className: "fit").isEmpty)
        #expect(root.elements("text", className: "legend-fit").map(\.text) == ["Amdahl fit: no fit (one worker only)"])
    }

    @Test("ticks: 1, 2 or 5 times a power of ten, at most eight of them")
    func ticks() {
        #expect(SpeedupPlot.tickStep(2.2) == 0.5)
        #expect(SpeedupPlot.tickStep(4.4) == 1)
        #expect(SpeedupPlot.tickStep(35) == 5)
        #expect(SpeedupPlot.label(0.5) == "0.5" && SpeedupPlot.label(0.25) == "0.25" && SpeedupPlot.label(2) == "2")
        #expect(SVGDocument.number(12) == "12" && SVGDocument.number(12.46) == "12.5")
        #expect(SVGDocument.escaped("a<b & 'c'>") == "a&lt;b &amp; &apos;c&apos;&gt;")
    }

    @Test("the checker refuses what is not well-formed")
    func checkerRefuses() {
        for bad in [
            "<svg><g></svg></g>", "<svg>", "<svg a=1/>", "<svg a=\"1\" a=\"2\"/>", "<svg>a & b</svg>",
            "<svg/><svg/>", "text<svg/>", "<svg a=\"<\"/>", "<svg><text>x</text>",
        ] {
            #expect(throws: MiniXML.Failure.self, "\(bad)") { try MiniXML.parse(bad) }
        }
        #expect((try? MiniXML.parse("<?xml version=\"1.0\"?>\n<!-- c --><svg a='1'><t>&amp;&#65;</t></svg>\n"))?.children.first?.text == "&A")
    }
}
