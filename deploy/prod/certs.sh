#!/usr/bin/env bash
# A private CA and the certificates the production profile expects, in deploy/prod/secrets/:
#
#   ca.pem                   the CA every client trusts (KAFKA_SSL_CAFILE, DATABASE_SSLROOTCERT)
#   kafka-{1,2,3}.pem        each node's key and certificate (SAN kafka-N), a PEM keystore
#   homeward-admin.pem       the setup job's client key and certificate (User:CN=homeward-admin)
#   postgres.crt, .key       the database server's (SAN postgres)
#   keycloak.crt, -key.pem   the identity provider's (SANs keycloak and $KEYCLOAK_HOSTNAME)
#
# Good for a staging stack and for trying the profile. In production use your organisation's
# CA (or Vault / cert-manager) with the same names and SANs, and keep ca-key.pem offline.
# Idempotent: existing files are kept; delete one to make it again.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p secrets
cd secrets
umask 077
DAYS=${CERT_DAYS:-825}

[[ -f ca-key.pem ]] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca-key.pem
[[ -f ca.pem ]] || openssl req -x509 -new -key ca-key.pem -sha256 -days "$DAYS" \
  -subj "/CN=Homeward private CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

issue() { # name san usage -> name-key.pem, name.crt
  local name=$1 san=$2 usage=$3
  [[ -f $name.crt ]] && return 0
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name-key.pem"
  openssl req -new -key "$name-key.pem" -subj "/CN=$name" -out "$name.csr"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -days "$DAYS" -sha256 -out "$name.crt" -extfile <(
      printf 'subjectAltName=%s\nextendedKeyUsage=%s\nkeyUsage=critical,digitalSignature\n' \
        "$san" "$usage")
  rm -f "$name.csr"
  echo "issued $name ($san)"
}

for n in 1 2 3; do
  issue "kafka-$n" "DNS:kafka-$n" serverAuth,clientAuth
  # Kafka's PEM keystore: the PKCS#8 key and the certificate in one file.
  cat "kafka-$n-key.pem" "kafka-$n.crt" > "kafka-$n.pem"
done
issue homeward-admin "DNS:homeward-admin" clientAuth
cat homeward-admin-key.pem homeward-admin.crt > homeward-admin.pem
issue postgres "DNS:postgres" serverAuth
# Keycloak serves TLS itself: the reverse proxy in front re-encrypts to it, and nothing on
# the networks speaks to it in plain HTTP.
issue keycloak "DNS:keycloak,DNS:${KEYCLOAK_HOSTNAME:-id.example.org}" serverAuth
cp postgres.crt postgres-server.crt
cp postgres-key.pem postgres.key

# Readable by the processes that use them inside the containers: Kafka runs as uid 1000
# (apache/kafka), PostgreSQL as uid 999 (postgres:16) and refuses a key others can read.
chmod 644 ca.pem ./*.crt
chmod 600 ./*.pem ./*.key
chmod 644 ca.pem
if [[ $(id -u) == 0 ]]; then
  chown 1000 kafka-?.pem homeward-admin.pem keycloak-key.pem
  chown 999 postgres.key
else
  echo "not root: chown 1000 secrets/kafka-?.pem secrets/homeward-admin.pem secrets/keycloak-key.pem and chown 999 secrets/postgres.key before starting" >&2
fi
