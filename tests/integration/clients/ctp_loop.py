"""A consume-transform-produce loop with exactly-once transactions (python3-confluent-kafka):
each transaction copies up to 20 records of the topic `in` to `out` and commits the group's
offsets with them (send_offsets_to_transaction). Meant to be killed with SIGKILL at any moment
and started again: the next start fences the killed one (same transactional.id), whose open
transaction is aborted, and resumes from the offsets its last committed transaction wrote.
Usage: ctp_loop.py BOOTSTRAP seed COUNT | ctp_loop.py BOOTSTRAP loop PROGRESS_FILE
seed writes COUNT records; loop appends a line to PROGRESS_FILE per committed transaction and,
once every input record is copied, prints JSON facts on its last line: what a read_committed
consumer reads from `out`.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, mode = sys.argv[1], sys.argv[2]
PARTITIONS = 3


def seed(count):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in ("in", "out")],
                                 operation_timeout=10).values():
        f.result()
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for i in range(count):
        p.produce("in", value=str(i), partition=i % PARTITIONS)
    p.flush(60)
    print(json.dumps({"seeded": count}))


def done(consumer):
    """Whether the group's committed offsets are at the end of every input partition."""
    assignment = consumer.assignment()
    if len(assignment) != PARTITIONS:
        return False
    for tp in consumer.committed(assignment, timeout=10):
        _, high = consumer.get_watermark_offsets(TopicPartition("in", tp.partition), timeout=10)
        if tp.offset < 0 or tp.offset < high:
            return False
    return True


def read_output():
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "checker",
                  "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    c.assign([TopicPartition("out", p, 0) for p in range(PARTITIONS)])
    values, eof = [], set()
    while len(eof) < PARTITIONS:
        m = c.poll(10)
        if m is None:
            break
        if m.error():
            eof.add(m.partition())
            continue
        values.append(int(m.value()))
    c.close()
    return values


def loop(progress_path):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "copier",
                         "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "session.timeout.ms": 3000,
                         "heartbeat.interval.ms": 500})
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "copier-loop",
                         "transaction.timeout.ms": 10000})
    producer.init_transactions(60)
    consumer.subscribe(["in"])
    progress = open(progress_path, "a")
    deadline = time.time() + 120
    while time.time() < deadline:
        batch = consumer.consume(num_messages=20, timeout=1)
        records = [m for m in batch if not m.error()]
        if not records:
            if done(consumer):
                break
            continue
        producer.begin_transaction()
        for m in records:
            producer.produce("out", value=m.value(), partition=m.partition())
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                             consumer.consumer_group_metadata(), 30)
        producer.commit_transaction(30)
        progress.write(f"{len(records)}\n")
        progress.flush()
        time.sleep(0.05)
    consumer.close()
    values = read_output()
    print(json.dumps({"count": len(values), "distinct": len(set(values)),
                      "min": min(values, default=-1), "max": max(values, default=-1)}))


if mode == "seed":
    seed(int(sys.argv[3]))
else:
    loop(sys.argv[3])
