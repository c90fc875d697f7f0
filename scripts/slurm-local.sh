#!/usr/bin/env bash
# slurm-local.sh — a single-node Slurm cluster on this machine, for the Slurm executor's tests and
# for trying executor = slurm by hand. Needs root (or passwordless sudo) for apt and the daemons.
#   scripts/slurm-local.sh start    install slurm-wlm + munge when missing, write a munge key and a
#                                   one-node slurm.conf, start munged, slurmctld, slurmd (idempotent;
#                                   a running cluster whose slurm.conf changed is restarted)
#   scripts/slurm-local.sh stop     stop the three daemons this script started
#   scripts/slurm-local.sh status   exit 0 when the cluster answers (sinfo), 1 otherwise
# The node is named after the host, with its real CPU count and memory; one partition, "debug".
# Run files live under /var/lib/diffusiond-slurm (spool, logs, pid files).
set -euo pipefail

RUN=/var/lib/diffusiond-slurm
CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf

if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi

need_root() {
  if [ "$SUDO" = none ]; then
    echo "slurm-local: needs root or passwordless sudo to $1" >&2; exit 2
  fi
}

up() { timeout 10 sinfo -h -o %a >/dev/null 2>&1 && [ "$(timeout 10 sinfo -h -o %T 2>/dev/null | head -1)" != "" ] \
       && ! timeout 10 sinfo -h -o %T 2>/dev/null | grep -qE 'down|drain|unk'; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_packages() {
  local missing=""
  for p in slurm-wlm munge; do dpkg -s $p >/dev/null 2>&1 || missing="$missing $p"; done
  [ -z "$missing" ] && return 0
  need_root "install$missing"
  echo "slurm-local: installing$missing"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$missing >/dev/null
}

# Memory enforcement: with a cgroup v1 memory controller, task/cgroup (a job over its --mem is
# OOM-killed and Slurm reports OUT_OF_MEMORY); otherwise jobacct_gather's OverMemoryKill, which
# kills it too but Slurm 22.05 records that as FAILED ("Exceeded job memory limit").
memory_plugin() {
  if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then echo cgroup; else echo jobacct; fi
}

write_cgroup_conf() {
  local want="# written by diffusiond's scripts/slurm-local.sh
CgroupPlugin=cgroup/v1
ConstrainRAMSpace=yes
ConstrainSwapSpace=no"
  if [ ! -f "$CONF_DIR/cgroup.conf" ] || [ "$(cat "$CONF_DIR/cgroup.conf")" != "$want" ]; then
    echo "$want" | $SUDO tee "$CONF_DIR/cgroup.conf" >/dev/null
  fi
}

write_config() {
  local host cpus mem task acct
  host=$(hostname -s)
  cpus=$(nproc --all)
  mem=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
  $SUDO mkdir -p "$CONF_DIR" "$RUN/spool/ctld" "$RUN/spool/d" "$RUN/log"
  if [ "$(memory_plugin)" = cgroup ]; then
    write_cgroup_conf
    task="TaskPlugin=task/cgroup"; acct="# memory: task/cgroup (cgroup.conf)"
  else
    task="TaskPlugin=task/none"; acct="JobAcctGatherParams=OverMemoryKill"
  fi
  local want
  want=$(cat <<CONF
# written by diffusiond's scripts/slurm-local.sh: a single-node cluster for tests
ClusterName=diffusiond-local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$RUN/spool/ctld
SlurmdSpoolDir=$RUN/spool/d
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$RUN/log/slurmctld.log
SlurmdLogFile=$RUN/log/slurmd.log
ProctrackType=proctrack/linuxproc
$task
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# per-job memory accounting every second; a job over its --mem is killed (see memory_plugin)
JobAcctGatherType=jobacct_gather/linux
$acct
JobAcctGatherFrequency=task=1
# a job without --mem gets 1 GB per CPU, not the whole node (so jobs and array tasks run side by side)
DefMemPerCPU=1024
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
KillWait=10
MinJobAge=600
# a requeued job may start again after cred_expire seconds (default 120)
AuthInfo=cred_expire=10
MaxArraySize=1001
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:64
CONF
)
  if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$want" ]; then
    echo "$want" | $SUDO tee "$CONF" >/dev/null
    return 1   # changed
  fi
}

start() {
  install_packages
  if up; then
    need_root "check the cluster's slurm.conf"
    if write_config; then echo "slurm-local: already up ($(sinfo -h -o '%P %D %T' | head -1))"; return 0; fi
    echo "slurm-local: slurm.conf changed; restarting slurmctld and slurmd"
    stop
    for _ in $(seq 1 40); do pid_alive "$RUN/slurmctld.pid" || pid_alive "$RUN/slurmd.pid" || break; sleep 0.25; done
  fi
  need_root "start munged, slurmctld and slurmd"
  write_config || true
  if [ ! -s /etc/munge/munge.key ]; then
    $SUDO mkdir -p /etc/munge
    $SUDO dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  $SUDO chown munge:munge /etc/munge/munge.key 2>/dev/null || true
  $SUDO chmod 0400 /etc/munge/munge.key
  $SUDO mkdir -p /run/munge /var/log/munge /var/lib/munge
  $SUDO chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
  if ! pgrep -x munged >/dev/null; then
    if ! id munge >/dev/null 2>&1; then $SUDO /usr/sbin/munged --force
    elif [ -z "$SUDO" ]; then runuser -u munge -- /usr/sbin/munged
    else sudo -u munge /usr/sbin/munged; fi
  fi
  pid_alive "$RUN/slurmctld.pid" || $SUDO /usr/sbin/slurmctld
  pid_alive "$RUN/slurmd.pid" || $SUDO /usr/sbin/slurmd
  for _ in $(seq 1 60); do
    if up; then echo "slurm-local: up ($(sinfo -h -o '%P %D %T %c CPUs %m MB' | head -1))"; return 0; fi
    # a node that was down from an earlier run comes back on request
    timeout 5 scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true
    sleep 0.5
  done
  echo "slurm-local: the cluster did not come up; see $RUN/log/" >&2
  tail -n 20 "$RUN/log/slurmctld.log" "$RUN/log/slurmd.log" >&2 || true
  exit 1
}

stop() {
  for name in slurmd slurmctld; do
    if pid_alive "$RUN/$name.pid"; then $SUDO kill "$(cat "$RUN/$name.pid")"; echo "slurm-local: stopped $name"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if up; then sinfo; exit 0; else echo "slurm-local: not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
