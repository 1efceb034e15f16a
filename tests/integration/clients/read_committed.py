"""python3-confluent-kafka (librdkafka) consumers of a partition holding transactions, with both
isolation levels (python3-kafka 2.0.2 has no isolation level: it reads uncommitted). The broker's data directory was written with: an aborted
transaction (offsets 0-1), a committed one (2), a record outside any transaction (3), their markers
(4, 5), a transaction left open (6) and another plain record (7). Prints JSON facts on its last
line: what each consumer read, and the end offset each is told.
"""
import json
import sys

from confluent_kafka import Consumer, TopicPartition

bootstrap = sys.argv[1]
facts = {}


def confluent(isolation):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "rc-" + isolation,
                  "isolation.level": isolation, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    c.assign([TopicPartition("ledger", 0, 0)])
    values = []
    while True:
        m = c.poll(10)
        if m is None:
            break
        if m.error():
            break  # end of what this consumer may read
        values.append(m.value().decode())
    _, high = c.get_watermark_offsets(TopicPartition("ledger", 0), timeout=10, cached=False)
    c.close()
    return values, high


for isolation in ("read_committed", "read_uncommitted"):
    facts["confluent_" + isolation] = confluent(isolation)
print(json.dumps(facts))
