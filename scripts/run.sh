#!/usr/bin/env bash
# Starts Herald's main job on its embedded default data dir.
set -euo pipefail
data_dir=${1:-./data}
mkdir -p "$data_dir"
echo "herald: storage engine on $data_dir (measuring it: write, read and reopen)"
exec ./build/herald bench storage --dir "$data_dir/bench-storage"
