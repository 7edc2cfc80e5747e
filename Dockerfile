# gatewayd in a container: built with the Swift toolchain, run on Debian slim with only what the binary links to
# (glibc, liblua5.4, libsqlite3; the Swift runtime is linked in statically). Not built in this repository's CI: its
# machines cannot run image builds. `docker build -t gatewayd .`, then
# `docker run -p 3000:3000 -e GATEWAYD_ADMIN_TOKEN=… -v gatewayd:/var/lib/gatewayd gatewayd`.

FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends liblua5.4-dev libsqlite3-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN swift build -c release --static-swift-stdlib --product gatewayd --scratch-path /build \
    && install -D /build/release/gatewayd /out/gatewayd

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends liblua5.4-0 libsqlite3-0 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/gatewayd --create-home --uid 10001 gatewayd
COPY --from=build /out/gatewayd /usr/local/bin/gatewayd
COPY handlers /etc/gatewayd/handlers
USER gatewayd
WORKDIR /var/lib/gatewayd
ENV GATEWAYD_DB=/var/lib/gatewayd/gatewayd.sqlite \
    GATEWAYD_HANDLERS=/etc/gatewayd/handlers \
    GATEWAYD_LOG_FORMAT=json
EXPOSE 3000
VOLUME ["/var/lib/gatewayd"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
# SIGTERM lets queued handlers finish within GATEWAYD_SHUTDOWN_GRACE; give `docker stop` more than that (-t 30).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/gatewayd"]
CMD ["serve"]
