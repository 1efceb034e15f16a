// The Kafka message definitions (src/kafka/messages/): every API in every advertised version
// round-trips with every field set, nulls go where the version allows them, bodies cut short or
// padded fail, hostile lengths fail before allocating, and the encodings real clients depend on
// match bytes computed by hand from Apache Kafka's message definitions.
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include <cxxabi.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "kafka/api.h"
#include "kafka/messages/all.h"
#include "kafka/schema.h"
#include "kafka/wire.h"
#include "testing/test_util.h"

namespace herald::kafka {
namespace {

using herald::testing::Hex;

// ---- the APIs under test ----

template <ApiKey K, typename Req, typename Resp>
struct Api {
  static constexpr ApiKey kKey = K;
  using Request = Req;
  using Response = Resp;
};

using AllApis = std::tuple<
    Api<ApiKey::kProduce, ProduceRequest, ProduceResponse>,
    Api<ApiKey::kFetch, FetchRequest, FetchResponse>,
    Api<ApiKey::kListOffsets, ListOffsetsRequest, ListOffsetsResponse>,
    Api<ApiKey::kMetadata, MetadataRequest, MetadataResponse>,
    Api<ApiKey::kOffsetCommit, OffsetCommitRequest, OffsetCommitResponse>,
    Api<ApiKey::kOffsetFetch, OffsetFetchRequest, OffsetFetchResponse>,
    Api<ApiKey::kFindCoordinator, FindCoordinatorRequest, FindCoordinatorResponse>,
    Api<ApiKey::kJoinGroup, JoinGroupRequest, JoinGroupResponse>,
    Api<ApiKey::kHeartbeat, HeartbeatRequest, HeartbeatResponse>,
    Api<ApiKey::kLeaveGroup, LeaveGroupRequest, LeaveGroupResponse>,
    Api<ApiKey::kSyncGroup, SyncGroupRequest, SyncGroupResponse>,
    Api<ApiKey::kDescribeGroups, DescribeGroupsRequest, DescribeGroupsResponse>,
    Api<ApiKey::kListGroups, ListGroupsRequest, ListGroupsResponse>,
    Api<ApiKey::kApiVersions, ApiVersionsRequest, ApiVersionsResponse>,
    Api<ApiKey::kCreateTopics, CreateTopicsRequest, CreateTopicsResponse>,
    Api<ApiKey::kDeleteTopics, DeleteTopicsRequest, DeleteTopicsResponse>,
    Api<ApiKey::kDeleteRecords, DeleteRecordsRequest, DeleteRecordsResponse>,
    Api<ApiKey::kInitProducerId, InitProducerIdRequest, InitProducerIdResponse>,
    Api<ApiKey::kOffsetForLeaderEpoch, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>,
    Api<ApiKey::kDescribeConfigs, DescribeConfigsRequest, DescribeConfigsResponse>,
    Api<ApiKey::kAlterConfigs, AlterConfigsRequest, AlterConfigsResponse>,
    Api<ApiKey::kCreatePartitions, CreatePartitionsRequest, CreatePartitionsResponse>,
    Api<ApiKey::kDeleteGroups, DeleteGroupsRequest, DeleteGroupsResponse>,
    Api<ApiKey::kDescribeLogDirs, DescribeLogDirsRequest, DescribeLogDirsResponse>,
    Api<ApiKey::kElectLeaders, ElectLeadersRequest, ElectLeadersResponse>,
    Api<ApiKey::kIncrementalAlterConfigs, IncrementalAlterConfigsRequest,
        IncrementalAlterConfigsResponse>,
    Api<ApiKey::kListPartitionReassignments, ListPartitionReassignmentsRequest,
        ListPartitionReassignmentsResponse>,
    Api<ApiKey::kOffsetDelete, OffsetDeleteRequest, OffsetDeleteResponse>,
    Api<ApiKey::kDescribeCluster, DescribeClusterRequest, DescribeClusterResponse>,
    Api<ApiKey::kDescribeProducers, DescribeProducersRequest, DescribeProducersResponse>,
    Api<ApiKey::kAddPartitionsToTxn, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>,
    Api<ApiKey::kAddOffsetsToTxn, AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>,
    Api<ApiKey::kEndTxn, EndTxnRequest, EndTxnResponse>,
    Api<ApiKey::kTxnOffsetCommit, TxnOffsetCommitRequest, TxnOffsetCommitResponse>,
    Api<ApiKey::kDescribeTransactions, DescribeTransactionsRequest, DescribeTransactionsResponse>,
    Api<ApiKey::kListTransactions, ListTransactionsRequest, ListTransactionsResponse>,
    Api<ApiKey::kSaslHandshake, SaslHandshakeRequest, SaslHandshakeResponse>,
    Api<ApiKey::kSaslAuthenticate, SaslAuthenticateRequest, SaslAuthenticateResponse>,
    Api<ApiKey::kDescribeUserScramCredentials, DescribeUserScramCredentialsRequest,
        DescribeUserScramCredentialsResponse>,
    Api<ApiKey::kAlterUserScramCredentials, AlterUserScramCredentialsRequest,
        AlterUserScramCredentialsResponse>,
    Api<ApiKey::kDescribeAcls, DescribeAclsRequest, DescribeAclsResponse>,
    Api<ApiKey::kCreateAcls, CreateAclsRequest, CreateAclsResponse>,
    Api<ApiKey::kDeleteAcls, DeleteAclsRequest, DeleteAclsResponse>>;

template <typename Tuple>
struct ToTestTypes;
template <typename... Ts>
struct ToTestTypes<std::tuple<Ts...>> {
  using type = ::testing::Types<Ts...>;
};

template <typename A>
const ApiInfo& Info() {
  const ApiInfo* info = FindApi(static_cast<int16_t>(A::kKey));
  HERALD_ASSERT(info != nullptr, "API {} is not in kApis", static_cast<int>(A::kKey));
  return *info;
}

Version At(const ApiInfo& api, int16_t v) {
  return Version{v, v >= api.flexible_from};
}

// ---- walking values through Fields() ----

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

// An array in the protocol's sense (Buffer is a std::vector too, but it is BYTES).
template <typename T>
constexpr bool kIsArray = IsVector<T>::value && !std::is_same_v<T, Buffer>;

std::string Demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                             std::free);
  return status == 0 ? std::string(out.get()) : std::string(name);
}

// Renders a message for failure output: fields in Fields() order.
template <typename T>
void Show(const T& v, std::string& out) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_integral_v<T>) {
    out += std::to_string(static_cast<int64_t>(v));
  } else if constexpr (std::is_same_v<T, std::string>) {
    out += fmt::format("\"{}\"", v);
  } else if constexpr (std::is_same_v<T, Buffer>) {
    out += fmt::format("0x{:02x}", fmt::join(v, ""));
  } else if constexpr (std::is_same_v<T, Uuid>) {
    out += v.ToString();
  } else if constexpr (std::is_same_v<T, Records>) {
    if (!v.bytes) {
      out += "records:null";
    } else {
      out += fmt::format("records:0x{:02x}", fmt::join(*v.bytes, ""));
    }
    if (!v.slices.empty()) out += fmt::format("+{} slices", v.slices.size());
  } else if constexpr (IsOptional<T>::value) {
    if (v) {
      Show(*v, out);
    } else {
      out += "null";
    }
  } else if constexpr (IsVector<T>::value) {
    out += "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ", ";
      Show(v[i], out);
    }
    out += "]";
  } else {
    static_assert(Structure<T>);
    out += "{";
    bool first = true;
    std::apply(
        [&](const auto&... f) {
          ((out += first ? "" : ", ", first = false, Show(v.*f.member, out)), ...);
        },
        T::Fields());
    out += "}";
  }
}

template <typename T>
std::string Show(const T& v) {
  std::string out;
  Show(v, out);
  return out;
}

// Gives every field of a message (whatever the version) a value other than its default: integers
// count up, strings and bytes are distinct, optionals are set, every array gets two elements.
class Filler {
 public:
  template <typename T>
  void Fill(T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      v = !v;
    } else if constexpr (std::is_integral_v<T>) {
      T n = static_cast<T>(1 + next_++ % 100);
      if (n == v) n = static_cast<T>(n + 1);
      v = n;
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = fmt::format("s{}", next_++);
    } else if constexpr (std::is_same_v<T, Buffer>) {
      v = {0xb0, static_cast<uint8_t>(next_++)};
    } else if constexpr (std::is_same_v<T, Uuid>) {
      v = Uuid{0x0102030405060708ULL, static_cast<uint64_t>(next_++)};
    } else if constexpr (std::is_same_v<T, Records>) {
      records_.push_back({0xde, 0xad, static_cast<uint8_t>(next_++)});
      v.bytes = ByteView(records_.back());
      v.slices.clear();
    } else if constexpr (IsOptional<T>::value) {
      typename T::value_type inner = v.value_or(typename T::value_type{});
      Fill(inner);
      v = std::move(inner);
    } else if constexpr (IsVector<T>::value) {
      v.resize(2);
      for (auto& e : v) Fill(e);
    } else {
      static_assert(Structure<T>, "a member type the protocol does not have");
      std::apply([&](const auto&... f) { (Fill(v.*f.member), ...); }, T::Fields());
    }
  }

 private:
  int next_ = 1;
  std::deque<Buffer> records_;  // what Records views point at
};

// Sets every nullable-typed value (optionals and records) to null, all the way down.
template <typename T>
void NullOut(T& v) {
  if constexpr (IsOptional<T>::value) {
    v.reset();
  } else if constexpr (std::is_same_v<T, Records>) {
    v.bytes.reset();
  } else if constexpr (kIsArray<T>) {
    for (auto& e : v) NullOut(e);
  } else if constexpr (Structure<T>) {
    std::apply([&](const auto&... f) { (NullOut(v.*f.member), ...); }, T::Fields());
  }
}

// Turns a message into what decoding its encoding at `ver` must give: fields the version lacks
// back to their defaults, nulls the version cannot carry written (so read back) as empty, and
// null records as empty (the writer never sends a null record set; schema.h).
template <Structure T>
void Normalize(T& v, Version ver);

template <typename T>
void NormalizeValue(T& v, Version ver) {
  if constexpr (IsOptional<T>::value) {
    if (v) NormalizeValue(*v, ver);
  } else if constexpr (kIsArray<T>) {
    for (auto& e : v) NormalizeValue(e, ver);
  } else if constexpr (std::is_same_v<T, Records>) {
    if (!v.bytes && v.slices.empty()) v.bytes = ByteView();
  } else if constexpr (Structure<T>) {
    Normalize(v, ver);
  }
}

template <typename S, typename M>
void NormalizeField(S& s, const S& defaults, const Field<S, M>& f, Version ver) {
  M& m = s.*f.member;
  if (!f.present(ver.number)) {
    m = defaults.*f.member;
    return;
  }
  if constexpr (IsOptional<M>::value) {
    if (!m && ver.number < f.nullable_from) m.emplace();
  }
  NormalizeValue(m, ver);
}

template <Structure T>
void Normalize(T& v, Version ver) {
  const T defaults{};
  std::apply([&](const auto&... f) { (NormalizeField(v, defaults, f, ver), ...); }, T::Fields());
}

