#!/usr/bin/env bash
# Builds the control plane that envtest, the e2e suite and `make demo` run against:
# kube-apiserver and kubectl from k8s.io/kubernetes, and etcd from go.etcd.io/etcd,
# all from the Go module proxy (setup-envtest cannot download on our machines).
#
# Usage: hack/build-control-plane.sh [OUTPUT_DIR]
#   OUTPUT_DIR defaults to bin/k8s/$KUBE_VERSION. The build is skipped when all three binaries exist.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-1.37.2}"      # k8s.io/kubernetes release
STAGING_VERSION="${STAGING_VERSION:-0.37.2}" # matching k8s.io/* staging module version
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"      # go.etcd.io/etcd/server/v3 release

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/bin/k8s/$KUBE_VERSION}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

if [[ -x "$out/kube-apiserver" && -x "$out/etcd" && -x "$out/kubectl" ]]; then
  echo "control plane already built in $out"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod CGO_ENABLED=0 GOWORK=off

# k8s.io/kubernetes points its staging modules at ./staging; outside its repository every one of them
# has to be pinned to the published module of the same release.
staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
  cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api
  cri-client cri-streaming csi-translation-lib dynamic-resource-allocation endpointslice externaljwt
  kms kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
  mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller streaming)

if [[ ! -x "$out/kube-apiserver" || ! -x "$out/kubectl" ]]; then
  mkdir -p "$work/kube"
  {
    echo "module controlplane/kube"
    echo
    echo "go 1.26"
    echo
    echo "require k8s.io/kubernetes v$KUBE_VERSION"
    echo
    echo "replace ("
    for m in "${staging[@]}"; do echo "	k8s.io/$m => k8s.io/$m v$STAGING_VERSION"; done
    echo ")"
  } >"$work/kube/go.mod"
  cat >"$work/kube/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  echo "building kube-apiserver and kubectl v$KUBE_VERSION (a few minutes, once)"
  (cd "$work/kube" && go mod tidy >/dev/null &&
    go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${KUBE_VERSION#1.}" \
      -o "$out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver &&
    go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION" \
      -o "$out/kubectl" k8s.io/kubernetes/cmd/kubectl)
fi

if [[ ! -x "$out/etcd" ]]; then
  mkdir -p "$work/etcd"
  cat >"$work/etcd/go.mod" <<MOD
module controlplane/etcd

go 1.26

require go.etcd.io/etcd/server/v3 v$ETCD_VERSION
MOD
  cat >"$work/etcd/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  echo "building etcd v$ETCD_VERSION"
  (cd "$work/etcd" && go mod tidy >/dev/null && go build -trimpath -ldflags "-s -w" -o "$out/etcd" .)
fi

echo "control plane built in $out"
