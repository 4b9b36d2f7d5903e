#!/usr/bin/env bash
# Installs the Debian packages ciliumc needs to build and test. Idempotent: does nothing when
# everything is already installed. Needs root (or sudo) for apt-get.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config python3 python3-yaml default-jre-headless
  llvm-19-dev clang-19 llvm-19-tools libclang-rt-19-dev
  antlr4 libantlr4-runtime-dev
  libfmt-dev libcli11-dev libyaml-cpp-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libbpf-dev libelf-dev zlib1g-dev
  iproute2   # ip netns / ip link: the real-traffic test and scripts/demo.sh build veth topologies
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # ciliumd's etcd client
  libcpp-httplib-dev   # ciliumd's API and ciliumctl
  etcd-server etcd-client  # the real etcd the agent tests and the demo start on loopback
  openssl     # a throw-away PKI for the etcd-over-TLS tests
  util-linux  # nsenter: ciliumd configures endpoints inside their namespaces
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
