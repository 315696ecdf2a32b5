#!/bin/sh
# A development certificate chain: a local CA and a server certificate for
# localhost / 127.0.0.1 signed by it. Kept if already there.
set -eu

dir=$1
[ -f "$dir/cert.pem" ] && [ -f "$dir/key.pem" ] && exit 0
mkdir -p "$dir"
cd "$dir"
umask 077

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -days 3650 -subj "/CN=Dev Local CA" \
    -addext "basicConstraints=critical,CA:true" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout key.pem -out server.csr -subj "/CN=localhost" 2>/dev/null
printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    "basicConstraints=critical,CA:false" \
    "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
    -CAcreateserial -days 825 -extfile server.ext -out server.pem 2>/dev/null
# Kore's certfile is the chain: leaf first, then the CA.
cat server.pem ca.pem > cert.pem
rm -f server.csr server.ext ca.srl
chmod 600 key.pem ca.key
chmod 644 cert.pem ca.pem server.pem
