#include "etcd_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace ciliumc::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// An ephemeral loopback port the kernel considers free. The socket stays open until both ports
// are chosen so the two differ; etcd binds them right after (a rare race is retried by start()).
int boundSocket() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int portOf(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (fd < 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return ntohs(address.sin_port);
}

void pickPorts(int& client, int& peer, int& metrics) {
  int a = boundSocket(), b = boundSocket(), c = boundSocket();
  client = portOf(a);
  peer = portOf(b);
  metrics = portOf(c);
  for (int fd : {a, b, c})
    if (fd >= 0) ::close(fd);
}

// In a forked child: stdout and stderr append to `log` (async-signal-safe calls only).
void outputTo(const char* log) {
  int fd = ::open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return;
  ::dup2(fd, STDOUT_FILENO);
  ::dup2(fd, STDERR_FILENO);
}

// Runs a command (argv, no shell); its output goes to `log`. True when it exits 0.
bool runLogged(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (auto& arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    outputTo(log.c_str());
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// GET /health over a plain socket (no HTTP library needed): etcd answers {"health":"true"}.
bool httpHealthy(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval timeout{0, 500'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    std::string request = fmt::format("GET /health HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n", port);
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      std::string answer;
      char buffer[1024];
      for (int reads = 0; reads < 16; ++reads) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        answer.append(buffer, static_cast<size_t>(n));
      }
      ok = answer.find("\"health\":\"true\"") != std::string::npos;
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

Expected<TestPki> makeTestPki(const std::string& directory) {
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) return Error(fmt::format("test PKI: cannot create {}: {}", directory, error.message()));
  const std::string log = directory + "/openssl.log";
  auto path = [&](const std::string& name) { return directory + "/" + name; };
  auto key = [&](const std::string& name) {
    return runLogged({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path(name)}, log);
  };
  auto selfSignedCa = [&](const std::string& name, const std::string& subject) {
    return key(name + ".key") &&
           runLogged({"openssl", "req", "-x509", "-new", "-key", path(name + ".key"), "-out", path(name + ".crt"), "-days", "1",
                      "-subj", subject, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                      "keyUsage=critical,keyCertSign,cRLSign"},
                     log);
  };
  auto signedBy = [&](const std::string& name, const std::string& subject, const std::string& extensions) {
    std::ofstream(path(name + ".ext")) << extensions << "\n";
    return key(name + ".key") &&
           runLogged({"openssl", "req", "-new", "-key", path(name + ".key"), "-out", path(name + ".csr"), "-subj", subject}, log) &&
           runLogged({"openssl", "x509", "-req", "-in", path(name + ".csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                      "-CAcreateserial", "-out", path(name + ".crt"), "-days", "1", "-extfile", path(name + ".ext")},
                     log);
  };
  bool made = selfSignedCa("ca", "/CN=ciliumc test CA") && selfSignedCa("other-ca", "/CN=unrelated test CA") &&
              signedBy("server", "/CN=etcd", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth") &&
              signedBy("client", "/CN=ciliumd", "extendedKeyUsage=clientAuth");
  if (!made) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    return Error("test PKI: openssl failed (is it installed?); its output:\n" + text.str());
  }
  return TestPki{path("ca.crt"), path("server.crt"), path("server.key"), path("client.crt"), path("client.key"), path("other-ca.crt")};
}

bool etcdAvailable() { return ::access(kEtcdBinary, X_OK) == 0; }

EtcdServer::EtcdServer() {
  pickPorts(clientPort_, peerPort_, metricsPort_);
  std::string pattern = (fs::temp_directory_path() / "ciliumc-etcd-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data())) workDir_ = buffer.data();
  dataDir_ = workDir_.empty() ? std::string() : workDir_ + "/data";
}

EtcdServer::~EtcdServer() {
  kill();
  if (!workDir_.empty()) {
    std::error_code ignored;
    fs::remove_all(workDir_, ignored);
  }
}

void EtcdServer::useTls(const TestPki& pki) { tls_ = pki; }

std::string EtcdServer::clientUrl() const { return (tls_ ? "https://" : "http://") + endpoint(); }
std::string EtcdServer::endpoint() const { return fmt::format("127.0.0.1:{}", clientPort_); }
std::string EtcdServer::logPath() const { return workDir_ + "/etcd.log"; }

bool EtcdServer::healthy() const { return httpHealthy(tls_ ? metricsPort_ : clientPort_); }

std::string EtcdServer::logTail() const {
  std::ifstream in(logPath());
  std::stringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  constexpr size_t kTail = 1500;
  return text.size() > kTail ? "..." + text.substr(text.size() - kTail) : text;
}

Expected<bool> EtcdServer::start(std::chrono::milliseconds readyTimeout) {
  if (running()) return true;
  if (workDir_.empty()) return Error("etcd test server: could not create a temporary directory");
  if (!etcdAvailable()) return Error(fmt::format("etcd test server: {} is not installed", kEtcdBinary));
  // The first start may lose a race for the picked ports; later starts must keep them.
  const bool mayRepick = !fs::exists(dataDir_);
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string client = clientUrl();
    std::string peer = fmt::format("http://127.0.0.1:{}", peerPort_);
    std::vector<std::string> args = {kEtcdBinary,
                                     "--name=ciliumc-test",
                                     "--data-dir=" + dataDir_,
                                     "--listen-client-urls=" + client,
                                     "--advertise-client-urls=" + client,
                                     "--listen-peer-urls=" + peer,
                                     "--initial-advertise-peer-urls=" + peer,
                                     "--initial-cluster=ciliumc-test=" + peer,
                                     "--initial-cluster-state=new",
                                     "--heartbeat-interval=50",
                                     "--election-timeout=250"};
    if (tls_) {
      for (std::string arg : {"--cert-file=" + tls_->serverCertFile, "--key-file=" + tls_->serverKeyFile,
                              std::string("--client-cert-auth"), "--trusted-ca-file=" + tls_->caFile,
                              fmt::format("--listen-metrics-urls=http://127.0.0.1:{}", metricsPort_)})
        args.push_back(arg);
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::string log = logPath();
    pid_t parent = ::getpid();

    pid_t pid = ::fork();
    if (pid < 0) return Error(fmt::format("etcd test server: fork failed: {}", std::strerror(errno)));
    if (pid == 0) {
      // Child: only async-signal-safe calls until exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      outputTo(log.c_str());
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid_ = pid;

    const auto deadline = Clock::now() + readyTimeout;
    bool exited = false;
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited = true;
        pid_ = -1;
        break;
      }
      if (healthy()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited) {
      std::string tail = logTail();
      kill();
      return Error(fmt::format("etcd test server: not healthy on {} within {} ms; log:\n{}", clientUrl(),
                               readyTimeout.count(), tail));
    }
    if (!mayRepick) break;
    pickPorts(clientPort_, peerPort_, metricsPort_);
  }
  return Error(fmt::format("etcd test server: etcd exited during start-up; log:\n{}", logTail()));
}

void EtcdServer::signalAndWait(int signal, std::chrono::milliseconds patience) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  const auto deadline = Clock::now() + patience;
  while (Clock::now() < deadline) {
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_ || (done < 0 && errno == ECHILD)) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void EtcdServer::stop() { signalAndWait(SIGTERM, std::chrono::seconds(5)); }

void EtcdServer::kill() { signalAndWait(SIGKILL, std::chrono::seconds(5)); }

}  // namespace ciliumc::testing