// Names of the fields reachable from T ("Struct#index"): all of them (no version), or those a
// version carries.
using FieldNames = std::set<std::string>;

template <typename T>
void CollectFields(std::optional<Version> ver, FieldNames& out);

template <typename S, typename M>
void CollectField(const Field<S, M>& f, int index, std::optional<Version> ver, FieldNames& out) {
  if (ver && !f.present(ver->number)) return;
  out.insert(fmt::format("{}#{}", Demangle(typeid(S).name()), index));
  CollectFields<M>(ver, out);
}

template <typename T>
void CollectFields(std::optional<Version> ver, FieldNames& out) {
  if constexpr (IsOptional<T>::value || kIsArray<T>) {
    CollectFields<typename T::value_type>(ver, out);
  } else if constexpr (Structure<T>) {
    int index = 0;
    std::apply([&](const auto&... f) { (CollectField(f, index++, ver, out), ...); }, T::Fields());
  }
}

// Checks that every field a version carries differs from its default (arrays non-empty, optionals
// set, all the way down), so a round trip of `v` exercises every field.
template <Structure T>
void ExpectNoDefaults(const T& v, Version ver, const std::string& path);

template <typename T>
void ExpectNoDefaultValue(const T& v, const T& d, Version ver, const std::string& path) {
  if constexpr (IsOptional<T>::value) {
    ASSERT_TRUE(v.has_value()) << path << " is null";
    ExpectNoDefaultValue(*v, typename T::value_type{}, ver, path);
  } else if constexpr (kIsArray<T>) {
    ASSERT_FALSE(v.empty()) << path << " is empty";
    if constexpr (Structure<typename T::value_type>) {
      for (const auto& e : v) ExpectNoDefaults(e, ver, path + "[]");
    }
  } else if constexpr (Structure<T>) {
    ExpectNoDefaults(v, ver, path);
  } else if constexpr (std::is_same_v<T, Records>) {
    EXPECT_TRUE(v.bytes.has_value() && !v.bytes->empty()) << path << " has no records";
  } else {
    EXPECT_NE(v, d) << path << " has its default value";
  }
}

template <Structure T>
void ExpectNoDefaults(const T& v, Version ver, const std::string& path) {
  const T defaults{};
  int index = 0;
  auto check = [&](const auto& f) {
    if (f.present(ver.number)) {
      ExpectNoDefaultValue(v.*f.member, defaults.*f.member, ver,
                           fmt::format("{}.#{}", path, index));
    }
    ++index;
  };
  std::apply([&](const auto&... f) { (check(f), ...); }, T::Fields());
}

// ---- encoding and checking ----

template <typename T>
Buffer Encode(const T& message, Version ver) {
  Buffer out;
  FrameWriter w(out, nullptr);
  Write(w, message, ver);
  return out;
}

std::string Describe(Version ver) {
  return fmt::format("v{}{}", ver.number, ver.flexible ? " (flexible)" : "");
}

template <typename T>
void ExpectRoundTrip(const T& message, Version ver) {
  SCOPED_TRACE(fmt::format("{} {}", Demangle(typeid(T).name()), Describe(ver)));
  Buffer wire = Encode(message, ver);
  T expected = message;
  Normalize(expected, ver);
  EXPECT_EQ(Encode(expected, ver), wire) << "a field the version lacks reached the wire";
  Result<T> decoded = Decode<T>(wire, ver);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, expected) << "decoded:  " << Show(*decoded)
                                << "\nexpected: " << Show(expected);
}

// Round-trips `message` after checking that it sets every field the version carries.
template <typename T>
void ExpectFullRoundTrip(const T& message, Version ver) {
  {
    SCOPED_TRACE(fmt::format("{} {}", Demangle(typeid(T).name()), Describe(ver)));
    ExpectNoDefaults(message, ver, Demangle(typeid(T).name()));
  }
  ExpectRoundTrip(message, ver);
}

template <typename T>
void ExpectTruncationsAndPaddingFail(const T& message, Version ver) {
  SCOPED_TRACE(fmt::format("{} {}", Demangle(typeid(T).name()), Describe(ver)));
  Buffer wire = Encode(message, ver);
  ASSERT_TRUE(Decode<T>(wire, ver).ok());
  for (size_t n = 0; n < wire.size(); ++n) {
    EXPECT_FALSE(Decode<T>(ByteView(wire.data(), n), ver).ok())
        << "the first " << n << " of " << wire.size() << " bytes decoded";
  }
  Buffer padded = wire;
  padded.push_back(0);
  Result<T> r = Decode<T>(padded, ver);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("1 bytes left over"), std::string::npos)
      << r.status().ToString();
}

// Whatever a corrupted body decodes to (usually an error) must re-encode and decode to itself.
template <typename T>
void ExpectCorruptionHandled(const Buffer& bad, Version ver) {
  Result<T> r = Decode<T>(bad, ver);
  if (!r.ok()) return;
  Buffer again = Encode(*r, ver);
  Result<T> r2 = Decode<T>(again, ver);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  T expected = *r;
  Normalize(expected, ver);
  EXPECT_EQ(*r2, expected);
}

template <typename T>
void ExpectCorruptionsHandled(const T& message, Version ver) {
  SCOPED_TRACE(fmt::format("{} {}", Demangle(typeid(T).name()), Describe(ver)));
  const Buffer wire = Encode(message, ver);
  for (size_t i = 0; i < wire.size(); ++i) {
    // Every byte inverted, and every position overwritten with a huge and a negative length.
    Buffer bad = wire;
    bad[i] = static_cast<uint8_t>(~bad[i]);
    ExpectCorruptionHandled<T>(bad, ver);
    for (const char* hostile : {"7fffffff", "80000000", "fffffffe"}) {
      Buffer b = wire;
      Buffer h = Hex(hostile);
      for (size_t k = 0; k < h.size() && i + k < b.size(); ++k) b[i + k] = h[k];
      ExpectCorruptionHandled<T>(b, ver);
    }
  }
}

template <typename T>
T Filled() {
  T v{};
  static Filler filler;  // keeps the records' bytes alive for the whole test program
  filler.Fill(v);
  return v;
}

// ---- every API, every advertised version ----

template <typename A>
class KafkaMessageTest : public ::testing::Test {};

class ApiNames {
 public:
  template <typename A>
  static std::string GetName(int) {
    return std::string(Info<A>().name);
  }
};

using AllApiTypes = ToTestTypes<AllApis>::type;
TYPED_TEST_SUITE(KafkaMessageTest, AllApiTypes, ApiNames);

TYPED_TEST(KafkaMessageTest, EveryVersionRoundTripsWithEveryFieldSet) {
  const ApiInfo& api = Info<TypeParam>();
  for (int16_t v = api.min_version; v <= api.max_version; ++v) {
    ExpectFullRoundTrip(Filled<typename TypeParam::Request>(), At(api, v));
    ExpectFullRoundTrip(Filled<typename TypeParam::Response>(), At(api, v));
  }
}

TYPED_TEST(KafkaMessageTest, EveryVersionRoundTripsDefaults) {
  const ApiInfo& api = Info<TypeParam>();
  for (int16_t v = api.min_version; v <= api.max_version; ++v) {
    ExpectRoundTrip(typename TypeParam::Request{}, At(api, v));
    ExpectRoundTrip(typename TypeParam::Response{}, At(api, v));
  }
}

TYPED_TEST(KafkaMessageTest, NullsRoundTripWhereTheVersionAllowsThem) {
  const ApiInfo& api = Info<TypeParam>();
  for (int16_t v = api.min_version; v <= api.max_version; ++v) {
    auto request = Filled<typename TypeParam::Request>();
    NullOut(request);
    ExpectRoundTrip(request, At(api, v));
    auto response = Filled<typename TypeParam::Response>();
    NullOut(response);
    ExpectRoundTrip(response, At(api, v));
  }
}

TYPED_TEST(KafkaMessageTest, TruncatedOrPaddedBodiesFail) {
  const ApiInfo& api = Info<TypeParam>();
  for (int16_t v = api.min_version; v <= api.max_version; ++v) {
    ExpectTruncationsAndPaddingFail(Filled<typename TypeParam::Request>(), At(api, v));
    ExpectTruncationsAndPaddingFail(Filled<typename TypeParam::Response>(), At(api, v));
    auto request = Filled<typename TypeParam::Request>();
    NullOut(request);
    ExpectTruncationsAndPaddingFail(request, At(api, v));
    auto response = Filled<typename TypeParam::Response>();
    NullOut(response);
    ExpectTruncationsAndPaddingFail(response, At(api, v));
  }
}

TYPED_TEST(KafkaMessageTest, CorruptBodiesFailOrRoundTrip) {
  const ApiInfo& api = Info<TypeParam>();
  for (int16_t v = api.min_version; v <= api.max_version; ++v) {
    ExpectCorruptionsHandled(Filled<typename TypeParam::Request>(), At(api, v));
    ExpectCorruptionsHandled(Filled<typename TypeParam::Response>(), At(api, v));
  }
}

// Catches a field whose versions lie wholly outside the advertised range (a typo in Fields()).
TYPED_TEST(KafkaMessageTest, EveryFieldIsInSomeAdvertisedVersion) {
  const ApiInfo& api = Info<TypeParam>();
  auto check = [&]<typename T>(std::type_identity<T>) {
    FieldNames all, used;
    CollectFields<T>(std::nullopt, all);
    for (int16_t v = api.min_version; v <= api.max_version; ++v) {
      CollectFields<T>(At(api, v), used);
    }
    for (const auto& name : all) {
      EXPECT_TRUE(used.contains(name))
          << name << " is in no version " << api.min_version << "-" << api.max_version;
    }
  };
  check(std::type_identity<typename TypeParam::Request>{});
  check(std::type_identity<typename TypeParam::Response>{});
}

TEST(KafkaMessagesTest, EveryAdvertisedApiHasDefinitions) {
  std::set<int16_t> defined;
  std::apply([&](auto... a) { (defined.insert(static_cast<int16_t>(decltype(a)::kKey)), ...); },
             AllApis{});
  std::set<int16_t> advertised;
  for (const auto& api : kApis) advertised.insert(static_cast<int16_t>(api.key));
  EXPECT_EQ(defined, advertised);
  EXPECT_EQ(std::tuple_size_v<AllApis>, kApis.size());
}

// ---- golden bytes ----

template <typename T>
void ExpectBytes(const T& message, Version ver, const Buffer& bytes) {
  SCOPED_TRACE(fmt::format("{} {}", Demangle(typeid(T).name()), Describe(ver)));
  EXPECT_EQ(fmt::format("{:02x}", fmt::join(Encode(message, ver), " ")),
            fmt::format("{:02x}", fmt::join(bytes, " ")));
  Result<T> decoded = Decode<T>(bytes, ver);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  T expected = message;
  Normalize(expected, ver);
  EXPECT_EQ(*decoded, expected) << "decoded:  " << Show(*decoded)
                                << "\nexpected: " << Show(expected);
}

template <typename T>
std::string DecodeError(std::string_view hex, Version ver) {
  Result<T> r = Decode<T>(Hex(hex), ver);
  return r.ok() ? std::string("decoded") : r.status().message();
}

