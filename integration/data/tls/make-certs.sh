#!/usr/bin/env bash
# Regenerates the TLS test files of this folder (see ../SOURCES.md): two
# test CAs and one XSP server certificate signed by each, EC P-256 keys,
# valid for 100 years. Run it from anywhere; it writes next to itself.
set -euo pipefail
cd "$(dirname "$0")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

ca() { # name, common name
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$1.key"
  openssl req -x509 -new -key "$tmp/$1.key" -sha256 -days 36500 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$1.pem"
}

server() { # name, CA name, common name
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$3" -out "$tmp/$1.csr"
  cat > "$tmp/$1.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
  openssl x509 -req -in "$tmp/$1.csr" -CA "$2.pem" -CAkey "$tmp/$2.key" \
    -CAcreateserial -CAserial "$tmp/$2.srl" -sha256 -days 36500 \
    -extfile "$tmp/$1.ext" -out "$1.pem"
}

ca test-ca "bwcsta test CA"
ca other-ca "bwcsta other test CA"
server xsp test-ca "xsp-sim"
server other-xsp other-ca "xsp-sim (other CA)"
