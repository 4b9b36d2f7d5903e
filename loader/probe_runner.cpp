#include "loader/probe_runner.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "loader/libbpf_log.h"

namespace ciliumc::loader {

struct ProbeRunner::State {
  int ctFd = -1;
  int configFd = -1;
  ring_buffer* ring = nullptr;
  std::vector<ciliumc_event>* sink = nullptr;  // where the callback stores events; null = discard
  size_t malformedEvents = 0;

  ~State() {
    if (ring) ring_buffer__free(ring);
  }

  static int onEvent(void* context, void* data, size_t size) {
    auto* state = static_cast<State*>(context);
    if (size < sizeof(ciliumc_event)) {
      ++state->malformedEvents;
      return 0;
    }
    if (state->sink) {
      ciliumc_event event;
      std::memcpy(&event, data, sizeof(event));
      state->sink->push_back(event);
    }
    return 0;
  }

  Status drain(std::vector<ciliumc_event>* into) {
    sink = into;
    int consumed = ring_buffer__consume(ring);
    sink = nullptr;
    if (consumed < 0) return errnoError("reading ciliumc_events", consumed);
    return success();
  }
};

ProbeRunner::ProbeRunner(std::unique_ptr<State> state) : state_(std::move(state)) {}
ProbeRunner::ProbeRunner(ProbeRunner&&) noexcept = default;
ProbeRunner& ProbeRunner::operator=(ProbeRunner&&) noexcept = default;
ProbeRunner::~ProbeRunner() = default;

Expected<ProbeRunner> ProbeRunner::create(int eventsFd, int ctFd, int configFd) {
  auto state = std::make_unique<State>();
  state->ctFd = ctFd;
  state->configFd = configFd;
  LibbpfLogCapture capture;
  state->ring = ring_buffer__new(eventsFd, &State::onEvent, state.get(), nullptr);
  if (!state->ring) return errnoError("opening the ciliumc_events ring buffer", errno);
  return ProbeRunner(std::move(state));
}

Status ProbeRunner::setEmitAllowEvents(bool enabled) {
  if (state_->configFd < 0) return Error{"no ciliumc_config map"};
  uint32_t key = 0;
  ciliumc_config config{};
  if (bpf_map_lookup_elem(state_->configFd, &key, &config) != 0) return errnoError("reading ciliumc_config", errno);
  config.flags = enabled ? (config.flags | CILIUMC_CONFIG_EMIT_ALLOW_EVENTS) : (config.flags & ~CILIUMC_CONFIG_EMIT_ALLOW_EVENTS);
  if (bpf_map_update_elem(state_->configFd, &key, &config, BPF_ANY) != 0) return errnoError("writing ciliumc_config", errno);
  return success();
}

Status ProbeRunner::clearConnections() {
  if (state_->ctFd < 0) return Error{"no ciliumc_ct map"};
  bpf_map_info info{};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(state_->ctFd, &info, &length) != 0) return errnoError("reading ciliumc_ct info", errno);
  if (info.key_size != sizeof(ciliumc_ct_key)) return Error{"ciliumc_ct has an unexpected key size"};
  // Deleting the first key until none is left: never skips an entry, however the hash iterates.
  ciliumc_ct_key key{};
  for (uint32_t deleted = 0; deleted <= info.max_entries; ++deleted) {
    if (bpf_map_get_next_key(state_->ctFd, nullptr, &key) != 0) {
      if (errno == ENOENT) return success();
      return errnoError("iterating ciliumc_ct", errno);
    }
    if (bpf_map_delete_elem(state_->ctFd, &key) != 0 && errno != ENOENT) return errnoError("delete from ciliumc_ct", errno);
  }
  return Error{"ciliumc_ct kept growing while it was being cleared"};
}

Expected<ProbeOutcome> ProbeRunner::run(int programFd, std::span<const uint8_t> packet, uint32_t repeat) {
  if (auto drained = state_->drain(nullptr); !drained) return drained.error();
  std::vector<uint8_t> output(packet.size() + 256);
  bpf_test_run_opts options{};
  options.sz = sizeof(options);
  options.data_in = packet.data();
  options.data_size_in = static_cast<uint32_t>(packet.size());
  options.data_out = output.data();
  options.data_size_out = static_cast<uint32_t>(output.size());
  options.repeat = repeat == 0 ? 1 : repeat;
  if (bpf_prog_test_run_opts(programFd, &options) != 0) return errnoError("BPF_PROG_TEST_RUN", errno);
  ProbeOutcome outcome;
  outcome.tcVerdict = static_cast<int>(options.retval);
  outcome.durationNs = options.duration;
  if (auto drained = state_->drain(&outcome.events); !drained) return drained.error();
  return outcome;
}

}  // namespace ciliumc::loader
