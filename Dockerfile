# syntax=docker/dockerfile:1
# Build stage: the same vet and build commands CI runs (.ci/run).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go vet ./... && CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/plumbline .

# Runtime stage: a small Debian image, non-root, data on a volume.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata fonts-droid-fallback \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/plumbline plumbline
COPY --from=build /out/plumbline /usr/local/bin/plumbline
ENV PLUMBLINE_DATA=/var/lib/plumbline \
    PLUMBLINE_DB=sqlite:///var/lib/plumbline/plumbline.db \
    PLUMBLINE_ADDR=:8080
USER plumbline
WORKDIR /var/lib/plumbline
VOLUME ["/var/lib/plumbline"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["plumbline", "healthcheck"]
ENTRYPOINT ["plumbline"]
CMD ["serve"]
