// WorkerPool.swift — a small persistent thread pool for the SIMD backend's parallel regions.
//
// Why not DispatchQueue.concurrentPerform: on this KVM guest waking an idle dispatch worker
// costs 17–60 µs per parallel region (measured), which is as long as a whole 512×256×256
// matmul half. Here, after a job the workers keep polling (with sched_yield, so they give the
// core away to anyone else who wants it) for `spinSeconds`, then sleep on a condition
// variable; the hand-off between back-to-back ops costs 1–3 µs. The caller runs tasks too.
// One pool per worker count is shared by every SIMDBackend (threads are never torn down).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class WorkerPool: @unchecked Sendable {
    let workers: Int
    private let spin: UnsafeMutablePointer<pthread_spinlock_t>
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    // guarded by spin
    private var generation = 0
    private var body: UnsafeRawPointer?   // points at the current job's (Int) -> Void
    private var tasks = 0, nextTask = 0, unfinished = 0, sleepers = 0
    private var shuttingDown = false
    private let spinSeconds: Double

    private let callerLock: UnsafeMutablePointer<pthread_mutex_t>

    private static let registryLock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1); pthread_mutex_init(m, nil); return m
    }()
    nonisolated(unsafe) private static var registry: [Int: WorkerPool] = [:]

    /// The process-wide pool with `workers` helper threads (created on first use).
    static func shared(workers: Int) -> WorkerPool {
        pthread_mutex_lock(registryLock); defer { pthread_mutex_unlock(registryLock) }
        if let p = registry[workers] { return p }
        let p = WorkerPool(workers: workers)
        registry[workers] = p
        return p
    }

    private init(workers: Int, spinSeconds: Double = 0.002) {
        callerLock = .allocate(capacity: 1); pthread_mutex_init(callerLock, nil)
        self.workers = workers
        self.spinSeconds = spinSeconds
        spin = .allocate(capacity: 1); pthread_spin_init(spin, 0)
        mutex = .allocate(capacity: 1); pthread_mutex_init(mutex, nil)
        cond = .allocate(capacity: 1); pthread_cond_init(cond, nil)
        for slot in stride(from: 1, through: workers, by: 1) {
            var tid = pthread_t()
            let start = Unmanaged.passRetained(WorkerStart(pool: self, slot: slot))
            pthread_create(&tid, nil, { arg in
                let start = Unmanaged<WorkerStart>.fromOpaque(arg!).takeRetainedValue()
                start.pool.workerLoop(slot: start.slot)
                return nil
            }, start.toOpaque())
            pthread_detach(tid)
        }
    }

    private final class WorkerStart {
        let pool: WorkerPool, slot: Int
        init(pool: WorkerPool, slot: Int) { self.pool = pool; self.slot = slot }
    }

    @inline(__always) private func locked<T>(_ f: () -> T) -> T {
        pthread_spin_lock(spin); defer { pthread_spin_unlock(spin) }
        return f()
    }

    private static func now() -> Double {
        var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    private typealias Job = (Int, Int) -> Void   // (task, slot)
    private func claim() -> (Int, UnsafeRawPointer)? {
        locked {
            guard nextTask < tasks, let b = body else { return nil }
            let t = nextTask; nextTask += 1
            return (t, b)
        }
    }

    private func workerLoop(slot: Int) {
        var seen = 0
        while true {
            var start = 0.0
            var polls = 0
            while true {
                let (g, stop) = locked { (generation, shuttingDown) }
                if stop { return }
                if g != seen { seen = g; break }
                polls += 1
                if polls == 1 { start = WorkerPool.now() }
                if polls % 16 == 0 && WorkerPool.now() - start > spinSeconds {
                    pthread_mutex_lock(mutex)
                    let sleep = locked { () -> Bool in
                        if generation == seen && !shuttingDown { sleepers += 1; return true }
                        return false
                    }
                    if sleep {
                        pthread_cond_wait(cond, mutex)
                        locked { sleepers -= 1 }
                    }
                    pthread_mutex_unlock(mutex)
                    polls = 0
                } else {
                    sched_yield()
                }
            }
            while let (t, b) = claim() {
                b.assumingMemoryBound(to: Job.self).pointee(t, slot)
                locked { unfinished -= 1 }
            }
        }
    }

    /// body(t) for t in 0..<tasks on the caller and the workers; returns when all are done.
    /// Concurrent callers take turns; a task must not call run itself.
    func run(tasks n: Int, _ work: (Int) -> Void) {
        runSlots(tasks: n) { t, _ in work(t) }
    }

    /// body(task, slot): tasks are claimed dynamically; `slot` (0 = the caller, 1…workers)
    /// names the thread running the task, so per-thread scratch can be indexed by it.
    func runSlots(tasks n: Int, _ work: (Int, Int) -> Void) {
        pthread_mutex_lock(callerLock); defer { pthread_mutex_unlock(callerLock) }
        withoutActuallyEscaping(work) { w in
            var job: Job = w
            withUnsafePointer(to: &job) { jp in
                let wake = locked { () -> Bool in
                    body = UnsafeRawPointer(jp); tasks = n; nextTask = 0; unfinished = n; generation &+= 1
                    return sleepers > 0
                }
                if wake { pthread_mutex_lock(mutex); pthread_cond_broadcast(cond); pthread_mutex_unlock(mutex) }
                while let (t, _) = claim() {
                    jp.pointee(t, 0)
                    locked { unfinished -= 1 }
                }
                // wait for tasks still running on workers; yield so a descheduled worker can finish
                var polls = 0
                while locked({ unfinished }) > 0 {
                    polls += 1
                    if polls > 64 { sched_yield() }
                }
                locked { body = nil; tasks = 0; nextTask = 0 }
            }
        }
    }
}
