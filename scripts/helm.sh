#!/usr/bin/env bash
# Prints the path of a helm CLI, building it from the Go module proxy the first time.
# No release tarball is downloaded: `go install` fetches helm.sh/helm/v3 as a Go module, and the
# binary is cached under ~/.cache/aigov/bin, so later runs cost nothing.
set -euo pipefail

HELM_VERSION="${AIGOV_HELM_VERSION:-v3.21.4}"
# The Kubernetes version helm reports to charts (`.Capabilities.KubeVersion`) when offline.
KUBE_MINOR="${AIGOV_HELM_KUBE_MINOR:-34}"
BIN_DIR="${AIGOV_BIN_DIR:-$HOME/.cache/aigov/bin}"
HELM="$BIN_DIR/helm-$HELM_VERSION"

if [ -x "$HELM" ]; then
  echo "$HELM"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "helm.sh: Go is needed to build helm" >&2; exit 1; }
mkdir -p "$BIN_DIR"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
echo "helm.sh: building helm $HELM_VERSION from the Go module proxy (once)" >&2
pkg=helm.sh/helm/v3
GOFLAGS=-mod=mod GOBIN="$tmp" CGO_ENABLED=0 go install -trimpath \
  -ldflags "-s -w -X $pkg/internal/version.version=$HELM_VERSION \
-X $pkg/pkg/chartutil.k8sVersionMajor=1 -X $pkg/pkg/chartutil.k8sVersionMinor=$KUBE_MINOR" \
  "$pkg/cmd/helm@$HELM_VERSION" >&2
mv "$tmp/helm" "$HELM"
echo "helm.sh: built in $(( $(date +%s) - start )) s: $HELM" >&2
echo "$HELM"
