// Subcommands of the herald binary. Each Register* adds its subcommand to the app; the callback
// it installs runs the command and records the process exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace herald::cli {

// `herald bench storage|...`.
void RegisterBench(CLI::App& app);
// `herald storage inspect`.
void RegisterStorage(CLI::App& app);
// `herald serve`.
void RegisterServe(CLI::App& app);
// Clients of any Kafka-protocol broker (librdkafka): `herald topic create|list|describe|alter|
// delete`, `herald produce`, `herald consume`, `herald group list|describe|reset-offsets|delete`.
void RegisterTopic(CLI::App& app);
void RegisterProduce(CLI::App& app);
void RegisterConsume(CLI::App& app);
void RegisterGroup(CLI::App& app);
// `herald dlq list|show|replay|purge TOPIC`: the dead-letter topic TOPIC.dlq.
void RegisterDlq(CLI::App& app);
// `herald stream append|read|tail|delete|meta STREAM`: the event store of herald serve (HTTP).
void RegisterStream(CLI::App& app);
// `herald txn list|describe`: transactional ids and their transactions (HTTP admin API).
void RegisterTxn(CLI::App& app);
// `herald schema register|get|list|check|delete|config`: the schema registry (HTTP).
void RegisterSchema(CLI::App& app);
void RegisterUser(CLI::App& app);
void RegisterAcl(CLI::App& app);

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitDataDirLocked = 3;

void SetExitCode(int code);
int ExitCode();

}  // namespace herald::cli