TEST(KafkaGoldenTest, ApiVersionsRequestV0To2AreEmpty) {
  ApiVersionsRequest request;
  request.client_software_name = "not in v0-2";
  for (int16_t v = 0; v <= 2; ++v) ExpectBytes(request, {v, false}, {});
}

TEST(KafkaGoldenTest, ApiVersionsRequestV3IsCompactWithTags) {
  ApiVersionsRequest request{"librdkafka", "2.0.2"};
  // Compact strings (length + 1 as an unsigned varint), then an empty tagged-field section.
  ExpectBytes(request, {3, true}, Hex("0b 6c696272646b61666b61 | 06 322e302e32 | 00"));
  // Unknown tagged fields are skipped.
  Result<ApiVersionsRequest> tagged = Decode<ApiVersionsRequest>(
      Hex("0b 6c696272646b61666b61 06 322e302e32 | 02 05 02 aabb 07 00"), {3, true});
  ASSERT_TRUE(tagged.ok()) << tagged.status().ToString();
  EXPECT_EQ(*tagged, request);
  // A missing tag section, or a classic (int16-length) string, is malformed.
  EXPECT_NE(DecodeError<ApiVersionsRequest>("0b 6c696272646b61666b61 06 322e302e32", {3, true}),
            "decoded");
  EXPECT_NE(DecodeError<ApiVersionsRequest>("0001 61 0001 62 00", {3, true}), "decoded");
}

TEST(KafkaGoldenTest, ApiVersionsResponseV0AndV3) {
  ApiVersionsResponse response;
  response.api_keys = {{18, 0, 3}, {3, 0, 6}};
  response.throttle_time_ms = 0;
  ExpectBytes(response, {0, false}, Hex("0000 | 00000002 0012 0000 0003 0003 0000 0006"));
  ExpectBytes(response, {1, false},
              Hex("0000 | 00000002 0012 0000 0003 0003 0000 0006 | 00000000"));
  ExpectBytes(response, {3, true},
              Hex("0000 | 03 0012 0000 0003 00 0003 0000 0006 00 | 00000000 | 00"));
  // A Kafka broker's v3 response carries SupportedFeatures (tag 0) and more: skipped.
  Result<ApiVersionsResponse> tagged =
      Decode<ApiVersionsResponse>(Hex("0000 | 03 0012 0000 0003 00 0003 0000 0006 00 | 00000000 |"
                                      "02 00 07 02 05 6162636400 01 08 0000000000000001"),
                                  {3, true});
  ASSERT_TRUE(tagged.ok()) << tagged.status().ToString();
  EXPECT_EQ(*tagged, response);
}

TEST(KafkaGoldenTest, MetadataRequestTopicsAndNull) {
  MetadataRequest request;
  request.topics = std::vector<MetadataRequestTopic>{{Uuid{}, "a"}, {Uuid{}, "bc"}};
  ExpectBytes(request, {0, false}, Hex("00000002 0001 61 0002 6263"));
  ExpectBytes(request, {1, false}, Hex("00000002 0001 61 0002 6263"));
  ExpectBytes(request, {4, false}, Hex("00000002 0001 61 0002 6263 | 01"));

  MetadataRequest all;
  all.topics = std::nullopt;
  // v1+: a null array asks for every topic.
  ExpectBytes(all, {1, false}, Hex("ffffffff"));
  all.allow_auto_topic_creation = false;
  ExpectBytes(all, {4, false}, Hex("ffffffff 00"));
  ExpectBytes(all, {6, false}, Hex("ffffffff 00"));
  Result<MetadataRequest> d = Decode<MetadataRequest>(Hex("ffffffff"), {1, false});
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->topics.has_value());
  // An empty array is not null.
  d = Decode<MetadataRequest>(Hex("00000000"), {1, false});
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->topics.has_value());
  EXPECT_TRUE(d->topics->empty());

  // v0 cannot say null: an empty array (which there means every topic) is written, and a null
  // on the wire is malformed.
  EXPECT_EQ(Encode(MetadataRequest{std::nullopt, true}, {0, false}), Hex("00000000"));
  EXPECT_NE(DecodeError<MetadataRequest>("ffffffff", {0, false}), "decoded");
}

TEST(KafkaGoldenTest, MetadataResponseV0AndV1) {
  MetadataResponse response;
  response.brokers = {{1, "h", 9092, std::nullopt}};
  response.cluster_id = "c";
  response.controller_id = 1;
  MetadataResponseTopic topic{0, "t", Uuid{}, false, {}};
  topic.partitions = {{0, 0, 1, 0, {1}, {1}, {}}};
  response.topics = {topic};
  ExpectBytes(response, {0, false},
              Hex("00000001 00000001 0001 68 00002384 |"
                  "00000001 0000 0001 74 | 00000001 0000 00000000 00000001 00000001 00000001"
                  "00000001 00000001"));
  ExpectBytes(response, {1, false},
              Hex("00000001 00000001 0001 68 00002384 ffff | 00000001 |"
                  "00000001 0000 0001 74 00 | 00000001 0000 00000000 00000001 00000001 00000001"
                  "00000001 00000001"));
  ExpectBytes(response, {6, false},
              Hex("00000000 | 00000001 00000001 0001 68 00002384 ffff | 0001 63 | 00000001 |"
                  "00000001 0000 0001 74 00 | 00000001 0000 00000000 00000001 00000001 00000001"
                  "00000001 00000001 00000000"));
}

TEST(KafkaGoldenTest, MetadataV8ToV12) {
  const Uuid id{0x0011223344556677ULL, 0x8899aabbccddeeffULL};
  MetadataRequest request;
  request.topics = std::vector<MetadataRequestTopic>{{Uuid{}, "a"}};
  request.include_cluster_authorized_operations = true;
  ExpectBytes(request, {8, false}, Hex("00000001 0001 61 | 01 | 01 | 00"));
  ExpectBytes(request, {9, true}, Hex("02 02 61 00 | 01 | 01 | 00 | 00"));
  ExpectBytes(request, {10, true},
              Hex("02 00000000000000000000000000000000 02 61 00 | 01 | 01 | 00 | 00"));
  // v11 drops the cluster's authorized operations; v12 names a topic by id with a null name.
  ExpectBytes(request, {11, true},
              Hex("02 00000000000000000000000000000000 02 61 00 | 01 | 00 | 00"));
  request.topics = std::vector<MetadataRequestTopic>{{id, std::nullopt}};
  request.allow_auto_topic_creation = false;
  request.include_topic_authorized_operations = true;
  ExpectBytes(request, {12, true}, Hex("02 00112233445566778899aabbccddeeff 00 00 | 00 | 01 | 00"));

  MetadataResponse response;
  response.brokers = {{1, "h", 9092, std::nullopt}};
  response.cluster_id = "c";
  response.controller_id = 1;
  MetadataResponseTopic topic{0, "t", id, false, {}, 0xdf8};
  topic.partitions = {{0, 0, 1, 0, {1}, {1}, {}}};
  MetadataResponseTopic unknown{100, std::nullopt, id, false, {}, kOperationsNotProvided};
  response.topics = {topic, unknown};
  response.cluster_authorized_operations = 0x1fa0;
  ExpectBytes(response, {8, false},
              Hex("00000000 | 00000001 00000001 0001 68 00002384 ffff | 0001 63 | 00000001 |"
                  "00000002 0000 0001 74 00 | 00000001 0000 00000000 00000001 00000000 00000001"
                  "00000001 00000001 00000001 00000000 | 00000df8 |"
                  "0064 0000 00 | 00000000 | 80000000 | 00001fa0"));
  ExpectBytes(response, {10, true},
              Hex("00000000 | 02 00000001 02 68 00002384 00 00 | 02 63 | 00000001 |"
                  "03 0000 02 74 00112233445566778899aabbccddeeff 00 |"
                  "   02 0000 00000000 00000001 00000000 02 00000001 02 00000001 01 00 |"
                  "   00000df8 00 |"
                  "   0064 01 00112233445566778899aabbccddeeff 00 | 01 | 80000000 00 |"
                  "00001fa0 00"));
  ExpectBytes(response, {12, true},
              Hex("00000000 | 02 00000001 02 68 00002384 00 00 | 02 63 | 00000001 |"
                  "03 0000 02 74 00112233445566778899aabbccddeeff 00 |"
                  "   02 0000 00000000 00000001 00000000 02 00000001 02 00000001 01 00 |"
                  "   00000df8 00 |"
                  "   0064 00 00112233445566778899aabbccddeeff 00 | 01 | 80000000 00 | 00"));
}

TEST(KafkaGoldenTest, ProduceRequestV3ToV9) {
  const Buffer records = {0x01, 0x02, 0x03};
  ProduceRequest request;
  request.transactional_id = std::nullopt;
  request.acks = -1;
  request.timeout_ms = 30000;
  request.topics = {{"t", {{0, Records{ByteView(records), {}}}}}};
  const Buffer wire =
      Hex("ffff | ffff | 00007530 | 00000001 0001 74 | 00000001 00000000 | 00000003 010203");
  ExpectBytes(request, {3, false}, wire);
  ExpectBytes(request, {7, false}, wire);  // v4-7 only change what the client must handle
  ExpectBytes(request, {9, true},
              Hex("00 | ffff | 00007530 | 02 02 74 | 02 00000000 | 04 010203 00 | 00 | 00"));

  // Decoding points the records into the frame: no copy.
  Result<ProduceRequest> d = Decode<ProduceRequest>(wire, {3, false});
  ASSERT_TRUE(d.ok());
  const Records& r = d->topics[0].partitions[0].records;
  ASSERT_TRUE(r.bytes.has_value());
  EXPECT_EQ(r.bytes->data(), wire.data() + wire.size() - 3);

  request.transactional_id = "tx";
  request.acks = 1;
  request.topics[0].partitions[0].records = Records{};  // null: written as empty
  ExpectBytes(request, {3, false},
              Hex("0002 7478 | 0001 | 00007530 | 00000001 0001 74 | 00000001 00000000 | 00000000"));
  // A null record set on the wire decodes as null.
  d = Decode<ProduceRequest>(
      Hex("0002 7478 | 0001 | 00007530 | 00000001 0001 74 | 00000001 00000000 | ffffffff"),
      {3, false});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->topics[0].partitions[0].records.bytes.has_value());
}

TEST(KafkaGoldenTest, ProduceResponseV3AndV7) {
  ProduceResponse response;
  response.responses = {{"t", {{0, 0, 42, -1, 7}}}};
  response.throttle_time_ms = 3;
  ExpectBytes(response, {3, false},
              Hex("00000001 0001 74 00000001 | 00000000 0000 000000000000002a ffffffffffffffff |"
                  "00000003"));
  ExpectBytes(response, {7, false},
              Hex("00000001 0001 74 00000001 | 00000000 0000 000000000000002a ffffffffffffffff"
                  "0000000000000007 | 00000003"));
}

