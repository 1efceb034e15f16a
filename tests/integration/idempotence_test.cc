// The idempotent producer (KIP-98) against a real `herald serve`: librdkafka's (through
// python3-confluent-kafka) end to end, and retried batches sent twice on a raw connection.
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/net.h"
#include "storage/engine.h"
#include "storage/record_batch.h"
#include "testing/clients.h"
#include "testing/herald_process.h"
#include "testing/producer_batch.h"
#include "testing/raw_kafka_client.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using testing::RunCommand;
using testing::PythonHas;
using testing::kPython;

// Not /usr/bin/env python3: the distribution's interpreter is the one with confluent_kafka.

// Produces N messages with enable.idempotence=true and acks=all, checks every delivery report,
// then consumes the topic from the beginning and checks each message arrived exactly once, with
// no gap in any partition's offsets. Prints a JSON summary; exits 0 only when all is well.
// With a 4th argument, a port, the clients talk to the broker through a proxy listening there
// (the broker advertises it) that now and then drops the answer to a Produce request and cuts
// the connection, so librdkafka retries batches the broker already wrote.
constexpr char kProduceConsumeScript[] = R"PY(
import json, socket, struct, sys, threading, time
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
summary = {}

def recv_exact(s, size):
    buf = b''
    while len(buf) < size:
        chunk = s.recv(size - len(buf))
        if not chunk:
            raise EOFError()
        buf += chunk
    return buf

def start_proxy(port, upstream, drop_every=9, max_drops=8):
    host, up_port = upstream.rsplit(':', 1)
    stats = {'produce_responses': 0, 'dropped': 0}
    lock = threading.Lock()
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('127.0.0.1', port))
    server.listen(64)
    def serve(client):
        up = socket.create_connection((host, int(up_port)))
        api_keys = {}
        def cut():
            for s in (client, up):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        def requests():
            try:
                while True:
                    size = recv_exact(client, 4)
                    body = recv_exact(client, struct.unpack('>i', size)[0])
                    key, _, correlation = struct.unpack('>hhi', body[:8])
                    with lock:
                        api_keys[correlation] = key
                    up.sendall(size + body)
            except (EOFError, OSError):
                cut()
        def responses():
            try:
                while True:
                    size = recv_exact(up, 4)
                    body = recv_exact(up, struct.unpack('>i', size)[0])
                    correlation = struct.unpack('>i', body[:4])[0]
                    drop = False
                    with lock:
                        if api_keys.pop(correlation, None) == 0:
                            stats['produce_responses'] += 1
                            if (stats['produce_responses'] % drop_every == 0 and
                                    stats['dropped'] < max_drops):
                                stats['dropped'] += 1
                                drop = True
                    if drop:
                        cut()
                        return
                    client.sendall(size + body)
            except (EOFError, OSError):
                cut()
        threading.Thread(target=requests, daemon=True).start()
        threading.Thread(target=responses, daemon=True).start()
    def accept():
        while True:
            client, _ = server.accept()
            threading.Thread(target=serve, args=(client,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return stats

proxy = None
if len(sys.argv) > 4:
    proxy = start_proxy(int(sys.argv[4]), bootstrap)
    bootstrap = '127.0.0.1:' + sys.argv[4]

producer = Producer({
    'bootstrap.servers': bootstrap,
    'enable.idempotence': True,
    'acks': 'all',
    'max.in.flight.requests.per.connection': 5,
    'linger.ms': 2,
    'batch.num.messages': 37,
    'message.timeout.ms': 60000,
    # Reconnect at once after the proxy cuts a connection (the default backs off up to 10 s).
    'reconnect.backoff.ms': 10,
    'reconnect.backoff.max.ms': 100,
})
errors, delivered = [], {}
def on_delivery(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered[msg.value().decode()] = (msg.partition(), msg.offset())
for i in range(n):
    while True:
        try:
            producer.produce(topic, key=str(i % 11).encode(), value=f'msg-{i}'.encode(),
                             on_delivery=on_delivery)
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)
summary['unflushed'] = producer.flush(60)
summary['delivered'] = len(delivered)
summary['delivery_errors'] = errors[:5]

consumer = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': 'idempotence-check',
    'enable.auto.commit': False,
    'auto.offset.reset': 'earliest',
})
partitions = sorted(consumer.list_topics(topic, timeout=20).topics[topic].partitions)
consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
seen = []
deadline = time.time() + 60
while len(seen) < n and time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None:
        continue
    if msg.error():
        if msg.error().code() != KafkaError._PARTITION_EOF:
            summary.setdefault('consume_errors', []).append(str(msg.error()))
        continue
    seen.append((msg.partition(), msg.offset(), msg.value().decode()))
# Anything extra (a duplicate) would arrive right after the first n.
end = time.time() + 2
while time.time() < end:
    msg = consumer.poll(0.2)
    if msg is not None and not msg.error():
        seen.append((msg.partition(), msg.offset(), msg.value().decode()))
consumer.close()

