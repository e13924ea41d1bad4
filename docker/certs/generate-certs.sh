#!/bin/sh
# Run by the cert-gen service (eventstore/es-gencert-cli). Creates the CA once and one
# certificate per node named in the arguments, and hands each party only what it needs:
#
#   /certs/ca            CA certificate and key      (volume esdb-ca: this service only)
#   /certs/nodes/<node>  node.crt, node.key, ca/ca.crt (one volume per node, mounted by that node)
#   /certs/trust         ca.crt                      (volume esdb-trust: the api instances)
#
# Lifetimes: the CA 5 years (CA_DAYS), node certificates 1 year (NODE_DAYS). Existing
# certificates are kept; RENEW_NODE_CERTS=1 issues new node certificates from the same CA
# (see README.md, "docker compose").
set -eu
CA_DAYS="${CA_DAYS:-1825}"
# EventStoreDB and the api run as uid 1000; the CA stays root's.
NODE_OWNER="${NODE_OWNER:-1000:1000}"
CA_OWNER="${CA_OWNER:-0:0}"
NODE_DAYS="${NODE_DAYS:-365}"
cd "${CERTS_DIR:-/certs}"
[ -f ca/ca.crt ] || es-gencert-cli create-ca -days "$CA_DAYS" -out ca
for node in "$@"; do
  dir="nodes/$node"
  if [ ! -f "$dir/node.crt" ] || [ "${RENEW_NODE_CERTS:-0}" = 1 ]; then
    rm -f "$dir/node.crt" "$dir/node.key"
    es-gencert-cli create-node -ca-certificate ca/ca.crt -ca-key ca/ca.key -days "$NODE_DAYS" \
      -out "$dir" -dns-names "$node,localhost" -ip-addresses 127.0.0.1
  fi
  mkdir -p "$dir/ca"
  cp ca/ca.crt "$dir/ca/ca.crt"
  chown -R "$NODE_OWNER" "$dir"
  chmod 0644 "$dir/node.crt" "$dir/ca/ca.crt"
  chmod 0600 "$dir/node.key"
done
mkdir -p trust
cp ca/ca.crt trust/ca.crt
chmod 0644 trust/ca.crt
# The CA key never leaves this volume: root only.
chown -R "$CA_OWNER" ca
chmod 0600 ca/ca.key
chmod 0644 ca/ca.crt
