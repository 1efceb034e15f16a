"""Debian's python3-kafka (kafka-python 2.0.2) against a Herald Kafka listener that requires SASL.
kafka-python sends SaslHandshake v0 and then the SASL tokens as raw size-prefixed frames (no
SaslAuthenticate); its PLAIN token carries the user name as the authorization id too
("user\\0user\\0password"). First a producer whose password is wrong, which must not get through;
then, authenticated: the topic created by KafkaAdminClient, ten records produced with acks=all, a
consumer group that reads them and commits, and the topic's end offset.

Usage: sasl_kafka_python.py BOOTSTRAP MECHANISM USER PASSWORD TOPIC
  MECHANISM: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (over SASL_PLAINTEXT).
Prints JSON facts on its last line.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

bootstrap, mechanism, user, password, topic = sys.argv[1:6]
auth = {"bootstrap_servers": bootstrap, "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": mechanism, "sasl_plain_username": user,
        "sasl_plain_password": password}
facts = {}

# A wrong password: the broker closes the connection, and kafka-python finds no broker it can use
# (NoBrokersAvailable while it probes the API versions, in practice). Any exception will do; a
# delivered record will not.
try:
    bad = KafkaProducer(api_version_auto_timeout_ms=3000, max_block_ms=5000,
                        **dict(auth, sasl_plain_password=password + "-wr0ng"))
    bad.send(topic, value=b"intruder").get(timeout=5)
    facts["wrong"] = "delivered"
    bad.close()
except Exception as e:  # pylint: disable=broad-except
    facts["wrong"] = type(e).__name__

admin = KafkaAdminClient(**auth)
admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
admin.close()

p = KafkaProducer(acks="all", **auth)
futures = [p.send(topic, key=b"k%d" % i, value=b"v%d" % i) for i in range(10)]
p.flush()
facts["offsets"] = [f.get(timeout=10).offset for f in futures]
p.close()

c = KafkaConsumer(topic, group_id=topic + "-group", auto_offset_reset="earliest",
                  enable_auto_commit=False, session_timeout_ms=10000, heartbeat_interval_ms=500,
                  **auth)
values = []
deadline = time.time() + 30
while time.time() < deadline and len(values) < 10:
    for tp, msgs in c.poll(timeout_ms=200).items():
        values.extend(m.value.decode() for m in msgs)
c.commit()
partition = TopicPartition(topic, 0)
facts["consumed"] = values
facts["committed"] = c.committed(partition)
facts["end"] = c.end_offsets([partition])[partition]
c.close()
print(json.dumps(facts))
