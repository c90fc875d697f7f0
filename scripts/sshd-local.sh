#!/usr/bin/env bash
# sshd-local.sh — a throwaway OpenSSH server on 127.0.0.1 for the remote-use tests (diffctl
# --host ssh://…, Tests/DaemonTests/RemoteSSHTests.swift) and for trying remote use by hand.
#   scripts/sshd-local.sh start    install Debian's openssh-server when missing (apt; root or
#                                  passwordless sudo), generate a throwaway host key and client key,
#                                  start sshd on 127.0.0.1:$PORT (default 2222) that lets the current
#                                  user in with that client key only (idempotent)
#   scripts/sshd-local.sh stop     stop the sshd this script started
#   scripts/sshd-local.sh status   exit 0 when the server lets the client key in, 1 otherwise
# Everything lives in $DIR (default /tmp/diffusiond-sshd-<uid>, mode 0700): host_key, client_key,
# authorized_keys, sshd_config, sshd.pid, sshd.log, and ssh_config — a client config with a Host
# entry "diffusiond-test" (port, user, key, no host-key checking), so that
#   ssh -F $DIR/ssh_config diffusiond-test true
#   DIFFUSIOND_SSH="ssh -F $DIR/ssh_config" diffctl --host ssh://diffusiond-test info
# work. Run as root, sshd uses privilege separation (/run/sshd); as another user it runs
# unprivileged and lets in only that user.
set -euo pipefail

PORT=${SSHD_LOCAL_PORT:-2222}
DIR=${DIFFUSIOND_SSHD_DIR:-/tmp/diffusiond-sshd-$(id -u)}
USER_NAME=$(id -un)

if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi

sshd_bin() { command -v sshd 2>/dev/null || { [ -x /usr/sbin/sshd ] && echo /usr/sbin/sshd; } || true; }

install_packages() {
  [ -n "$(sshd_bin)" ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null && return 0
  if [ "$SUDO" = none ]; then
    echo "sshd-local: openssh-server is not installed and installing it needs root or passwordless sudo (sudo apt-get install openssh-server)" >&2
    exit 2
  fi
  echo "sshd-local: installing openssh-server openssh-client"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # policy-rc.d 101: the package's postinst must not start the system sshd on port 22
  local policy=/usr/sbin/policy-rc.d made_policy=""
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null; $SUDO chmod 755 $policy; made_policy=1
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client >/dev/null || {
    [ -n "$made_policy" ] && $SUDO rm -f $policy; echo "sshd-local: apt-get install openssh-server failed" >&2; exit 1; }
  [ -n "$made_policy" ] && $SUDO rm -f $policy
  return 0
}

pid_alive() { [ -f "$DIR/sshd.pid" ] && kill -0 "$(cat "$DIR/sshd.pid")" 2>/dev/null; }

up() {
  [ -f "$DIR/ssh_config" ] && timeout 15 ssh -F "$DIR/ssh_config" diffusiond-test true >/dev/null 2>&1
}

write_files() {
  mkdir -p "$DIR"; chmod 700 "$DIR"
  [ -f "$DIR/host_key" ] || ssh-keygen -q -t ed25519 -N '' -C diffusiond-test-host -f "$DIR/host_key"
  [ -f "$DIR/client_key" ] || ssh-keygen -q -t ed25519 -N '' -C diffusiond-test-client -f "$DIR/client_key"
  cp "$DIR/client_key.pub" "$DIR/authorized_keys"; chmod 600 "$DIR/authorized_keys"
  cat > "$DIR/sshd_config" <<EOF
# written by diffusiond's scripts/sshd-local.sh: a throwaway server for tests, keys only
Port $PORT
ListenAddress 127.0.0.1
HostKey $DIR/host_key
PidFile $DIR/sshd.pid
AuthorizedKeysFile $DIR/authorized_keys
AllowUsers $USER_NAME
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
LogLevel VERBOSE
EOF
  cat > "$DIR/ssh_config" <<EOF
# written by diffusiond's scripts/sshd-local.sh: how to reach the throwaway sshd
Host diffusiond-test
  HostName 127.0.0.1
  Port $PORT
  User $USER_NAME
  IdentityFile $DIR/client_key
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  BatchMode yes
  LogLevel ERROR
EOF
  printf 'port=%s\nuser=%s\nkey=%s\n' "$PORT" "$USER_NAME" "$DIR/client_key" > "$DIR/env"
}

start() {
  install_packages
  write_files
  if pid_alive; then
    if up; then echo "sshd-local: sshd already running on 127.0.0.1:$PORT (pid $(cat "$DIR/sshd.pid"))"; return 0; fi
    kill "$(cat "$DIR/sshd.pid")" 2>/dev/null || true; sleep 1
  fi
  local sshd; sshd=$(sshd_bin)
  [ -n "$sshd" ] || { echo "sshd-local: sshd not found after installing openssh-server" >&2; exit 1; }
  if [ "$(id -u)" = 0 ]; then mkdir -p /run/sshd; chmod 755 /run/sshd; fi
  "$sshd" -t -f "$DIR/sshd_config" || { echo "sshd-local: sshd rejects $DIR/sshd_config" >&2; exit 1; }
  "$sshd" -f "$DIR/sshd_config" -E "$DIR/sshd.log"
  for _ in $(seq 1 50); do
    if up; then echo "sshd-local: sshd on 127.0.0.1:$PORT for $USER_NAME (client config: ssh -F $DIR/ssh_config diffusiond-test)"; return 0; fi
    sleep 0.2
  done
  echo "sshd-local: sshd did not let the client key in; its log ($DIR/sshd.log):" >&2
  tail -20 "$DIR/sshd.log" >&2 || true
  exit 1
}

stop() {
  if pid_alive; then kill "$(cat "$DIR/sshd.pid")"; echo "sshd-local: stopped"; fi
  rm -f "$DIR/sshd.pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if up; then echo "sshd-local: up on 127.0.0.1:$PORT"; else echo "sshd-local: not answering"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
