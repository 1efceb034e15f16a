"""python3-confluent-kafka (librdkafka) transactional producers against a fresh broker:
- a committed transaction over two topics and two partitions each, then an aborted one;
  read_committed consumers see only the committed records, read_uncommitted ones both;
- consume-transform-produce: a consumer group's input is copied to an output topic in
  transactions that also commit the group's offsets (send_offsets_to_transaction); the group's
  committed offsets move only with a committed transaction;
- zombie fencing: a second producer with the same transactional.id fences the first, whose
  later writes fail;
- a transaction left open (timeout 3 s) when the broker is killed, followed by a plain record.
Usage: transactions.py BOOTSTRAP run|after-restart. after-restart (once the broker was killed
and started again) reads the group's committed offsets and what read_committed consumers see:
the open transaction aborted by its timeout, the records after it readable.
Prints JSON facts on its last line.
"""
import json
import os
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = sys.argv[1]
mode = sys.argv[2]
facts = {}


def producer(txn_id):
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id,
                  "transaction.timeout.ms": 60000})
    p.init_transactions(30)
    return p


def read_all(topics, isolation):
    """Every value of `topics` a consumer of `isolation` reads, sorted."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader-" + isolation,
                  "isolation.level": isolation, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    partitions = [TopicPartition(t, p, 0) for t in topics for p in (0, 1)]
    c.assign(partitions)
    values, eof = [], set()
    while len(eof) < len(partitions):
        m = c.poll(10)
        if m is None:
            break
        if m.error():
            eof.add((m.topic(), m.partition()))
            continue
        values.append(m.value().decode())
    c.close()
    return sorted(values)


def committed_offsets(consumer):
    got = consumer.committed([TopicPartition("input", 0), TopicPartition("input", 1)], timeout=30)
    return [tp.offset for tp in got]


def run():
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(t, 2, 1) for t in ("orders", "audit", "input", "output")],
                                 operation_timeout=10).values():
        f.result()

    # Several topics and partitions, committed then aborted.
    p = producer("orders-writer")
    p.begin_transaction()
    for i in range(4):
        p.produce("orders", value=f"committed-order-{i}", partition=i % 2)
        p.produce("audit", value=f"committed-audit-{i}", partition=i % 2)
    p.commit_transaction(30)
    p.begin_transaction()
    for i in range(4):
        p.produce("orders", value=f"aborted-order-{i}", partition=i % 2)
        p.produce("audit", value=f"aborted-audit-{i}", partition=i % 2)
    p.flush(30)
    p.abort_transaction(30)
    facts["read_committed"] = read_all(["orders", "audit"], "read_committed")
    facts["read_uncommitted"] = read_all(["orders", "audit"], "read_uncommitted")

    # Consume-transform-produce with the group's offsets in the transaction.
    plain = Producer({"bootstrap.servers": bootstrap})
    for i in range(10):
        plain.produce("input", value=f"in-{i}", partition=i % 2)
    plain.flush(30)

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "copier",
                         "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    consumer.subscribe(["input"])
    copier = producer("copier")

    def copy_batch(commit):
        """Copies what the consumer reads next (up to both partitions' ends) in one transaction."""
        copier.begin_transaction()
        eof, copied = set(), 0
        while len(eof) < 2:
            m = consumer.poll(10)
            if m is None:
                break
            if m.error():
                eof.add(m.partition())
                continue
            copier.produce("output", value=m.value().decode().replace("in-", "out-"),
                           partition=m.partition())
            copied += 1
        copier.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                           consumer.consumer_group_metadata(), 30)
        if commit:
            copier.commit_transaction(30)
        else:
            copier.abort_transaction(30)
        return copied

    facts["copied_aborted"] = copy_batch(commit=False)
    facts["committed_after_abort"] = committed_offsets(consumer)
    # Back to the committed offsets (none: the beginning), as an application does after an abort.
    for tp in consumer.assignment():
        consumer.seek(TopicPartition("input", tp.partition, 0))
    facts["copied_committed"] = copy_batch(commit=True)
    facts["committed_after_commit"] = committed_offsets(consumer)
    consumer.close()
    facts["output"] = read_all(["output"], "read_committed")

    # Zombie fencing.
    zombie = producer("fenced")
    zombie.begin_transaction()
    zombie.produce("orders", value="zombie-before", partition=0)
    zombie.flush(30)
    successor = producer("fenced")  # aborts the zombie's open transaction
    try:
        zombie.produce("orders", value="zombie-after", partition=0)
        zombie.commit_transaction(30)
        facts["zombie"] = "committed"
    except KafkaException as e:
        facts["zombie"] = e.args[0].name()
        facts["zombie_fatal"] = e.args[0].fatal()
    successor.begin_transaction()
    successor.produce("orders", value="successor", partition=0)
    successor.commit_transaction(30)
    facts["after_fencing"] = [v for v in read_all(["orders"], "read_committed")
                              if not v.startswith("committed-order")]

    # Left open when the broker is killed.
    dangling = Producer({"bootstrap.servers": bootstrap, "transactional.id": "dangling",
                         "transaction.timeout.ms": 3000})
    dangling.init_transactions(30)
    dangling.begin_transaction()
    dangling.produce("orders", value="dangling", partition=1)
    dangling.flush(30)
    plain.produce("orders", value="after-dangling", partition=1)
    plain.flush(30)


def after_restart():
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "copier"})
    facts["committed_after_restart"] = committed_offsets(consumer)
    consumer.close()
    # read_committed stops at the open transaction until the coordinator aborts it.
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": "after-restart",
                       "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                       "enable.auto.commit": False})
    reader.assign([TopicPartition("orders", 1, 0)])
    seen = []
    deadline = time.time() + 30
    while "after-dangling" not in seen and time.time() < deadline:
        m = reader.poll(1)
        if m is not None and not m.error():
            seen.append(m.value().decode())
    reader.close()
    facts["orders_1_after_restart"] = [v for v in seen if not v.startswith("committed-order")]
    facts["output_after_restart"] = read_all(["output"], "read_committed")


if mode == "run":
    run()
    print(json.dumps(facts), flush=True)
    os._exit(0)  # no client cleanup: the dangling transaction stays open
after_restart()
print(json.dumps(facts))
