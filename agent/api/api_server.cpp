#include "agent/api/api_server.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "agent/api/request_fields.h"
#include "agent/daemon/daemon.h"
#include "agent/monitor/event_format.h"
#include "agent/monitor/event_hub.h"
#include "agent/policy/policy_repository.h"

namespace ciliumc::agent {

namespace {

// Replies may quote request text (paths, names) that is not valid UTF-8: such bytes are sent as
// U+FFFD rather than making dump() throw, which in the error handler would end the process.
void send(httplib::Response& response, const ApiReply& reply) {
  response.status = reply.status;
  response.set_content(reply.body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                       "application/json");
}

// The JSON body of a request, or the 400/415 reply.
std::optional<nlohmann::json> jsonBody(const httplib::Request& request, httplib::Response& response) {
  std::string type = request.get_header_value("Content-Type");
  if (!type.empty() && type.find("json") == std::string::npos) {
    send(response, ApiReply::error(415, "Content-Type `" + type + "`: send application/json"));
    return std::nullopt;
  }
  nlohmann::json body;
  if (auto rejected = parseJsonBody(request.body, body)) {
    send(response, *rejected);
    return std::nullopt;
  }
  return body;
}

std::optional<uint32_t> idParameter(const httplib::Request& request, httplib::Response& response) {
  const std::string& text = request.matches[1];
  uint64_t value = 0;
  for (char c : text) value = value * 10 + static_cast<uint64_t>(c - '0');
  if (text.empty() || text.size() > 9 || value > 0xffffffffu) {
    send(response, ApiReply::error(400, "`" + text + "` is not an id"));
    return std::nullopt;
  }
  return static_cast<uint32_t>(value);
}

}  // namespace

ApiServer::ApiServer(Daemon& daemon) : daemon_(daemon) {}
ApiServer::~ApiServer() { stop(); }

void ApiServer::routes() {
  httplib::Server& s = *server_;
  s.Get("/v1/healthz", [](const httplib::Request&, httplib::Response& res) { send(res, ApiReply::ok({{"ok", true}})); });
  s.Get("/v1/status", [this](const httplib::Request&, httplib::Response& res) { send(res, daemon_.status()); });
  s.Get("/v1/endpoints", [this](const httplib::Request&, httplib::Response& res) { send(res, daemon_.listEndpoints()); });
  s.Put("/v1/endpoints", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto body = jsonBody(req, res)) send(res, daemon_.createEndpoint(*body));
  });
  s.Get(R"(/v1/endpoints/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto id = idParameter(req, res)) send(res, daemon_.getEndpoint(*id));
  });
  s.Delete(R"(/v1/endpoints/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto id = idParameter(req, res)) send(res, daemon_.deleteEndpoint(*id));
  });
  s.Patch(R"(/v1/endpoints/(\d+)/labels)", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto id = idParameter(req, res))
      if (auto body = jsonBody(req, res)) send(res, daemon_.changeLabels(*id, *body));
  });
  s.Get("/v1/identities", [this](const httplib::Request&, httplib::Response& res) { send(res, daemon_.listIdentities()); });
  s.Get(R"(/v1/identities/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto id = idParameter(req, res)) send(res, daemon_.getIdentity(*id));
  });
  s.Get("/v1/policy", [this](const httplib::Request&, httplib::Response& res) { send(res, daemon_.getPolicy()); });
  s.Put("/v1/policy", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto body = jsonBody(req, res)) send(res, daemon_.putPolicy(*body));
  });
  s.Post("/v1/policy/validate", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto body = jsonBody(req, res)) send(res, daemon_.validatePolicy(*body));
  });
  s.Get("/v1/policy/wait", [this](const httplib::Request& req, httplib::Response& res) {
    auto number = [&](const char* name, int64_t fallback) -> std::optional<int64_t> {
      if (!req.has_param(name)) return fallback;
      std::string text = req.get_param_value(name);
      char* end = nullptr;
      long long value = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end || value < 0) return std::nullopt;
      return value;
    };
    auto revision = number("revision", -1);
    auto timeout = number("timeout", 30);
    if (!revision || *revision < 0) return send(res, ApiReply::error(400, "`revision` must be a non-negative integer", "revision"));
    if (!timeout || *timeout > 3600) return send(res, ApiReply::error(400, "`timeout` must be 0..3600 seconds", "timeout"));
    send(res, daemon_.waitPolicy(*revision, std::chrono::seconds(*timeout)));
  });
  s.Delete(R"(/v1/policy/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto named = validatePolicyName(req.matches[1]); !named) return send(res, ApiReply::error(400, named.error().message, "name"));
    send(res, daemon_.deletePolicy(req.matches[1]));
  });
  s.Get("/v1/ipam", [this](const httplib::Request&, httplib::Response& res) { send(res, daemon_.ipam()); });
  s.Get(R"(/v1/bpf/policy/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto id = idParameter(req, res)) send(res, daemon_.bpfPolicy(*id));
  });
  s.Get("/v1/monitor", [this](const httplib::Request& req, httplib::Response& res) {
    auto filter = monitor::EventFilter::parse(req.get_param_value("type"), req.get_param_value("endpoint"));
    if (!filter) return send(res, ApiReply::error(400, filter.error().message));
    std::shared_ptr<monitor::Subscription> subscription = daemon_.subscribe(*filter);
    if (!subscription) return send(res, ApiReply::error(409, "nothing is loaded on this node yet: no events to monitor"));
    monitor::EventType type = filter->type;
    res.set_chunked_content_provider("application/x-ndjson", [this, subscription, type](size_t, httplib::DataSink& sink) {
      if (!sink.is_writable()) return false;
      if (uint64_t lost = subscription->takeLost()) {
        std::string notice = nlohmann::json{{"type", "lost"}, {"lost", lost},
                                            {"line", "xx " + std::to_string(lost) + " events lost (client too slow)"}}.dump() + "\n";
        if (!sink.write(notice.data(), notice.size())) return false;
      }
      auto event = subscription->next(std::chrono::milliseconds(200));
      if (!event) {
        if (subscription->closed()) {
          sink.done();
          return true;
        }
        return sink.is_writable();
      }
      nlohmann::json json = monitor::eventToJson(*event, daemon_.eventNames());
      json["line"] = monitor::formatEventLine(*event, daemon_.eventNames(), type);
      std::string line = json.dump() + "\n";
      return sink.write(line.data(), line.size());
    });
  });
  // httplib calls this for every status >= 400, also for answers a route wrote itself: only
  // answers without a body (no route, body too large, ...) get one here.
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    // httplib answers 404 when the path exists with other methods; the contract says 405.
    static const std::regex kRoutedPaths(
        R"(/v1/(healthz|status|endpoints(/\d+(/labels)?)?|identities(/\d+)?|policy(/[^/]+)?|ipam|bpf/policy/\d+|monitor))");
    if (res.status == 404 && std::regex_match(req.path, kRoutedPaths)) res.status = 405;
    if (res.status == 404) send(res, ApiReply::error(404, "no such resource: " + req.method + " " + req.path));
    else if (res.status == 413) send(res, ApiReply::error(413, "request body larger than 1 MiB"));
    else if (res.status == 405) send(res, ApiReply::error(405, "method " + req.method + " is not allowed on " + req.path));
    else send(res, ApiReply::error(res.status, "request failed"));
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
    std::string what = "internal error";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what += std::string(": ") + e.what();
    } catch (...) {
    }
    send(res, ApiReply::error(500, what));
  });
}