TEST(KafkaGoldenTest, ProduceResponseV8CarriesWhyABatchWasRefused) {
  ProduceResponse response;
  ProduceResponsePartition p{0, 87, -1, -1, 0};
  p.record_errors = {{1, std::nullopt}};
  p.error_message = "bad";
  response.responses = {{"t", {p}}};
  // ... log start offset | record_errors: [index 1, null message] | error_message "bad".
  ExpectBytes(response, {8, false},
              Hex("00000001 0001 74 00000001 | 00000000 0057 ffffffffffffffff ffffffffffffffff"
                  "0000000000000000 | 00000001 00000001 ffff | 0003 626164 | 00000000"));
  // v9 is the first flexible version: compact forms and a tag section after each structure.
  ExpectBytes(response, {9, true},
              Hex("02 02 74 02 | 00000000 0057 ffffffffffffffff ffffffffffffffff"
                  "0000000000000000 | 02 00000001 00 00 | 04 626164 00 | 00 | 00000000 00"));
}

TEST(KafkaGoldenTest, FetchRequestV4AndV11) {
  FetchRequest request;
  request.replica_id = -1;
  request.max_wait_ms = 500;
  request.min_bytes = 1;
  request.max_bytes = 52428800;
  request.isolation_level = 1;
  request.session_id = 0;
  request.session_epoch = -1;
  request.topics = {{"t", {}, {{0, 5, 100, -1, -1, 1048576}}}};
  request.forgotten_topics_data = {{"u", {}, {3}}};
  request.rack_id = "r";
  ExpectBytes(request, {4, false},
              Hex("ffffffff 000001f4 00000001 03200000 01 | 00000001 0001 74 00000001 |"
                  "00000000 0000000000000064 00100000"));
  ExpectBytes(request, {11, false},
              Hex("ffffffff 000001f4 00000001 03200000 01 00000000 ffffffff |"
                  "00000001 0001 74 00000001 |"
                  "00000000 00000005 0000000000000064 ffffffffffffffff 00100000 |"
                  "00000001 0001 75 00000001 00000003 | 0001 72"));
}

TEST(KafkaGoldenTest, FetchResponseV4) {
  const Buffer records = {0xaa, 0xbb};
  FetchResponse response;
  response.throttle_time_ms = 5;
  FetchResponsePartition p;
  p.partition_index = 1;
  p.error_code = 0;
  p.high_watermark = 100;
  p.last_stable_offset = 90;
  p.log_start_offset = 3;  // v5+: not written
  p.aborted_transactions = std::vector<FetchResponseAbortedTransaction>{{7, 50}};
  p.preferred_read_replica = 2;  // v11+: not written
  p.records = Records{ByteView(records), {}};
  response.responses = {{"t", {}, {p}}};
  // throttle | topics: name, partitions: index, error, high watermark, last stable offset,
  // aborted transactions [(producer id, first offset)], records.
  ExpectBytes(response, {4, false},
              Hex("00000005 | 00000001 0001 74 | 00000001 00000001 0000 |"
                  "0000000000000064 | 000000000000005a |"
                  "00000001 0000000000000007 0000000000000032 | 00000002 aabb"));
  response.responses[0].partitions[0].aborted_transactions = std::nullopt;
  ExpectBytes(response, {4, false},
              Hex("00000005 | 00000001 0001 74 | 00000001 00000001 0000 |"
                  "0000000000000064 | 000000000000005a | ffffffff | 00000002 aabb"));
}

TEST(KafkaGoldenTest, FetchResponseV11ToV13) {
  const Buffer records = {0xcc};
  FetchResponse response;
  response.throttle_time_ms = 0;
  response.error_code = 0;
  response.session_id = 0x12345678;
  FetchResponsePartition p;
  p.partition_index = 1;
  p.high_watermark = 100;
  p.last_stable_offset = 100;
  p.log_start_offset = 10;
  p.aborted_transactions = std::nullopt;
  p.preferred_read_replica = -1;
  p.records = Records{ByteView(records), {}};
  response.responses = {{"t", {}, {p}}};
  // throttle, error code, session id | topics: name, partitions: index, error, high watermark,
  // last stable offset, log start offset, aborted transactions, preferred read replica, records.
  ExpectBytes(response, {11, false},
              Hex("00000000 0000 12345678 | 00000001 0001 74 | 00000001 00000001 0000 |"
                  "0000000000000064 | 0000000000000064 | 000000000000000a | ffffffff |"
                  "ffffffff | 00000001 cc"));
  // v12 is flexible (tagged fields, none sent); v13 names the topic by id.
  response.responses[0].topic_id = Uuid{0x0011223344556677ULL, 0x8899aabbccddeeffULL};
  const std::string partition =
      "02 00000001 0000 0000000000000064 0000000000000064 000000000000000a | 00 | ffffffff |"
      "02 cc 00 | 00 | 00";
  ExpectBytes(response, {12, true}, Hex("00000000 0000 12345678 | 02 02 74" + partition));
  ExpectBytes(response, {13, true},
              Hex("00000000 0000 12345678 | 02 00112233445566778899aabbccddeeff" + partition));
  response.responses[0].partitions[0].records = Records{};
  response.responses[0].partitions[0].preferred_read_replica = 2;
  response.responses[0].partitions[0].aborted_transactions =
      std::vector<FetchResponseAbortedTransaction>{};
  ExpectBytes(response, {11, false},
              Hex("00000000 0000 12345678 | 00000001 0001 74 | 00000001 00000001 0000 |"
                  "0000000000000064 | 0000000000000064 | 000000000000000a | 00000000 |"
                  "00000002 | 00000000"));
}

// v12 is flexible and adds the last fetched epoch; v13 names topics by id; v15 drops the
// replica id (a tagged field from then on).
TEST(KafkaGoldenTest, FetchRequestV12ToV17) {
  const Uuid id{0x0011223344556677ULL, 0x8899aabbccddeeffULL};
  FetchRequest request;
  request.max_wait_ms = 500;
  request.min_bytes = 1;
  request.max_bytes = 52428800;
  request.isolation_level = 1;
  request.topics = {{"t", id, {{0, 5, 100, 3, -1, 1048576}}}};
  request.forgotten_topics_data = {{"u", id, {3}}};
  request.rack_id = "r";
  const std::string head = "ffffffff 000001f4 00000001 03200000 01 00000000 ffffffff |";
  const std::string partitions =
      "02 00000000 00000005 0000000000000064 00000003 ffffffffffffffff 00100000 00 | 00 |";
  ExpectBytes(request, {12, true},
              Hex(head + "02 02 74" + partitions + "02 02 75 02 00000003 00 | 02 72 | 00"));
  const std::string by_id = "02 00112233445566778899aabbccddeeff" + partitions +
                            "02 00112233445566778899aabbccddeeff 02 00000003 00 | 02 72 | 00";
  ExpectBytes(request, {13, true}, Hex(head + by_id));
  ExpectBytes(request, {15, true}, Hex(head.substr(9) + by_id));
  ExpectBytes(request, {17, true}, Hex(head.substr(9) + by_id));
  // Tagged fields a client may send (v12's cluster id, v15's replica state) are skipped.
  Result<FetchRequest> tagged =
      Decode<FetchRequest>(Hex(head.substr(9) + by_id.substr(0, by_id.size() - 2) +
                               "02 00 02 02 63 01 0d" + "ffffffff 0000000000000001 00"),
                           {15, true});
  ASSERT_TRUE(tagged.ok()) << tagged.status().ToString();
}

// CreateTopics v5 describes the topic made; v7 answers its id.
TEST(KafkaGoldenTest, CreateTopicsResponseV5AndV7) {
  const Uuid id{0x0011223344556677ULL, 0x8899aabbccddeeffULL};
  CreateTopicsResponse response;
  CreateTopicsResponseTopic topic;
  topic.name = "t";
  topic.topic_id = id;
  topic.error_message = std::nullopt;
  topic.num_partitions = 3;
  topic.replication_factor = 1;
  topic.configs = std::vector<CreateTopicsResponseConfig>{{"a", std::string("b"), false, 5, false}};
  response.topics = {topic};
  // throttle | topics: name, [id], error, message (null), partitions, replication factor,
  // configs: name, value, read only, source, sensitive.
  ExpectBytes(
      response, {5, true},
      Hex("00000000 | 02 02 74 0000 00 00000003 0001 | 02 02 61 02 62 00 05 00 00 | 00 | 00"));
  ExpectBytes(response, {7, true},
              Hex("00000000 | 02 02 74 00112233445566778899aabbccddeeff 0000 00 00000003 0001 |"
                  "02 02 61 02 62 00 05 00 00 | 00 | 00"));
  response.topics[0].configs = std::nullopt;
  ExpectBytes(response, {5, true}, Hex("00000000 | 02 02 74 0000 00 00000003 0001 | 00 | 00 | 00"));
}

// DeleteTopics v5 answers an error message; v6 names topics by name or by id.
TEST(KafkaGoldenTest, DeleteTopicsV4ToV6) {
  const Uuid id{0x0011223344556677ULL, 0x8899aabbccddeeffULL};
  DeleteTopicsRequest request;
  request.topic_names = {"t"};
  request.timeout_ms = 1000;
  ExpectBytes(request, {4, true}, Hex("02 02 74 | 000003e8 | 00"));
  request.topic_names.clear();
  request.topics = {{std::string("t"), Uuid{}}, {std::nullopt, id}};
  ExpectBytes(request, {6, true},
              Hex("03 02 74 00000000000000000000000000000000 00 |"
                  "00 00112233445566778899aabbccddeeff 00 | 000003e8 | 00"));

  DeleteTopicsResponse response;
  response.responses = {{std::nullopt, id, 100, std::string("x")}};
  ExpectBytes(response, {5, true}, Hex("00000000 | 02 01 0064 02 78 00 | 00"));
  ExpectBytes(response, {6, true},
              Hex("00000000 | 02 00 00112233445566778899aabbccddeeff 0064 02 78 00 | 00"));
}

// DescribeConfigs v3 answers each config's type and, when asked, its documentation.
TEST(KafkaGoldenTest, DescribeConfigsV3AndV4) {
  DescribeConfigsRequest request;
  request.resources = {{2, "t", std::nullopt}};
  request.include_synonyms = true;
  request.include_documentation = true;
  ExpectBytes(request, {3, false}, Hex("00000001 02 0001 74 ffffffff | 01 | 01"));
  ExpectBytes(request, {4, true}, Hex("02 02 02 74 00 00 | 01 | 01 | 00"));

  DescribeConfigsResponse response;
  DescribeConfigsResponseConfig config;
  config.name = "a";
  config.value = "1";
  config.config_source = 5;
  config.config_type = 5;
  config.documentation = "d";
  response.results = {{0, std::nullopt, 2, "t", {config}}};
  // ... name, value, read only, source, sensitive, synonyms, type, documentation.
  ExpectBytes(response, {3, false},
              Hex("00000000 | 00000001 0000 ffff 02 0001 74 | 00000001 0001 61 0001 31 00 05 00"
                  "00000000 05 0001 64"));
  ExpectBytes(response, {4, true},
              Hex("00000000 | 02 0000 00 02 02 74 | 02 02 61 02 31 00 05 00 01 05 02 64 00 | 00 |"
                  "00"));
}

