// diffusiond — the daemon's thin main: parse flags, load the config, run the daemon.
import Daemon
import Foundation

let usage = """
usage: diffusiond [--config FILE] [--socket PATH] [--state-dir DIR] [--backend auto|cpu|vulkan] [options]

Trains and samples diffusion models for clients such as diffctl, over a Unix socket.

options (each is also a key of daemon.conf and a DIFFUSIOND_<KEY> environment variable;
flags beat the environment, which beats the file):
  --config FILE            config file (default: $XDG_CONFIG_HOME/diffusiond/daemon.conf, then
                           /etc/diffusiond/daemon.conf, else built-in defaults); env DIFFUSIOND_CONFIG
  --socket PATH            Unix socket (default: $XDG_RUNTIME_DIR/diffusiond.sock)
  --state-dir DIR          jobs, checkpoints, outputs, models (default: ~/.local/state/diffusiond)
  --backend auto|cpu|vulkan
  --device N|UUID|PCI|auto Vulkan device: index, UUID or PCI bus id
  --shader-dir DIR         directory of shaders/*.comp
  --max-jobs N             jobs run at once (default 1)
  --cpu-threads N          CPU backend threads, 0 = one per core
  --checkpoint-every N     steps between training checkpoints (default 500)
  --checkpoint-keep N      checkpoints kept per job (default 2)
  --progress-every N       steps between progress events (default 25)
  --log-level debug|info|warn|error
  --socket-group GROUP     also let members of GROUP connect (socket mode 0660)
  --memory-budget SIZE     memory one job may use: auto (75% of RAM), N%, or e.g. 8G
  --group-may-manage-all B true: members may cancel/remove/prune others' jobs (default false)
  --job-retention DURATION remove finished jobs this long after they finish, 0 = never (default 30d)
  --hello-timeout S        seconds a new connection has to say hello (default 10, 0 = no limit)
  --idle-timeout S         seconds without a request before a non-following connection is closed
                           (default 900, 0 = never)
  --executor local|slurm   run jobs here, or submit each to Slurm with sbatch (default local)
  --slurm-partition P, --slurm-gres G, --slurm-time T, --slurm-cpus N, --slurm-mem M,
  --slurm-extra "ARGS"     sbatch settings when executor = slurm (see daemon.conf)
  --print-config           print the resolved configuration and exit

diffusiond run-job --state-dir DIR --job ID [options]
                           run one job of DIR in this process (what a Slurm batch script runs)
diffusiond compile-shaders [--shader-dir DIR] [--out DIR]
                           precompile every shader to SPIR-V (default DIR/spirv), for machines
                           without glslang (set DIFFUSIOND_GLSLANG=none to use them with one)
diffusiond dial-stdio [--socket PATH]
                           relay stdin/stdout to the daemon's socket: what diffctl --host ssh://user@box
                           runs on the box over ssh (see the README's "Remote use")
  --version, -h/--help

examples:
  diffusiond &                                   # defaults, socket under $XDG_RUNTIME_DIR
  diffusiond --state-dir /tmp/dd --socket /tmp/dd/sock --backend cpu
  systemctl --user start diffusiond              # with contrib/diffusiond.service installed
"""

let environment = ProcessInfo.processInfo.environment
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "run-job" {
    // the batch script of a Slurm job (executor = slurm): run one job of the state directory here
    exit(RunJobCommand.main(Array(CommandLine.arguments.dropFirst(2)), environment: environment))
}
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "dial-stdio" {
    // what `diffctl --host ssh://user@box` runs on the box: relay stdin/stdout to the local socket
    exit(DialStdioCommand.main(Array(CommandLine.arguments.dropFirst(2)), environment: environment))
}
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "compile-shaders" {
    exit(CompileShadersCommand.main(Array(CommandLine.arguments.dropFirst(2))))
}
do {
    switch try DaemonConfig.load(arguments: Array(CommandLine.arguments.dropFirst()), environment: environment) {
    case .help:
        print(usage)
    case .version:
        print(DaemonVersion.string)
    case .printConfig(let config):
        print(config.rendered(environment: environment), terminator: "")
    case .run(let config):
        try Daemon(config: config, environment: environment).run()
    }
} catch {
    FileHandle.standardError.write(Data("diffusiond: \(error)\n".utf8))
    exit(error is ConfigError ? 2 : 1)
}
