// `ciliumctl monitor [--type drop|verdict] [--endpoint N]`: streams GET /v1/monitor (one JSON
// event per line) until Ctrl-C or until the agent closes the stream. Prints each event's Cilium
// style "line", or with -o json the JSON lines themselves.
#include <csignal>
#include <memory>

#include <fmt/format.h>

#include "cli/ciliumctl/commands.h"

namespace ciliumc::ctl {

namespace {

void onInterrupt(int) { stopStreaming(); }

// SIGINT/SIGTERM end the stream (the socket is shut down) instead of killing ciliumctl mid-line;
// the previous handlers come back when the stream is over.
class InterruptEndsStream {
 public:
  InterruptEndsStream() {
    struct sigaction action{};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previousInt_);
    sigaction(SIGTERM, &action, &previousTerm_);
  }
  ~InterruptEndsStream() {
    sigaction(SIGINT, &previousInt_, nullptr);
    sigaction(SIGTERM, &previousTerm_, nullptr);
  }
  InterruptEndsStream(const InterruptEndsStream&) = delete;
  InterruptEndsStream& operator=(const InterruptEndsStream&) = delete;

 private:
  struct sigaction previousInt_{};
  struct sigaction previousTerm_{};
};

struct MonitorOptions {
  std::string type;
  uint64_t endpoint = 0;
  bool endpointGiven = false;
};

std::string monitorPath(const MonitorOptions& options) {
  std::string path = "/v1/monitor";
  char separator = '?';
  if (!options.type.empty()) {
    path += fmt::format("{}type={}", separator, urlSegment(options.type));
    separator = '&';
  }
  if (options.endpointGiven) path += fmt::format("{}endpoint={}", separator, options.endpoint);
  return path;
}

int runMonitor(CtlContext& ctx, const MonitorOptions& options) {
  auto printEvent = [&](std::string_view line) {
    if (ctx.json()) {
      ctx.out << line << std::endl;
      return true;
    }
    json event = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (event.is_discarded() || !event.is_object()) {
      ctx.err << "warning: skipping a malformed event from ciliumd: " << line.substr(0, 120) << "\n";
      return true;
    }
    std::string text = field(event, "line");
    ctx.out << (text.empty() ? event.dump(-1, ' ', false, json::error_handler_t::replace) : text) << std::endl;
    return true;
  };
  resetStreamingStop();
  InterruptEndsStream interrupts;
  auto streamed = ctx.client().stream(monitorPath(options), printEvent, [&] {
    if (!ctx.json()) ctx.err << "Listening for events on " << ctx.socket << ". Press Ctrl-C to quit" << std::endl;
  });
  if (!streamed) return ctx.fail(streamed.error());
  return kExitOk;
}

}  // namespace

void addMonitorCommand(CLI::App& app, CtlContext& ctx) {
  CLI::App* monitor = app.add_subcommand("monitor", "Stream policy verdict and drop events (Ctrl-C to stop)");
  auto options = std::make_shared<MonitorOptions>();
  monitor->add_option("--type", options->type, "only events of this type")
      ->check(CLI::IsMember({"drop", "verdict"}));
  CLI::Option* endpoint = monitor->add_option("--endpoint", options->endpoint, "only events of this endpoint id");
  monitor->callback([&ctx, options, endpoint] {
    options->endpointGiven = endpoint->count() > 0;
    ctx.action = [&ctx, options] { return runMonitor(ctx, *options); };
  });
}

}  // namespace ciliumc::ctl