TEST(KafkaGoldenTest, DescribeProducersV0) {
  DescribeProducersRequest request;
  request.topics = {{"t", {0, 2}}};
  ExpectBytes(request, {0, true}, Hex("02 02 74 03 00000000 00000002 00 | 00"));

  DescribeProducersResponse response;
  DescribeProducersResponsePartition p;
  p.partition_index = 2;
  p.active_producers = {{7, 1, 9, 1000, -1, -1}};
  response.topics = {{"t", {p}}};
  // throttle | topics: name, partitions: index, error, message (null), producers: id, epoch
  // (int32), last sequence, last timestamp, coordinator epoch, transaction start.
  ExpectBytes(response, {0, true},
              Hex("00000000 | 02 02 74 | 02 00000002 0000 00 | 02 0000000000000007 00000001"
                  "00000009 00000000000003e8 ffffffff ffffffffffffffff 00 | 00 | 00 | 00"));
}

TEST(KafkaGoldenTest, ListOffsetsV0ToV2) {
  ListOffsetsRequest request;
  request.replica_id = -1;
  request.isolation_level = 1;
  request.topics = {{"t", {{0, -1, -1, 1}}}};
  ExpectBytes(request, {0, false},
              Hex("ffffffff | 00000001 0001 74 00000001 | 00000000 ffffffffffffffff 00000001"));
  ExpectBytes(request, {1, false},
              Hex("ffffffff | 00000001 0001 74 00000001 | 00000000 ffffffffffffffff"));
  ExpectBytes(request, {2, false},
              Hex("ffffffff 01 | 00000001 0001 74 00000001 | 00000000 ffffffffffffffff"));

  ListOffsetsResponse response;
  response.throttle_time_ms = 0;
  ListOffsetsResponsePartition p;
  p.old_style_offsets = {42};
  p.timestamp = -1;
  p.offset = 42;
  response.topics = {{"t", {p}}};
  ExpectBytes(response, {0, false},
              Hex("00000001 0001 74 00000001 | 00000000 0000 00000001 000000000000002a"));
  ExpectBytes(response, {1, false},
              Hex("00000001 0001 74 00000001 | 00000000 0000 ffffffffffffffff 000000000000002a"));
  ExpectBytes(response, {2, false},
              Hex("00000000 | 00000001 0001 74 00000001 |"
                  "00000000 0000 ffffffffffffffff 000000000000002a"));
}

// v4 adds the current leader epoch and the answer's leader epoch; v6 is flexible.
TEST(KafkaGoldenTest, ListOffsetsV4ToV8) {
  ListOffsetsRequest request;
  request.isolation_level = 1;
  request.topics = {{"t", {{2, 0, -3, 1}}}};
  ExpectBytes(request, {4, false},
              Hex("ffffffff 01 | 00000001 0001 74 00000001 | 00000002 00000000 fffffffffffffffd"));
  ExpectBytes(request, {8, true},
              Hex("ffffffff 01 | 02 02 74 02 | 00000002 00000000 fffffffffffffffd 00 | 00 | 00"));

  ListOffsetsResponse response;
  ListOffsetsResponsePartition p;
  p.partition_index = 2;
  p.timestamp = 1000;
  p.offset = 42;
  p.leader_epoch = 0;
  response.topics = {{"t", {p}}};
  ExpectBytes(response, {4, false},
              Hex("00000000 | 00000001 0001 74 00000001 |"
                  "00000002 0000 00000000000003e8 000000000000002a 00000000"));
  ExpectBytes(response, {6, true},
              Hex("00000000 | 02 02 74 02 |"
                  "00000002 0000 00000000000003e8 000000000000002a 00000000 00 | 00 | 00"));
}

TEST(KafkaGoldenTest, OffsetCommitRequestAcrossVersions) {
  OffsetCommitRequest request;
  request.group_id = "g";
  request.generation_id = 3;
  request.member_id = "m";
  request.group_instance_id = std::nullopt;
  request.retention_time_ms = -1;
  OffsetCommitRequestPartition p;
  p.partition_index = 0;
  p.committed_offset = 10;
  p.committed_leader_epoch = 4;
  p.commit_timestamp = 1000;
  p.committed_metadata = "";
  request.topics = {{"t", {p}}};
  ExpectBytes(request, {0, false},
              Hex("0001 67 | 00000001 0001 74 00000001 | 00000000 000000000000000a 0000"));
  ExpectBytes(request, {1, false},
              Hex("0001 67 00000003 0001 6d | 00000001 0001 74 00000001 |"
                  "00000000 000000000000000a 00000000000003e8 0000"));
  ExpectBytes(request, {2, false},
              Hex("0001 67 00000003 0001 6d ffffffffffffffff | 00000001 0001 74 00000001 |"
                  "00000000 000000000000000a 0000"));
  ExpectBytes(request, {5, false},
              Hex("0001 67 00000003 0001 6d | 00000001 0001 74 00000001 |"
                  "00000000 000000000000000a 0000"));
  request.topics[0].partitions[0].committed_metadata = std::nullopt;
  ExpectBytes(request, {6, false},
              Hex("0001 67 00000003 0001 6d | 00000001 0001 74 00000001 |"
                  "00000000 000000000000000a 00000004 ffff"));
  ExpectBytes(request, {7, false},
              Hex("0001 67 00000003 0001 6d ffff | 00000001 0001 74 00000001 |"
                  "00000000 000000000000000a 00000004 ffff"));
}

TEST(KafkaGoldenTest, OffsetFetchTopLevelErrorFollowsTheTopics) {
  OffsetFetchRequest all{"g", std::nullopt};
  ExpectBytes(all, {2, false}, Hex("0001 67 ffffffff"));
  EXPECT_NE(DecodeError<OffsetFetchRequest>("0001 67 ffffffff", {1, false}), "decoded");

  OffsetFetchResponse response;
  response.throttle_time_ms = 0;
  response.topics = {{"t", {{0, 10, 2, std::nullopt, 0}}}};
  response.error_code = 16;
  ExpectBytes(response, {1, false},
              Hex("00000001 0001 74 00000001 | 00000000 000000000000000a ffff 0000"));
  ExpectBytes(response, {2, false},
              Hex("00000001 0001 74 00000001 | 00000000 000000000000000a ffff 0000 | 0010"));
  ExpectBytes(response, {5, false},
              Hex("00000000 | 00000001 0001 74 00000001 |"
                  "00000000 000000000000000a 00000002 ffff 0000 | 0010"));
}

TEST(KafkaGoldenTest, OffsetFetchFlexibleVersions) {
  // v6-7: compact strings and arrays, a tagged-field section closing each structure; v7 adds
  // require_stable after the topics.
  OffsetFetchRequest request{"g", std::vector<OffsetFetchRequestTopic>{{"t", {0}}}};
  ExpectBytes(request, {6, true}, Hex("02 67 | 02 02 74 02 00000000 00 | 00"));
  request.require_stable = true;
  ExpectBytes(request, {7, true}, Hex("02 67 | 02 02 74 02 00000000 00 | 01 | 00"));
  request.topics = std::nullopt;
  ExpectBytes(request, {7, true}, Hex("02 67 | 00 | 01 | 00"));
  // v8: groups, each with its own (nullable) topics, replace group_id and topics.
  OffsetFetchRequest batched;
  batched.groups = {{"g", std::nullopt}, {"h", std::vector<OffsetFetchRequestTopic>{}}};
  ExpectBytes(batched, {8, true}, Hex("03 | 02 67 00 00 | 02 68 01 00 | 00 | 00"));

  OffsetFetchResponse response;
  response.throttle_time_ms = 0;
  response.topics = {{"t", {{0, 10, 2, std::nullopt, 0}}}};
  response.error_code = 16;
  ExpectBytes(response, {6, true},
              Hex("00000000 | 02 02 74 02 | 00000000 000000000000000a 00000002 00 0000 00 | 00 |"
                  "0010 | 00"));
  OffsetFetchResponse per_group;
  per_group.throttle_time_ms = 0;
  per_group.groups = {{"g", {{"t", {{0, 10, 2, std::nullopt, 0}}}}, 16}};
  ExpectBytes(per_group, {8, true},
              Hex("00000000 | 02 02 67 | 02 02 74 02 |"
                  "00000000 000000000000000a 00000002 00 0000 00 | 00 | 0010 00 | 00"));
}

TEST(KafkaGoldenTest, InitProducerIdFlexibleVersions) {
  InitProducerIdRequest request;
  request.transactional_id = std::nullopt;
  request.transaction_timeout_ms = 60000;
  // v2: compact nullable string (0 = null), timeout, tagged fields.
  ExpectBytes(request, {2, true}, Hex("00 0000ea60 00"));
  // v3-4: the producer's current id and epoch follow.
  request.producer_id = 5;
  request.producer_epoch = 1;
  ExpectBytes(request, {4, true}, Hex("00 0000ea60 0000000000000005 0001 00"));
  InitProducerIdResponse response;
  response.producer_id = 9;
  response.producer_epoch = 0;
  ExpectBytes(response, {4, true}, Hex("00000000 0000 0000000000000009 0000 00"));
}

TEST(KafkaGoldenTest, OffsetDeleteV0) {
  OffsetDeleteRequest request;
  request.group_id = "g";
  request.topics = {{"t", {0, 1}}};
  ExpectBytes(request, {0, false}, Hex("0001 67 | 00000001 0001 74 | 00000002 00000000 00000001"));
  // The group's error comes before the throttle time.
  OffsetDeleteResponse response;
  response.error_code = 0;
  response.throttle_time_ms = 0;
  response.topics = {{"t", {{0, 0}, {1, 86}}}};
  ExpectBytes(response, {0, false},
              Hex("0000 00000000 | 00000001 0001 74 | 00000002 00000000 0000 00000001 0056"));
  OffsetDeleteResponse failed;
  failed.error_code = 69;
  ExpectBytes(failed, {0, false}, Hex("0045 00000000 00000000"));
}

TEST(KafkaGoldenTest, ElectLeadersVersions) {
  ElectLeadersRequest request;
  request.topic_partitions = std::vector<ElectLeadersRequestTopic>{{"t", {0, 1}}};
  request.timeout_ms = 60000;
  ExpectBytes(request, {0, false}, Hex("00000001 0001 74 00000002 00000000 00000001 | 0000ea60"));
  // v1 puts the election type first (0: preferred).
  ExpectBytes(request, {1, false},
              Hex("00 | 00000001 0001 74 00000002 00000000 00000001 | 0000ea60"));
  ExpectBytes(request, {2, true}, Hex("00 | 02 02 74 03 00000000 00000001 00 | 0000ea60 | 00"));
  ElectLeadersRequest every;  // null: every partition
  ExpectBytes(every, {2, true}, Hex("00 00 0000ea60 00"));

  ElectLeadersResponse response;
  response.replica_election_results = {{"t", {{0, 84, std::nullopt}}}};
  ExpectBytes(response, {0, false}, Hex("00000000 | 00000001 0001 74 00000001 00000000 0054 ffff"));
  ExpectBytes(response, {1, false},
              Hex("00000000 0000 | 00000001 0001 74 00000001 00000000 0054 ffff"));
  ExpectBytes(response, {2, true}, Hex("00000000 0000 | 02 02 74 02 00000000 0054 00 00 00 | 00"));
}