values = [v for _, _, v in seen]
expected = {f'msg-{i}' for i in range(n)}
summary['partitions'] = len(partitions)
summary['consumed'] = len(seen)
summary['duplicates'] = len(values) - len(set(values))
summary['missing'] = len(expected - set(values))
summary['unexpected'] = len(set(values) - expected)
gaps = 0
for p in partitions:
    offsets = [o for q, o, _ in seen if q == p]
    if offsets != list(range(len(offsets))):
        gaps += 1
summary['partitions_with_gaps'] = gaps
summary['offsets_differ'] = sum(1 for q, o, v in seen if delivered.get(v) != (q, o))
ok = (summary['unflushed'] == 0 and not errors and len(delivered) == n and len(seen) == n and
      summary['duplicates'] == 0 and summary['missing'] == 0 and gaps == 0 and
      summary['offsets_differ'] == 0)
if proxy is not None:
    summary['dropped_produce_responses'] = proxy['dropped']
    ok = ok and proxy['dropped'] > 0
print(json.dumps(summary))
sys.exit(0 if ok else 1)
)PY";

// Every batch of a topic as stored, read from the data directory of a stopped server.
struct StoredBatch {
  int32_t partition;
  storage::BatchHeader header;
};

std::vector<StoredBatch> ReadStoredBatches(const std::string& data_dir, const std::string& topic) {
  std::vector<StoredBatch> out;
  storage::EngineOptions eo;
  eo.data_dir = data_dir;
  eo.background = false;
  auto engine = storage::Engine::Open(eo);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  if (!engine.ok()) return out;
  auto info = (*engine)->DescribeTopic(topic);
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  for (int32_t p = 0; info.ok() && p < info->partitions; ++p) {
    auto log = *(*engine)->GetLog(topic, p);
    int64_t offset = log->log_start_offset();
    while (offset < log->end_offset()) {
      auto slice = log->Read(offset, 1 << 20);
      EXPECT_TRUE(slice.ok()) << slice.status().ToString();
      if (!slice.ok() || slice->empty()) break;
      Buffer bytes;
      EXPECT_TRUE(slice->AppendTo(bytes).ok());
      size_t at = 0;
      while (at < bytes.size()) {
        auto h = storage::ParseBatchHeader(ByteView(bytes).subspan(at));
        EXPECT_TRUE(h.ok());
        if (!h.ok()) return out;
        out.push_back({p, *h});
        offset = h->next_offset();
        at += h->size();
      }
    }
  }
  EXPECT_TRUE((*engine)->Close().ok());
  return out;
}

class IdempotenceTest : public ::testing::Test {
 protected:
  std::string data_dir() const { return dir_.str() + "/data"; }
  testing::TempDir dir_;
};

