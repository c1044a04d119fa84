# GalleryImage operator. `make help` lists the targets.

IMAGE_REPO ?= ghcr.io/azgallery/gallery-operator
IMG ?= $(IMAGE_REPO):latest
PLATFORMS ?= linux/amd64,linux/arm64
# The release that make image stamps into the manager (--version) and tags the image with, and its
# commit. The release workflow passes the git tag and its commit.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# The image's org.opencontainers.image.licenses label (an SPDX expression).
IMAGE_LICENSES ?= NOASSERTION
# Files in the image are dated by the last commit, so that the same commit builds the same image.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH

# Tool versions, all built from the Go module proxy into ./bin on first use.
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.8.1
KUBE_VERSION ?= 1.37.2
HELM_VERSION ?= v3.22.0
ACTIONLINT_VERSION ?= v1.7.12

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

ROOT := $(shell pwd)
LOCALBIN ?= $(ROOT)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
# test/manifests runs this helm (lint, template).
HELM ?= $(LOCALBIN)/helm-$(HELM_VERSION)
ACTIONLINT ?= $(LOCALBIN)/actionlint-$(ACTIONLINT_VERSION)
export HELM
CHART ?= charts/gallery-operator
# Where make helm-push publishes the chart (oci://).
CHART_REGISTRY ?= ghcr.io/azgallery/charts
# The control plane (kube-apiserver, etcd, kubectl) that envtest, e2e and the demo run against.
KUBEBUILDER_ASSETS ?= $(LOCALBIN)/k8s/$(KUBE_VERSION)
export KUBEBUILDER_ASSETS
KUBECTL ?= $(KUBEBUILDER_ASSETS)/kubectl

GO_TEST_FLAGS ?= -count=1 -timeout 30m

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRDs and RBAC under config/ and the chart's copies of them.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases
	go run ./hack/crd-descriptions config/crd/bases
	go run ./hack/chart-gen

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate DeepCopy methods for the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt on the code.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet on the code.
	go vet ./...

.PHONY: verify-generated
verify-generated: $(CONTROLLER_GEN) ## Fail when committed CRDs, RBAC, deepcopy or chart files are stale.
	CONTROLLER_GEN=$(CONTROLLER_GEN) hack/verify-generated.sh

