"""Debian's python3-kafka (kafka-python 2.0.2) KafkaAdminClient against a Herald broker with
--authorizer acl (SASL_PLAINTEXT, SCRAM-SHA-256): CreateAcls, DescribeAcls and DeleteAcls (v1,
the highest kafka-python sends). Debian's python3-confluent-kafka is 1.7.0, whose AdminClient has
no ACL calls (they came in 1.9), so the ACL admin API is driven from kafka-python.

As admin (a super user):
  - create_acls: alice READ on topic TOPIC (literal), alice WRITE on topics prefixed "TOPIC.",
    bob DESCRIBE on group "TOPIC-group";
  - describe_acls filtered by principal User:alice (any resource, pattern, operation, permission);
  - describe_acls with a MATCH filter on topic "TOPIC.x" (the bindings that apply to that name).
As alice (no binding on the cluster): create_acls, describe_acls and delete_acls, each refused.
As admin again: delete_acls with the User:alice filter, then describe_acls of everything.

Usage: acl_kafka_python_admin.py BOOTSTRAP ADMIN_PASSWORD ALICE_PASSWORD TOPIC
Prints JSON facts on its last line. A binding is an object with principal, host, operation,
permission, resource_type, resource_name and pattern_type (the enums by kafka-python's names:
READ, ALLOW, TOPIC, LITERAL...); lists of bindings are sorted. Errors are kafka-python's error
class names (NoError, ClusterAuthorizationFailedError...).
"""
import json
import sys

from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                         KafkaAdminClient, ResourcePattern, ResourcePatternFilter, ResourceType)

bootstrap, admin_password, alice_password, topic = sys.argv[1:5]


def connect(user, password):
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="herald-acl-test",
                            security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-256",
                            sasl_plain_username=user, sasl_plain_password=password)


def row(acl):
    pattern = acl.resource_pattern
    return {"principal": acl.principal, "host": acl.host, "operation": acl.operation.name,
            "permission": acl.permission_type.name, "resource_type": pattern.resource_type.name,
            "resource_name": pattern.resource_name, "pattern_type": pattern.pattern_type.name}


def rows(acls):
    return sorted((row(a) for a in acls), key=lambda r: json.dumps(r, sort_keys=True))


def name(error):
    """kafka-python reports errors as classes (Errors.for_code) or raises instances."""
    return (error if isinstance(error, type) else type(error)).__name__


def any_filter(principal):
    return ACLFilter(principal=principal, host=None, operation=ACLOperation.ANY,
                     permission_type=ACLPermissionType.ANY,
                     resource_pattern=ResourcePatternFilter(ResourceType.ANY, None,
                                                            ACLResourcePatternType.ANY))


facts = {}
admin = connect("admin", admin_password)
bindings = [
    ACL("User:alice", "*", ACLOperation.READ, ACLPermissionType.ALLOW,
        ResourcePattern(ResourceType.TOPIC, topic)),
    ACL("User:alice", "*", ACLOperation.WRITE, ACLPermissionType.ALLOW,
        ResourcePattern(ResourceType.TOPIC, topic + ".", ACLResourcePatternType.PREFIXED)),
    ACL("User:bob", "*", ACLOperation.DESCRIBE, ACLPermissionType.ALLOW,
        ResourcePattern(ResourceType.GROUP, topic + "-group")),
]
created = admin.create_acls(bindings)
facts["created"] = {"succeeded": len(created["succeeded"]),
                    "failed": [name(error) for _, error in created["failed"]]}

acls, error = admin.describe_acls(any_filter("User:alice"))
facts["alice"] = rows(acls)
facts["describe_error"] = name(error)

match = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY,
                  permission_type=ACLPermissionType.ANY,
                  resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, topic + ".x",
                                                         ACLResourcePatternType.MATCH))
acls, error = admin.describe_acls(match)
facts["match"] = rows(acls)

# alice may not touch the ACLs: CreateAcls and DeleteAcls answer per binding or filter,
# DescribeAcls for the whole request (kafka-python raises it).
alice = connect("alice", alice_password)
refused = alice.create_acls([ACL("User:alice", "*", ACLOperation.ALL, ACLPermissionType.ALLOW,
                                 ResourcePattern(ResourceType.CLUSTER, "kafka-cluster"))])
facts["alice_create"] = {"succeeded": len(refused["succeeded"]),
                         "failed": [name(error) for _, error in refused["failed"]]}
try:
    alice.describe_acls(any_filter(None))
    facts["alice_describe"] = "NoError"
except Exception as e:  # pylint: disable=broad-except
    facts["alice_describe"] = name(e)
facts["alice_delete"] = [name(error) for _, _, error in alice.delete_acls([any_filter(None)])]
alice.close()

results = admin.delete_acls([any_filter("User:alice")])
facts["deleted"] = rows(acl for _, matched, _ in results for acl, _ in matched)
facts["delete_errors"] = [name(error) for _, _, error in results]

acls, error = admin.describe_acls(any_filter(None))
facts["left"] = rows(acls)
admin.close()
print(json.dumps(facts))
