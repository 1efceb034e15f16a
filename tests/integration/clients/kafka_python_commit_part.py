"""kafka-python (Debian python3-kafka 2.0.2): a group member that consumes part of a topic and
commits, so the broker's lag can be checked against what it committed.

Usage: kafka_python_commit_part.py BOOTSTRAP TOPIC GROUP COUNT
  Consumes COUNT records (from the earliest offset) in group GROUP, commits them, leaves, and
  prints {"consumed": n, "committed": {"PARTITION": offset}} on the last line.
"""
import json
import sys
import time

from kafka import KafkaConsumer

bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                         auto_offset_reset="earliest", enable_auto_commit=False,
                         max_poll_records=count)
consumed = 0
deadline = time.time() + 30
while consumed < count and time.time() < deadline:
    for records in consumer.poll(timeout_ms=500, max_records=count - consumed).values():
        consumed += len(records)
consumer.commit()
committed = {str(tp.partition): consumer.committed(tp) for tp in consumer.assignment()}
consumer.close()
print(json.dumps({"consumed": consumed, "committed": committed}))
