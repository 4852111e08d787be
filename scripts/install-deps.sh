#!/usr/bin/env bash
# Installs what berth's build, run and tests need and the machine lacks.
# Safe to run repeatedly: it only installs what is missing.
set -euo pipefail

need_apt=()
command -v jq >/dev/null || need_apt+=(jq)
command -v curl >/dev/null || need_apt+=(curl)
# Tasks run on containerd + runc; test images are busybox-static plus a Go
# test app; task disks are loop-mounted ext4; namespaces via iproute2.
command -v containerd >/dev/null || need_apt+=(containerd)
command -v runc >/dev/null || need_apt+=(runc)
[[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1 || need_apt+=(busybox-static)
command -v mkfs.ext4 >/dev/null || need_apt+=(e2fsprogs)
command -v ip >/dev/null || need_apt+=(iproute2)
# berth writes nftables through netlink; the tests read tables back with nft.
command -v nft >/dev/null || need_apt+=(nftables)

if ((${#need_apt[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing packages: ${need_apt[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "installing: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The aws CLI drives the end-to-end tests; Debian packages it.
if ! command -v aws >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "the aws CLI is missing (install awscli)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli >/dev/null
fi
command -v go >/dev/null || { echo "Go is required (https://go.dev/dl)" >&2; exit 1; }
