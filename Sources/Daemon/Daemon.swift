// Daemon.swift — wires the daemon together: state directory, job queue, socket, peer checks,
// signals. `Daemon.run` never returns: SIGTERM/SIGINT checkpoint running jobs and exit 0.
import DiffProtocol
import Foundation
import Jobs
#if canImport(Glibc)
import Glibc
#endif

public enum DaemonVersion {
    public static let string = "diffusiond 0.1.0"
}

public final class Daemon: @unchecked Sendable {
    let config: DaemonConfig
    let environment: [String: String]
    let log: Logger
    let socketPath: String
    let stateDir: String
    private var listener: Listener?
    private var manager: JobManager!
    private var handler: RequestHandler!
    private var backend: BackendInfo!
    private var policy: PeerPolicy!
    private var retention: RetentionSweeper?
    private let startedAt = Date().timeIntervalSince1970
    private var signalSources: [DispatchSourceSignal] = []
    private var loop: EventLoop?
    /// threads that run client requests (the event loop itself is one more)
    static let requestWorkers = 4

    public init(config: DaemonConfig, environment: [String: String]) {
        self.config = config
        self.environment = environment
        log = Logger(level: config.logLevel)
        socketPath = config.socketPath(environment: environment)
        stateDir = config.stateDirectory(environment: environment)
    }

    /// Start everything and serve forever. Throws only for start-up failures.
    public func run() throws -> Never {
        signal(SIGPIPE, SIG_IGN)
        let fileLimit = EventLoop.raiseFileLimit()
        var group: gid_t?
        if !config.socketGroup.isEmpty {
            guard let g = PeerPolicy.groupID(config.socketGroup) else {
                throw ListenerError(description: "socket_group '\(config.socketGroup)' is not a known group")
            }
            group = g
        }
        policy = PeerPolicy(ownerUID: geteuid(), allowedGroup: group)

        let listener = try Listener(path: socketPath, group: group, log: log)
        let loop: EventLoop
        do {
            loop = try EventLoop(listener: listener, helloTimeout: Double(config.helloTimeout), idleTimeout: Double(config.idleTimeout),
                                 workers: Daemon.requestWorkers, log: log)
        } catch { listener.stop(); throw error }
        self.loop = loop
        self.listener = listener
        let store: JobStore
        do { store = try JobStore(root: stateDir, group: group) } catch {
            listener.stop()
            throw ListenerError(description: "cannot use state directory \(stateDir): \(error)")
        }

        let report = JobReports.backend(choice: config.backend, device: config.device,
                                        shaderDir: config.shaderDir.isEmpty ? nil : URL(fileURLWithPath: config.shaderDir))
        backend = BackendInfo(report)
        log.info("backend selected", ["requested": report.requested, "selected": report.selected, "device": report.deviceName, "reason": report.reason])

        manager = JobManager(store: store, config: config, log: log)
        manager.onStopped = { [self] in
            log.info("stopped", ["socket": socketPath])
            listener.stop()
            exit(0)
        }
        if config.executor == .slurm {
            do { try SlurmExecutor.checkStateDir(stateDir) } catch { listener.stop(); throw error }
            let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
            manager.slurm = SlurmExecutor(manager: manager, store: store, config: config, log: log, binary: exe)
            if SlurmCommands.which("sbatch") == nil {
                log.warn("executor = slurm but sbatch is not on PATH: jobs will fail until the Slurm client tools are installed", ["path": environment["PATH"]])
            }
            log.info("executor slurm", ["binary": exe, "sbatch_args": config.slurm.sbatchArguments.joined(separator: " ")])
        }
        manager.load()
        if store.staleTempFiles.files > 0 {
            log.info("removed temp files of interrupted writes", ["files": store.staleTempFiles.files, "bytes": store.staleTempFiles.bytes])
        }
        manager.applyRetention()
        retention = RetentionSweeper(manager: manager)
        handler = RequestHandler(manager: manager, log: log, info: { [self] in daemonInfo() })
        installSignalHandlers()
        log.info("listening", ["socket": socketPath, "state_dir": stateDir, "max_jobs": config.maxJobs, "pid": getpid(),
                               "config": config.configFile ?? "built-in defaults", "open_file_limit": fileLimit])
        manager.start()

        let policy = self.policy!
        loop.admit = { peer in
            let groups = policy.allowedGroup == nil ? [] : PeerCredentials.supplementaryGroups(pid: peer.pid)
            if policy.allows(peer, supplementaryGroups: groups) { return nil }
            return ProtocolError(.permissionDenied, "uid \(peer.uid) may not use this daemon (owner uid \(policy.ownerUID)\(policy.allowedGroup.map { ", group \($0)" } ?? ""))")
        }
        loop.onRequest = { [self] conn, frame, files in handler.handle(frame, files: files, from: conn) }
        loop.onClosed = { [self] conn in manager.detach(conn) }
        loop.start()
        dispatchMain()
    }

    private func installSignalHandlers() {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { [self] in
                if manager.isStopping {
                    log.warn("second signal; exiting without waiting for jobs", ["signal": sig])
                    listener?.stop()
                    exit(1)
                }
                log.info("signal received; checkpointing running jobs", ["signal": sig == SIGTERM ? "term" : "int"])
                manager.beginShutdown()
            }
            src.resume()
            signalSources.append(src)
        }
        signal(SIGHUP, SIG_IGN)
    }

    private func daemonInfo() -> DaemonInfo {
        DaemonInfo(version: DaemonVersion.string, protocolVersion: Wire.protocolVersion, pid: Int(getpid()), startedAt: startedAt,
                   socket: socketPath, stateDir: stateDir, configFile: config.configFile, maxJobs: config.maxJobs,
                   cpuThreads: config.cpuThreads == 0 ? ProcessInfo.processInfo.activeProcessorCount : config.cpuThreads,
                   checkpointEvery: config.checkpointEvery, checkpointKeep: config.checkpointKeep,
                   backend: backend, jobCounts: manager.counts())
    }
}