class ConfluentKafkaIdempotenceTest : public IdempotenceTest {
 protected:
  void SetUp() override {
    HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
    script_ = dir_.str() + "/produce_consume.py";
    FILE* f = std::fopen(script_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(kProduceConsumeScript, f);
    std::fclose(f);
  }

  // Runs the script against a server on data_dir() (through a proxy on `proxy_port` unless 0),
  // then checks what the server stored.
  void ProduceAndConsume(int messages, uint16_t proxy_port) {
    std::vector<std::string> args = {"--num-partitions", "3"};
    if (proxy_port != 0) {
      args.push_back("--advertised-addr");
      args.push_back(fmt::format("127.0.0.1:{}", proxy_port));
    }
    {
      testing::HeraldProcess server(data_dir(), args);
      std::string cmd = fmt::format("timeout 170 {} {} {} idem {}", kPython, script_,
                                    server.bootstrap(), messages);
      if (proxy_port != 0) cmd += fmt::format(" {}", proxy_port);
      auto r = RunCommand(cmd);
      EXPECT_EQ(r.exit_code, 0) << "stdout: " << r.out << "\nstderr: " << r.err << "\nserver log:\n"
                                << server.Log();
      EXPECT_NE(r.out.find("\"duplicates\": 0"), std::string::npos) << r.out;
      if (proxy_port != 0) {
        // The retries really reached the broker, which recognised them.
        EXPECT_NE(server.Log().find("produce_duplicate"), std::string::npos) << server.Log();
      }
      ASSERT_EQ(server.Stop(), 0) << server.Log();
    }
    // The batches really came from an idempotent producer: one producer id, epoch 0, and in each
    // partition sequences that start at 0 and run on without a gap or a repeat.
    std::map<int32_t, int32_t> next_seq;
    std::set<int64_t> producer_ids;
    int64_t records = 0;
    for (const auto& b : ReadStoredBatches(data_dir(), "idem")) {
      producer_ids.insert(b.header.producer_id);
      EXPECT_EQ(b.header.producer_epoch, 0);
      EXPECT_EQ(b.header.base_sequence, next_seq[b.partition]) << "partition " << b.partition;
      next_seq[b.partition] = b.header.base_sequence + b.header.last_offset_delta + 1;
      records += b.header.last_offset_delta + 1;
    }
    EXPECT_EQ(records, messages);
    ASSERT_EQ(producer_ids.size(), 1u);
    EXPECT_GE(*producer_ids.begin(), 0);
  }

  std::string script_;
};

TEST_F(ConfluentKafkaIdempotenceTest, EachMessageIsDeliveredOnce) {
  ProduceAndConsume(5000, 0);
}

// Answers to Produce requests are lost (the connection is cut after the broker wrote the
// batches), so librdkafka sends those batches again: the broker must recognise every retry.
TEST_F(ConfluentKafkaIdempotenceTest, BatchesRetriedAfterLostAnswersAreNotWrittenTwice) {
  ProduceAndConsume(5000, FreeLoopbackPort());
}

TEST_F(IdempotenceTest, ARetriedBatchIsAcknowledgedWithItsOriginalOffsetEvenAfterARestart) {
  const std::string topic = "raw";
  int64_t pid = -1;
  Buffer first = testing::ProducerBatch(0, 0, 0, 3, "first");  // fields set below
  Buffer second;
  {
    testing::HeraldProcess server(data_dir());
    testing::RawKafkaClient client(server.port());
    client.Metadata({topic});  // auto-creates the topic

    auto init = client.InitProducerId(std::nullopt);
    ASSERT_EQ(init.error_code, 0);
    ASSERT_GE(init.producer_id, 0);
    EXPECT_EQ(init.producer_epoch, 0);
    pid = init.producer_id;
    EXPECT_NE(client.InitProducerId(std::nullopt).producer_id, pid);

    // A transactional id gets its own producer id from the transaction coordinator; a
    // transactional batch from a request that names no transactional id is refused.
    auto txn = client.InitProducerId(std::string("my-txn"));
    EXPECT_EQ(txn.error_code, 0);
    EXPECT_GE(txn.producer_id, 0);
    EXPECT_NE(txn.producer_id, pid);
    EXPECT_EQ(client.InitProducerId(std::string("")).error_code, 42);  // INVALID_REQUEST
    Buffer txn_batch = testing::ProducerBatch(pid, 0, 0, 1, "txn", 1'700'000'000'000, true);
    EXPECT_EQ(client.Produce(topic, 0, txn_batch).error_code, 53);

    testing::SetProducerFields(first, pid, 0, 0);
    Buffer retry = first;
    auto r = client.Produce(topic, 0, first);
    ASSERT_EQ(r.error_code, 0);
    EXPECT_EQ(r.base_offset, 0);
    // The same batch again (a retry after a lost answer): same offset, nothing written.
    r = client.Produce(topic, 0, retry);
    EXPECT_EQ(r.error_code, 0);
    EXPECT_EQ(r.base_offset, 0);

    second = testing::ProducerBatch(pid, 0, 3, 2, "second");
    Buffer second_copy = second;
    r = client.Produce(topic, 0, second_copy);
    ASSERT_EQ(r.error_code, 0);
    EXPECT_EQ(r.base_offset, 3);

    // A gap, a producer the partition never saw, and a corrupt sequence.
    EXPECT_EQ(client.Produce(topic, 0, testing::ProducerBatch(pid, 0, 9, 1)).error_code, 45);
    EXPECT_EQ(client.Produce(topic, 0, testing::ProducerBatch(pid + 1000, 0, 4, 1)).error_code, 59);
    EXPECT_EQ(client.Produce(topic, 0, testing::ProducerBatch(pid, 0, -1, 1)).error_code, 2);
    // acks=1 is deduplicated the same way.
    Buffer again = first;
    r = client.Produce(topic, 0, again, 1);
    EXPECT_EQ(r.error_code, 0);
    EXPECT_EQ(r.base_offset, 0);
    ASSERT_EQ(server.Stop(), 0) << server.Log();
  }
  {
    // After a restart the state comes back from the log.
    testing::HeraldProcess server(data_dir());
    testing::RawKafkaClient client(server.port());
    Buffer retry = second;
    auto r = client.Produce(topic, 0, retry);
    EXPECT_EQ(r.error_code, 0);
    EXPECT_EQ(r.base_offset, 3);
    EXPECT_EQ(client.Produce(topic, 0, testing::ProducerBatch(pid, 0, 6, 1)).error_code, 45);
    r = client.Produce(topic, 0, testing::ProducerBatch(pid, 0, 5, 1, "third"));
    EXPECT_EQ(r.error_code, 0);
    EXPECT_EQ(r.base_offset, 5);
    // Producer ids stay unique across the restart.
    auto init = client.InitProducerId(std::nullopt);
    ASSERT_EQ(init.error_code, 0);
    EXPECT_GT(init.producer_id, pid + 1);
    ASSERT_EQ(server.Stop(), 0) << server.Log();
  }
  auto batches = ReadStoredBatches(data_dir(), topic);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].header.base_offset, 0);
  EXPECT_EQ(batches[1].header.base_offset, 3);
  EXPECT_EQ(batches[2].header.base_offset, 5);
  EXPECT_EQ(batches[2].header.base_sequence, 5);
}

}  // namespace
}  // namespace herald
