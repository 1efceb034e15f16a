// kafkajs 2.2's admin client: topics, partitions, configs, records, offsets, groups and partition
// reassignments. Prints JSON facts on its last line. Usage: node kafkajs_admin.js BOOTSTRAP
const { ConfigResourceTypes } = require('kafkajs');
const { kafka: client, run } = require('./kafkajs_common');

const bootstrap = process.argv[2];
const kafka = client(bootstrap, 'herald-admin-test');

async function main() {
  const facts = {};
  const admin = kafka.admin();
  await admin.connect();
  facts.created = await admin.createTopics({
    topics: [{ topic: 'ledger', numPartitions: 2,
               configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
  });
  const cluster = await admin.describeCluster();
  facts.brokers = cluster.brokers.length;
  facts.controller = cluster.controller;

  await admin.createPartitions({ topicPartitions: [{ topic: 'ledger', count: 3 }] });
  const metadata = await admin.fetchTopicMetadata({ topics: ['ledger'] });
  facts.partitions = metadata.topics[0].partitions.length;

  // One node moves no replica: no reassignment is ever listed, for named topics or for all.
  facts.reassignments = (await admin.listPartitionReassignments({
    topics: [{ topic: 'ledger', partitions: [0, 1] }] })).topics;
  facts.all_reassignments = (await admin.listPartitionReassignments({})).topics;

  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < 10; i++) messages.push({ key: `k${i}`, value: `v${i}`, partition: 0 });
  await producer.send({ topic: 'ledger', acks: -1, messages });
  await producer.disconnect();
  await admin.deleteTopicRecords({ topic: 'ledger', partitions: [{ partition: 0, offset: '4' }] });
  const offsets = await admin.fetchTopicOffsets('ledger');
  const p0 = offsets.find((o) => o.partition === 0);
  facts.low = Number(p0.low);
  facts.high = Number(p0.high);

  // Records are deleted before the topic is compacted: Kafka refuses DeleteRecords on a topic
  // whose cleanup.policy lacks delete (POLICY_VIOLATION).
  await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'ledger',
                                          configEntries: [{ name: 'cleanup.policy',
                                                            value: 'compact' }] }] });
  const configs = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 'ledger',
                  configNames: ['cleanup.policy', 'retention.ms'] }],
  });
  facts.configs = {};
  for (const e of configs.resources[0].configEntries) facts.configs[e.configName] = e.configValue;
  // The broker's own settings, with their synonyms (DescribeConfigs v1+).
  const broker = await admin.describeConfigs({
    includeSynonyms: true,
    resources: [{ type: ConfigResourceTypes.BROKER, name: '1',
                  configNames: ['num.partitions', 'log.retention.hours'] }],
  });
  facts.broker = {};
  for (const e of broker.resources[0].configEntries) {
    facts.broker[e.configName] = [e.configValue, e.readOnly, e.configSynonyms.length];
  }

  await admin.setOffsets({ groupId: 'auditors', topic: 'ledger',
                           partitions: [{ partition: 0, offset: '7' }] });
  const committed = await admin.fetchOffsets({ groupId: 'auditors', topics: ['ledger'] });
  facts.committed = committed[0].partitions.find((p) => p.partition === 0).offset;
  facts.groups = (await admin.listGroups()).groups.map((g) => g.groupId);
  facts.deleted_groups = (await admin.deleteGroups(['auditors'])).map((g) => g.errorCode);
  await admin.deleteTopics({ topics: ['ledger'] });
  facts.topics_after = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
  await admin.disconnect();
  return facts;
}

run(main);
