# syntax=docker/dockerfile:1
# The manager image: a static Go binary on distroless, non-root. Multi-platform with buildx:
#   docker buildx build --platform=linux/amd64,linux/arm64 -t <image> .
# The builder runs on the build host's platform and cross-compiles for TARGETOS/TARGETARCH.
FROM --platform=$BUILDPLATFORM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH

WORKDIR /workspace
# Dependencies first, in their own layer, so that source changes do not download them again.
COPY go.mod go.sum ./
RUN go mod download

# Only what the manager is built from.
COPY main.go ./
COPY api/ api/
COPY controllers/ controllers/
COPY internal/ internal/

# CGO off: a static binary that runs on distroless/static.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o manager .

FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/manager /manager
USER 65532:65532

ENTRYPOINT ["/manager"]
