import ParallelKitRun

/// Parsing of the small languages GNU parallel's options use.
enum OptionValue {
    /// C-style escapes in a delimiter (`\n`, `\t`, `\0`, `\\`, `\xHH`, `\ooo` …), as `-d` takes them.
    static func unescape(_ text: Bytes) -> Bytes {
        var result: Bytes = []
        var index = 0
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        while index < text.count {
            let byte = text[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < text.count else {
                result.append(byte)
                index += 1
                continue
            }
            let next = text[index + 1]
            index += 2
            switch next {
            case UInt8(ascii: "n"): result.append(0x0A)
            case UInt8(ascii: "t"): result.append(0x09)
            case UInt8(ascii: "r"): result.append(0x0D)
            case UInt8(ascii: "a"): result.append(0x07)
            case UInt8(ascii: "b"): result.append(0x08)
            case UInt8(ascii: "f"): result.append(0x0C)
            case UInt8(ascii: "v"): result.append(0x0B)
            case UInt8(ascii: "\\"): result.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "x"):
                var value: UInt8 = 0
                var digits = 0
                while digits < 2, index < text.count, let digit = hexValue(text[index]) {
                    value = value &* 16 &+ digit
                    index += 1
                    digits += 1
                }
                result.append(digits == 0 ? UInt8(ascii: "x") : value)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(next - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(text[index]) {
                    value = value * 8 + Int(text[index] - UInt8(ascii: "0"))
                    index += 1
                    digits += 1
                }
                result.append(UInt8(truncatingIfNeeded: value))
            default:
                result.append(UInt8(ascii: "\\"))
                result.append(next)
            }
        }
        return result
    }

    /// A size with GNU's unit prefixes: `k` = 1000, `K` = 1024, likewise `m/M`, `g/G`, `t/T`, `p/P`.
    static func size(_ text: String) -> Int? {
        var digits = Substring(text)
        var multiplier = 1.0
        if let last = digits.last, last.isLetter {
            let powers: [Character: Double] = [
                "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "p": 1e15,
                "K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776,
                "P": 1_125_899_906_842_624,
            ]
            guard let power = powers[last] else { return nil }
            multiplier = power
            digits = digits.dropLast()
        }
        guard let number = Double(digits), number.isFinite else { return nil }
        let value = number * multiplier
        guard abs(value) < 9e18 else { return nil }
        return Int(value)
    }

    /// A duration in seconds with GNU's time suffixes (`s`, `m`, `h`, `d`, combinable: `1h30m`).
    static func seconds(_ text: String) -> Double? {
        var total = 0.0
        var number = ""
        var sawUnit = false
        for character in text {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            let unit: Double
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86400
            default: return nil
            }
            guard let value = Double(number) else { return nil }
            total += value * unit
            number = ""
            sawUnit = true
        }
        if !number.isEmpty {
            guard let value = Double(number) else { return nil }
            total += value
        } else if !sawUnit {
            return nil
        }
        return total
    }
}
