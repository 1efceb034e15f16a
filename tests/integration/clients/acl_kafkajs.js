// kafkajs 2.2 against a Herald broker with --authorizer acl (SASL_PLAINTEXT). The admin
// (SCRAM-SHA-256, a super user) creates two topics and, with admin.createAcls, lets alice WRITE to
// the first; admin.describeAcls reads the binding back. A PLAIN producer as alice (a fresh one per
// send, so no metadata is cached) then sends to the first topic (accepted) and to the second
// (refused with TOPIC_AUTHORIZATION_FAILED: alice may not even DESCRIBE it). admin.deleteAcls
// removes the binding, describeAcls finds nothing left, and alice is refused on the first topic
// too. Last, the admin reads both topics' end offsets.
// kafkajs sends CreateAcls, DescribeAcls and DeleteAcls v1, and takes Kafka's codes (exported as
// AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes).
// Usage: node acl_kafkajs.js BOOTSTRAP ADMIN_PASSWORD ALICE_PASSWORD ALLOWED_TOPIC DENIED_TOPIC
// Prints JSON facts (objects inside) on its last line.
const {
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
} = require('kafkajs');
const { kafka, errorNames, run } = require('./kafkajs_common');

const [bootstrap, adminPassword, alicePassword, allowed, denied] = process.argv.slice(2);

function client(mechanism, username, password) {
  return kafka(bootstrap, 'herald-acl-test', {
    sasl: { mechanism, username, password },
    quiet: true,
    retry: { retries: 2, initialRetryTime: 200 },
  });
}

// What one producer as alice got sending `value` to `topic`: whether it was sent (and at which
// offset), else the names and types of the error and of its causes, and its message.
async function sendAsAlice(topic, value) {
  const producer = client('plain', 'alice', alicePassword).producer();
  const facts = { sent: false, names: [] };
  try {
    await producer.connect();
    const sent = await producer.send({ topic, acks: -1, messages: [{ value }] });
    facts.sent = true;
    facts.base_offset = Number(sent[0].baseOffset);
  } catch (e) {
    facts.names = errorNames(e);
    facts.message = String(e.message);
  }
  await producer.disconnect().catch(() => {});
  return facts;
}

// The fields of a binding kafkajs returns (DeleteAcls adds an error code and message to each).
function binding(acl) {
  const { resourceType, resourceName, resourcePatternType, principal, host, operation,
    permissionType } = acl;
  return { resourceType, resourceName, resourcePatternType, principal, host, operation,
    permissionType };
}

async function main() {
  const facts = {};
  const admin = client('scram-sha-256', 'admin', adminPassword).admin();
  await admin.connect();
  facts.topics_created = await admin.createTopics({
    topics: [{ topic: allowed, numPartitions: 1 }, { topic: denied, numPartitions: 1 }],
  });

  const write = {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: allowed,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:alice',
    host: '*',
    operation: AclOperationTypes.WRITE,
    permissionType: AclPermissionTypes.ALLOW,
  };
  facts.acl_created = await admin.createAcls({ acl: [write] });
  const filter = {
    ...write,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  };
  facts.described = (await admin.describeAcls(filter)).resources;

  facts.allowed = await sendAsAlice(allowed, 'from alice');
  facts.denied = await sendAsAlice(denied, 'intruder');

  const { filterResponses } = await admin.deleteAcls({ filters: [filter] });
  facts.deleted = filterResponses.map((r) => r.matchingAcls.map(binding));
  facts.delete_errors = filterResponses.map((r) => r.errorCode);
  facts.after_delete = (await admin.describeAcls(filter)).resources;

  facts.revoked = await sendAsAlice(allowed, 'after the revocation');

  facts.ends = {
    allowed: Number((await admin.fetchTopicOffsets(allowed))[0].high),
    denied: Number((await admin.fetchTopicOffsets(denied))[0].high),
  };
  await admin.disconnect();
  return facts;
}

run(main);
