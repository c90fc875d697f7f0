# diffusiond — the two commands a newcomer needs:
#   make demo   set up, build, start a private daemon, train + sample the default model, show results
#   make test   set up, build, run the whole test suite
# Everything builds in release mode (the SIMD kernels need it), once, for the demo and the tests.

SWIFT      ?= swift
BUILD_DIR  ?= .build
APT_PKGS   := libvulkan-dev glslang-tools mesa-vulkan-drivers
DEMO_DIR   ?= demo-out

.PHONY: all deps build test validate demo bench clean help slurm-up sshd-up dist dist-test gpu-check export-venv

all: build

help:
	@echo "make demo    build, start a private daemon, train and sample the default model, show the results"
	@echo "make test    build and run the whole test suite (Vulkan tests run on lavapipe when present)"
	@echo "make bench   swift run -c release diffbench"
	@echo "make build   release build of diffusiond, diffctl, diffbench"
	@echo "make dist    self-contained bundle dist/diffusiond-<version>-linux-<arch>.tar.gz (static Swift runtime, precompiled SPIR-V)"
	@echo "make dist-test  unpack the bundle in an empty directory and run it with a clean environment"
	@echo "make gpu-check  every op on the Vulkan device against the CPU, benchmarks, PyTorch side by side (scripts/gpu-check.sh)"

# System packages: Vulkan headers (build), the loader + lavapipe (run), glslang (shader compiler).
# Installed with apt when missing and we may (root, or passwordless sudo); otherwise a note, since
# everything still builds and runs on the CPU backend without a GPU driver.
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi; \
	  if [ "$$SUDO" = none ]; then \
	    echo "note: missing system packages:$$missing — install them with: sudo apt-get install$$missing"; \
	    echo "      (the CPU backend works without them; the Vulkan backend and its tests need them)"; \
	  else \
	    echo "installing system packages:$$missing"; \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing >/dev/null || \
	    { echo "error: apt-get install$$missing failed"; exit 1; }; \
	  fi; \
	fi

build: deps
	$(SWIFT) build -c release

# The Slurm suite needs a cluster: as root (or with passwordless sudo) or under CI, a single-node
# one is started with scripts/slurm-local.sh (apt installs slurm-wlm + munge when missing); under
# CI a failure to start is an error, elsewhere the suite is skipped with the reason printed.
slurm-up:
	@if [ "$$(id -u)" = 0 ] || [ "$$CI" = true ] || (command -v sudo >/dev/null && sudo -n true 2>/dev/null); then \
	  bash scripts/slurm-local.sh start || { [ "$$CI" = true ] && exit 1; echo "note: Slurm tests skipped: scripts/slurm-local.sh start failed"; }; \
	else \
	  echo "note: Slurm tests skipped: starting a local Slurm needs root or passwordless sudo (scripts/slurm-local.sh start)"; \
	fi

# The remote-use suite (RemoteSSHTests: diffctl --host ssh://…) needs an sshd: as root (or with
# passwordless sudo) or under CI, a throwaway one on 127.0.0.1:2222 is started with
# scripts/sshd-local.sh (apt installs openssh-server when missing); under CI a failure to start is
# an error, elsewhere the suite is skipped with the reason printed.
sshd-up:
	@if [ "$$(id -u)" = 0 ] || [ "$$CI" = true ] || (command -v sudo >/dev/null && sudo -n true 2>/dev/null); then \
	  bash scripts/sshd-local.sh start || { [ "$$CI" = true ] && exit 1; echo "note: remote ssh tests skipped: scripts/sshd-local.sh start failed"; }; \
	else \
	  echo "note: remote ssh tests skipped: starting a local sshd needs root or passwordless sudo (scripts/sshd-local.sh start)"; \
	fi

# numpy + safetensors for scripts/export-check.py (the export round-trip test, ExportTests): a
# virtual environment in .venv-export/, created once; a present one that imports both is kept.
# Outside CI a failure is a note (the test then skips); under CI it is an error.
EXPORT_VENV ?= .venv-export
export-venv:
	@if [ -x $(EXPORT_VENV)/bin/python ] && $(EXPORT_VENV)/bin/python -c "import numpy, safetensors.numpy" 2>/dev/null; then :; else \
	  echo "creating $(EXPORT_VENV) (numpy, safetensors) for the export check"; \
	  { python3 -m venv $(EXPORT_VENV) && $(EXPORT_VENV)/bin/pip install -q --disable-pip-version-check numpy safetensors; } || \
	  { rm -rf $(EXPORT_VENV); [ "$$CI" = true ] && { echo "error: could not create $(EXPORT_VENV)"; exit 1; }; \
	    echo "note: export round-trip test skipped: could not create $(EXPORT_VENV) (python3 -m venv, pip install numpy safetensors)"; }; \
	fi

test: deps slurm-up sshd-up export-venv
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build

# The Vulkan tests under VK_LAYER_KHRONOS_validation (needs vulkan-validationlayers; see
# scripts/vk-validate.sh). Reuses the test build.
validate:
	@$(MAKE) deps APT_PKGS="$(APT_PKGS) vulkan-validationlayers"
	$(SWIFT) build -c release --build-tests
	SWIFT=$(SWIFT) bash scripts/vk-validate.sh

demo: build
	@DEMO_DIR=$(DEMO_DIR) BIN=$$($(SWIFT) build -c release --show-bin-path) bash scripts/demo.sh

bench: build
	$(SWIFT) run -c release diffbench

# The bundle for a GPU box without Swift (see scripts/make-dist.sh), and its clean-room test.
dist: deps
	SWIFT=$(SWIFT) bash scripts/make-dist.sh

dist-test: dist
	bash scripts/dist-test.sh $$(ls -t dist/diffusiond-*.tar.gz | head -1)

gpu-check: build
	bash scripts/gpu-check.sh

clean:
	rm -rf $(BUILD_DIR) .build-dist dist $(DEMO_DIR)