Expected<bool> ApiServer::start(const std::string& socketPath, const std::string& apiGroup) {
  server_ = std::make_unique<httplib::Server>();
  server_->set_address_family(AF_UNIX);
  server_->set_payload_max_length(kMaxRequestBody);
  server_->new_task_queue = [] { return new httplib::ThreadPool(16); };
  routes();
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(socketPath).parent_path(), error);
  ::unlink(socketPath.c_str());
  mode_t old = ::umask(0177);
  bool bound = server_->bind_to_port(socketPath, 80);
  ::umask(old);
  if (!bound) return Error{"cannot listen on " + socketPath + ": " + std::strerror(errno)};
  socketPath_ = socketPath;
  if (!apiGroup.empty()) {
    struct group* entry = getgrnam(apiGroup.c_str());
    if (!entry) return Error{"--api-group `" + apiGroup + "`: no such group"};
    if (chown(socketPath.c_str(), static_cast<uid_t>(-1), entry->gr_gid) != 0 || chmod(socketPath.c_str(), 0660) != 0)
      return Error{"granting group `" + apiGroup + "` access to " + socketPath + ": " + std::strerror(errno)};
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return true;
}

Expected<bool> ApiServer::startMetrics(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = std::atoi(address.substr(colon + 1).c_str());
  if (port <= 0 || port > 65535) return Error{"--prometheus-serve-addr `" + address + "`: bad port"};
  metrics_ = std::make_unique<httplib::Server>();
  metrics_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(daemon_.metricsText(), "text/plain; version=0.0.4");
  });
  if (!metrics_->bind_to_port("127.0.0.1", port)) return Error{"cannot listen on 127.0.0.1:" + std::to_string(port)};
  metricsThread_ = std::thread([this] { metrics_->listen_after_bind(); });
  return true;
}

void ApiServer::stop() {
  if (server_) server_->stop();
  if (metrics_) metrics_->stop();
  if (thread_.joinable()) thread_.join();
  if (metricsThread_.joinable()) metricsThread_.join();
  if (!socketPath_.empty()) ::unlink(socketPath_.c_str());
  socketPath_.clear();
}

}  // namespace ciliumc::agent
