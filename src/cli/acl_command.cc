// `herald acl create|list|delete`: the ACLs of any Kafka-protocol broker with an authorizer
// (Herald's `serve --authorizer acl`, or Apache Kafka's), through librdkafka's admin API
// (CreateAcls, DescribeAcls, DeleteAcls), with the words of Kafka's kafka-acls tool:
//   create --allow-principal P | --deny-principal P, --operation OP (repeatable), one resource
//          (--topic T, --group G, --cluster, --transactional-id X), [--resource-pattern-type
//          literal|prefixed], [--host H]
//   list   the bindings a filter selects: [--principal P] [one resource] [--resource-pattern-type
//          any|match|literal|prefixed]
//   delete the same filter, and [--operation OP] [--permission allow|deny]; prints what it removed
//          (a filter that selects every binding needs --force)
#include <array>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "client/kafka_client.h"

namespace herald::cli {
namespace {

// Kafka's codes (client::AclBinding) and the words the tool uses for them.
constexpr std::array<std::pair<int, std::string_view>, 5> kResourceTypes = {
    {{1, "any"}, {2, "topic"}, {3, "group"}, {4, "cluster"}, {5, "transactional-id"}}};
constexpr std::array<std::pair<int, std::string_view>, 4> kPatternTypes = {
    {{1, "any"}, {2, "match"}, {3, "literal"}, {4, "prefixed"}}};
constexpr std::array<std::pair<int, std::string_view>, 12> kOperations = {
    {{1, "any"},
     {2, "all"},
     {3, "read"},
     {4, "write"},
     {5, "create"},
     {6, "delete"},
     {7, "alter"},
     {8, "describe"},
     {9, "cluster-action"},
     {10, "describe-configs"},
     {11, "alter-configs"},
     {12, "idempotent-write"}}};
constexpr std::array<std::pair<int, std::string_view>, 3> kPermissions = {
    {{1, "any"}, {2, "deny"}, {3, "allow"}}};

template <size_t N>
std::string WordFor(const std::array<std::pair<int, std::string_view>, N>& table, int code) {
  for (const auto& [c, word] : table) {
    if (c == code) return std::string(word);
  }
  return fmt::format("unknown({})", code);
}
template <size_t N>
int CodeFor(const std::array<std::pair<int, std::string_view>, N>& table, std::string_view word) {
  for (const auto& [c, w] : table) {
    if (w == word) return c;
  }
  return 0;  // checked by CLI::IsMember when parsed
}
template <size_t N>
std::vector<std::string> Words(const std::array<std::pair<int, std::string_view>, N>& table,
                               bool with_any) {
  std::vector<std::string> out;
  for (const auto& [c, w] : table) {
    if (with_any || c > 1) out.emplace_back(w);
  }
  return out;
}

// The resource flags every verb has.
struct ResourceFlags {
  std::optional<std::string> topic;
  std::optional<std::string> group;
  bool cluster = false;
  std::optional<std::string> transactional_id;
  std::string pattern_type;

  // The resource named, into `b` (type and name); kInvalidArgument when more than one is, or
  // (`required`) none.
  Status Into(client::AclBinding& b, bool required) const {
    int named = 0;
    auto name = [&](int type, const std::string& resource) {
      b.resource_type = type;
      b.resource_name = resource;
      ++named;
    };
    if (topic) name(2, *topic);
    if (group) name(3, *group);
    if (cluster) name(4, "kafka-cluster");
    if (transactional_id) name(5, *transactional_id);
    if (named > 1) {
      return InvalidArgument("name one resource: --topic, --group, --cluster or --transactional-id");
    }
    if (named == 0) {
      if (required) {
        return InvalidArgument(
            "name a resource: --topic, --group, --cluster or --transactional-id");
      }
      b.resource_type = 1;
      b.resource_name = std::nullopt;
    }
    b.pattern_type = CodeFor(kPatternTypes, pattern_type);
    return Status::Ok();
  }
};

void AddResourceFlags(CLI::App* command, ResourceFlags& r, bool filter) {
  command->add_option("--topic", r.topic, "A topic (or, with a prefixed pattern, a name prefix)");
  command->add_option("--group", r.group, "A consumer group");
  command->add_flag("--cluster", r.cluster, "The cluster (kafka-cluster)");
  command->add_option("--transactional-id", r.transactional_id, "A transactional id");
  r.pattern_type = filter ? "any" : "literal";
  command
      ->add_option("--resource-pattern-type", r.pattern_type,
                   filter ? "any, match (every binding that applies to the name), literal or "
                            "prefixed"
                          : "literal (the name, or * for every resource) or prefixed")
      ->check(CLI::IsMember(filter ? std::vector<std::string>{"any", "match", "literal",
                                                              "prefixed"}
                                   : std::vector<std::string>{"literal", "prefixed"}))
      ->capture_default_str();
}

void Print(const std::vector<client::AclBinding>& bindings, bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : bindings) {
      out.push_back({{"principal", OrDash(b.principal)},
                     {"host", OrDash(b.host)},
                     {"permission", WordFor(kPermissions, b.permission)},
                     {"operation", WordFor(kOperations, b.operation)},
                     {"resource_type", WordFor(kResourceTypes, b.resource_type)},
                     {"pattern_type", WordFor(kPatternTypes, b.pattern_type)},
                     {"resource_name", OrDash(b.resource_name)}});
    }
    PrintJson(out);
    return;
  }
  Table table({"PRINCIPAL", "HOST", "PERMISSION", "OPERATION", "RESOURCE", "PATTERN", "NAME"});
  for (const auto& b : bindings) {
    table.AddRow({OrDash(b.principal), OrDash(b.host), WordFor(kPermissions, b.permission),
                  WordFor(kOperations, b.operation), WordFor(kResourceTypes, b.resource_type),
                  WordFor(kPatternTypes, b.pattern_type), OrDash(b.resource_name)});
  }
  if (table.empty()) {
    std::cout << "(no ACLs)\n";
  } else {
    table.Print(std::cout);
  }
}

