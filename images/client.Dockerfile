# Registry path for the client image (ANYCAST_LAB_IMAGE_BUILDER=dockerfile).
# See router.Dockerfile: node here is bookworm's 18, not the host's 20.
# Keep the package list in sync with IMAGE_SPECS in src/runtime/image-specs.ts.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      dnsutils curl iproute2 dnsperf procps iputils-ping nftables nodejs ca-certificates \
 && rm -rf /var/lib/apt/lists/*
LABEL anycast-lab.kind=image anycast-lab.image=client
CMD ["/bin/sh"]