TEST(KafkaGoldenTest, IncrementalAlterConfigsVersions) {
  IncrementalAlterConfigsRequest request;
  request.resources = {{2, "t", {{"retention.ms", 0, std::string("1")}}}};
  ExpectBytes(
      request, {0, false},
      Hex("00000001 | 02 0001 74 | 00000001 000c 726574656e74696f6e2e6d73 00 0001 31 | 00"));
  ExpectBytes(request, {1, true},
              Hex("02 | 02 02 74 02 | 0d 726574656e74696f6e2e6d73 00 02 31 00 | 00 | 00 00"));
  IncrementalAlterConfigsResponse response;
  response.responses = {{0, std::nullopt, 2, "t"}};
  ExpectBytes(response, {0, false}, Hex("00000000 00000001 0000 ffff 02 0001 74"));
  ExpectBytes(response, {1, true}, Hex("00000000 02 0000 00 02 02 74 00 00"));
}

TEST(KafkaGoldenTest, ListPartitionReassignmentsV0) {
  ListPartitionReassignmentsRequest request;
  request.topics = std::vector<ListPartitionReassignmentsRequestTopic>{{"t", {0}}};
  ExpectBytes(request, {0, true}, Hex("0000ea60 | 02 02 74 02 00000000 00 | 00"));
  ExpectBytes(ListPartitionReassignmentsRequest{}, {0, true}, Hex("0000ea60 00 00"));
  ExpectBytes(ListPartitionReassignmentsResponse{}, {0, true}, Hex("00000000 0000 00 01 00"));
  ListPartitionReassignmentsResponse ongoing;
  ongoing.topics = {{"t", {{0, {1, 2}, {2}, {}}}}};
  ExpectBytes(ongoing, {0, true},
              Hex("00000000 0000 00 | 02 02 74 02 | 00000000 03 00000001 00000002 02 00000002 01 "
                  "00 | 00 | 00"));
}

TEST(KafkaGoldenTest, DescribeLogDirsVersions) {
  ExpectBytes(DescribeLogDirsRequest{}, {0, false}, Hex("ffffffff"));
  ExpectBytes(DescribeLogDirsRequest{}, {2, true}, Hex("00 00"));
  DescribeLogDirsRequest some;
  some.topics = std::vector<DescribeLogDirsRequestTopic>{{"t", {0}}};
  ExpectBytes(some, {4, true}, Hex("02 02 74 02 00000000 00 00"));

  DescribeLogDirsResponse response;
  response.results = {{0, "/d", {{"t", {{0, 100, 0, false}}}}, 1000, 500}};
  ExpectBytes(response, {1, false},
              Hex("00000000 | 00000001 0000 0002 2f64 | 00000001 0001 74 | 00000001 00000000 "
                  "0000000000000064 0000000000000000 00"));
  // v3 adds the top-level error, v4 the disk's total and usable bytes.
  ExpectBytes(response, {4, true},
              Hex("00000000 0000 | 02 0000 03 2f64 | 02 02 74 | 02 00000000 0000000000000064 "
                  "0000000000000000 00 00 | 00 | 00000000000003e8 00000000000001f4 00 | 00"));
}

TEST(KafkaGoldenTest, DescribeClusterVersions) {
  ExpectBytes(DescribeClusterRequest{}, {0, true}, Hex("00 00"));
  ExpectBytes(DescribeClusterRequest{}, {1, true}, Hex("00 01 00"));
  DescribeClusterResponse response;
  response.cluster_id = "c";
  response.controller_id = 1;
  response.brokers = {{1, "h", 9092, std::nullopt}};
  ExpectBytes(response, {0, true},
              Hex("00000000 0000 00 | 02 63 00000001 | 02 00000001 02 68 00002384 00 00 | "
                  "80000000 00"));
  // v1: the endpoint type (1: broker) after the error message.
  ExpectBytes(response, {1, true},
              Hex("00000000 0000 00 01 | 02 63 00000001 | 02 00000001 02 68 00002384 00 00 | "
                  "80000000 00"));
}

// Kafka's brokers ignore bytes after a request's message; librdkafka 2.0.2 sends three after its
// flexible OffsetFetch. Responses (and Decode) stay strict.
TEST(KafkaGoldenTest, RequestsIgnoreTrailingBytes) {
  Buffer wire = Hex("02 67 | 02 02 74 02 00000000 00 | 00 | 00 | 000000");
  auto request = DecodeRequest<OffsetFetchRequest>(wire, {7, true});
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->group_id, "g");
  ASSERT_TRUE(request->topics.has_value());
  EXPECT_EQ(request->topics->size(), 1u);
  EXPECT_FALSE(Decode<OffsetFetchRequest>(wire, {7, true}).ok());
  EXPECT_FALSE(DecodeRequest<OffsetFetchRequest>(Hex("02 67 | 02 02 74"), {7, true}).ok())
      << "a message cut short still fails";
}

TEST(KafkaGoldenTest, JoinGroupV5) {
  JoinGroupRequest request;
  request.group_id = "g";
  request.session_timeout_ms = 10000;
  request.rebalance_timeout_ms = 300000;
  request.member_id = "";
  request.group_instance_id = std::nullopt;
  request.protocol_type = "consumer";
  request.protocols = {{"range", {0x00, 0x01}}};
  ExpectBytes(request, {5, false},
              Hex("0001 67 00002710 000493e0 0000 ffff 0008 636f6e73756d6572 |"
                  "00000001 0005 72616e6765 00000002 0001"));
  ExpectBytes(request, {0, false},
              Hex("0001 67 00002710 0000 0008 636f6e73756d6572 |"
                  "00000001 0005 72616e6765 00000002 0001"));

  JoinGroupResponse response;
  response.throttle_time_ms = 0;
  response.error_code = 0;
  response.generation_id = 1;
  response.protocol_name = "range";
  response.leader = "m";
  response.member_id = "m";
  response.members = {{"m", "i", {0xff}}};
  ExpectBytes(response, {5, false},
              Hex("00000000 0000 00000001 0005 72616e6765 0001 6d 0001 6d |"
                  "00000001 0001 6d 0001 69 00000001 ff"));
  ExpectBytes(response, {4, false},
              Hex("00000000 0000 00000001 0005 72616e6765 0001 6d 0001 6d |"
                  "00000001 0001 6d 00000001 ff"));
}

// The classic group protocol's flexible versions (KIP-482), the protocol type and name JoinGroup
// v7 and SyncGroup v5 add (KIP-559), the reasons of v8 and v5 (KIP-800), JoinGroup v9's
// skip_assignment (KIP-814) and FindCoordinator v4's batched keys (KIP-699).
TEST(KafkaGoldenTest, GroupApisFlexibleVersions) {
  JoinGroupRequest join;
  join.group_id = "g";
  join.session_timeout_ms = 10000;
  join.rebalance_timeout_ms = 300000;
  join.member_id = "";
  join.protocol_type = "consumer";
  join.protocols = {{"range", {0x00, 0x01}}};
  ExpectBytes(join, {9, true},
              Hex("02 67 00002710 000493e0 01 00 09 636f6e73756d6572 |"
                  "02 06 72616e6765 03 0001 00 | 00 | 00"));
  ExpectBytes(join, {6, true},
              Hex("02 67 00002710 000493e0 01 00 09 636f6e73756d6572 |"
                  "02 06 72616e6765 03 0001 00 | 00"));
  JoinGroupResponse joined;
  joined.generation_id = 1;
  joined.protocol_type = "consumer";
  joined.protocol_name = "range";
  joined.leader = "m";
  joined.member_id = "m";
  joined.members = {{"m", std::nullopt, {0x00, 0x01}}};
  ExpectBytes(joined, {9, true},
              Hex("00000000 0000 00000001 09 636f6e73756d6572 06 72616e6765 02 6d 00 02 6d |"
                  "02 02 6d 00 03 0001 00 | 00"));
  ExpectBytes(
      joined, {6, true},
      Hex("00000000 0000 00000001 06 72616e6765 02 6d 02 6d | 02 02 6d 00 03 0001 00 | 00"));

  SyncGroupRequest sync;
  sync.group_id = "g";
  sync.generation_id = 1;
  sync.member_id = "m";
  sync.protocol_type = "consumer";
  sync.protocol_name = "range";
  sync.assignments = {{"m", {0x00, 0x01}}};
  ExpectBytes(sync, {5, true},
              Hex("02 67 00000001 02 6d 00 09 636f6e73756d6572 06 72616e6765 |"
                  "02 02 6d 03 0001 00 | 00"));
  ExpectBytes(sync, {4, true}, Hex("02 67 00000001 02 6d 00 | 02 02 6d 03 0001 00 | 00"));
  SyncGroupResponse synced;
  synced.protocol_type = "consumer";
  synced.protocol_name = "range";
  synced.assignment = {0x00, 0x01};
  ExpectBytes(synced, {5, true}, Hex("00000000 0000 09 636f6e73756d6572 06 72616e6765 03 0001 00"));
  ExpectBytes(synced, {4, true}, Hex("00000000 0000 03 0001 00"));

  HeartbeatRequest beat;
  beat.group_id = "g";
  beat.generation_id = 1;
  beat.member_id = "m";
  ExpectBytes(beat, {4, true}, Hex("02 67 00000001 02 6d 00 00"));
  ExpectBytes(HeartbeatResponse{}, {4, true}, Hex("00000000 0000 00"));

  LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.members = {{"m", std::nullopt, std::string("bye")}};
  ExpectBytes(leave, {5, true}, Hex("02 67 | 02 02 6d 00 04 627965 00 | 00"));
  ExpectBytes(leave, {4, true}, Hex("02 67 | 02 02 6d 00 00 | 00"));
  LeaveGroupResponse left;
  left.members = {{"m", std::nullopt, 0}};
  ExpectBytes(left, {5, true}, Hex("00000000 0000 | 02 02 6d 00 0000 00 | 00"));

  DescribeGroupsRequest describe;
  describe.groups = {"g"};
  ExpectBytes(describe, {5, true}, Hex("02 02 67 00 00"));

  ListGroupsRequest list;
  list.states_filter = {"Stable"};
  ExpectBytes(list, {4, true}, Hex("02 07 537461626c65 00"));
  ExpectBytes(list, {3, true}, Hex("00"));
  ListGroupsResponse listed;
  listed.groups = {{"g", "consumer", "Stable"}};
  ExpectBytes(listed, {4, true},
              Hex("00000000 0000 02 02 67 09 636f6e73756d6572 07 537461626c65 00 00"));
  ExpectBytes(listed, {3, true}, Hex("00000000 0000 02 02 67 09 636f6e73756d6572 00 00"));

  FindCoordinatorRequest find;
  find.key = "g";
  find.key_type = 0;
  find.coordinator_keys = {"g", "h"};
  ExpectBytes(find, {4, true}, Hex("00 03 02 67 02 68 00"));
  ExpectBytes(find, {3, true}, Hex("02 67 00 00"));
  FindCoordinatorResponse found;
  found.node_id = 1;
  found.host = "h";
  found.port = 9092;
  found.coordinators = {{"g", 1, "h", 9092, 0, std::nullopt}};
  ExpectBytes(found, {4, true}, Hex("00000000 | 02 02 67 00000001 02 68 00002384 0000 00 00 | 00"));
  ExpectBytes(found, {3, true}, Hex("00000000 0000 00 00000001 02 68 00002384 00"));
}

