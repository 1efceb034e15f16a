#!/usr/bin/env bash
# Installs the Debian packages Herald needs to build and test.
# Idempotent: installs only what is missing, and runs `apt-get update` only then.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev
  # libraries
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  zlib1g-dev libzstd-dev liblz4-dev libsnappy-dev libboost-dev librdkafka-dev libsqlite3-dev
  libpq-dev
  # TLS on the listeners; openssl makes the tests' certificates
  libssl-dev openssl
  # JSON Schema patterns
  libpcre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # real Kafka clients for the integration tests
  kcat python3 python3-kafka python3-confluent-kafka
  # the schema registry client of python3-confluent-kafka, and its Avro and JSON serializers
  python3-requests python3-avro python3-jsonschema
  # projections into PostgreSQL: the server the tests and `herald bench eventstore` start
  postgresql
  # HTTP tests: curl, and promtool (from prometheus) to check /metrics
  curl prometheus
  # herald bench compare: the peer brokers it starts on loopback and their C client libraries
  rabbitmq-server redis-server nats-server librabbitmq-dev libhiredis-dev libnats-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# Node.js for the kafkajs tests: the machine's own when it has one, else Debian's.
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages the integration tests use (kafkajs), pinned in tests/integration/clients.
clients="$(dirname "$0")/../tests/integration/clients"
if [ ! -d "$clients/node_modules/kafkajs" ]; then
  echo "install-deps: npm install in tests/integration/clients"
  (cd "$clients" && npm install --no-package-lock --no-audit --no-fund --loglevel=error)
fi
