"""librdkafka (python3-confluent-kafka) for the broker crash test.

  confluent_stream.py BOOTSTRAP stream START   produce 'r-<n>' (n = START, START+1, ...) to topic
      'stream' with acks=all until killed, printing 'ACK <partition> <offset> <value>' for every
      acknowledged record, flushed at once.
  confluent_stream.py BOOTSTRAP commit OFFSET  commit OFFSET for group 'crashers' on stream/0.
  confluent_stream.py BOOTSTRAP committed      print the committed offset of 'crashers' on stream/0.
"""
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, mode = sys.argv[1], sys.argv[2]

if mode == "stream":
    n = int(sys.argv[3])

    def on_delivery(err, msg):
        if err is None:
            sys.stdout.write("ACK %d %d %s\n" % (msg.partition(), msg.offset(), msg.value().decode()))
            sys.stdout.flush()

    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 2,
                  "message.timeout.ms": 60000})
    while True:
        try:
            p.produce("stream", value=b"r-%d" % n, on_delivery=on_delivery)
            n += 1
        except BufferError:
            pass
        p.poll(0.001)
elif mode in ("commit", "committed"):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "crashers",
                  "enable.auto.commit": False})
    tp = TopicPartition("stream", 0, int(sys.argv[3]) if mode == "commit" else -1001)
    if mode == "commit":
        c.commit(offsets=[tp], asynchronous=False)
    print(c.committed([TopicPartition("stream", 0)], timeout=10)[0].offset)
    c.close()
