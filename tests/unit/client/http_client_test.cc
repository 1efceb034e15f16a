// HttpClient against a loopback HTTP/1.1 server that counts its connections: calls share one
// kept connection, a connection the server closed is replaced before the request is sent, and an
// answer with "Connection: close" is not reused.
#include "client/http_client.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

namespace herald::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// Serves each connection on a thread of its own: every request is answered with its target as
// the body; a request for "/close" is answered with "Connection: close", and one for "/drop"
// makes the server close the connection after answering (without saying so).
class CountingServer {
 public:
  CountingServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    accepting_ = std::thread([this] {
      for (;;) {
        tcp::socket socket(io_);
        beast::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        connections_.fetch_add(1);
        serving_.emplace_back([s = std::move(socket)]() mutable { Serve(std::move(s)); });
      }
    });
  }
  ~CountingServer() {
    stopping_ = true;
    beast::error_code ignored;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    accepting_.join();
    for (auto& t : serving_) t.join();
  }
  std::string url() const { return fmt::format("http://127.0.0.1:{}", port_); }
  int connections() const { return connections_.load(); }

 private:
  static void Serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request<bhttp::string_body> request;
      beast::error_code ec;
      bhttp::read(socket, buffer, request, ec);
      if (ec) return;
      const std::string target(request.target());
      bhttp::response<bhttp::string_body> response(bhttp::status::ok, 11);
      response.body() = target;
      response.keep_alive(target != "/close");
      response.prepare_payload();
      bhttp::write(socket, response, ec);
      if (ec || target == "/close" || target == "/drop") return;
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  std::thread accepting_;
  std::vector<std::thread> serving_;  // joined once their connections end
};

std::string BodyOf(HttpClient& http, const std::string& method, const std::string& target) {
  auto answer = http.Call(method, target);
  EXPECT_TRUE(answer.ok()) << answer.status().ToString();
  return answer.ok() ? answer->body : "";
}

TEST(HttpClientTest, CallsShareOneKeptConnection) {
  CountingServer server;
  HttpClient http({.url = server.url()});
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(BodyOf(http, "GET", fmt::format("/a{}", i)), fmt::format("/a{}", i));
  EXPECT_EQ(BodyOf(http, "POST", "/b"), "/b");
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClientTest, AConnectionTheServerClosedIsReplacedBeforeTheRequestIsSent) {
  CountingServer server;
  HttpClient http({.url = server.url()});
  EXPECT_EQ(BodyOf(http, "GET", "/drop"), "/drop");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the server's close arrives
  // A POST too: it is never sent on a connection known to be closed.
  EXPECT_EQ(BodyOf(http, "POST", "/after"), "/after");
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientTest, AnAnswerWithConnectionCloseIsNotReused) {
  CountingServer server;
  HttpClient http({.url = server.url()});
  EXPECT_EQ(BodyOf(http, "GET", "/close"), "/close");
  EXPECT_EQ(BodyOf(http, "GET", "/next"), "/next");
  EXPECT_EQ(BodyOf(http, "GET", "/again"), "/again");
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientTest, AServerThatIsGoneIsUnavailable) {
  uint16_t port = 0;
  {
    CountingServer server;
    HttpClient http({.url = server.url()});
    EXPECT_EQ(BodyOf(http, "GET", "/x"), "/x");
    port = static_cast<uint16_t>(std::stoi(server.url().substr(server.url().rfind(':') + 1)));
  }
  HttpClient http({.url = fmt::format("http://127.0.0.1:{}", port)});
  auto answer = http.Call("GET", "/x");
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace herald::client