struct AclCreateOptions {
  ClientFlags flags;
  ResourceFlags resource;
  std::optional<std::string> allow;
  std::optional<std::string> deny;
  std::vector<std::string> operations;
  std::string host = "*";
};

int RunAclCreate(const AclCreateOptions& o) {
  if (o.allow.has_value() == o.deny.has_value()) {
    return UsageError("give one of --allow-principal and --deny-principal");
  }
  client::AclBinding base;
  if (Status s = o.resource.Into(base, /*required=*/true); !s.ok()) return UsageError(s.message());
  base.principal = o.allow ? *o.allow : *o.deny;
  base.permission = o.allow ? 3 : 2;
  base.host = o.host;
  std::vector<client::AclBinding> bindings;
  for (const auto& op : o.operations) {
    client::AclBinding b = base;
    b.operation = CodeFor(kOperations, op);
    bindings.push_back(std::move(b));
  }
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  if (Status s = admin->CreateAcls(bindings); !s.ok()) return Fail(s);
  Print(bindings, o.flags.json());
  return kExitOk;
}

struct SelectOptions {
  ClientFlags flags;
  ResourceFlags resource;
  std::optional<std::string> principal;
  std::optional<std::string> host;
  std::string operation = "any";
  std::string permission = "any";
  bool force = false;  // delete: a filter that selects every binding
};

Result<client::AclBinding> FilterOf(const SelectOptions& o) {
  client::AclBinding f;
  HERALD_RETURN_IF_ERROR(o.resource.Into(f, /*required=*/false));
  f.principal = o.principal;
  f.host = o.host;
  f.operation = CodeFor(kOperations, o.operation);
  f.permission = CodeFor(kPermissions, o.permission);
  return f;
}

int RunSelect(const SelectOptions& o, bool remove) {
  auto filter = FilterOf(o);
  if (!filter.ok()) return UsageError(filter.status().message());
  const bool selects_all = !filter->resource_name && !filter->principal && !filter->host &&
                           o.operation == "any" && o.permission == "any";
  if (remove && selects_all && !o.force) {
    return UsageError("this filter selects every binding: give a filter, or --force");
  }
  auto admin = ConnectAdmin(o.flags);
  if (!admin.ok()) return Fail(admin.status());
  auto bindings = remove ? admin->DeleteAcls(*filter) : admin->DescribeAcls(*filter);
  if (!bindings.ok()) return Fail(bindings.status());
  Print(*bindings, o.flags.json());
  return kExitOk;
}

void AddSelectFlags(CLI::App* command, SelectOptions& o) {
  AddClientFlags(command, o.flags);
  AddResourceFlags(command, o.resource, /*filter=*/true);
  command->add_option("--principal", o.principal, "Only this principal's bindings (User:name)");
  command->add_option("--host", o.host, "Only bindings for this host");
  command->add_option("--operation", o.operation, "Only bindings for this operation")
      ->check(CLI::IsMember(Words(kOperations, true)))
      ->capture_default_str();
  command->add_option("--permission", o.permission, "any, allow or deny")
      ->check(CLI::IsMember(Words(kPermissions, true)))
      ->capture_default_str();
}

}  // namespace

void RegisterAcl(CLI::App& app) {
  auto* acl = app.add_subcommand(
      "acl", "Manage the ACLs of a broker with an authorizer (serve --authorizer acl)");
  acl->require_subcommand(1);

  auto c = std::make_shared<AclCreateOptions>();
  auto* create = acl->add_subcommand("create", "Allow or deny a principal operations on a resource");
  AddClientFlags(create, c->flags);
  AddResourceFlags(create, c->resource, /*filter=*/false);
  create->add_option("--allow-principal", c->allow, "The principal allowed (User:name, User:*)");
  create->add_option("--deny-principal", c->deny, "The principal denied (User:name, User:*)");
  create->add_option("--operation", c->operations, "An operation (repeatable)")
      ->required()
      ->check(CLI::IsMember(Words(kOperations, false)));
  create->add_option("--host", c->host, "The client host it applies to (* for any)")
      ->capture_default_str();
  create->callback([c] { SetExitCode(RunAclCreate(*c)); });

  auto l = std::make_shared<SelectOptions>();
  auto* list = acl->add_subcommand("list", "List the bindings a filter selects (all by default)");
  AddSelectFlags(list, *l);
  list->callback([l] { SetExitCode(RunSelect(*l, /*remove=*/false)); });

  auto d = std::make_shared<SelectOptions>();
  auto* del = acl->add_subcommand("delete", "Delete the bindings a filter selects");
  AddSelectFlags(del, *d);
  del->add_flag("--force", d->force, "Delete every binding when the filter selects them all");
  del->callback([d] { SetExitCode(RunSelect(*d, /*remove=*/true)); });
}

}  // namespace herald::cli
