#!/usr/bin/env bash
# Regenerates the TLS test fixtures in this directory (tests/tls reads them;
# the tests never run openssl themselves).
#
# README: TEST-ONLY KEYS. These keys and certificates are public (they are in
# the repository); never use them for a real server.
#
#   ca.pem, ca.key          test CA, valid ~100 years
#   server.pem, server.key  server certificate signed by ca (SAN DNS:localhost,
#                           IP:127.0.0.1), valid ~100 years
#   other_ca.pem            an unrelated CA (the wrong-CA test)
#   expired.pem, expired.key  server certificate signed by ca, same SAN, valid
#                           only 2020-01-01..2020-01-02 (the expired test)
#
# Keys are EC P-256. Needs the openssl CLI (tested with OpenSSL 3.0).
set -euo pipefail

cd "$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

days=36500
san="subjectAltName=DNS:localhost,IP:127.0.0.1"

newkey() {  # newkey FILE
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$1" 2>/dev/null
  chmod 600 "$1"
}

# The test CA.
newkey ca.key
openssl req -x509 -new -key ca.key -sha256 -days "$days" \
  -subj "/O=fieldsync test/CN=fieldsync test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem

# An unrelated CA (its key is thrown away).
newkey "$work/other_ca.key"
openssl req -x509 -new -key "$work/other_ca.key" -sha256 -days "$days" \
  -subj "/O=fieldsync test/CN=unrelated test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out other_ca.pem

cat >"$work/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
$san
EXT

# The server certificate.
newkey server.key
openssl req -new -key server.key -subj "/O=fieldsync test/CN=localhost" \
  -out "$work/server.csr"
openssl x509 -req -in "$work/server.csr" -CA ca.pem -CAkey ca.key \
  -CAcreateserial -CAserial "$work/ca.srl" -sha256 -days "$days" \
  -extfile "$work/server.ext" -out server.pem

# The expired certificate: `openssl x509 -req` cannot back-date, `openssl ca`
# can (-startdate/-enddate).
newkey expired.key
openssl req -new -key expired.key -subj "/O=fieldsync test/CN=localhost" \
  -out "$work/expired.csr"
mkdir "$work/ca"
: >"$work/ca/index.txt"
echo 1000 >"$work/ca/serial"
cat >"$work/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $work/ca
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $PWD/ca.pem
private_key = $PWD/ca.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
organizationName = optional
commonName = supplied
CNF
openssl ca -batch -notext -config "$work/ca.cnf" \
  -startdate 20200101000000Z -enddate 20200102000000Z \
  -extfile "$work/server.ext" -in "$work/expired.csr" -out expired.pem \
  2>/dev/null

echo "wrote ca.pem ca.key server.pem server.key other_ca.pem expired.pem" \
  "expired.key in $PWD"
