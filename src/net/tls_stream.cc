#include "net/tls_stream.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <string>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

namespace herald::net {

namespace asio = boost::asio;
using asio::use_awaitable;

namespace {

// Until the handshake is done, a connection reads in small pieces: a client that never finishes
// one costs little.
constexpr size_t kHandshakeReadChunk = 16 << 10;

}  // namespace

TlsStream::TlsStream(asio::ip::tcp::socket& socket, std::shared_ptr<asio::ssl::context> context)
    : socket_(socket), context_(std::move(context)) {
  ssl_ = SSL_new(context_->native_handle());
  if (ssl_ == nullptr) throw ErrorOf(SSL_ERROR_SSL);
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  // An empty input buffer means "wait for more", not end of stream.
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_options(ssl_, SSL_OP_NO_RENEGOTIATION);
  // OpenSSL's record buffers are freed while the connection is idle.
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
  SSL_set_accept_state(ssl_);
}

TlsStream::~TlsStream() {
  SSL_free(ssl_);
}

boost::system::system_error TlsStream::ErrorOf(int ssl_error) {
  // Read at once, on the thread that made the call: OpenSSL's error queue is per thread, and
  // other connections' coroutines run on these threads between suspensions.
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (ssl_error == SSL_ERROR_ZERO_RETURN) return boost::system::system_error(asio::error::eof);
  if (code == 0) return boost::system::system_error(asio::error::connection_aborted);
  return boost::system::system_error(
      boost::system::error_code(static_cast<int>(code), asio::error::get_ssl_category()));
}

asio::awaitable<void> TlsStream::Handshake() {
  for (;;) {
    ERR_clear_error();
    const int ret = SSL_do_handshake(ssl_);
    const int error = ret == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, ret);
    std::optional<boost::system::system_error> failure;
    if (error != SSL_ERROR_NONE && error != SSL_ERROR_WANT_READ) failure = ErrorOf(error);
    co_await Flush();  // the server's flight, or the alert that ends a failed handshake
    if (failure) throw *failure;
    if (ret == 1) co_return;
    co_await Fill();
  }
}

std::optional<std::string> TlsStream::PeerSubject() const {
  if (SSL_get_verify_result(ssl_) != X509_V_OK) return std::nullopt;
  X509* cert = SSL_get0_peer_certificate(ssl_);
  if (cert == nullptr) return std::nullopt;
  BIO* out = BIO_new(BIO_s_mem());
  if (out == nullptr) return std::nullopt;
  // RFC 2253, most specific first, as Java's X500Principal.getName() (and so Kafka) writes it;
  // bytes beyond ASCII stay UTF-8 instead of \XX escapes.
  const unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  std::optional<std::string> subject;
  if (X509_NAME_print_ex(out, X509_get_subject_name(cert), 0, flags) >= 0) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(out, &data);
    subject.emplace(data, static_cast<size_t>(size));
  }
  BIO_free(out);
  return subject;
}

asio::awaitable<size_t> TlsStream::ReadSome(asio::mutable_buffer into) {
  const int want = static_cast<int>(std::min<size_t>(into.size(), INT_MAX));
  for (;;) {
    ERR_clear_error();
    const int ret = SSL_read(ssl_, into.data(), want);
    if (ret > 0) co_return static_cast<size_t>(ret);
    const int error = SSL_get_error(ssl_, ret);
    if (error != SSL_ERROR_WANT_READ) throw ErrorOf(error);
    co_await Fill();
  }
}

asio::awaitable<void> TlsStream::Fill() {
  read_buffer_.resize(SSL_is_init_finished(ssl_) ? kReadChunk : kHandshakeReadChunk);
  const size_t got = co_await socket_.async_read_some(asio::buffer(read_buffer_), use_awaitable);
  // Acknowledge at once rather than delayed: a client that writes a request as several TLS
  // records with Nagle on (librdkafka's default) otherwise holds the rest of the request until
  // the delayed ACK, 40 ms later, for every request. Linux clears the mode again by itself, so
  // it is set after each read.
  const int on = 1;
  ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
  if (BIO_write(in_, read_buffer_.data(), static_cast<int>(got)) != static_cast<int>(got)) {
    throw boost::system::system_error(asio::error::no_memory);
  }
}

void TlsStream::Encrypt(const void* data, size_t size) {
  const auto* at = static_cast<const uint8_t*>(data);
  while (size > 0) {
    const int chunk = static_cast<int>(std::min<size_t>(size, INT_MAX));
    ERR_clear_error();
    // A memory BIO takes every record: the write is whole or fails.
    const int ret = SSL_write(ssl_, at, chunk);
    if (ret <= 0) throw ErrorOf(SSL_get_error(ssl_, ret));
    at += ret;
    size -= static_cast<size_t>(ret);
  }
}

asio::awaitable<void> TlsStream::EncryptAndFlush(const uint8_t* data, size_t size) {
  // In pieces, so the ciphertext held never grows past about kFlushBytes.
  while (size > 0) {
    const size_t piece = std::min(size, kFlushBytes);
    Encrypt(data, piece);
    data += piece;
    size -= piece;
    if (Pending() >= kFlushBytes) co_await Flush();
  }
}

size_t TlsStream::Pending() const {
  return BIO_ctrl_pending(out_);
}

asio::awaitable<void> TlsStream::Flush() {
  while (const size_t pending = Pending()) {
    // Copied out first (at most kFlushBytes at a time): a read may add to the BIO, moving its
    // memory, while the write runs.
    write_buffer_.resize(std::min(pending, kFlushBytes));
    const int taken = BIO_read(out_, write_buffer_.data(), static_cast<int>(write_buffer_.size()));
    if (taken <= 0) throw boost::system::system_error(asio::error::no_memory);
    co_await asio::async_write(
        socket_, asio::buffer(write_buffer_.data(), static_cast<size_t>(taken)), use_awaitable);
  }
}

asio::awaitable<void> TlsStream::WriteFile(int fd, off_t offset, size_t size) {
  std::vector<uint8_t> chunk(std::min(size, kFlushBytes));
  while (size > 0) {
    const size_t want = std::min(size, chunk.size());
    const ssize_t got = ::pread(fd, chunk.data(), want, offset);
    if (got < 0 && errno == EINTR) continue;
    // The file ended early (it was cut) or cannot be read: the frame is broken.
    if (got <= 0) throw boost::system::system_error(asio::error::broken_pipe);
    co_await EncryptAndFlush(chunk.data(), static_cast<size_t>(got));
    offset += got;
    size -= static_cast<size_t>(got);
  }
  co_await Flush();
}

}  // namespace herald::net
