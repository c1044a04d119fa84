#!/usr/bin/env bash
# Fails when the committed generated files (CRDs, RBAC, deepcopy, and the chart's CRD templates and
# RBAC rules) differ from what `make generate manifests` makes of the current code. Works on a
# copy, so the working tree is never touched.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gen="${CONTROLLER_GEN:?set CONTROLLER_GEN to the controller-gen binary}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

tar -C "$root" --exclude=./bin --exclude=./.git --exclude=./.demo --exclude=./dist -cf - . | tar -C "$tmp" -xf -
(
  cd "$tmp"
  "$gen" object:headerFile="hack/boilerplate.go.txt" paths="./..."
  "$gen" rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases
  # The same steps as `make manifests`.
  go run ./hack/crd-descriptions config/crd/bases
  go run ./hack/chart-gen
)

status=0
for path in config/crd/bases config/rbac/role.yaml config/argocd/argocd-cm.yaml \
  charts/gallery-operator/templates/crds charts/gallery-operator/templates/_generated.tpl $(cd "$tmp" && find . -name 'zz_generated.*.go' -not -path './bin/*'); do
  if ! diff -ruN "$root/$path" "$tmp/$path" >/dev/null 2>&1; then
    echo "stale generated file(s): $path"
    diff -ruN "$root/$path" "$tmp/$path" | head -40 || true
    status=1
  fi
done
if [[ $status -ne 0 ]]; then
  echo "run 'make generate manifests' and commit the result"
fi
exit $status
