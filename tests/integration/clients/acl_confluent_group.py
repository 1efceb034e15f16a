"""python3-confluent-kafka (Debian's 1.7.0, on librdkafka 2.0.2) as a consumer group member
against a Herald broker with --authorizer acl (SASL_PLAINTEXT, PLAIN): subscribes to TOPIC in
GROUP as USER and polls until it has read WANT records or SECONDS have passed. With WANT 0 the
group is expected to be refused: it stops at the first GROUP_AUTHORIZATION_FAILED that poll
returns (librdkafka hands a non-retriable FindCoordinator error to the application as a consumer
error). When it read anything it commits (synchronously) and reads the committed offset back.

Usage: acl_confluent_group.py BOOTSTRAP USER PASSWORD TOPIC GROUP WANT SECONDS
Prints JSON facts on its last line:
  consumed         the values read, in order
  errors           the names of the errors poll returned (KafkaError.name()), in order
  error_codes      their codes (30 is GROUP_AUTHORIZATION_FAILED)
  callback_errors  the names error_cb saw
  committed        (when it read anything) the committed offset of partition 0, as a list
  commit_error     (instead, when committing failed) the error's name
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

bootstrap, user, password, topic, group = sys.argv[1:6]
want = int(sys.argv[6])
seconds = float(sys.argv[7])

callback_errors = set()
config = {"bootstrap.servers": bootstrap, "security.protocol": "SASL_PLAINTEXT",
          "sasl.mechanisms": "PLAIN", "sasl.username": user, "sasl.password": password,
          "group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False,
          "session.timeout.ms": 10000, "heartbeat.interval.ms": 500,
          "error_cb": lambda err: callback_errors.add(err.name())}
facts = {"consumed": [], "errors": [], "error_codes": []}

c = Consumer(config)
c.subscribe([topic])
deadline = time.time() + seconds
while time.time() < deadline:
    if want and len(facts["consumed"]) >= want:
        break
    m = c.poll(0.5)
    if m is None:
        continue
    if m.error():
        err = m.error()
        if err.code() == KafkaError._PARTITION_EOF:
            continue
        facts["errors"].append(err.name())
        facts["error_codes"].append(err.code())
        if want == 0 and err.code() == KafkaError.GROUP_AUTHORIZATION_FAILED:
            break
        continue
    facts["consumed"].append(m.value().decode())

if facts["consumed"]:
    try:
        c.commit(asynchronous=False)
        committed = c.committed([TopicPartition(topic, 0)], timeout=10)
        facts["committed"] = [tp.offset for tp in committed]
    except KafkaException as e:
        facts["commit_error"] = e.args[0].name()
facts["callback_errors"] = sorted(callback_errors)
c.close()
print(json.dumps(facts))
