"""Transactions of a python3-confluent-kafka producer while the broker is killed with SIGKILL.
Usage: txn_writer.py BOOTSTRAP write FIRST PROGRESS_FILE | txn_writer.py BOOTSTRAP read
write commits transactions FIRST, FIRST+1, ... (each 4 records `t<n>-r<j>`, one per partition of
the topic `txk`) and appends n to PROGRESS_FILE once commit_transaction returned; it runs until
killed. read prints, as JSON on its last line, the values a read_committed consumer reads from
`txk`, waiting up to 30 s for those named by PROGRESS_FILE's lines (given as the third argument).
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, mode = sys.argv[1], sys.argv[2]
PARTITIONS = 4


def write(first, progress_path):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic("txk", PARTITIONS, 1)], operation_timeout=10).values():
        try:
            f.result()
        except Exception:  # it exists after the first round
            pass
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "kill-writer",
                         "transaction.timeout.ms": 5000})
    producer.init_transactions(60)
    progress = open(progress_path, "a")
    n = first
    while True:
        producer.begin_transaction()
        for j in range(PARTITIONS):
            producer.produce("txk", value=f"t{n}-r{j}", partition=j)
        producer.commit_transaction(60)
        progress.write(f"{n}\n")
        progress.flush()
        n += 1


def read(progress_path):
    acknowledged = {int(line) for line in open(progress_path) if line.strip()}
    expected = {f"t{n}-r{j}" for n in acknowledged for j in range(PARTITIONS)}
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "txk-checker",
                  "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.assign([TopicPartition("txk", p, 0) for p in range(PARTITIONS)])
    values = []
    deadline = time.time() + 30
    # Every acknowledged record, then two quiet seconds for a transaction whose commit was
    # durable but not yet answered when the broker died (its markers are written after restart).
    quiet_until = None
    while time.time() < deadline:
        m = c.poll(0.2)
        if m is not None and not m.error():
            values.append(m.value().decode())
            quiet_until = None
            continue
        if expected.issubset(values):
            quiet_until = quiet_until or time.time() + 2
            if time.time() >= quiet_until:
                break
    c.close()
    print(json.dumps({"acknowledged": sorted(acknowledged), "values": values}))


if mode == "write":
    write(int(sys.argv[3]), sys.argv[4])
else:
    read(sys.argv[3])
