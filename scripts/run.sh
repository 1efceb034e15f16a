#!/usr/bin/env bash
# Starts Herald's broker on its embedded default: data in ./data, Kafka protocol on port 9092.
set -euo pipefail
data_dir=${1:-./data}
exec ./build/herald serve --data-dir "$data_dir" --kafka-addr 0.0.0.0:9092
