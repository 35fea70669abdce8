# Sluice on the official Swift image. Build: docker build -t sluice .
FROM swift:6.0-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product sluice --static-swift-stdlib

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/.build/release/sluice /usr/local/bin/sluice
COPY migrations /usr/local/share/sluice/migrations
COPY sql /usr/local/share/sluice/sql
ENV SLUICE_HOME=/usr/local/share/sluice
USER nobody
ENTRYPOINT ["/usr/local/bin/sluice"]
CMD ["--help"]
