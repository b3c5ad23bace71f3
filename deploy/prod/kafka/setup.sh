#!/usr/bin/env bash
# One-shot, idempotent (compose.yaml's kafka-setup): a SCRAM-SHA-512 user per service and
# one for the operator's CLI, with their passwords from the environment (a rerun with new
# passwords rotates them), and the ACLs each service needs. Runs in the apache/kafka image
# as User:CN=homeward-admin over the INTERNAL listener.
set -euo pipefail

BOOTSTRAP=kafka-1:9091,kafka-2:9091,kafka-3:9091
CONFIG=/opt/homeward/admin-client.properties
bin=/opt/kafka/bin

scram_user() { # name password
  "$bin/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" \
    --alter --entity-type users --entity-name "$1" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]" >/dev/null
  echo "user $1: SCRAM-SHA-512 credential set"
}

acl() { # arguments of kafka-acls.sh after --add
  "$bin/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" \
    --add --force "$@" >/dev/null
}

for service in intake investigation recovery reintegration dashboard; do
  var="KAFKA_PASSWORD_${service^^}"
  scram_user "homeward-$service" "${!var:?$var is not set}"
  principal="User:homeward-$service"
  # Every service reads hand-offs and the stage feed, writes its own events through its
  # relay and dead letters of what it consumes: topics are shared, so read and write on all
  # of them. Its consumer groups are named after it (Service.group): only those.
  acl --allow-principal "$principal" --operation Read --operation Write \
    --operation Describe --operation DescribeConfigs --topic '*'
  acl --allow-principal "$principal" --operation Read --operation Describe \
    --group "$service" --resource-pattern-type prefixed
  # The idempotent producer (acks=all, enable_idempotence) needs this on the cluster.
  acl --allow-principal "$principal" --operation IdempotentWrite --cluster
  echo "acls for $principal"
done

# The operator's CLI (topics apply, dlq, rebuild) is a super user (server.properties).
scram_user homeward-operator "${KAFKA_PASSWORD_OPERATOR:?KAFKA_PASSWORD_OPERATOR is not set}"