TEST(KafkaGoldenTest, LeaveGroupV2AndV3) {
  LeaveGroupRequest request;
  request.group_id = "g";
  request.member_id = "m";
  request.members = {{"m", std::nullopt}};
  ExpectBytes(request, {2, false}, Hex("0001 67 0001 6d"));
  ExpectBytes(request, {3, false}, Hex("0001 67 00000001 0001 6d ffff"));
}

TEST(KafkaGoldenTest, DescribeConfigsResponseV0AndV1) {
  DescribeConfigsResponse response;
  DescribeConfigsResponseConfig config;
  config.name = "k";
  config.value = "v";
  config.read_only = false;
  config.is_default = true;
  config.config_source = 5;
  config.is_sensitive = false;
  response.results = {{0, std::nullopt, 2, "t", {config}}};
  ExpectBytes(response, {0, false},
              Hex("00000000 | 00000001 0000 ffff 02 0001 74 | 00000001 0001 6b 0001 76 00 01 00"));
  ExpectBytes(response, {1, false},
              Hex("00000000 | 00000001 0000 ffff 02 0001 74 |"
                  "00000001 0001 6b 0001 76 00 05 00 00000000"));
}

// ---- hostile input ----

TEST(KafkaDecodeTest, HostileArrayLengthsFailBeforeAllocating) {
  // 2^31-1 elements would need hundreds of gigabytes; the count is checked against the bytes left
  // (each element takes at least one) before anything is allocated.
  std::string e = DecodeError<MetadataRequest>("7fffffff", {1, false});
  EXPECT_NE(e.find("array of 2147483647 elements in 0 bytes"), std::string::npos) << e;
  e = DecodeError<ProduceRequest>("ffff ffff 00007530 7fffffff 0001 74", {3, false});
  EXPECT_NE(e.find("array of 2147483647 elements"), std::string::npos) << e;
  // Nested, in the partitions of a fetch response.
  e = DecodeError<FetchResponse>("00000000 0000 00000000 00000001 0001 74 7fffffff 00000000",
                                 {11, false});
  EXPECT_NE(e.find("array of 2147483647 elements"), std::string::npos) << e;
  // Compact (varint) counts in a flexible version.
  e = DecodeError<ApiVersionsResponse>("0000 ffffffff07 00", {3, true});
  EXPECT_NE(e.find("array of 2147483646 elements"), std::string::npos) << e;
  // An []int32 field.
  e = DecodeError<DescribeGroupsRequest>("7fffffff 0001 67", {0, false});
  EXPECT_NE(e.find("array of 2147483647 elements"), std::string::npos) << e;
}

TEST(KafkaDecodeTest, HostileStringAndBytesLengthsFail) {
  EXPECT_NE(DecodeError<FindCoordinatorRequest>("7fff 61", {0, false}), "decoded");
  EXPECT_NE(DecodeError<SyncGroupResponse>("00000000 0000 7fffffff 00", {1, false}), "decoded");
  EXPECT_NE(DecodeError<ProduceRequest>(
                "ffff ffff 00007530 00000001 0001 74 00000001 00000000 7fffffff 00", {3, false}),
            "decoded");
}

TEST(KafkaDecodeTest, NegativeAndNullLengthsWhereNotAllowedFail) {
  EXPECT_NE(DecodeError<MetadataRequest>("fffffffe", {1, false}), "decoded");
  EXPECT_NE(DecodeError<DeleteTopicsRequest>("ffffffff 00000000", {0, false}), "decoded");
  EXPECT_NE(DecodeError<FindCoordinatorRequest>("ffff", {0, false}), "decoded");
  EXPECT_NE(DecodeError<FindCoordinatorRequest>("fffe", {0, false}), "decoded");
  EXPECT_NE(DecodeError<SyncGroupResponse>("00000000 0000 ffffffff", {1, false}), "decoded");
  EXPECT_NE(DecodeError<ProduceRequest>(
                "ffff ffff 00007530 00000001 0001 74 00000001 00000000 fffffffe", {3, false}),
            "decoded");
  // A nullable string takes -1 only.
  EXPECT_NE(DecodeError<ProduceRequest>("fffe ffff 00007530 00000000", {3, false}), "decoded");
  EXPECT_EQ(DecodeError<ProduceRequest>("ffff ffff 00007530 00000000", {3, false}), "decoded");
}

// ---- golden bytes of the transaction APIs ----

// v1 and v2 are laid out as v0; v3 is flexible.
TEST(KafkaGoldenTest, AddPartitionsToTxnV0AndV3) {
  AddPartitionsToTxnRequest request;
  request.transactional_id = "x";
  request.producer_id = 5;
  request.producer_epoch = 1;
  request.topics = {{"t", {0, 1}}};
  // transactional id, producer id, epoch | topics: name, partitions (int32).
  ExpectBytes(request, {0, false},
              Hex("0001 78 0000000000000005 0001 | 00000001 0001 74 00000002 00000000 00000001"));
  ExpectBytes(request, {3, true},
              Hex("02 78 0000000000000005 0001 | 02 02 74 03 00000000 00000001 00 | 00"));

  AddPartitionsToTxnResponse response;
  response.results_by_topic_v3_and_below = {{"t", {{0, 0}, {1, 48}}}};
  // throttle | results by topic: name, results by partition: index, error.
  ExpectBytes(response, {0, false},
              Hex("00000000 | 00000001 0001 74 | 00000002 00000000 0000 00000001 0030"));
  ExpectBytes(response, {3, true},
              Hex("00000000 | 02 02 74 | 03 00000000 0000 00 00000001 0030 00 | 00 | 00"));
}

TEST(KafkaGoldenTest, AddOffsetsToTxnV0AndV3) {
  AddOffsetsToTxnRequest request;
  request.transactional_id = "x";
  request.producer_id = 5;
  request.producer_epoch = 1;
  request.group_id = "g";
  ExpectBytes(request, {0, false}, Hex("0001 78 0000000000000005 0001 0001 67"));
  ExpectBytes(request, {3, true}, Hex("02 78 0000000000000005 0001 02 67 00"));

  AddOffsetsToTxnResponse response;
  response.throttle_time_ms = 100;
  response.error_code = 47;  // INVALID_PRODUCER_EPOCH
  ExpectBytes(response, {0, false}, Hex("00000064 002f"));
  ExpectBytes(response, {3, true}, Hex("00000064 002f 00"));
}

TEST(KafkaGoldenTest, EndTxnV0AndV3) {
  EndTxnRequest request;
  request.transactional_id = "x";
  request.producer_id = 5;
  request.producer_epoch = 1;
  request.committed = true;
  ExpectBytes(request, {0, false}, Hex("0001 78 0000000000000005 0001 01"));
  ExpectBytes(request, {3, true}, Hex("02 78 0000000000000005 0001 01 00"));
  request.committed = false;
  ExpectBytes(request, {3, true}, Hex("02 78 0000000000000005 0001 00 00"));

  EndTxnResponse response;
  response.error_code = 48;  // INVALID_TXN_STATE
  ExpectBytes(response, {0, false}, Hex("00000000 0030"));
  ExpectBytes(response, {3, true}, Hex("00000000 0030 00"));
}

// v2 adds the committed leader epoch; v3 is flexible and adds the generation, member id and group
// instance id after the producer epoch.
TEST(KafkaGoldenTest, TxnOffsetCommitVersions) {
  TxnOffsetCommitRequest request;
  request.transactional_id = "x";
  request.group_id = "g";
  request.producer_id = 5;
  request.producer_epoch = 1;
  request.generation_id = 3;
  request.member_id = "m";
  request.group_instance_id = std::nullopt;
  TxnOffsetCommitRequestPartition p;
  p.partition_index = 0;
  p.committed_offset = 10;
  p.committed_leader_epoch = 4;
  p.committed_metadata = "";
  request.topics = {{"t", {p}}};
  ExpectBytes(request, {0, false},
              Hex("0001 78 0001 67 0000000000000005 0001 | 00000001 0001 74 00000001 |"
                  "00000000 000000000000000a 0000"));
  ExpectBytes(request, {2, false},
              Hex("0001 78 0001 67 0000000000000005 0001 | 00000001 0001 74 00000001 |"
                  "00000000 000000000000000a 00000004 0000"));
  ExpectBytes(request, {3, true},
              Hex("02 78 02 67 0000000000000005 0001 00000003 02 6d 00 | 02 02 74 02 |"
                  "00000000 000000000000000a 00000004 01 00 | 00 | 00"));
  request.group_instance_id = "i";
  request.topics[0].partitions[0].committed_metadata = std::nullopt;
  ExpectBytes(request, {2, false},
              Hex("0001 78 0001 67 0000000000000005 0001 | 00000001 0001 74 00000001 |"
                  "00000000 000000000000000a 00000004 ffff"));
  ExpectBytes(request, {3, true},
              Hex("02 78 02 67 0000000000000005 0001 00000003 02 6d 02 69 | 02 02 74 02 |"
                  "00000000 000000000000000a 00000004 00 00 | 00 | 00"));

  TxnOffsetCommitResponse response;
  response.topics = {{"t", {{0, 0}, {1, 25}}}};
  ExpectBytes(response, {0, false},
              Hex("00000000 | 00000001 0001 74 | 00000002 00000000 0000 00000001 0019"));
  ExpectBytes(response, {3, true},
              Hex("00000000 | 02 02 74 | 03 00000000 0000 00 00000001 0019 00 | 00 | 00"));
}

TEST(KafkaGoldenTest, DescribeTransactionsV0) {
  DescribeTransactionsRequest request;
  request.transactional_ids = {"x", "y"};
  ExpectBytes(request, {0, true}, Hex("03 02 78 02 79 00"));

  DescribeTransactionsResponse response;
  DescribeTransactionsResponseState ongoing;
  ongoing.transactional_id = "x";
  ongoing.transaction_state = "Ongoing";
  ongoing.transaction_timeout_ms = 60000;
  ongoing.transaction_start_time_ms = 1000;
  ongoing.producer_id = 5;
  ongoing.producer_epoch = 1;
  ongoing.topics = {{"t", {0, 1}}};
  DescribeTransactionsResponseState unknown;
  unknown.error_code = 105;  // TRANSACTIONAL_ID_NOT_FOUND
  unknown.transactional_id = "y";
  response.transaction_states = {ongoing, unknown};
  // throttle | states: error, transactional id, state, timeout, start time, producer id, epoch
  // (int16) | topics: topic, partitions.
  ExpectBytes(response, {0, true},
              Hex("00000000 | 03 | 0000 02 78 08 4f6e676f696e67 0000ea60 00000000000003e8"
                  "0000000000000005 0001 | 02 02 74 03 00000000 00000001 00 | 00 |"
                  "0069 02 79 01 00000000 0000000000000000 0000000000000000 0000 | 01 | 00 | 00"));
}

