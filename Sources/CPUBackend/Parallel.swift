// Parallel.swift — how the SIMD backend spreads work over its threads.
//
// Work is cut into at most `threads` contiguous chunks and run on the shared WorkerPool
// (the caller plus threads−1 helpers); below a size threshold it runs inline on the caller,
// because handing work to a second thread costs more than the work itself.

struct ParallelRunner {
    let threads: Int
    private let pool: WorkerPool?

    init(threads: Int) {
        self.threads = max(1, threads)
        pool = self.threads > 1 ? WorkerPool.shared(workers: self.threads - 1) : nil
    }

    /// body(task) for task in 0..<tasks; concurrently when tasks > 1.
    @inline(__always)
    func run(tasks: Int, _ body: (Int) -> Void) {
        if tasks <= 1 {
            if tasks == 1 { body(0) }
            return
        }
        if let pool { pool.run(tasks: tasks, body) } else { for t in 0..<tasks { body(t) } }
    }

    /// body(task, slot) for task in 0..<tasks, claimed dynamically by the threads; slot in
    /// 0..<threads names the running thread (for per-thread scratch).
    @inline(__always)
    func runSlots(tasks: Int, _ body: (Int, Int) -> Void) {
        if tasks <= 1 {
            if tasks == 1 { body(0, 0) }
            return
        }
        if let pool { pool.runSlots(tasks: tasks, body) } else { for t in 0..<tasks { body(t, 0) } }
    }

    /// Splits [0, count) into chunks of at least `minChunk` elements (chunk starts aligned to
    /// `align`) and calls body(start, end) for each, in parallel when there is more than one.
    @inline(__always)
    func forEachChunk(count: Int, minChunk: Int, align: Int = 16, _ body: (Int, Int) -> Void) {
        guard count > 0 else { return }
        // up to two chunks per thread, claimed dynamically (load balance on a busy machine)
        let tasks = threads == 1 ? 1 : max(1, min(2 * threads, count / max(minChunk, 1)))
        if tasks == 1 { body(0, count); return }
        var chunk = (count + tasks - 1) / tasks
        chunk = (chunk + align - 1) / align * align
        let n = (count + chunk - 1) / chunk
        run(tasks: n) { t in
            let start = t * chunk
            body(start, min(count, start + chunk))
        }
    }
}

/// Splits `units` work units into `parts` nearly equal contiguous ranges; range `index`.
@inline(__always)
func evenSplit(_ units: Int, parts: Int, index: Int) -> Range<Int> {
    let base = units / parts, extra = units % parts
    let start = index * base + min(index, extra)
    return start..<(start + base + (index < extra ? 1 : 0))
}
