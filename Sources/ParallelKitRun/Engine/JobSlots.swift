/// Job slots (`{%}`, `PARALLEL_JOBSLOT`): each attempt takes the lowest free one, 1 up, as GNU
/// parallel numbers them.
struct JobSlots {
    private var inUse: [Bool]

    init(capacity: Int) {
        inUse = Array(repeating: false, count: min(capacity, 4096))
    }

    mutating func take() -> Int {
        if let free = inUse.firstIndex(of: false) {
            inUse[free] = true
            return free + 1
        }
        inUse.append(true)
        return inUse.count
    }

    mutating func release(_ slot: Int) {
        if slot >= 1, slot - 1 < inUse.count { inUse[slot - 1] = false }
    }
}
