# Registry path for the router image (ANYCAST_LAB_IMAGE_BUILDER=dockerfile).
# The default builder (mmdebstrap, src/runtime/mmdebstrap-builder.ts) needs no registry and
# copies the host's Node 20 binary to /usr/local/bin/node. Here node comes from
# bookworm (18), which is too old for the dns2 agent: PoPs built from this
# image need Node >= 20 added (e.g. a NodeSource package) before they serve DNS.
# Keep the package list in sync with IMAGE_SPECS in src/runtime/image-specs.ts.
# bgpd stays as Debian built it here (the mmdebstrap builder removes its two
# work-queue holds, src/runtime/bgpd-holds.ts): failover at fast BFD is ~60 ms slower.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      frr iproute2 nftables tcpdump procps dnsutils nsd iputils-ping iptables nodejs \
 && rm -rf /var/lib/apt/lists/*
LABEL anycast-lab.kind=image anycast-lab.image=router
CMD ["/bin/sh"]
