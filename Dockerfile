# syntax=docker/dockerfile:1
# Build: one release binary with templates, static files, fixtures and config.toml's defaults
# embedded (rust-embed and include_str! in release builds), so the image needs nothing else.
# The toolchain's Debian release is the runtime's, so the binary finds the same glibc.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
# The caches keep crates and compiled dependencies between builds of the image; the binary is
# copied out of the cached target folder, which is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin bureau \
 && cp target/release/bureau /usr/local/bin/bureau

# Run: the binary alone, as an unprivileged user, on the same Debian release it was built on.
FROM debian:bookworm-slim
# ca-certificates: SMTP, Twilio, Stripe and TMDb are reached over TLS with the system's roots.
# Unpinned on purpose: a rebuild should pick up Debian's security updates, and a pinned version
# disappears from the mirrors when the next one lands.
# The data folder is made here, owned by the user, so a named volume mounted on it starts with
# that owner (Docker copies the folder's ownership into an empty volume).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 bureau \
 && useradd --system --uid 10001 --gid bureau --home-dir /var/lib/bureau --create-home \
      --shell /usr/sbin/nologin bureau \
 && install -d -o bureau -g bureau -m 0750 /var/lib/bureau/data
COPY --from=build /usr/local/bin/bureau /usr/local/bin/bureau
COPY --chmod=0755 deploy/healthcheck.sh /usr/local/bin/bureau-healthcheck
# Numeric, so orchestrators that check runAsNonRoot can tell without the image's passwd file.
USER 10001:10001
WORKDIR /var/lib/bureau
# The defaults of a container; everything else comes from the environment (see .env.example).
# SQLite under the data volume runs the image alone; production points
# BUREAU_DATABASE__URL at MySQL or PostgreSQL (docker-compose.yml does).
ENV BUREAU_SERVER__ADDR=0.0.0.0:8000 \
    BUREAU_APP__DATA_DIR=/var/lib/bureau/data \
    BUREAU_DATABASE__URL=sqlite:///var/lib/bureau/data/bureau.db
VOLUME ["/var/lib/bureau/data"]
EXPOSE 8000
# /readyz: the database answers and the schema is current. bash's /dev/tcp, no curl needed.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/bureau-healthcheck", "/readyz"]
# SIGTERM (Docker's default stop signal) starts a graceful shutdown: requests in flight get
# server.shutdown_timeout_secs (30 s), so give `docker stop` a longer grace period (compose does).
ENTRYPOINT ["/usr/local/bin/bureau"]
CMD ["serve"]