TEST(KafkaGoldenTest, ListTransactionsV0) {
  ExpectBytes(ListTransactionsRequest{}, {0, true}, Hex("01 01 00"));
  ListTransactionsRequest request;
  request.state_filters = {"Ongoing"};
  request.producer_id_filters = {5};
  ExpectBytes(request, {0, true}, Hex("02 08 4f6e676f696e67 | 02 0000000000000005 | 00"));

  ListTransactionsResponse response;
  response.unknown_state_filters = {"Bogus"};
  response.transaction_states = {{"x", 5, "Ongoing"}};
  // throttle, error | unknown state filters | states: transactional id, producer id, state.
  ExpectBytes(response, {0, true},
              Hex("00000000 0000 | 02 06 426f677573 |"
                  "02 02 78 0000000000000005 08 4f6e676f696e67 00 | 00"));
}

TEST(KafkaGoldenTest, SaslHandshakeV0AndV1) {
  SaslHandshakeRequest request;
  request.mechanism = "PLAIN";
  ExpectBytes(request, {0, false}, Hex("0005 504c41494e"));
  ExpectBytes(request, {1, false}, Hex("0005 504c41494e"));
  SaslHandshakeResponse response;
  response.error_code = 33;  // UNSUPPORTED_SASL_MECHANISM
  response.mechanisms = {"PLAIN", "SCRAM-SHA-256"};
  ExpectBytes(response, {1, false},
              Hex("0021 | 00000002 0005 504c41494e 000d 5343 52 41 4d 2d 53 48 41 2d 32 35 36"));
}

TEST(KafkaGoldenTest, SaslAuthenticateV0ToV2) {
  SaslAuthenticateRequest request;
  request.auth_bytes = {0x00, 0x61, 0x00, 0x62};  // PLAIN's "\0a\0b"
  ExpectBytes(request, {0, false}, Hex("00000004 00610062"));
  ExpectBytes(request, {2, true}, Hex("05 00610062 | 00"));
  SaslAuthenticateResponse response;
  ExpectBytes(response, {0, false}, Hex("0000 ffff 00000000"));
  ExpectBytes(response, {1, false}, Hex("0000 ffff 00000000 | 0000000000000000"));
  ExpectBytes(response, {2, true}, Hex("0000 00 01 | 0000000000000000 | 00"));
  response.error_code = 58;  // SASL_AUTHENTICATION_FAILED
  response.error_message = "no";
  response.auth_bytes = {0x76};
  ExpectBytes(response, {2, true}, Hex("003a 03 6e6f 02 76 | 0000000000000000 | 00"));
}

// ---- golden bytes of the ACL and SCRAM credential APIs ----
// (Not advertised yet, so not in AllApis: only these hand-computed encodings check them.)

// v1 adds the pattern type after the resource name; v2 is flexible; v3 is laid out as v2.
TEST(KafkaGoldenTest, DescribeAclsV0ToV2) {
  DescribeAclsRequest request;
  request.resource_type_filter = 2;  // topic
  request.resource_name_filter = "t";
  request.pattern_type_filter = 4;  // prefixed
  request.principal_filter = std::nullopt;
  request.host_filter = "*";
  request.operation = 3;        // read
  request.permission_type = 3;  // allow
  // resource type, name, [pattern type], principal (null), host, operation, permission type.
  ExpectBytes(request, {0, false}, Hex("02 0001 74 ffff 0001 2a 03 03"));
  ExpectBytes(request, {1, false}, Hex("02 0001 74 04 ffff 0001 2a 03 03"));
  ExpectBytes(request, {2, true}, Hex("02 02 74 04 00 02 2a 03 03 00"));
  ExpectBytes(request, {3, true}, Hex("02 02 74 04 00 02 2a 03 03 00"));
  // v0 has no pattern type: it reads as literal.
  Result<DescribeAclsRequest> d =
      Decode<DescribeAclsRequest>(Hex("02 0001 74 ffff 0001 2a 03 03"), {0, false});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->pattern_type_filter, 3);
  // Any resource, pattern, principal, host, operation and permission.
  DescribeAclsRequest any{1, std::nullopt, 1, std::nullopt, std::nullopt, 1, 1};
  ExpectBytes(any, {1, false}, Hex("01 ffff 01 ffff ffff 01 01"));
  ExpectBytes(any, {2, true}, Hex("01 00 01 00 00 01 01 00"));

  DescribeAclsResponse response;
  response.resources = {{2, "t", 4, {{"User:a", "*", 3, 3}}}};
  // throttle, error, message (null) | resources: type, name, [pattern type] | acls: principal,
  // host, operation, permission type.
  ExpectBytes(response, {0, false},
              Hex("00000000 0000 ffff | 00000001 02 0001 74 | 00000001 0006 557365723a61 0001 2a "
                  "03 03"));
  ExpectBytes(response, {1, false},
              Hex("00000000 0000 ffff | 00000001 02 0001 74 04 | 00000001 0006 557365723a61 0001 "
                  "2a 03 03"));
  ExpectBytes(response, {2, true},
              Hex("00000000 0000 00 | 02 02 02 74 04 | 02 07 557365723a61 02 2a 03 03 00 | 00 | "
                  "00"));
  DescribeAclsResponse disabled;
  disabled.error_code = 54;  // SECURITY_DISABLED
  disabled.error_message = "no";
  ExpectBytes(disabled, {0, false}, Hex("00000000 0036 0002 6e6f 00000000"));
  ExpectBytes(disabled, {2, true}, Hex("00000000 0036 03 6e6f 01 00"));
}

TEST(KafkaGoldenTest, CreateAclsV0ToV2) {
  CreateAclsRequest request;
  request.creations = {{2, "t", 4, "User:a", "*", 4, 3}};  // topic, prefixed; write, allow
  // creations: resource type, name, [pattern type], principal, host, operation, permission type.
  ExpectBytes(request, {0, false}, Hex("00000001 | 02 0001 74 0006 557365723a61 0001 2a 04 03"));
  ExpectBytes(request, {1, false},
              Hex("00000001 | 02 0001 74 04 0006 557365723a61 0001 2a 04 03"));
  ExpectBytes(request, {2, true}, Hex("02 | 02 02 74 04 07 557365723a61 02 2a 04 03 00 | 00"));

  CreateAclsResponse response;
  response.results = {{0, std::nullopt}, {42, std::string("bad")}};  // 42: INVALID_REQUEST
  // throttle | results: error, message.
  ExpectBytes(response, {0, false}, Hex("00000000 | 00000002 | 0000 ffff | 002a 0003 626164"));
  ExpectBytes(response, {1, false}, Hex("00000000 | 00000002 | 0000 ffff | 002a 0003 626164"));
  ExpectBytes(response, {2, true}, Hex("00000000 | 03 | 0000 00 00 | 002a 04 626164 00 | 00"));
}

TEST(KafkaGoldenTest, DeleteAclsV0ToV2) {
  DeleteAclsRequest request;
  // Topic "t", prefixed, principal User:a, any host, any operation, any permission.
  request.filters = {{2, std::string("t"), 4, std::string("User:a"), std::nullopt, 1, 1}};
  // filters: resource type, name, [pattern type], principal, host (null), operation, permission.
  ExpectBytes(request, {0, false}, Hex("00000001 | 02 0001 74 0006 557365723a61 ffff 01 01"));
  ExpectBytes(request, {1, false}, Hex("00000001 | 02 0001 74 04 0006 557365723a61 ffff 01 01"));
  ExpectBytes(request, {2, true}, Hex("02 | 02 02 74 04 07 557365723a61 00 01 01 00 | 00"));

  DeleteAclsResponse response;
  DeleteAclsResponseMatchingAcl acl{0, std::nullopt, 2, "t", 4, "User:a", "*", 4, 3};
  response.filter_results = {{0, std::nullopt, {acl}}, {0, std::nullopt, {}}};
  // throttle | filter results: error, message | matching acls: error, message, resource type,
  // name, [pattern type], principal, host, operation, permission type.
  ExpectBytes(response, {0, false},
              Hex("00000000 | 00000002 | 0000 ffff | 00000001 | 0000 ffff 02 0001 74 "
                  "0006 557365723a61 0001 2a 04 03 | 0000 ffff 00000000"));
  ExpectBytes(response, {1, false},
              Hex("00000000 | 00000002 | 0000 ffff | 00000001 | 0000 ffff 02 0001 74 04 "
                  "0006 557365723a61 0001 2a 04 03 | 0000 ffff 00000000"));
  ExpectBytes(response, {2, true},
              Hex("00000000 | 03 | 0000 00 | 02 | 0000 00 02 02 74 04 07 557365723a61 02 2a 04 03 "
                  "00 | 00 | 0000 00 01 00 | 00"));
}

TEST(KafkaGoldenTest, DescribeUserScramCredentialsV0) {
  DescribeUserScramCredentialsRequest request;
  request.users = std::vector<DescribeUserScramCredentialsRequestUser>{{"alice"}};
  ExpectBytes(request, {0, true}, Hex("02 06 616c696365 00 | 00"));
  // Null and empty both ask for every user; they stay apart on the wire.
  ExpectBytes(DescribeUserScramCredentialsRequest{}, {0, true}, Hex("01 00"));
  DescribeUserScramCredentialsRequest all;
  all.users = std::nullopt;
  ExpectBytes(all, {0, true}, Hex("00 00"));
  Result<DescribeUserScramCredentialsRequest> d =
      Decode<DescribeUserScramCredentialsRequest>(Hex("00 00"), {0, true});
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->users.has_value());

  DescribeUserScramCredentialsResponse response;
  // alice has SCRAM-SHA-256 (1) and SCRAM-SHA-512 (2) credentials; bob has none.
  response.results = {{"alice", 0, std::nullopt, {{1, 4096}, {2, 8192}}},
                      {"bob", 91, std::string("no"), {}}};  // 91: RESOURCE_NOT_FOUND
  // throttle, error, message | results: user, error, message | credential infos: mechanism,
  // iterations.
  ExpectBytes(response, {0, true},
              Hex("00000000 0000 00 | 03 | 06 616c696365 0000 00 |"
                  "03 01 00001000 00 02 00002000 00 | 00 | 04 626f62 005b 03 6e6f 01 00 | 00"));
}

TEST(KafkaGoldenTest, AlterUserScramCredentialsV0) {
  ExpectBytes(AlterUserScramCredentialsRequest{}, {0, true}, Hex("01 01 00"));
  AlterUserScramCredentialsRequest request;
  request.deletions = {{"bob", 2}};  // SCRAM-SHA-512
  AlterUserScramCredentialsRequestUpsertion upsertion;
  upsertion.name = "alice";
  upsertion.mechanism = 1;  // SCRAM-SHA-256
  upsertion.iterations = 4096;
  upsertion.salt = {0x73, 0x61};
  upsertion.salted_password = {0x01, 0x02, 0x03};
  request.upsertions = {upsertion};
  // deletions: name, mechanism | upsertions: name, mechanism, iterations, salt, salted password.
  ExpectBytes(request, {0, true},
              Hex("02 04 626f62 02 00 | 02 06 616c696365 01 00001000 03 7361 04 010203 00 | 00"));

  AlterUserScramCredentialsResponse response;
  response.results = {{"alice", 0, std::nullopt},
                      {"bob", 91, std::string("no")}};  // 91: RESOURCE_NOT_FOUND
  // throttle | results: user, error, message.
  ExpectBytes(response, {0, true},
              Hex("00000000 | 03 | 06 616c696365 0000 00 00 | 04 626f62 005b 03 6e6f 00 | 00"));
}

}  // namespace
}  // namespace herald::kafka
