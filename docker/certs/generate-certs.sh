#!/bin/sh
# Run by the cert-gen service (eventstore/es-gencert-cli): creates the cluster's CA and one
# certificate per node named in the arguments, once; certificates already present are kept.
set -eu
cd /certs
[ -f ca/ca.crt ] || es-gencert-cli create-ca -out ca
for node in "$@"; do
  [ -f "$node/node.crt" ] || es-gencert-cli create-node -ca-certificate ca/ca.crt -ca-key ca/ca.key \
    -out "$node" -dns-names "$node,localhost" -ip-addresses 127.0.0.1
done
# EventStoreDB and the api both run as uid 1000: certificates readable, keys private.
chown -R 1000:1000 /certs
find /certs -name '*.crt' -exec chmod 0644 {} +
find /certs -name '*.key' -exec chmod 0600 {} +
