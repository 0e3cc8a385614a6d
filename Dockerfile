# syntax=docker/dockerfile:1
# Build: one release binary with templates and static files embedded.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin bureau \
 && cp target/release/bureau /usr/local/bin/bureau

# Run: the binary alone, as an unprivileged user, on the same Debian release it was built on.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/bureau bureau
COPY --from=build /usr/local/bin/bureau /usr/local/bin/bureau
USER bureau
WORKDIR /var/lib/bureau
ENV BUREAU_SERVER__ADDR=0.0.0.0:8000 \
    BUREAU_APP__DATA_DIR=/var/lib/bureau/data \
    BUREAU_DATABASE__URL=sqlite:///var/lib/bureau/data/bureau.db
VOLUME ["/var/lib/bureau/data"]
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/bureau"]
CMD ["serve"]
