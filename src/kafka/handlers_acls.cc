// CreateAcls, DescribeAcls and DeleteAcls: the authorizer's bindings (broker/authorizer.h).
// Without an authorizer (--authorizer none) each answers SECURITY_DISABLED, as Kafka's does. With
// one, DescribeAcls needs DESCRIBE on the cluster, CreateAcls and DeleteAcls ALTER (else
// CLUSTER_AUTHORIZATION_FAILED); a binding that cannot be stored is INVALID_REQUEST.
#include <map>
#include <tuple>

#include "broker/authorizer.h"
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/create_acls.h"
#include "kafka/messages/delete_acls.h"
#include "kafka/messages/describe_acls.h"

namespace herald::kafka::handlers {
namespace {

using broker::AclBinding;
using broker::AclFilter;
using broker::AclOperation;
using broker::AclPermission;
using broker::PatternType;
using broker::ResourceType;

constexpr char kDisabled[] = "No Authorizer is configured on the broker";

// A DescribeAcls request and a DeleteAcls filter carry the same fields.
template <typename T>
AclFilter FilterOf(const T& f) {
  return {static_cast<ResourceType>(f.resource_type_filter),
          f.resource_name_filter,
          static_cast<PatternType>(f.pattern_type_filter),
          f.principal_filter,
          f.host_filter,
          static_cast<AclOperation>(f.operation),
          static_cast<AclPermission>(f.permission_type)};
}

int8_t CodeOf(auto value) { return static_cast<int8_t>(value); }

void CreateAclsNow(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<CreateAclsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  CreateAclsResponse response;
  auto refuse_all = [&](ErrorCode code, const std::string& message) {
    for (size_t i = 0; i < request->creations.size(); ++i) {
      response.results.push_back({Code(code), message});
    }
    done(EncodeResponse(response, ctx.version()));
  };
  if (broker.authorizer() == nullptr) return refuse_all(ErrorCode::kSecurityDisabled, kDisabled);
  if (!AuthorizedOnCluster(broker, ctx, AclOperation::kAlter)) {
    return refuse_all(ErrorCode::kClusterAuthorizationFailed,
                      "Cluster authorization failed: ALTER on the cluster is needed");
  }
  std::vector<AclBinding> bindings;
  for (const auto& c : request->creations) {
    bindings.push_back({static_cast<ResourceType>(c.resource_type), c.resource_name,
                        static_cast<PatternType>(c.resource_pattern_type), c.principal, c.host,
                        static_cast<AclOperation>(c.operation),
                        static_cast<AclPermission>(c.permission_type)});
  }
  for (const Status& s : broker.authorizer()->Create(bindings)) {
    if (s.ok()) {
      response.results.push_back({});
    } else {
      response.results.push_back({Code(s.code() == StatusCode::kInvalidArgument
                                           ? ErrorCode::kInvalidRequest
                                           : ErrorFor(s)),
                                  s.message()});
    }
  }
  done(EncodeResponse(response, ctx.version()));
}

void DeleteAclsNow(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DeleteAclsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  DeleteAclsResponse response;
  auto refuse_all = [&](ErrorCode code, const std::string& message) {
    for (size_t i = 0; i < request->filters.size(); ++i) {
      DeleteAclsResponseFilterResult r;
      r.error_code = Code(code);
      r.error_message = message;
      response.filter_results.push_back(std::move(r));
    }
    done(EncodeResponse(response, ctx.version()));
  };
  if (broker.authorizer() == nullptr) return refuse_all(ErrorCode::kSecurityDisabled, kDisabled);
  if (!AuthorizedOnCluster(broker, ctx, AclOperation::kAlter)) {
    return refuse_all(ErrorCode::kClusterAuthorizationFailed,
                      "Cluster authorization failed: ALTER on the cluster is needed");
  }
  // A filter that cannot be used is answered INVALID_REQUEST alone; the others apply.
  std::vector<AclFilter> filters;
  std::vector<Status> validity;  // one per filter
  for (const auto& f : request->filters) {
    validity.push_back(broker::ValidateFilter(FilterOf(f)));
    if (validity.back().ok()) filters.push_back(FilterOf(f));
  }
  auto removed = broker.authorizer()->Delete(filters);
  if (!removed.ok()) return refuse_all(ErrorFor(removed.status()), removed.status().message());
  auto next = removed->begin();
  for (const Status& valid : validity) {
    DeleteAclsResponseFilterResult r;
    if (!valid.ok()) {
      r.error_code = Code(ErrorCode::kInvalidRequest);
      r.error_message = valid.message();
      response.filter_results.push_back(std::move(r));
      continue;
    }
    for (const AclBinding& b : *next++) {
      DeleteAclsResponseMatchingAcl m;
      m.resource_type = CodeOf(b.resource_type);
      m.resource_name = b.resource_name;
      m.pattern_type = CodeOf(b.pattern_type);
      m.principal = b.principal;
      m.host = b.host;
      m.operation = CodeOf(b.operation);
      m.permission_type = CodeOf(b.permission);
      r.matching_acls.push_back(std::move(m));
    }
    response.filter_results.push_back(std::move(r));
  }
  done(EncodeResponse(response, ctx.version()));
}

}  // namespace

void DescribeAcls(broker::Broker& broker, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DescribeAclsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  DescribeAclsResponse response;
  const AclFilter filter = FilterOf(*request);
  if (broker.authorizer() == nullptr) {
    response.error_code = Code(ErrorCode::kSecurityDisabled);
    response.error_message = kDisabled;
  } else if (!AuthorizedOnCluster(broker, ctx, AclOperation::kDescribe)) {
    response.error_code = Code(ErrorCode::kClusterAuthorizationFailed);
    response.error_message = "Cluster authorization failed: DESCRIBE on the cluster is needed";
  } else if (Status valid = broker::ValidateFilter(filter); !valid.ok()) {
    response.error_code = Code(ErrorCode::kInvalidRequest);
    response.error_message = valid.message();
  } else {
    // One resource per (type, name, pattern), its bindings beneath it.
    std::map<std::tuple<ResourceType, std::string, PatternType>, DescribeAclsResponseResource>
        resources;
    for (const AclBinding& b : broker.authorizer()->Describe(filter)) {
      auto& resource = resources[{b.resource_type, b.resource_name, b.pattern_type}];
      resource.type = CodeOf(b.resource_type);
      resource.name = b.resource_name;
      resource.pattern_type = CodeOf(b.pattern_type);
      resource.acls.push_back(
          {b.principal, b.host, CodeOf(b.operation), CodeOf(b.permission)});
    }
    for (auto& [key, resource] : resources) response.resources.push_back(std::move(resource));
  }
  done(EncodeResponse(response, ctx.version()));
}

void CreateAcls(broker::Broker& broker, RequestContext ctx, Respond done) {
  OnAdminThread(broker, std::move(ctx), std::move(done), CreateAclsNow);
}

void DeleteAcls(broker::Broker& broker, RequestContext ctx, Respond done) {
  OnAdminThread(broker, std::move(ctx), std::move(done), DeleteAclsNow);
}

}  // namespace herald::kafka::handlers