.PHONY: lint-workflows
lint-workflows: $(ACTIONLINT) ## Lint .github/workflows with actionlint (shellcheck and pyflakes off, for the same result everywhere).
	$(ACTIONLINT) -shellcheck= -pyflakes= .github/workflows/*.yml # files named: a git archive copy has no .git

.PHONY: verify-fmt
verify-fmt: ## Fail when a Go file is not gofmt-formatted.
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bin/*'))"; \
	if [ -n "$$out" ]; then echo "not gofmt-formatted (run make fmt):"; echo "$$out"; exit 1; fi

.PHONY: test
test: test-prepare ## Vet, check generated files, run unit, envtest and e2e suites, the alerts' tests and a short fuzz.
	go test $(GO_TEST_FLAGS) ./...
	go test $(GO_TEST_FLAGS) -race ./internal/emulator/...
	$(MAKE) --no-print-directory test-alerts replay-table

# go test shows a passing package's log only with -v: the replay's table (docs/emulator.md,
# "Replayed recordings") is printed by running that one test again, from the cached test binary.
.PHONY: replay-table
replay-table: ## Replay the recorded Azure traffic against the emulator and print the table of equal answers.
	@out="$$(go test -count=1 -v -run '^TestReplayRecordedAzureTraffic$$' ./internal/emulator)" || { echo "$$out"; exit 1; }; \
	echo "$$out" | sed -n '/replay of recorded Azure traffic/,/total (/p'

# The alerts and the dashboard are tested in test/alerts, a module of its own, so that the
# operator's module does not depend on Prometheus' server packages. Its cold build (rule
# evaluation and the PromQL parser) takes 2.5 minutes on 2 cores, about half what promtool's does
# (docs/development.md); it asks `go run ./hack/metric-names` for the manager's metrics, built in
# the operator's module from the packages the suites above compiled.
.PHONY: test-alerts
test-alerts: ## Unit-test the Prometheus alerts (promtool's format) and check the dashboard's queries.
	cd test/alerts && go vet ./... && go test $(GO_TEST_FLAGS) ./...

# What the suites need first, one step after another: on 2 CPUs with empty caches, running them
# as make jobs side by side was slower (36.7 against 32.2 minutes: the steps compile the same
# dependencies at once; docs/development.md, Timings). TEST_JOBS=4 runs them side by side on a
# machine with more cores. Each step skips what is current: tools are versioned files in bin/,
# and Go's build cache keeps what vet and fuzz compiled for the suites that follow.
TEST_JOBS ?= 1
.PHONY: test-prepare
test-prepare:
	$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target verify-fmt verify-generated vet lint-workflows control-plane helm fuzz

# The fuzz tests, package:function, found in the sources (every func FuzzX under internal/). Their seed corpora run with every go test. make fuzz runs each
# for FUZZTIME with FUZZ_PARALLEL workers: the same as go test -run '^$$' -fuzz '^FuzzX$$'
# -fuzztime $(FUZZTIME) ./pkg (one -fuzz per run, as Go requires), but it builds each package's
# instrumented test binary once instead of once per fuzz test. FUZZTIME is a number of
# iterations (Nx) by default, so that a busy machine runs the same work, only slower: a time
# limit (make fuzz FUZZTIME=1m) is for longer runs by hand, never for make test, since Go fails a
# fuzz run whose workers have not finished the baseline-coverage pass when the time is up. Each
# run starts from the seed corpora alone (f.Add and testdata/fuzz): new corpus entries go to a
# temporary cache, unless FUZZ_CACHE names a folder to keep them in. A failing input goes to the
# package's testdata/fuzz.
FUZZ_TARGETS ?= $(shell grep -rHoE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+' internal | sed -E 's|^(.*)/[^/]+_test.go:func |\1:|' | sort)
FUZZTIME ?= 2000x
FUZZ_PARALLEL ?= 2
FUZZ_CACHE ?=

.PHONY: fuzz
fuzz: ## Run each fuzz test for FUZZTIME (2000 inputs; longer: make fuzz FUZZTIME=1m).
	@dir="$$(mktemp -d)"; trap 'rm -rf "$$dir"' EXIT; cache="$(if $(FUZZ_CACHE),$(FUZZ_CACHE),$$dir/fuzzcache)"; \
	for pkg in $(sort $(foreach t,$(FUZZ_TARGETS),$(firstword $(subst :, ,$(t))))); do \
	  bin="$$dir/$$(echo $$pkg | tr / _).test"; \
	  echo "go test -c -fuzz . ./$$pkg"; go test -c -fuzz . -o "$$bin" ./$$pkg || exit 1; \
	  for t in $(FUZZ_TARGETS); do \
	    [ "$${t%%:*}" = "$$pkg" ] || continue; fn="$${t##*:}"; \
	    echo "  $$fn for $(FUZZTIME)"; \
	    (cd $$pkg && "$$bin" -test.run '^$$' -test.fuzz "^$$fn\$$" -test.fuzztime $(FUZZTIME) -test.parallel $(FUZZ_PARALLEL) \
	      -test.fuzzcachedir "$$cache/$$pkg") || exit 1; \
	  done; \
	done

.PHONY: bench
bench: ## Benchmark the Azure emulator (prints requests per second).
	go test -run '^$$' -bench . -benchtime 3s ./internal/emulator/

.PHONY: bench-scale
bench-scale: build control-plane ## Measure the operator at the emulator's ARM limits (make bench-scale N=1000 DRIFT_RESYNC=2m BENCH_FLAGS=-skip-restart).
	go run ./hack/bench-scale --root $(ROOT) --assets $(KUBEBUILDER_ASSETS) $(if $(N),-n $(N)) $(if $(DRIFT_RESYNC),-drift-resync $(DRIFT_RESYNC)) $(BENCH_FLAGS)

.PHONY: control-plane
control-plane: $(KUBEBUILDER_ASSETS)/kube-apiserver ## Build kube-apiserver, etcd and kubectl for tests (once).

$(KUBEBUILDER_ASSETS)/kube-apiserver:
	KUBE_VERSION=$(KUBE_VERSION) hack/build-control-plane.sh $(KUBEBUILDER_ASSETS)

##@ Demo

.PHONY: demo
demo: build control-plane ## Run the operator on a local control plane and the Azure emulator, with the samples; Ctrl-C stops.
	go run ./hack/demo --root $(ROOT) --assets $(KUBEBUILDER_ASSETS)

.PHONY: demo-ci
demo-ci: build control-plane ## Like demo, but exit after checking that every sample became Ready.
	go run ./hack/demo --root $(ROOT) --assets $(KUBEBUILDER_ASSETS) --ci

.PHONY: soak
soak: build control-plane ## Soak test: faults, outages, restarts, rotation and changes against the real processes, then checks (SOAK_ARGS for flags; minutes).
	go run ./hack/soak --root $(ROOT) --assets $(KUBEBUILDER_ASSETS) --manager $(LOCALBIN)/manager --emulator $(LOCALBIN)/azure-emulator $(SOAK_ARGS)

##@ Build

.PHONY: build
build: ## Build the manager, the Azure emulator and the kubectl-gallery plugin into bin/.
	go build -o $(LOCALBIN)/manager .
	go build -o $(LOCALBIN)/azure-emulator ./cmd/azure-emulator
	go build -o $(LOCALBIN)/kubectl-gallery ./cmd/kubectl-gallery

.PHONY: run
run: manifests generate fmt vet ## Run the manager against the cluster in your kubeconfig.
	go run .

.PHONY: image
image: ## Build the manager's image for PLATFORMS into dist/ without Docker: an OCI layout, docker load tarballs, SBOMs.
	go run ./hack/image build --out dist --repo $(IMAGE_REPO) --version $(VERSION) --revision $(COMMIT) \
	  --licenses $(IMAGE_LICENSES) --platforms $(PLATFORMS)

.PHONY: image-push
image-push: ## Push dist/image (make image) to IMAGE_REPO:VERSION with the credentials of docker login or crane auth login.
	go run ./hack/image push --layout dist/image --ref $(IMAGE_REPO):$(VERSION)

.PHONY: install-yaml
install-yaml: ## Render config/default into dist/install.yaml with the image of make image pinned by digest.
	go run ./hack/image install-yaml --config config/default --repo $(IMAGE_REPO) --tag $(VERSION) \
	  --digest-file dist/image.digest --out dist/install.yaml

.PHONY: docker-build
docker-build: ## Build the container image (needs a Docker engine with buildx).
	docker buildx build --platform=$(PLATFORMS) -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the container image.
	docker buildx build --push --platform=$(PLATFORMS) -t $(IMG) .

##@ Helm

.PHONY: helm
helm: $(HELM) ## Build helm into bin/ (once).

.PHONY: helm-lint
helm-lint: $(HELM) ## Lint the chart with its default and ci/ values.
	$(HELM) lint --strict $(CHART)
	for f in $(CHART)/ci/*.yaml; do $(HELM) lint --strict $(CHART) -f $$f; done

.PHONY: helm-package
helm-package: $(HELM) ## Package the chart into dist/ (CHART_VERSION, APP_VERSION override Chart.yaml).
	$(HELM) package $(CHART) --destination dist $(if $(CHART_VERSION),--version $(CHART_VERSION)) $(if $(APP_VERSION),--app-version $(APP_VERSION))

.PHONY: helm-login
helm-login: $(HELM) ## Log helm in to CHART_REGISTRY's host as REGISTRY_USER, the password on stdin.
	$(HELM) registry login $(firstword $(subst /, ,$(CHART_REGISTRY))) --username "$(REGISTRY_USER)" --password-stdin

.PHONY: helm-push
helm-push: $(HELM) ## Push dist/gallery-operator-CHART_VERSION.tgz (make helm-package) to oci://CHART_REGISTRY.
	$(HELM) push dist/$(notdir $(CHART))-$(CHART_VERSION).tgz oci://$(CHART_REGISTRY)

.PHONY: helm-install
helm-install: $(HELM) ## Install or upgrade the chart into the cluster in your kubeconfig (HELM_ARGS for --set etc.).
	$(HELM) upgrade --install gallery-operator $(CHART) --namespace gallery-operator-system --create-namespace $(HELM_ARGS)

##@ Deployment

.PHONY: install
install: manifests $(KUSTOMIZE) ## Install the CRD into the cluster in your kubeconfig.
	$(KUSTOMIZE) build config/crd | kubectl apply --server-side -f -

.PHONY: uninstall
uninstall: manifests $(KUSTOMIZE) ## Remove the CRD from the cluster in your kubeconfig.
	$(KUSTOMIZE) build config/crd | kubectl delete --ignore-not-found -f -

.PHONY: deploy
deploy: manifests $(KUSTOMIZE) ## Deploy the operator (config/default) with image IMG.
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | kubectl apply --server-side -f -

.PHONY: undeploy
undeploy: $(KUSTOMIZE) ## Remove the operator deployed by make deploy.
	$(KUSTOMIZE) build config/default | kubectl delete --ignore-not-found -f -

##@ Tools

$(CONTROLLER_GEN):
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(LOCALBIN)/controller-gen $@

$(KUSTOMIZE):
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	mv $(LOCALBIN)/kustomize $@

$(ACTIONLINT):
	GOBIN=$(LOCALBIN) go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
	mv $(LOCALBIN)/actionlint $@

# The ldflags of Helm's own release build: its version, and the Kubernetes version that
# `helm template` and `helm lint` assume without a cluster (KUBE_VERSION, not Helm's v1.20 fallback).
$(HELM):
	GOBIN=$(LOCALBIN) go install -ldflags "-X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$(word 1,$(subst ., ,$(KUBE_VERSION))) \
	  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(word 2,$(subst ., ,$(KUBE_VERSION)))" \
	  helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	mv $(LOCALBIN)/helm $@
