"""kafka-python (Debian python3-kafka 2.0.2): acks=all producer, a consumer group of two that
splits the partitions, one member leaves and the other takes over, offsets are committed.

Usage: kafka_python_group.py BOOTSTRAP phase
  phase 'produce-and-consume': produce 40 records to 'orders' (4 partitions), consume them with two
      group members, commit, leave. Prints JSON facts on the last line.
  phase 'resume': after a broker restart, produce 8 more and consume with the same group: every
      record after the committed offsets, nothing before, nothing skipped.
"""
import json
import sys
import threading
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

bootstrap, phase = sys.argv[1], sys.argv[2]
TOPIC, GROUP = "orders", "billing"


def produce(start, count):
    p = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    futures = [p.send(TOPIC, key=b"k%d" % i, value=b"v%d" % i, partition=i % 4)
               for i in range(start, start + count)]
    p.flush()
    offsets = [f.get(timeout=10).offset for f in futures]
    p.close()
    return offsets


def consumer():
    return KafkaConsumer(TOPIC, bootstrap_servers=bootstrap, group_id=GROUP,
                         auto_offset_reset="earliest", enable_auto_commit=False,
                         session_timeout_ms=10000, heartbeat_interval_ms=500)


facts = {}
if phase == "produce-and-consume":
    KafkaAdminClient(bootstrap_servers=bootstrap).create_topics(
        [NewTopic(TOPIC, num_partitions=4, replication_factor=1)])
    facts["acked"] = len(produce(0, 40))
    got = {"a": [], "b": []}
    stop = {"a": False, "b": False}
    members = {}

    def run(name):
        c = consumer()
        members[name] = c
        while not stop[name]:
            for tp, msgs in c.poll(timeout_ms=200).items():
                got[name].extend((tp.partition, m.offset, m.value.decode()) for m in msgs)
            c.commit()
        c.close()

    threads = {n: threading.Thread(target=run, args=(n,)) for n in got}
    for t in threads.values():
        t.start()
    deadline = time.time() + 40
    while time.time() < deadline and len(got["a"]) + len(got["b"]) < 40:
        time.sleep(0.1)
    time.sleep(1)
    facts["split"] = sorted([sorted(tp.partition for tp in members[n].assignment()) for n in got])
    stop["b"] = True
    threads["b"].join()
    # "a" takes over all four partitions; more records arrive and "a" reads them.
    produce(40, 8)
    deadline = time.time() + 40
    while time.time() < deadline and len(got["a"]) + len(got["b"]) < 48:
        time.sleep(0.1)
    time.sleep(0.5)
    facts["takeover"] = sorted(tp.partition for tp in members["a"].assignment())
    stop["a"] = True
    threads["a"].join()
    records = got["a"] + got["b"]
    facts["consumed"] = len(records)
    facts["distinct"] = len(set(records))
    facts["values"] = sorted(int(v[1:]) for _, _, v in records)
elif phase == "resume":
    produce(48, 8)
    c = consumer()
    records = []
    deadline = time.time() + 40
    while time.time() < deadline and len(records) < 8:
        for tp, msgs in c.poll(timeout_ms=200).items():
            records.extend(int(m.value.decode()[1:]) for m in msgs)
    time.sleep(1)
    for tp, msgs in c.poll(timeout_ms=500).items():
        records.extend(int(m.value.decode()[1:]) for m in msgs)
    c.commit()
    facts["values"] = sorted(records)
    facts["committed"] = [c.committed(TopicPartition(TOPIC, p)) for p in range(4)]
    c.close()
print(json.dumps(facts))
